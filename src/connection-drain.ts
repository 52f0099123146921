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
export const DRAIN_GRACE_MS = 5_000;

/** What of Node's per-connection state this reads: the answer being sent, and the request parsed last. */
type ServerSocket = Socket & {
  _httpMessage?: ServerResponse | null;
  parser?: { incoming?: IncomingMessage | null } | null;
};

/**
 * Lets a shutdown (SIGTERM, Ctrl-C, `app.close()`) end as soon as the requests under way are answered, on Express
 * and Fastify alike. Node's `server.close()` closes the keep-alive connections idle at that moment, but one whose
 * request is still being answered stays open after its answer until the client lets it go (5 s on Express,
 * Fastify's 72 s `keepAliveTimeout`), and the process waits for it; one whose request never finishes arriving
 * (headers or body cut short) would hold it for good, since Node stops timing requests once the server closes.
 *
 * From the start of the shutdown — before Nest stops the HTTP server; the module's stores close only after it —
 * an answer under way says `Connection: close` when no later request is queued behind it on its connection (so
 * the client sends its next request elsewhere, not into a closing socket; a pipelined request already received is
 * answered first, then the connection is closed as soon as it is idle), requests arriving meanwhile are answered
 * `Connection: close`, and after {@link graceMs} every connection left is closed. Costs nothing per request
 * before then (one listener per connection).
 */
@Injectable()
export class ConnectionDrain implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** How long to wait for connections once the shutdown has begun (default {@link DRAIN_GRACE_MS}). */
  graceMs = DRAIN_GRACE_MS;
  private draining = false;
  private readonly sockets = new Set<ServerSocket>();

  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  /** Whether the shutdown has begun. */
  get isDraining(): boolean {
    return this.draining;
  }

  onApplicationBootstrap(): void {
    const server = this.server();
    if (!server) return;
    server.on('connection', (socket: ServerSocket) => {
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
    for (const socket of this.sockets) this.watch(server, socket);
    const grace = setTimeout(() => server.closeAllConnections(), this.graceMs);
    grace.unref();
    server.once('close', () => clearTimeout(grace));
  }

  /**
   * Follows the answers of one connection until it is idle, then closes it: the answer under way says
   * `Connection: close` if it is the last request received there (decided when its headers are written), and
   * once it is out the next queued answer, if any, is followed the same way.
   */
  private watch(server: Server, socket: ServerSocket): void {
    const res = socket._httpMessage;
    if (!res || socket.destroyed) return;
    if (!res.headersSent) {
      const writeHead = res.writeHead;
      res.writeHead = ((...args: Parameters<ServerResponse['writeHead']>) => {
        // The last request parsed on this connection: nothing pipelined behind this answer.
        if (socket.parser?.incoming === res.req && !res.headersSent)
          res.setHeader('Connection', 'close');
        return writeHead.apply(res, args);
      }) as ServerResponse['writeHead'];
    }
    res.once('finish', () =>
      setImmediate(() => {
        server.closeIdleConnections();
        this.watch(server, socket);
      }),
    );
  }

  private server(): Server | undefined {
    return this.host.httpAdapter?.getHttpServer() as Server | undefined;
  }
}
