import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { VerificationSessions } from './verification-session.js';

const KEY = Buffer.from('k'.repeat(32));
const NOW = Date.UTC(2026, 0, 1);

function roundTrip(sessions: VerificationSessions, secure = false) {
  const set: { name: string; value: string; options: Record<string, unknown> }[] = [];
  const res = {
    cookie: (name: string, value: string, options: Record<string, unknown>) =>
      set.push({ name, value, options }),
  } as unknown as Response;
  const session = sessions.ensure({ headers: {}, secure } as Request, res, 'alice', NOW);
  const cookie = set[0]!;
  const reqWith = (value: string) =>
    ({ headers: { cookie: `other=1; ${cookie.name}=${value}` } }) as unknown as Request;
  return { session, cookie, reqWith };
}

describe('VerificationSessions', () => {
  const sessions = new VerificationSessions(KEY, 'vs', '/device', 3600_000);

  it('issues an HttpOnly, SameSite=Lax cookie on the page path, Secure over TLS', () => {
    expect(roundTrip(sessions).cookie.options).toMatchObject({
      httpOnly: true,
      sameSite: 'lax',
      secure: false,
      path: '/device',
    });
    expect(roundTrip(sessions, true).cookie.options.secure).toBe(true);
  });

  it('reads back its own session and checks the CSRF token', () => {
    const { session, cookie, reqWith } = roundTrip(sessions);
    const read = sessions.read(reqWith(cookie.value), 'alice', NOW + 1000);
    expect(read).toEqual(session);
    expect(sessions.checkCsrf(read, session.csrf)).toBe(true);
    expect(sessions.checkCsrf(read, session.csrf + 'x')).toBe(false);
    expect(sessions.checkCsrf(read, undefined)).toBe(false);
    expect(sessions.checkCsrf(null, session.csrf)).toBe(false);
  });

  it('rejects another user, an expired session, a forged or foreign-key signature', () => {
    const { cookie, reqWith } = roundTrip(sessions);
    expect(sessions.read(reqWith(cookie.value), 'bob', NOW)).toBeNull();
    expect(sessions.read(reqWith(cookie.value), 'alice', NOW + 3600_000)).toBeNull();
    const [body, sig] = cookie.value.split('.') as [string, string];
    expect(sessions.read(reqWith(`${body}x.${sig}`), 'alice', NOW)).toBeNull();
    expect(sessions.read(reqWith(`${body}.${sig.slice(1)}`), 'alice', NOW)).toBeNull();
    expect(sessions.read(reqWith('garbage'), 'alice', NOW)).toBeNull();
    const other = new VerificationSessions(Buffer.from('o'.repeat(32)), 'vs', '/device', 3600_000);
    expect(other.read(reqWith(cookie.value), 'alice', NOW)).toBeNull();
  });

  it('makes a new session (new id and token) for each new visitor', () => {
    const a = roundTrip(sessions).session;
    const b = roundTrip(sessions).session;
    expect(a.sid).not.toBe(b.sid);
    expect(a.csrf).not.toBe(b.csrf);
    expect(a.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
