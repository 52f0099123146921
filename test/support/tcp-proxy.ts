import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP proxy on an ephemeral local port in front of a database server, which a test can cut (every open
 * connection dropped, new ones refused) and restore. It stands in for "the database went away" without
 * stopping the shared server other suites use.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Each accepted connection and its upstream, while open. */
  private readonly pairs = new Set<[Socket, Socket]>();
  private stalled = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts listening (on the same port again after {@link cut}). */
  async start(): Promise<void> {
    const server = createServer((client) => {
      if (this.stalled) {
        // Accepted, never answered.
        this.sockets.add(client);
        client.on('close', () => this.sockets.delete(client));
        client.on('error', () => client.destroy());
        return;
      }
      const upstream = connect({ host: this.targetHost, port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.on('close', () => this.pairs.delete(pair));
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /**
   * The server stops answering but stays reachable (overloaded, paused, a stalled network path): open
   * connections stop carrying bytes either way, new ones are accepted and never answered. Until {@link cut}.
   */
  stall(): void {
    this.stalled = true;
    for (const s of this.sockets) {
      s.unpipe();
      s.pause();
    }
  }

  /**
   * The server catches up after a {@link stall}: what the open connections sent meanwhile is delivered (in
   * order) and they carry bytes again. Connections accepted during the stall stay unanswered.
   */
  resume(): void {
    this.stalled = false;
    for (const [client, upstream] of this.pairs) {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  }

  /** The database goes away: open connections are reset and new ones refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.stalled = false;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    this.pairs.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The database comes back on the same port. */
  restore(): Promise<void> {
    return this.start();
  }

  stop(): Promise<void> {
    return this.cut();
  }
}
