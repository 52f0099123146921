import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { JwtAlgorithm, JwtKeyOptions } from '../../libs/device-flow/src/index.js';
import { createDemoApp, obtainTokens } from '../support/demo-app.js';
import { createTestApp, form, type TestApp } from '../support/test-app.js';

const ISSUER = 'http://localhost:3000';

function keyPair(alg: JwtAlgorithm): KeyObject {
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  if (alg === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return generateKeyPairSync('ed25519').privateKey;
}

describe('JWT access tokens (RFC 9068), checked with an independent JOSE implementation (jose)', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  const jwtApp = (keys: JwtKeyOptions[], audience?: string) =>
    createTestApp({ accessTokenFormat: 'jwt', jwt: { keys, ...(audience ? { audience } : {}) } });

  const publishedKeys = async () => {
    const metadata = await t.http.get('/.well-known/oauth-authorization-server').expect(200);
    expect(metadata.body.jwks_uri).toBe(`${ISSUER}/oauth/jwks`);
    const jwks = await t.http.get(new URL(metadata.body.jwks_uri).pathname).expect(200);
    expect(jwks.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
    for (const k of jwks.body.keys) expect(k).not.toHaveProperty('d');
    return createLocalJWKSet(jwks.body);
  };

  it.each(['ES256', 'RS256', 'EdDSA'] as const)(
    'signs with %s; jose verifies against the JWKS',
    async (alg) => {
      t = await jwtApp(
        [{ kid: `k-${alg}`, alg, privateKey: keyPair(alg) }],
        'https://api.example.com',
      );
      const tokens = await obtainTokens(t, { clientId: 'tv', scope: 'read write' });
      const jwks = await publishedKeys();
      const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
        issuer: ISSUER,
        audience: 'https://api.example.com',
        typ: 'at+jwt',
        algorithms: [alg],
        currentDate: new Date(t.clock.now()),
      });
      expect(protectedHeader).toEqual({ alg, kid: `k-${alg}`, typ: 'at+jwt' });
      const now = Math.floor(t.clock.now() / 1000);
      expect(payload).toEqual({
        iss: ISSUER,
        sub: 'alice',
        aud: 'https://api.example.com',
        client_id: 'tv',
        scope: 'read write',
        jti: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        iat: now,
        exp: now + 3600,
      });
      // The refresh token stays opaque.
      expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    },
  );

  it('rotates keys by kid: new tokens use the first key, the old key stays published', async () => {
    const oldKey: JwtKeyOptions = { kid: 'old', alg: 'ES256', privateKey: keyPair('ES256') };
    const newKey: JwtKeyOptions = { kid: 'new', alg: 'EdDSA', privateKey: keyPair('EdDSA') };
    t = await jwtApp([oldKey]);
    const before = await obtainTokens(t, { clientId: 'tv', scope: 'read' });
    expect(decodeProtectedHeader(before.access_token).kid).toBe('old');
    const oldJwks = await publishedKeys();
    await t.close();

    // Rotated: the new key signs, the old one is still published.
    t = await jwtApp([newKey, oldKey]);
    const after = await obtainTokens(t, { clientId: 'tv', scope: 'read' });
    expect(decodeProtectedHeader(after.access_token).kid).toBe('new');
    const jwks = await publishedKeys();
    const at = { currentDate: new Date(t.clock.now()), typ: 'at+jwt' };
    await expect(jwtVerify(before.access_token, jwks, at)).resolves.toBeTruthy();
    await expect(jwtVerify(after.access_token, jwks, at)).resolves.toBeTruthy();
    await expect(jwtVerify(after.access_token, oldJwks, at)).rejects.toThrow();
  });

  it('refuses forged, unsigned, mis-typed and other-audience tokens, and a bare jti', async () => {
    const key: JwtKeyOptions = { kid: 'k', alg: 'ES256', privateKey: keyPair('ES256') };
    t = await jwtApp([key], 'https://api.example.com');
    const tokens = await obtainTokens(t, { clientId: 'tv', scope: 'read' });
    const introspect = (token: string) =>
      t.http
        .post('/oauth/introspect')
        .type('form')
        .send(form({ client_id: 'tv', token }));
    expect((await introspect(tokens.access_token)).body).toMatchObject({
      active: true,
      aud: 'https://api.example.com',
    });
    const [h, p, s] = tokens.access_token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, scope: 'read write' })).toString(
      'base64url',
    );
    expect((await introspect(`${h}.${forged}.${s}`)).body).toEqual({ active: false });
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: 'k' })).toString(
      'base64url',
    );
    expect((await introspect(`${none}.${p}.`)).body).toEqual({ active: false });
    // The jti alone is not a token.
    expect((await introspect(payload.jti)).body).toEqual({ active: false });
    // Correctly signed with the server's key (by jose), but typ JWT, or for another audience.
    const resign = (typ: string, aud: string) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: 'k', typ })
        .setAudience(aud)
        .sign(key.privateKey as KeyObject);
    expect(
      (await introspect(await resign('at+jwt', 'https://api.example.com'))).body,
    ).toMatchObject({
      active: true,
    });
    expect((await introspect(await resign('JWT', 'https://api.example.com'))).body).toEqual({
      active: false,
    });
    expect((await introspect(await resign('at+jwt', 'https://other.example.com'))).body).toEqual({
      active: false,
    });
  });

  it('a revoked JWT is inactive at once, though its signature is still valid', async () => {
    t = await jwtApp([{ kid: 'k', alg: 'RS256', privateKey: keyPair('RS256') }]);
    const tokens = await obtainTokens(t, { clientId: 'tv', scope: 'read' });
    await t.http
      .post('/oauth/revoke')
      .type('form')
      .send(form({ client_id: 'tv', token: tokens.access_token }))
      .expect(200);
    const res = await t.http
      .post('/oauth/introspect')
      .type('form')
      .send(form({ client_id: 'tv', token: tokens.access_token }));
    expect(res.body).toEqual({ active: false });
    await expect(
      jwtVerify(tokens.access_token, await publishedKeys(), {
        currentDate: new Date(t.clock.now()),
      }),
    ).resolves.toBeTruthy();
  });

  it('rejects bad key configuration at start-up with a message saying what to fix', async () => {
    await expect(
      jwtApp([{ kid: 'k', alg: 'ES256', privateKey: keyPair('EdDSA') }]),
    ).rejects.toThrow(/jwt key k: ES256 needs a prime256v1 key/);
    await expect(
      jwtApp([
        {
          kid: 'k',
          alg: 'RS256',
          privateKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
        },
      ]),
    ).rejects.toThrow(/at least 2048 bits/);
    await expect(
      jwtApp([{ kid: 'k', alg: 'EdDSA', privateKey: '-----BEGIN nonsense' }]),
    ).rejects.toThrow(/cannot read the private key/);
  });
});

