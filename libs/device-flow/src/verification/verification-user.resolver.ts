import type { HttpRequest } from '../http/http-exchange.js';

/** The signed-in user, as the verification page needs it. */
export interface VerificationUser {
  /** Stable identifier; becomes the token's subject. */
  id: string;
  /** Shown as "Signed in as …"; defaults to the id. */
  name?: string;
}

/**
 * Finds the signed-in user of a request — from your session, Passport, a reverse proxy header, anything.
 * Returns null for an anonymous visitor, who is sent to the `verification.loginUrl` and back to the same code.
 *
 * The default ({@link RequestUserResolver}) reads `req.user` as set by Passport or similar middleware.
 * Provide this token to plug in your own login. `req` is the framework's own request (Express `Request` or
 * Fastify `FastifyRequest`), typed by what both share. @see RFC 8628 §3.3
 */
export interface VerificationUserResolver {
  resolve(req: HttpRequest): Promise<VerificationUser | null> | VerificationUser | null;
}

/** Injection token for {@link VerificationUserResolver}. */
export const VerificationUserResolver = Symbol('VerificationUserResolver');

/**
 * The default {@link VerificationUserResolver}: `req.user` (Passport's convention) with a string `id`, `sub`
 * or `username`; anything else is anonymous.
 */
export class RequestUserResolver implements VerificationUserResolver {
  resolve(req: HttpRequest): VerificationUser | null {
    const user = (req as HttpRequest & { user?: unknown }).user;
    if (!user || typeof user !== 'object') return null;
    const u = user as { id?: unknown; sub?: unknown; username?: unknown; name?: unknown };
    const id = [u.id, u.sub, u.username].find((v) => typeof v === 'string' && v !== '') as
      string | undefined;
    if (!id) return null;
    return { id, name: typeof u.name === 'string' ? u.name : undefined };
  }
}
