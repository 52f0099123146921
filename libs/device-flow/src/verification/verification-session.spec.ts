import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../http/http-exchange.js';
import {
  type VerificationNotice,
  type VerificationSession,
  VerificationSessions,
} from './verification-session.js';

const KEY = Buffer.from('k'.repeat(32));
const NOW = Date.UTC(2026, 0, 1);

/** Issues a session through a response that records its headers, as Express and Fastify both would. */
function roundTrip(sessions: VerificationSessions, secure = false) {
  const headers: [string, string][] = [];
  const res: HttpResponse = {
    header: (name, value) => headers.push([name.toLowerCase(), value]),
    status: () => ({ send: () => undefined }),
  };
  const req: HttpRequest = { headers: {}, protocol: secure ? 'https' : 'http' };
  const session = sessions.ensure(req, res, 'alice', NOW);
  const setCookie = headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v);
  expect(setCookie).toHaveLength(1);
  const [pair, ...attributes] = setCookie[0]!.split('; ');
  const eq = pair!.indexOf('=');
  const cookie = { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attributes };
  const reqWith = (value: string): HttpRequest => ({
    headers: { cookie: `other=1; ${cookie.name}=${value}` },
  });
  return { session, cookie, reqWith };
}

describe('VerificationSessions', () => {
  const sessions = new VerificationSessions(KEY, 'vs', '/device', 3600_000);

  it('issues an HttpOnly, SameSite=Lax cookie on the page path, Secure over TLS', () => {
    const { cookie } = roundTrip(sessions);
    expect(cookie.name).toBe('vs');
    expect(cookie.attributes).toEqual(['Path=/device', 'Max-Age=3600', 'HttpOnly', 'SameSite=Lax']);
    expect(roundTrip(sessions, true).cookie.attributes).toContain('Secure');
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

describe('VerificationSessions.save (POST-redirect-GET)', () => {
  const sessions = new VerificationSessions(KEY, 'vs', '/device', 3600_000);

  /** Saves `session` changed as given, then reads the cookie written back. */
  function saved(change: Partial<VerificationSession>, now = NOW + 60_000) {
    const { session, reqWith } = roundTrip(sessions);
    const headers: string[] = [];
    const res: HttpResponse = {
      header: (name, value) => void (name.toLowerCase() === 'set-cookie' && headers.push(value)),
      status: () => ({ send: () => undefined }),
    };
    sessions.save({ headers: {} }, res, { ...session, ...change }, now);
    expect(headers).toHaveLength(1);
    const [pair, ...attributes] = headers[0]!.split('; ');
    const value = pair!.slice(pair!.indexOf('=') + 1);
    return { session, attributes, read: sessions.read(reqWith(value), 'alice', now) };
  }

  it('keeps id, token and issue time, adds the code and notice, and ends when the session ends', () => {
    const { session, attributes, read } = saved({
      code: 'BCDFGHJK',
      notice: { entry: 'invalid', typed: 'x'.repeat(50) },
    });
    expect(read).toEqual({
      ...session,
      code: 'BCDFGHJK',
      notice: { entry: 'invalid', typed: 'x'.repeat(32) }, // the field's length at most
    });
    expect(attributes).toEqual(['Path=/device', 'Max-Age=3540', 'HttpOnly', 'SameSite=Lax']);
  });

  it('past half its lifetime, starts a new one: same id, token and code, issued now, a full Max-Age', () => {
    expect(sessions.stale({ sid: 's', csrf: 'c', sub: 'alice', iat: NOW }, NOW + 1_799_999)).toBe(
      false,
    );
    const late = NOW + 1_800_000;
    const { session, attributes, read } = saved({ code: 'BCDFGHJK' }, late);
    expect(sessions.stale(session, late)).toBe(true);
    expect(read).toEqual({ ...session, code: 'BCDFGHJK', iat: late });
    expect(attributes).toEqual(['Path=/device', 'Max-Age=3600', 'HttpOnly', 'SameSite=Lax']);
    // Still valid a whole lifetime after the renewal; not a moment longer.
    expect(
      sessions.read(requestWithCookieOf(session, late), 'alice', late + 3_599_999),
    ).not.toBeNull();
    expect(sessions.read(requestWithCookieOf(session, late), 'alice', late + 3_600_000)).toBeNull();
  });

  /** A request carrying the cookie `save` writes for `session` at `now`. */
  function requestWithCookieOf(session: VerificationSession, now: number): HttpRequest {
    let cookie = '';
    const res: HttpResponse = {
      header: (name, value) => void (name.toLowerCase() === 'set-cookie' && (cookie = value)),
      status: () => ({ send: () => undefined }),
    };
    sessions.save({ headers: {} }, res, session, now);
    return { headers: { cookie: cookie.split('; ')[0]! } };
  }

  it('drops what is set to undefined', () => {
    const { session, read } = saved({ code: undefined, notice: undefined });
    expect(read).toEqual(session);
    expect(read).not.toHaveProperty('code');
  });

  it('reads back any typed text (JSON escapes it, lone surrogates included) and the consent notice', () => {
    const typed = '"><\u0000\ud800é\u200b';
    expect(saved({ notice: { entry: 'invalid', typed } }).read?.notice).toEqual({
      entry: 'invalid',
      typed,
    });
    expect(saved({ notice: { consent: 'no_scope' } }).read?.notice).toEqual({
      consent: 'no_scope',
    });
  });

  it('ignores a notice it does not know (never a crash, never rendered)', () => {
    const odd = { entry: 'other', typed: 1 } as unknown as VerificationNotice;
    expect(saved({ notice: odd }).read).not.toHaveProperty('notice');
  });
});