describe('demo server JWT configuration', () => {
  it('signs with the key in DEVICE_FLOW_JWT_KEY_FILE, of DEVICE_FLOW_JWT_ALG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'df-jwt-'));
    const file = join(dir, 'key.pem');
    writeFileSync(file, keyPair('EdDSA').export({ type: 'pkcs8', format: 'pem' }));
    const demo = await createDemoApp({
      DEVICE_FLOW_ACCESS_TOKEN_FORMAT: 'jwt',
      DEVICE_FLOW_JWT_KEY_FILE: file,
      DEVICE_FLOW_JWT_ALG: 'EdDSA',
    });
    try {
      const jwks = (await demo.http.get('/oauth/jwks').expect(200)).body;
      expect(jwks.keys).toEqual([
        {
          kty: 'OKP',
          crv: 'Ed25519',
          x: expect.any(String),
          kid: 'demo-1',
          alg: 'EdDSA',
          use: 'sig',
        },
      ]);
      const tokens = await obtainTokens(demo, { clientId: 'demo-device', scope: 'read' });
      const { payload } = await jwtVerify(tokens.access_token, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience: ISSUER,
        typ: 'at+jwt',
        currentDate: new Date(demo.clock.now()),
      });
      expect(payload.client_id).toBe('demo-device');
    } finally {
      await demo.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
