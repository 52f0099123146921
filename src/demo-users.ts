import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type Clock,
  constantTimeEqual,
  type HttpRequest,
  readCookie,
  SystemClock,
  type VerificationUser,
  type VerificationUserResolver,
} from '../libs/device-flow/src/index.js';

/** The demo's users (documented in the README): username = password. For local use only. */
export const DEMO_USERS: ReadonlyArray<{ username: string; password: string; name: string }> = [
  { username: 'alice', password: 'alice', name: 'Alice' },
  { username: 'bob', password: 'bob', name: 'Bob' },
];

/** Name of the demo's login session cookie. */
export const DEMO_SESSION_COOKIE = 'demo_session';

/** The user whose credentials these are, or null; compares in constant time. */
export function checkCredentials(username: string, password: string): VerificationUser | null {
  let found: VerificationUser | null = null;
  for (const u of DEMO_USERS) {
    const nameOk = constantTimeEqual(u.username, username);
    const passwordOk = constantTimeEqual(u.password, password);
    if (nameOk && passwordOk) found = { id: u.username, name: u.name };
  }
  return found;
}

/** How long a demo sign-in lasts, from the login (the cookie itself is a browser-session cookie). */
export const DEMO_SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;

/**
 * The demo's login sessions, in memory: a random id in an HttpOnly cookie maps to the signed-in user, for
 * {@link DEMO_SESSION_LIFETIME_MS} at most. Login always issues a new id and forgets the old one (session
 * fixation defence); sign-out forgets it too. Expired sessions are dropped when read and at every login.
 */
@Injectable()
export class DemoSessionStore {
  private readonly sessions = new Map<string, { user: VerificationUser; expiresAt: number }>();

  /** @param clock The time source (the system clock; tests pass a manual one). */
  constructor(private readonly clock: Pick<Clock, 'now'> = new SystemClock()) {}

  /** Starts a new session for the user, ending `previous`; returns the new id. */
  regenerate(previous: string | undefined, user: VerificationUser): string {
    if (previous) this.sessions.delete(previous);
    const now = this.clock.now();
    for (const [id, session] of this.sessions)
      if (session.expiresAt <= now) this.sessions.delete(id);
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { user, expiresAt: now + DEMO_SESSION_LIFETIME_MS });
    return id;
  }

  get(id: string | undefined): VerificationUser | null {
    const session = id ? this.sessions.get(id) : undefined;
    if (!session) return null;
    if (session.expiresAt > this.clock.now()) return session.user;
    this.sessions.delete(id!);
    return null;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }
}

/** The demo's {@link VerificationUserResolver}: the user of the `demo_session` cookie. */
@Injectable()
export class DemoUserResolver implements VerificationUserResolver {
  constructor(@Inject(DemoSessionStore) private readonly store: DemoSessionStore) {}

  resolve(req: HttpRequest): VerificationUser | null {
    return this.store.get(readCookie(req, DEMO_SESSION_COOKIE));
  }
}
