import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** How long a shutdown waits for connections before closing them, answered or not (ms). */
export const DRAIN_GRACE_MS = 10_000;

/**
 * Lets a shutdown (SIGTERM, Ctrl-C, `app.close()`) end as soon as the requests under way are answered, on Express
 * and Fastify alike. Node's `server.close()` closes the keep-alive connections idle at that moment, but one whose
 * request is still being answered stays open after its answer until the client lets it go (5 s on Express,
 * Fastify's 72 s `keepAliveTimeout`), and the process waits for it; one whose request never finishes arriving
 * (headers or body cut short) would hold it for good, since Node stops timing requests once the server closes.
 * From the start of the shutdown — before Nest stops the HTTP server; the module's stores close only after it —
 * a connection is closed as soon as its answer under way is out (its pipelined requests, if any, answered first:
 * Node closes only idle connections), requests arriving meanwhile are answered `Connection: close`, and after
 * {@link graceMs} every connection left is closed. Costs nothing per request before then (one listener per
 * connection).
 */
@Injectable()
export class ConnectionDrain implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** How long to wait for connections once the shutdown has begun (default {@link DRAIN_GRACE_MS}). */
  graceMs = DRAIN_GRACE_MS;
  private draining = false;
  private readonly sockets = new Set<Socket>();

  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  /** Whether the shutdown has begun. */
  get isDraining(): boolean {
    return this.draining;
  }

  onApplicationBootstrap(): void {
    const server = this.server();
    if (!server) return;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  beforeApplicationShutdown(): void {
    const server = this.server();
    if (!server || this.draining) return;
    this.draining = true;
    // Requests from now on (on connections still open): added only now, so no request pays for it before.
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) =>
      res.setHeader('Connection', 'close'),
    );
    const closeIdle = (): void => void setImmediate(() => server.closeIdleConnections());
    for (const socket of this.sockets) {
      // The answer a connection is sending now (Node keeps it on the socket while it is under way): once it is
      // out, the connection is idle unless a pipelined request follows — then that one's answer closes it.
      const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      res?.once('finish', closeIdle);
    }
    const grace = setTimeout(() => server.closeAllConnections(), this.graceMs);
    grace.unref();
    server.once('close', () => clearTimeout(grace));
  }

  private server(): Server | undefined {
    return this.host.httpAdapter?.getHttpServer() as Server | undefined;
  }
}
