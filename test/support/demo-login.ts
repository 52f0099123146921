import type { Server } from 'node:http';
import request from 'supertest';
import { expect } from 'vitest';
import { LOGIN_NOTICE_COOKIE } from '../../src/login-notice.js';

/**
 * A `POST /login` to the demo as a browser sees it: a failed sign-in is a 303 to `GET /login` carrying a
 * one-time notice cookie (POST-redirect-GET); this follows that redirect with the cookie and gives the page it
 * leads to (401, 429, 503, …). Any other answer (303 after signing in, 403 refused) is given as it is.
 * `.expect(status)` checks the status of what it gives, like supertest's — and for a failure (401, 429, 503)
 * that it came through the redirect, never as the POST's own answer.
 */
export function demoLogin(
  target: string | Server,
  body: string,
  headers: Record<string, string> = {},
): { expect(status: number): Promise<request.Response> } {
  const run = async () => {
    const posted = await request(target).post('/login').set(headers).type('form').send(body);
    const notice = noticeCookie(posted);
    if (posted.status !== 303 || !notice) return { posted, page: posted };
    const location = String(posted.headers.location);
    expect(location).toMatch(/^(?:\/[^/?]+)*\/login\?return_to=/);
    const page = await request(target).get(location).set(headers).set('Cookie', notice);
    return { posted, page };
  };
  return {
    async expect(status: number) {
      const { posted, page } = await run();
      expect(page.status).toBe(status);
      // A failed sign-in is never answered directly: the POST was a 303 carrying the notice.
      if (status === 401 || status === 429 || status === 503) {
        expect(posted.status).toBe(303);
        expect(noticeCookie(posted)).toBeDefined();
      }
      return page;
    },
  };
}

/** The `name=value` of the sign-in notice a response sets, if it sets one (not when it drops one). */
export function noticeCookie(res: request.Response): string | undefined {
  const cookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const set = cookies.find((c) => c.startsWith(`${LOGIN_NOTICE_COOKIE}=`) && !/Max-Age=0/.test(c));
  return set?.split(';')[0];
}
