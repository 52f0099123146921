import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { type INestApplication, Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { npmStartApp } from '../support/npm-start-app.js';
import { testAdapter } from '../support/test-app.js';

/** A client that goes away in the middle of its body leaves nothing in the error log (nobody is left to answer). */
describe(`a client that goes away mid-body, on ${testAdapter()}`, () => {
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    app = await npmStartApp();
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => app?.close());

  it('is not logged as an error, and the server keeps serving', async () => {
    const error = vi.spyOn(Logger.prototype, 'error');
    const staticError = vi.spyOn(Logger, 'error');
    try {
      for (const path of ['/oauth/token', '/device', '/login', '/admin/clients']) {
        await new Promise<void>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port }, () => {
            socket.write(
              `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
                'Content-Length: 100\r\n\r\ngrant_type=',
            );
            setTimeout(() => socket.destroy(), 100);
          });
          socket.on('close', () => resolve());
        });
      }
      await new Promise((r) => setTimeout(r, 200));
      expect([...error.mock.calls, ...staticError.mock.calls].map((c) => String(c[0]))).toEqual([]);
    } finally {
      error.mockRestore();
      staticError.mockRestore();
    }
    const res = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
  });
});
