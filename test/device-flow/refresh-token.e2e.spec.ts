import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeHasher, TokenRepository } from '../../libs/device-flow/src/index.js';
import {
  createTestApp,
  form,
  oauthError,
  poll,
  startAuthorization,
  type TestApp,
} from '../support/test-app.js';

/** The refresh_token grant with rotation (RFC 6749 §6; RFC 9700 §4.14.2), on SQLite. */
describe('refresh_token grant', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  const tokensFor = async (clientId = 'tv', scope = 'read write') => {
    const auth = await startAuthorization(t, { client_id: clientId, scope });
    await t.grants.approve(auth.user_code, 'alice');
    const res = await poll(t, auth.device_code, { client_id: clientId });
    expect(res.status).toBe(200);
    return res.body as { access_token: string; refresh_token: string; scope: string };
  };
  const refresh = (token: string, extra: Record<string, string> = {}) =>
    t.http
      .post('/oauth/token')
      .type('form')
      .send(form({ grant_type: 'refresh_token', refresh_token: token, client_id: 'tv', ...extra }));
  const stored = async (token: string) =>
    t.app.get<TokenRepository>(TokenRepository).findByHash(t.app.get(CodeHasher).hash(token));

  it('issues new tokens and spends the old refresh token', async () => {
    const first = await tokensFor();
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.headers['cache-control']).toBe('no-store');
    expect(second.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'read write',
    });
    expect(second.body.access_token).not.toBe(first.access_token);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect((await stored(first.refresh_token))!.revokedAt).not.toBeNull();
    // tokens are stored only as hashes
    expect(
      await t.app.get<TokenRepository>(TokenRepository).findByHash(second.body.access_token),
    ).toBeNull();
  });

  it('reuse of a spent refresh token revokes the whole grant', async () => {
    const first = await tokensFor();
    const second = (await refresh(first.refresh_token)).body;
    const reuse = await refresh(first.refresh_token);
    expect(oauthError(reuse.body)).toBe('invalid_grant');
    // every token of the grant is now dead, including the ones the rotation just issued
    expect(oauthError((await refresh(second.refresh_token)).body)).toBe('invalid_grant');
    for (const token of [first.access_token, second.access_token, second.refresh_token])
      expect((await stored(token))!.revokedAt, token).not.toBeNull();
  });

  it('a narrower scope narrows the access token but the refresh token keeps the original scope', async () => {
    const first = await tokensFor();
    const narrow = await refresh(first.refresh_token, { scope: 'read' });
    expect(narrow.body.scope).toBe('read');
    expect((await stored(narrow.body.access_token))!.scope).toBe('read');
    expect((await stored(narrow.body.refresh_token))!.scope).toBe('read write');
    const back = await refresh(narrow.body.refresh_token);
    expect(back.body.scope).toBe('read write');
    const other = await refresh(back.body.refresh_token, { scope: 'write' });
    expect(other.body.scope).toBe('write');
  });

  it('a wider scope is invalid_scope and leaves the refresh token usable', async () => {
    const first = await tokensFor('tv', 'read');
    const wide = await refresh(first.refresh_token, { scope: 'read write' });
    expect(oauthError(wide.body)).toBe('invalid_scope');
    expect((await refresh(first.refresh_token)).status).toBe(200);
  });

  it('invalid_grant for an unknown token, an access token, another client’s token, an expired token', async () => {
    const first = await tokensFor();
    expect(oauthError((await refresh('n'.repeat(43))).body)).toBe('invalid_grant');
    expect(oauthError((await refresh(first.access_token)).body)).toBe('invalid_grant');
    const mine = await tokensFor();
    const stolen = await t.http
      .post('/oauth/token')
      .type('form')
      .send(
        form({
          grant_type: 'refresh_token',
          refresh_token: mine.refresh_token,
          client_id: 'refresh-only',
        }),
      );
    expect(oauthError(stolen.body)).toBe('invalid_grant');
    // the rightful client's token was not burnt by the other client's attempt
    expect((await refresh(mine.refresh_token)).status).toBe(200);
    const old = await tokensFor();
    t.clock.advance(30 * 86400 * 1000);
    expect(oauthError((await refresh(old.refresh_token)).body)).toBe('invalid_grant');
  });

  it('invalid_request without refresh_token; unauthorized_client for a client without the grant', async () => {
    const missing = await t.http
      .post('/oauth/token')
      .type('form')
      .send(form({ grant_type: 'refresh_token', client_id: 'tv' }));
    expect(oauthError(missing.body)).toBe('invalid_request');
    const denied = await t.http
      .post('/oauth/token')
      .type('form')
      .send(form({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'no-refresh' }));
    expect(oauthError(denied.body)).toBe('unauthorized_client');
  });
});
