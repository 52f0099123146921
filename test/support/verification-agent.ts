import type { Request } from 'express';
import type {
  VerificationUser,
  VerificationUserResolver,
} from '../../libs/device-flow/src/index.js';
import { VerificationUserResolver as VerificationUserResolverToken } from '../../libs/device-flow/src/index.js';

/** Test sign-in: the `x-test-user` header names the signed-in user; absent means anonymous. */
export class HeaderUserResolver implements VerificationUserResolver {
  resolve(req: Request): VerificationUser | null {
    const id = req.headers['x-test-user'];
    return typeof id === 'string' && id ? { id, name: id } : null;
  }
}

/** Providers that sign users in by the `x-test-user` header. */
export const headerUserProviders = [
  { provide: VerificationUserResolverToken, useClass: HeaderUserResolver },
];

/** A browser-like cookie jar over supertest responses: just the session cookie. */
export class CookieJar {
  private cookies = new Map<string, string>();

  store(setCookie: string[] | string | undefined): void {
    const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
    for (const c of list) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** The CSRF token of a rendered form. */
export function csrfOf(html: string): string {
  const m = /name="csrf_token" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no csrf_token in page');
  return m[1]!;
}
