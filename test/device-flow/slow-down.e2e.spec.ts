import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../libs/device-flow/src/index.js';
import {
  createTestApp,
  oauthError,
  poll,
  startAuthorization,
  type TestApp,
} from '../support/test-app.js';

/**
 * slow_down exactly as RFC 8628 §3.5 says, driven by the injected clock. Defaults: interval 5 s, tolerance
 * 1000 ms (20 %), so a poll counts as on time when it comes at least 4000 ms after the previous one.
 */
describe('slow_down arithmetic', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  const errorAt = async (deviceCode: string, advanceMs: number) => {
    t.clock.advance(advanceMs);
    return oauthError((await poll(t, deviceCode)).body);
  };

  it('poll at t and t+interval are fine; an early poll is slow_down and adds 5 s for it and later polls', async () => {
    const { device_code: code, interval } = await startAuthorization(t);
    expect(interval).toBe(5);
    expect(await errorAt(code, 0)).toBe('authorization_pending'); // t
    expect(await errorAt(code, 5000)).toBe('authorization_pending'); // t + interval
    expect(await errorAt(code, 4000)).toBe('authorization_pending'); // within the jitter allowance
    const early = await (async () => {
      t.clock.advance(3999);
      return poll(t, code);
    })();
    expect(oauthError(early.body)).toBe('slow_down');
    expect(early.body.error_description).toMatch(/wait 10 seconds/);
    // the interval is now 10 s (9000 ms with the allowance), counted from the early poll
    expect(await errorAt(code, 8999)).toBe('slow_down'); // → 15 s
    expect(await errorAt(code, 13_999)).toBe('slow_down'); // → 20 s
    expect(await errorAt(code, 19_000)).toBe('authorization_pending');
    expect(await errorAt(code, 19_000)).toBe('authorization_pending');
    // it never shrinks back
    expect(await errorAt(code, 10_000)).toBe('slow_down');
  });

  it('a client polling exactly at the advertised interval never gets slow_down, even with jitter', async () => {
    const { device_code: code, interval } = await startAuthorization(t);
    let previous = 0;
    for (let i = 0; i < 30; i++) {
      // requests leave every `interval` seconds and arrive up to ±500 ms late or early
      const jitter = [0, 500, -500, 250, -250, 499, -499][i % 7];
      const arrival = i * interval * 1000 + jitter;
      expect(await errorAt(code, arrival - previous), `poll ${i}`).toBe('authorization_pending');
      previous = arrival;
    }
  });

  it('each code has its own interval', async () => {
    const a = await startAuthorization(t);
    const b = await startAuthorization(t);
    await poll(t, a.device_code);
    await poll(t, b.device_code);
    expect(await errorAt(a.device_code, 1000)).toBe('slow_down');
    expect(await errorAt(b.device_code, 4000)).toBe('authorization_pending');
  });

  it('answers expired_token, not slow_down, to a fast poll of an expired code', async () => {
    const auth = await startAuthorization(t);
    await poll(t, auth.device_code);
    t.clock.advance(auth.expires_in * 1000);
    expect(await errorAt(auth.device_code, 0)).toBe('expired_token');
  });

  it('gives the tokens to a fast poll once approved (decision before slow_down)', async () => {
    const auth = await startAuthorization(t);
    await poll(t, auth.device_code);
    await t.grants.approve(auth.user_code, 'alice');
    t.clock.advance(100);
    expect((await poll(t, auth.device_code)).status).toBe(200);
  });
});

describe('slow_down is persisted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'df-slowdown-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds across a new app instance on the same SQLite file', async () => {
    const database = { type: 'better-sqlite3' as const, database: join(dir, 'flow.sqlite') };
    const clock = new ManualClock();
    const first = await createTestApp({ database, clock });
    const auth = await startAuthorization(first);
    await poll(first, auth.device_code);
    clock.advance(1000);
    expect(oauthError((await poll(first, auth.device_code)).body)).toBe('slow_down'); // interval → 10 s
    await first.close();

    const second = await createTestApp({ database, clock });
    try {
      clock.advance(6000); // on time for 5 s, too early for 10 s
      expect(oauthError((await poll(second, auth.device_code)).body)).toBe('slow_down'); // → 15 s
      clock.advance(14_000);
      expect(oauthError((await poll(second, auth.device_code)).body)).toBe('authorization_pending');
    } finally {
      await second.close();
    }
  });
});
