import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import {
  Controller,
  type DynamicModule,
  HttpCode,
  Inject,
  Injectable,
  type INestApplication,
  Module,
  Post,
  Query,
} from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionDrain } from '../../src/connection-drain.js';
import { createDemoApp } from '../../src/create-app.js';
import { ADAPTERS, bareDeviceFlowModule } from '../support/test-app.js';

/**
 * The demo's shutdown with a keep-alive connection whose request is still being answered: the answer goes out
 * (with `Connection: close`) and the app closes as soon as it has, not when the client's or the server's
 * keep-alive timeout runs out (5 s on Express, 72 s on Fastify).
 */

/** Holds each request to `POST /held` until let through. */
@Injectable()
class Gate {
  /** Requests that must have arrived before {@link waiting} resolves. */
  expected = 1;
  private arrived = 0;
  reached!: () => void;
  waiting = new Promise<void>((r) => (this.reached = r));
  letThrough!: () => void;
  private readonly open = new Promise<void>((r) => (this.letThrough = r));
  async pass(): Promise<void> {
    if (++this.arrived >= this.expected) this.reached();
    await this.open;
  }
}

@Controller()
class HeldController {
  constructor(@Inject(Gate) private readonly gate: Gate) {}

  @Post('held')
  @HttpCode(200)
  async held(@Query('after') after?: string): Promise<{ ok: true }> {
    await this.gate.pass();
    // Answered this long after the gate opens (a slower request).
    if (after) await new Promise((r) => setTimeout(r, Number(after)));
    return { ok: true };
  }
}

@Module({})
class DrainTestModule {
  static root(): DynamicModule {
    return {
      module: DrainTestModule,
      imports: [bareDeviceFlowModule()],
      controllers: [HeldController],
      providers: [Gate, ConnectionDrain],
    };
  }
}

/** Settles with how long `promise` took (ms), or rejects after `limitMs`. */
async function within<T>(promise: Promise<T>, limitMs: number): Promise<number> {
  const started = Date.now();
  await Promise.race([
    promise,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`still waiting after ${limitMs} ms`)), limitMs),
    ),
  ]);
  return Date.now() - started;
}

describe.each(ADAPTERS)('demo shutdown on %s', (adapter) => {
  let app: INestApplication | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  afterEach(async () => {
    agent.destroy();
    await app?.close().catch(() => undefined);
    app = undefined;
  });

  it('answers the request under way and closes without waiting for keep-alive', async () => {
    app = await createDemoApp(DrainTestModule.root(), { adapter, trustProxy: undefined }, false);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const gate = app.get(Gate);
    const drain = app.get(ConnectionDrain);

    const answer = new Promise<{ status: number; connection: string | undefined; body: string }>(
      (resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, path: '/held', method: 'POST', agent },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
    await gate.waiting;
    const closed = app.close();
    // The answer goes out once the server has stopped listening: past Node's closing of the idle connections.
    const server = app.getHttpServer() as { listening: boolean };
    while (!drain.isDraining || server.listening) await new Promise((r) => setTimeout(r, 5));
    gate.letThrough();

    const res = await answer;
    // The client is told to send its next request elsewhere, not into this closing connection.
    expect(res).toEqual({ status: 200, connection: 'close', body: '{"ok":true}' });
    // Without the drain the connection stays open after the answer, idle, and close() waits 5 s (Express) or
    // 72 s (Fastify) for it.
    expect(await within(closed, 3000)).toBeLessThan(3000);
    app = undefined;
  });

  it('answers pipelined requests under way too, before closing their connection', async () => {
    app = await createDemoApp(DrainTestModule.root(), { adapter, trustProxy: undefined }, false);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const gate = app.get(Gate);
    gate.expected = 2;
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    const ended = new Promise<void>((r) => socket.on('close', () => r()));
    // The second is answered well after the first: the connection must be followed past the first answer.
    const held = (path: string) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`;
    socket.write(held('/held') + held('/held?after=300'));
    await gate.waiting;
    const closed = app.close();
    const drain = app.get(ConnectionDrain);
    while (!drain.isDraining) await new Promise((r) => setTimeout(r, 5));
    gate.letThrough();
    await within(ended, 3000);
    expect(received.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    // Only the last answer closes the connection (the first had a request queued behind it).
    expect(received.match(/connection: close/gi)).toHaveLength(1);
    expect(await within(closed, 3000)).toBeLessThan(3000);
    app = undefined;
  });

  it('closes a connection whose request never finishes arriving, after the grace period', async () => {
    app = await createDemoApp(DrainTestModule.root(), { adapter, trustProxy: undefined }, false);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    app.get(ConnectionDrain).graceMs = 300;
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    // Headers cut short: Node no longer times such a request out once the server is closing.
    socket.write('POST /held HTTP/1.1\r\nHost: x\r\nContent-Len');
    await new Promise((r) => setTimeout(r, 50));
    expect(await within(app.close(), 3000)).toBeLessThan(3000);
    app = undefined;
    socket.destroy();
  });
});
