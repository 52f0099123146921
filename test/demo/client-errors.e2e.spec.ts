import { connect } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_TIMEOUT_MS } from '../../src/create-app.js';
import { testAdapter } from '../support/test-app.js';
import { listeningNpmStartApp } from '../support/npm-start-app.js';

/** Sends raw bytes to the server and reads everything it answers until it closes the connection. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.write(bytes);
  });
}

/** Status line, headers (lower-case names) and JSON body of a raw HTTP/1.1 answer. */
function parse(answer: string): { status: number; headers: Record<string, string>; body: unknown } {
  const [head, body] = answer.split('\r\n\r\n', 2);
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [
      l.slice(0, l.indexOf(':')).toLowerCase(),
      l.slice(l.indexOf(':') + 1).trim(),
    ]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) };
}

/**
 * Requests Node's HTTP parser refuses before the platform sees them (oversized headers, a malformed request
 * line or header) get the demo's `{"error","error_description"}` JSON on both platforms — not Node's empty 431
 * (Express) nor Fastify's `{"statusCode",…}` shape.
 */
describe(`requests the HTTP parser refuses, on ${testAdapter()}`, () => {
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    ({ app, port } = await listeningNpmStartApp());
  });
  afterAll(() => app?.close());

  it('oversized headers are 431 invalid_request JSON, no-store, connection closed', async () => {
    const answer = parse(
      await raw(
        port,
        `POST /oauth/token HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      ),
    );
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['connection']).toBe('close');
    expect(answer.body).toEqual({
      error: 'invalid_request',
      error_description: 'request header fields too large',
    });
  });

  it('a malformed request line or header is 400 invalid_request JSON', async () => {
    for (const bytes of [
      'GET /device HTTP/1.1 extra\r\nHost: x\r\n\r\n',
      'GET /device HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n',
      'POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    ]) {
      const answer = parse(await raw(port, bytes));
      expect(answer.status, bytes).toBe(400);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.body).toEqual({
        error: 'invalid_request',
        error_description: 'malformed HTTP request',
      });
    }
  });

  it('an Expect other than 100-continue is 417 invalid_request JSON (not Node’s empty 417)', async () => {
    const answer = parse(
      await raw(
        port,
        'POST /oauth/device_authorization HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n' +
          'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 21\r\n\r\nclient_id=demo-device',
      ),
    );
    expect(answer.status).toBe(417);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['connection']).toBe('close');
    expect(answer.body).toEqual({
      error: 'invalid_request',
      error_description: 'Expect header not supported; only 100-continue is accepted',
    });
  });

  it('CONNECT is 400 invalid_request JSON (Node closes the connection without a word)', async () => {
    for (const target of ['/oauth/token', 'example.com:443']) {
      const answer = parse(await raw(port, `CONNECT ${target} HTTP/1.1\r\nHost: x\r\n\r\n`));
      expect(answer.status, target).toBe(400);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.body).toEqual({
        error: 'invalid_request',
        error_description: 'CONNECT is not served: this server is not a proxy',
      });
    }
  });

  it('on a kept-alive connection, a refused second request is still answered after the first', async () => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    socket.write('GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => received.includes('"issuer"')).toBe(true);
    expect(received.startsWith('HTTP/1.1 200 ')).toBe(true);
    socket.write(`GET /device HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    await closed;
    const second = received.slice(received.indexOf('HTTP/1.1 431 '));
    expect(parse(second).body).toEqual({
      error: 'invalid_request',
      error_description: 'request header fields too large',
    });
  });

  it('a request that never finishes arriving is cut off after the same time on both platforms', () => {
    // Node answers it 408 (then the JSON above) once requestTimeout passes; Fastify's default of 0 would turn
    // that off, leaving a client that announces a body and never sends it holding the connection for ever.
    const server = app.getHttpServer() as { requestTimeout: number };
    expect(server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(REQUEST_TIMEOUT_MS).toBe(300_000);
  });

  it('the server keeps serving afterwards', async () => {
    const answer = await raw(
      port,
      'GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(answer.startsWith('HTTP/1.1 200 ')).toBe(true);
  });
});
