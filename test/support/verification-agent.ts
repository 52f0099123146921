import type { Server } from 'node:http';
import request, { type Test } from 'supertest';
import { expect } from 'vitest';
import type {
  HttpRequest,
  VerificationUser,
  VerificationUserResolver,
} from '../../libs/device-flow/src/index.js';
import { VerificationUserResolver as VerificationUserResolverToken } from '../../libs/device-flow/src/index.js';
import { form } from './test-app.js';

/** Test sign-in: the `x-test-user` header names the signed-in user; absent means anonymous. */
export class HeaderUserResolver implements VerificationUserResolver {
  resolve(req: HttpRequest): VerificationUser | null {
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

/**
 * A signed-in browser on the verification page of one app: its session cookie (kept up to date from every
 * response, as the page session carries the code entered) and CSRF token.
 */
export interface PageBrowser {
  jar: CookieJar;
  csrf: string;
  /** POSTs a form (with the CSRF token) to `path` of `server`, which may be another instance. */
  post(server: Server, path: string, values: Record<string, string>): Test;
  /** GETs `path` of `server` with the cookies, e.g. the Location of a 303 (`/device/consent`). */
  get(server: Server, path: string): Test;
}

/**
 * Opens `GET /device` on `server` as `user` (signed in by {@link headerUserProviders}) and keeps the session.
 * Instances sharing `hashSecret` accept each other's sessions, so the browser can move between them.
 */
export async function openVerificationPage(server: Server, user: string): Promise<PageBrowser> {
  const jar = new CookieJar();
  const res = await request(server).get('/device').set('x-test-user', user);
  if (res.status !== 200) throw new Error(`GET /device answered ${res.status}`);
  jar.store(res.headers['set-cookie']);
  const csrf = csrfOf(res.text);
  const keep = (r: { headers: Record<string, string | string[] | undefined> }) =>
    jar.store(r.headers['set-cookie']);
  return {
    jar,
    csrf,
    post: (target, path, values) =>
      request(target)
        .post(path)
        .set('x-test-user', user)
        .set('Cookie', jar.header())
        .type('form')
        .send(new URLSearchParams({ csrf_token: csrf, ...values }).toString())
        .on('response', keep),
    get: (target, path) =>
      request(target)
        .get(path)
        .set('x-test-user', user)
        .set('Cookie', jar.header())
        .on('response', keep),
  };
}

/** What a person needs from a device authorization response to act on it (RFC 8628 §3.2). */
export interface ShownCode {
  user_code: string;
  verification_uri_complete?: string;
}

/**
 * A person with a browser, over HTTP, on the demo server at `origin`: opens `verification_uri_complete`, is sent
 * to the demo login, signs in (user = password, as the README documents), comes back to the pre-filled code,
 * continues to the consent page and approves (with the scope boxes as the page ticked them, or only `keep`) or
 * denies. Every step is checked (status, redirect target, pre-filled code).
 */
export async function signInAndDecide(
  origin: string,
  shown: ShownCode,
  user: 'alice' | 'bob',
  decision: 'approve' | 'deny',
  keep?: string[],
): Promise<void> {
  const http = request(origin);
  const link = new URL(shown.verification_uri_complete!);
  expect(link.origin).toBe(origin);
  const anonymous = await http.get(link.pathname + link.search).expect(303);
  const login = new URL(anonymous.headers.location!, origin);
  expect(login.pathname).toBe('/login');
  const returnTo = login.searchParams.get('return_to')!;

  const jar = new CookieJar();
  const signedIn = await http
    .post('/login')
    .type('form')
    .send(form({ username: user, password: user, return_to: returnTo }))
    .expect(303);
  expect(signedIn.headers.location).toBe(returnTo);
  jar.store(signedIn.headers['set-cookie']);

  const entry = await http.get(returnTo).set('Cookie', jar.header()).expect(200);
  jar.store(entry.headers['set-cookie']);
  expect(entry.text).toContain(`value="${shown.user_code}"`);

  const entered = await http
    .post('/device')
    .set('Cookie', jar.header())
    .type('form')
    .send(form({ csrf_token: csrfOf(entry.text), user_code: shown.user_code }))
    .expect(303);
  jar.store(entered.headers['set-cookie']);
  const consent = await http.get(entered.headers.location!).set('Cookie', jar.header()).expect(200);
  jar.store(consent.headers['set-cookie']);
  const boxes = [
    ...consent.text.matchAll(
      /<input\s+type="checkbox"\s+name="([^"]+)"\s+value="([^"]+)"(\s+checked)?/g,
    ),
  ];
  const ticked = boxes.filter(([, , scope, checked]) => (keep ? keep.includes(scope!) : !!checked));

  const done = await http
    .post('/device/decision')
    .set('Cookie', jar.header())
    .type('form')
    .send(
      form({
        csrf_token: csrfOf(consent.text),
        user_code: shown.user_code,
        decision,
        ...Object.fromEntries(ticked.map(([, field, scope]) => [field!, scope!])),
      }),
    )
    .expect(303);
  expect(done.headers.location).toMatch(decision === 'approve' ? /\/approved$/ : /\/denied$/);
}
