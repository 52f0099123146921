import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Clock, ManualClock } from '../../libs/device-flow/src/index.js';
import { AppModule } from '../../src/app.module.js';
import { AUDIT_LOG_SINK } from '../../src/audit-log.js';
import { readDemoConfig } from '../../src/demo.config.js';
import { LOGIN_LIMITS } from '../../src/login-attempts.js';
import { demoLogin } from '../support/demo-login.js';
import { type DemoServer, startDemoServer } from '../support/demo-server.js';
import { createNestApp } from '../support/test-app.js';

/**
 * The demo login's guessing limit: failed sign-ins are counted per username and per client IP through the
 * module's `AttemptLimiter` (the configured storage); past a budget the form answers 429 with `Retry-After`
 * and a page, even for the right password, until the window ends.
 */
describe('demo login: guessing limit', () => {
  let s: DemoServer;
  afterEach(() => s?.close());

  const login = (username: string, password: string, headers: Record<string, string> = {}) =>
    demoLogin(
      s.origin,
      new URLSearchParams({ username, password, return_to: '/device' }).toString(),
      headers,
    );

  const WINDOW_MS = LOGIN_LIMITS.perUsername.windowSeconds * 1000;

  it('chooses 10 failures per username and 30 per client IP, per 15 minutes', () => {
    expect(LOGIN_LIMITS).toEqual({
      perUsername: { limit: 10, windowSeconds: 900 },
      perIp: { limit: 30, windowSeconds: 900 },
    });
  });

  it('refuses a username after 10 failures with 429, Retry-After and the page, even with the right password', async () => {
    s = await startDemoServer();
    for (let i = 0; i < 10; i++) await login('alice', `guess-${i}`).expect(401);
    s.clock.advance(60_000);
    const locked = await login('alice', 'guess-10').expect(429);
    expect(locked.headers['retry-after']).toBe('840');
    expect(locked.headers['content-type']).toMatch(/^text\/html/);
    expect(locked.headers['x-frame-options']).toBe('DENY');
    expect(locked.text).toContain('Too many failed sign-in attempts. Try again in 14 minutes.');
    expect(locked.text).toContain('<form method="post" action="/login">');
    // The username stays filled in, as after a wrong password: only the password is to type again.
    expect(locked.text).toMatch(/name="username"[^>]*value="alice"/);
    // The right password is refused too while the budget is spent: no session.
    const right = await login('alice', 'alice').expect(429);
    expect(String(right.headers['set-cookie'])).not.toContain('demo_session=');
    // Refused attempts are not counted: 25 more refusals for alice would put the address (10 failures so far)
    // past its budget of 30 if they were; another user from the same address still signs in.
    for (let i = 0; i < 25; i++) await login('alice', `refused-${i}`).expect(429);
    await login('bob', 'bob').expect(303);
    // Once the window is over alice has her whole budget again.
    s.clock.advance(WINDOW_MS);
    await login('alice', 'alice').expect(303);
    for (let i = 0; i < 10; i++) await login('alice', `again-${i}`).expect(401);
    await login('alice', 'alice').expect(429);
  });

  it('counts failures only: successful sign-ins never spend the budget', async () => {
    s = await startDemoServer();
    for (let i = 0; i < 15; i++) await login('alice', 'alice').expect(303);
    for (let i = 0; i < 9; i++) await login('alice', 'wrong').expect(401);
    await login('alice', 'alice').expect(303);
    await login('alice', 'wrong').expect(401); // the 10th failure: still answered 401
    await login('alice', 'alice').expect(429);
  });

  it('refuses a client IP after 30 failures across usernames; X-Forwarded-For is ignored without TRUST_PROXY', async () => {
    s = await startDemoServer();
    for (let i = 0; i < 30; i++) {
      await login(`user-${i % 5}`, 'wrong', { 'X-Forwarded-For': `198.51.100.${i}` }).expect(401);
    }
    const locked = await login('bob', 'bob', { 'X-Forwarded-For': '203.0.113.9' }).expect(429);
    expect(locked.headers['retry-after']).toBe('900');
    expect(locked.text).toContain('Too many failed sign-in attempts. Try again in 15 minutes.');
  });

  it('a cross-site POST is refused before counting anything', async () => {
    s = await startDemoServer();
    for (let i = 0; i < 12; i++) {
      await login('alice', 'wrong', { Origin: 'https://evil.example' }).expect(403);
    }
    await login('alice', 'alice').expect(303);
  });
});

describe('demo login: guessing limit behind a trusted proxy', () => {
  let app: INestApplication | undefined;
  afterEach(() => app?.close());

  it('counts per X-Forwarded-For address when the proxy is trusted (TRUST_PROXY)', async () => {
    const config = readDemoConfig({ DATABASE_URL: 'sqlite::memory:', TRUST_PROXY: 'true' });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forConfig(config)] })
      .overrideProvider(Clock)
      .useValue(new ManualClock())
      .overrideProvider(AUDIT_LOG_SINK)
      .useValue(() => undefined)
      .compile();
    app = await createNestApp(moduleRef, { trustProxy: true });
    const login = (username: string, password: string, ip: string) =>
      demoLogin(app!.getHttpServer(), new URLSearchParams({ username, password }).toString(), {
        'X-Forwarded-For': ip,
      });
    // One address, however it is spelled (IPv4, or IPv4-mapped IPv6 as a dual-stack socket reports it).
    for (let i = 0; i < 30; i++)
      await login(`user-${i % 5}`, 'wrong', i % 2 ? '::ffff:203.0.113.1' : '203.0.113.1').expect(
        401,
      );
    await login('bob', 'bob', '203.0.113.1').expect(429);
    await login('bob', 'bob', '::ffff:203.0.113.1').expect(429);
    await login('bob', 'bob', '203.0.113.2').expect(303);
  });
});
