import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnAllInterfaces } from '../../src/listen.js';
import { testAdapter } from '../support/test-app.js';
import { npmStartApp } from '../support/npm-start-app.js';

/** Status of GET /.well-known/oauth-authorization-server at host:port. */
function metadataStatus(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host, port, path: '/.well-known/oauth-authorization-server', timeout: 5000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${host}`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The demo listens on every interface on both platforms (as `npm start` does, src/main.ts): reachable on the
 * machine's own network address, not only on loopback — Fastify's default is `localhost` only.
 */
describe(`the demo listens on every interface on ${testAdapter()}`, () => {
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    app = await npmStartApp();
    await listenOnAllInterfaces(app, 0);
    port = (app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => app?.close());

  it('answers on loopback (IPv4 and IPv6) and on a non-loopback address of this machine', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    // Every machine this runs on (a developer's, CI) has one; without it the claim cannot be checked.
    expect(external, 'a non-loopback IPv4 address on this machine').toBeDefined();
    expect(await metadataStatus('127.0.0.1', port)).toBe(200);
    expect(await metadataStatus('::1', port)).toBe(200);
    expect(await metadataStatus(external!.address, port)).toBe(200);
  });
});
