import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer: a JSON response, a raw response, a dropped connection, or no answer at all. */
export type FakeReply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; headers?: Record<string, string> }
  | { drop: true }
  | { hang: true };

/** A request the fake server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  form: Record<string, string>;
}

/**
 * A tiny HTTP server on 127.0.0.1, port 0, answering each path from a script of replies (the last reply of a
 * path repeats). For fault injection: 5xx, dropped connections, hangs, `slow_down` sequences.
 */
export class FakeOAuthServer {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, FakeReply[]>();
  private readonly server: Server;
  private readonly hung = new Set<ServerResponse>();
  url = '';

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Starts a server; `url` is its origin, e.g. `http://127.0.0.1:40123`. */
  static async start(): Promise<FakeOAuthServer> {
    const s = new FakeOAuthServer();
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  /** Sets the replies of `path`, in order; the last one repeats. */
  script(path: string, ...replies: FakeReply[]): this {
    this.scripts.set(path, replies);
    return this;
  }

  /** Requests made to `path`. */
  to(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, form });
    const script = this.scripts.get(path);
    const reply: FakeReply = script?.length
      ? script.length > 1
        ? script.shift()!
        : script[0]!
      : { status: 404, text: 'not found' };
    if ('drop' in reply) return void req.socket.destroy();
    if ('hang' in reply) return void this.hung.add(res);
    const body = 'json' in reply ? JSON.stringify(reply.json) : reply.text;
    res.writeHead(reply.status, {
      'Content-Type': 'json' in reply ? 'application/json' : 'text/html',
      ...reply.headers,
    });
    res.end(body);
  }
}
