import type { Server } from 'node:http';
import request from 'supertest';
import { expect } from 'vitest';
import { LOGIN_NOTICE_COOKIE } from '../../src/login-notice.js';

/**
 * A `POST /login` to the demo as a browser sees it: a failed sign-in is a 303 to `GET /login` carrying a
 * one-time notice cookie (POST-redirect-GET); this follows that redirect with the cookie and gives the page it
 * leads to (401, 429, 503, …). Any other answer (303 after signing in, 403 refused) is given as it is.
 * `.expect(status)` checks the status of what it gives, like supertest's.
 */
export function demoLogin(
  target: string | Server,
  body: string,
  headers: Record<string, string> = {},
): { expect(status: number): Promise<request.Response> } {
  const run = async () => {
    const posted = await request(target).post('/login').set(headers).type('form').send(body);
    const notice = noticeCookie(posted);
    if (posted.status !== 303 || !notice) return posted;
    const location = String(posted.headers.location);
    expect(location).toMatch(/^(?:\/[^/?]+)*\/login\?return_to=/);
    return request(target).get(location).set(headers).set('Cookie', notice);
  };
  return {
    async expect(status: number) {
      const res = await run();
      expect(res.status).toBe(status);
      return res;
    },
  };
}

/** The `name=value` of the sign-in notice a response sets, if it sets one (not when it drops one). */
export function noticeCookie(res: request.Response): string | undefined {
  const cookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const set = cookies.find((c) => c.startsWith(`${LOGIN_NOTICE_COOKIE}=`) && !/Max-Age=0/.test(c));
  return set?.split(';')[0];
}
