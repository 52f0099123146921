import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../libs/device-flow/src/index.js';
import { LOGIN_NOTICE_COOKIE, LoginNotices } from './login-notice.js';

/** A response that keeps the `Set-Cookie` headers written to it. */
function response() {
  const cookies: string[] = [];
  const res = {
    header(name: string, value: string) {
      if (name === 'Set-Cookie') cookies.push(value);
      return res;
    },
  } as unknown as HttpResponse;
  return { res, cookies };
}
const request = (cookie?: string) =>
  ({ headers: cookie ? { cookie } : {}, protocol: 'http' }) as HttpRequest;

describe('the demo sign-in notice (POST-redirect-GET)', () => {
  let now = 1_000_000;
  const notices = new LoginNotices('/auth/login', 'a-hash-secret-of-this-deployment', () => now);

  const put = (failure: 'wrong' | 'locked' | 'unavailable' = 'wrong', retryAfterSeconds = 0) => {
    const { res, cookies } = response();
    notices.put(request(), res, { failure, username: 'alice', retryAfterSeconds });
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/; Path=\/auth\/login; Max-Age=60; HttpOnly; SameSite=Lax$/);
    return cookies[0]!.split(';')[0]!;
  };

  it('gives the notice back once to the page, and drops its cookie', () => {
    const cookie = put('locked', 840);
    const { res, cookies } = response();
    const notice = notices.take(request(cookie), res);
    expect(notice).toMatchObject({ failure: 'locked', username: 'alice', retryAfterSeconds: 840 });
    expect(cookies).toEqual([
      `${LOGIN_NOTICE_COOKIE}=; Path=/auth/login; Max-Age=0; HttpOnly; SameSite=Lax`,
    ]);
    now += 5_500;
    expect(notices.remainingSeconds(notice!)).toBe(835);
    now += 10_000_000;
    expect(notices.remainingSeconds(notice!)).toBe(1);
  });

  it('ignores a notice older than a minute, one from another server, and garbage', () => {
    const cookie = put();
    now += 60_001;
    expect(notices.take(request(cookie), response().res)).toBeUndefined();
    const fresh = put();
    // Another deployment's secret, or none (a key of its own per process): not its notice.
    for (const secret of ['another-deployment-secret', undefined]) {
      const other = new LoginNotices('/auth/login', secret, () => now);
      expect(other.take(request(fresh), response().res)).toBeUndefined();
    }
    // Another instance of the same deployment (or this one after a restart) reads it.
    const sibling = new LoginNotices('/auth/login', 'a-hash-secret-of-this-deployment', () => now);
    expect(sibling.take(request(fresh), response().res)?.username).toBe('alice');
    for (const junk of ['x', '.', 'a.b', `${fresh}x`, fresh.replace('.', '')])
      expect(notices.take(request(junk), response().res)).toBeUndefined();
    expect(notices.take(request(fresh), response().res)?.failure).toBe('wrong');
  });

  it('without the cookie there is nothing to take and nothing is written', () => {
    const { res, cookies } = response();
    expect(notices.take(request(), res)).toBeUndefined();
    expect(cookies).toEqual([]);
  });
});
