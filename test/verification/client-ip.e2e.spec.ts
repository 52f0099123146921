import { createServer, type Server } from 'node:http';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DeviceFlowEvent,
  DeviceFlowEvents,
  type DeviceFlowModuleOptions,
} from '../../libs/device-flow/src/index.js';
import { createTestApp, form, nodeRequestHandler, type TestApp } from '../support/test-app.js';
import { CookieJar, csrfOf, headerUserProviders } from '../support/verification-agent.js';

/**
 * One client, one address: an IPv4 client of a dual-stack listener (Node's default `::`, where the socket says
 * `::ffff:127.0.0.1` on Express and Fastify alike), or one a proxy writes as `::ffff:a.b.c.d`, is shown on the
 * consent page, stored as `requestIp`, raised in `device_code.issued` and counted by the issuance limit as the
 * IPv4 address it is (RFC 4291 §2.5.5.2).
 */
describe('client IP address: IPv4-mapped IPv6 written as IPv4', () => {
  let t: TestApp;
  /** Where requests go: the app's own supertest agent, or {@link dualStack}. */
  let http: TestAgent;
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    await t?.close();
  });

  async function app(options: Partial<DeviceFlowModuleOptions> = {}, trustProxy = false) {
    t = await createTestApp(
      { clients: [{ clientId: 'tv', displayName: 'Test TV', scopes: ['read'] }], ...options },
      { providers: headerUserProviders },
      { trustProxy },
    );
    http = t.http;
  }

  /**
   * Serves the app from a listener on Node's default address (`::`, dual-stack where the host has IPv6), reached
   * at 127.0.0.1 (supertest's address for a listening server): the socket reports the client as `::ffff:127.0.0.1`.
   */
  async function dualStack() {
    server = createServer(nodeRequestHandler(t.app));
    await new Promise<void>((resolve) => server!.listen(0, resolve));
    http = request(server);
  }

  const ask = (headers: Record<string, string> = {}) =>
    http
      .post('/oauth/device_authorization')
      .set(headers)
      .type('form')
      .send(form({ client_id: 'tv', scope: 'read' }));

  /** Every event the app raises from now on. */
  function record(): DeviceFlowEvent[] {
    const events: DeviceFlowEvent[] = [];
    t.app.get<DeviceFlowEvents>(DeviceFlowEvents).subscribe((e) => void events.push(e));
    return events;
  }

  /** The consent page of `userCode` for a signed-in user (following a redirect to it, if there is one). */
  async function consentPage(userCode: string, headers: Record<string, string> = {}) {
    const jar = new CookieJar();
    const entry = await http.get('/device').set(headers).set('x-test-user', 'alice').expect(200);
    jar.store(entry.headers['set-cookie']);
    const res = await http
      .post('/device')
      .set(headers)
      .set('x-test-user', 'alice')
      .set('Cookie', jar.header())
      .type('form')
      .send(form({ csrf_token: csrfOf(entry.text), user_code: userCode }));
    if (res.status !== 303) return res.text;
    jar.store(res.headers['set-cookie']);
    const next = await http
      .get(res.headers.location!)
      .set(headers)
      .set('x-test-user', 'alice')
      .set('Cookie', jar.header())
      .expect(200);
    return next.text;
  }

  // The address itself (the page may add that it is not the viewer's network).
  const shownIp = (page: string) =>
    /From IP address<\/dt>\s*<dd>([^<\s]*)[^<]*<\/dd>/.exec(page)?.[1];

  it('the socket address of an IPv4 client on a dual-stack listener', async () => {
    await app();
    await dualStack();
    const events = record();
    const codes = (await ask({ 'User-Agent': 'TestTV/1.0' }).expect(200)).body;
    expect((await t.grants.findPending(codes.user_code)).requestIp).toBe('127.0.0.1');
    expect(events.find((e) => e.type === 'device_code.issued')).toMatchObject({
      ip: '127.0.0.1',
    });
    expect(shownIp(await consentPage(codes.user_code))).toBe('127.0.0.1');
  });

  it('an address a trusted proxy forwards as ::ffff:a.b.c.d', async () => {
    await app({}, true);
    const events = record();
    const codes = (await ask({ 'X-Forwarded-For': '::ffff:203.0.113.9' }).expect(200)).body;
    expect((await t.grants.findPending(codes.user_code)).requestIp).toBe('203.0.113.9');
    expect(events.find((e) => e.type === 'device_code.issued')).toMatchObject({
      ip: '203.0.113.9',
    });
    expect(shownIp(await consentPage(codes.user_code))).toBe('203.0.113.9');
  });

  it('the issuance limit counts both spellings of one address in one budget', async () => {
    await app({ issuanceLimit: { limit: 2, windowSeconds: 60 } }, true);
    await ask({ 'X-Forwarded-For': '203.0.113.9' }).expect(200);
    await ask({ 'X-Forwarded-For': '::ffff:203.0.113.9' }).expect(200);
    await ask({ 'X-Forwarded-For': '::FFFF:cb00:7109' }).expect(429); // 203.0.113.9 in hex
    await ask({ 'X-Forwarded-For': '203.0.113.10' }).expect(200); // another client: its own budget
  });

  it('the issuance limit counts an IPv6 client by its /64: rotating addresses in it gets no new budget', async () => {
    await app({ issuanceLimit: { limit: 2, windowSeconds: 60 } }, true);
    await ask({ 'X-Forwarded-For': '2001:db8:0:1::1' }).expect(200);
    await ask({ 'X-Forwarded-For': '2001:db8:0:1:aaaa:bbbb:cccc:dddd' }).expect(200);
    await ask({ 'X-Forwarded-For': '2001:db8:0:1::2' }).expect(429);
    // The address itself is still what is stored and shown.
    const events = record();
    const codes = (await ask({ 'X-Forwarded-For': '2001:db8:0:2::7' }).expect(200)).body;
    expect((await t.grants.findPending(codes.user_code)).requestIp).toBe('2001:db8:0:2::7');
    expect(events.find((e) => e.type === 'device_code.issued')).toMatchObject({
      ip: '2001:db8:0:2::7',
    });
  });
});
