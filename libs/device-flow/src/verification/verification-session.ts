import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../codes/code-hasher.js';
import { readCookie, setCookie } from '../http/cookie.js';
import type { HttpRequest, HttpResponse } from '../http/http-exchange.js';

/** The verification page's own session: who it was made for and its CSRF token. */
export interface VerificationSession {
  /** Random session id; guessing limits count failures per session by it. */
  sid: string;
  /** CSRF token placed in every form. */
  csrf: string;
  /** Id of the user the session belongs to; a different signed-in user gets a new session. */
  sub: string;
  /** Issue time, ms. */
  iat: number;
  /**
   * The user code (normalised) whose consent page `GET <path>/consent` shows: set when the user entered it and
   * it was found live, dropped once they decided. Kept here rather than in a URL, so the code never lands in
   * history, logs or a `Referer`.
   */
  code?: string;
  /** What the next page shows once, after a redirect (POST-redirect-GET), then dropped. */
  notice?: VerificationNotice;
}

/**
 * A message carried from a POST to the page it redirects to: the entry form's error with what the user typed
 * (to show it again in the field), or the consent page's "choose at least one permission".
 */
export type VerificationNotice =
  { entry: 'invalid' | 'empty'; typed: string } | { consent: 'no_scope' };

/** Characters of typed text kept for the entry form (its field takes 32). */
const MAX_TYPED = 32;

/**
 * A small stateless session in one signed cookie (`base64url(JSON).HMAC-SHA-256`), so the module needs no
 * session middleware from the host app. It carries only random ids and the CSRF token — nothing secret about
 * the user — and is HttpOnly, SameSite=Lax, scoped to the verification path and Secure when the request came
 * over TLS (`req.protocol`, which honours the framework's `trust proxy`). Cookies are read and written
 * without a cookie plugin, so it works on a plain Express or Fastify app.
 *
 * The CSRF token is bound to the session (the cookie and the form must carry the same token, and the cookie
 * cannot be forged without the key) and to the signed-in user (`sub`).
 *
 * For POST-redirect-GET it also carries the code being consented to and a one-time {@link VerificationNotice}
 * ({@link save}). The cookie is signed, not encrypted: they are the user's own entries, in their own browser.
 */
export class VerificationSessions {
  constructor(
    private readonly key: Buffer,
    private readonly cookieName: string,
    private readonly path: string,
    private readonly ttlMs: number,
  ) {}

  /** The valid session of this user from the request's cookie, or null. */
  read(req: HttpRequest, userId: string, now: number): VerificationSession | null {
    const session = this.readAnyone(req, now);
    return session && session.sub === userId ? session : null;
  }

  /**
   * The code a valid session from this browser was consenting to, whoever it was made for: for a consent page
   * asked for when nobody is signed in (after signing out, or once the sign-in ended), to come back to the same
   * code once signed in — pre-filled, never decided.
   */
  enteredCode(req: HttpRequest, now: number): string | undefined {
    return this.readAnyone(req, now)?.code;
  }

  /** The session in the request's cookie when its signature and lifetime are good, whoever it belongs to. */
  private readAnyone(req: HttpRequest, now: number): VerificationSession | null {
    const raw = readCookie(req, this.cookieName);
    if (!raw) return null;
    const dot = raw.lastIndexOf('.');
    if (dot < 1) return null;
    const body = raw.slice(0, dot);
    if (!constantTimeEqual(raw.slice(dot + 1), this.sign(body))) return null;
    let s: Partial<VerificationSession>;
    try {
      s = JSON.parse(
        Buffer.from(body, 'base64url').toString('utf8'),
      ) as Partial<VerificationSession>;
    } catch {
      return null;
    }
    if (
      typeof s.sid !== 'string' ||
      typeof s.csrf !== 'string' ||
      typeof s.sub !== 'string' ||
      typeof s.iat !== 'number'
    )
      return null;
    if (s.iat + this.ttlMs <= now || s.iat > now + 60_000) return null;
    const session: VerificationSession = { sid: s.sid, csrf: s.csrf, sub: s.sub, iat: s.iat };
    if (typeof s.code === 'string') session.code = s.code;
    const notice = noticeOf(s.notice);
    if (notice) session.notice = notice;
    return session;
  }

  /** The user's session, or a new one set on the response. */
  ensure(req: HttpRequest, res: HttpResponse, userId: string, now: number): VerificationSession {
    const existing = this.read(req, userId, now);
    if (existing) return existing;
    const session: VerificationSession = {
      sid: randomBytes(16).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      sub: userId,
      iat: now,
    };
    this.write(req, res, session, this.ttlMs);
    return session;
  }

  /**
   * Whether `session` is past half its lifetime. Written again ({@link save}) it starts a new one, so that a
   * page shown now keeps its forms valid for at least half the lifetime: without that, a consent page shown a
   * minute before the session's end would say "your form expired" when the user clicks Approve.
   */
  stale(session: VerificationSession, now: number): boolean {
    return now - session.iat >= this.ttlMs / 2;
  }

  /**
   * Writes the session back with its {@link VerificationSession.code} and {@link VerificationSession.notice} as
   * given: same id and token, and the same issue time (it still ends `ttl` after it began) unless it is
   * {@link stale}, then `now` (a new lifetime begins). At most one session write per response: Express keeps
   * only the last `Set-Cookie` header, Fastify sends them all.
   */
  save(
    req: HttpRequest,
    res: HttpResponse,
    session: VerificationSession,
    now: number,
  ): VerificationSession {
    const saved: VerificationSession = {
      sid: session.sid,
      csrf: session.csrf,
      sub: session.sub,
      iat: this.stale(session, now) ? now : session.iat,
    };
    if (session.code !== undefined) saved.code = session.code;
    const notice = noticeOf(session.notice);
    if (notice) saved.notice = notice;
    this.write(req, res, saved, Math.max(1000, saved.iat + this.ttlMs - now));
    return saved;
  }

  /** Whether the submitted CSRF token is the session's, compared in constant time. */
  checkCsrf(session: VerificationSession | null, submitted: string | undefined): boolean {
    if (!session || submitted === undefined) return false;
    return constantTimeEqual(submitted, session.csrf);
  }

  private write(
    req: HttpRequest,
    res: HttpResponse,
    session: VerificationSession,
    maxAgeMs: number,
  ): void {
    const body = Buffer.from(JSON.stringify(session), 'utf8').toString('base64url');
    setCookie(req, res, this.cookieName, `${body}.${this.sign(body)}`, {
      httpOnly: true,
      sameSite: 'Lax',
      path: this.path,
      maxAgeMs,
    });
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body, 'utf8').digest('base64url');
  }
}

/** A well-formed notice from a session read back, or undefined. */
function noticeOf(value: unknown): VerificationNotice | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const n = value as Record<string, unknown>;
  if ((n.entry === 'invalid' || n.entry === 'empty') && typeof n.typed === 'string')
    return { entry: n.entry, typed: n.typed.slice(0, MAX_TYPED) };
  if (n.consent === 'no_scope') return { consent: 'no_scope' };
  return undefined;
}
