import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * Lets a shutdown (SIGTERM, Ctrl-C, `app.close()`) end as soon as the requests under way are answered, on Express
 * and Fastify alike. Node's `server.close()` closes the keep-alive connections idle at that moment, but one whose
 * request is still being answered stays open after its answer until the client lets it go (5 s on Express,
 * Fastify's 72 s `keepAliveTimeout`), and the process waits for it. From the start of the shutdown — before Nest
 * stops the HTTP server; the module's stores close only after it — every answer not yet sent says
 * `Connection: close`, so the client opens its next connection elsewhere and Node closes this one once the answer
 * is out. Costs nothing per request until then (one listener per connection, none per request).
 */
@Injectable()
export class ConnectionDrain implements OnApplicationBootstrap, BeforeApplicationShutdown {
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
    for (const socket of this.sockets) {
      // The answer a connection is sending now (Node keeps it on the socket while it is under way).
      const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (!res) continue;
      if (!res.headersSent) res.setHeader('Connection', 'close');
      // Its headers already out (a streamed answer): close the connection once it has gone idle.
      else res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
    }
  }

  private server(): Server | undefined {
    return this.host.httpAdapter?.getHttpServer() as Server | undefined;
  }
}
