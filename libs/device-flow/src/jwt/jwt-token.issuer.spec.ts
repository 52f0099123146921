import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveDeviceFlowOptions } from '../device-flow.options.js';
import { resolveJwtKeys } from './jwt-keys.js';
import { JwtTokenIssuer, jwtHandle } from './jwt-token.issuer.js';

const ISSUER = 'https://as.example.com';
const es256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const claims = (now: number) => ({
  clientId: 'tv',
  subject: 'alice',
  scope: 'read',
  grantId: 'g1',
  issuedAt: now,
  expiresAt: now + 60_000,
});

describe('JwtTokenIssuer', () => {
  const now = Date.UTC(2026, 0, 1);

  it('maps its own token to the namespaced jti, and refuses it once expired', async () => {
    const issuer = new JwtTokenIssuer(
      ISSUER,
      [ISSUER],
      resolveJwtKeys([{ kid: 'a', alg: 'ES256', privateKey: es256() }]),
    );
    const { token, handle } = await issuer.mint(claims(now));
    const jti = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti;
    expect(handle).toBe(jwtHandle(jti));
    expect(await issuer.handleOf(token, now)).toBe(handle);
    expect(await issuer.handleOf(token, now + 60_000)).toBeNull();
  });

  it('refuses a token of another issuer, or signed by a key that was dropped', async () => {
    const a = resolveJwtKeys([{ kid: 'a', alg: 'ES256', privateKey: es256() }]);
    const b = resolveJwtKeys([{ kid: 'b', alg: 'ES256', privateKey: es256() }]);
    const { token } = await new JwtTokenIssuer(ISSUER, [ISSUER], a).mint(claims(now));
    expect(
      await new JwtTokenIssuer('https://evil.example.com', [ISSUER], a).handleOf(token, now),
    ).toBeNull();
    expect(await new JwtTokenIssuer(ISSUER, [ISSUER], b).handleOf(token, now)).toBeNull();
    // Same kid, different key material: the signature decides.
    const impostor = resolveJwtKeys([{ kid: 'a', alg: 'ES256', privateKey: es256() }]);
    expect(await new JwtTokenIssuer(ISSUER, [ISSUER], impostor).handleOf(token, now)).toBeNull();
  });

  it('verifies with a verify-only (retired) key, given as a public JWK', async () => {
    const key = es256();
    const signer = resolveJwtKeys([{ kid: 'old', alg: 'ES256', privateKey: key }]);
    const { token, handle } = await new JwtTokenIssuer(ISSUER, [ISSUER], signer).mint(claims(now));
    const rotated = resolveJwtKeys([
      { kid: 'new', alg: 'ES256', privateKey: es256() },
      { kid: 'old', alg: 'ES256', publicKey: signer[0].jwk },
    ]);
    expect(await new JwtTokenIssuer(ISSUER, [ISSUER], rotated).handleOf(token, now)).toBe(handle);
    expect(() => resolveJwtKeys([{ kid: 'old', alg: 'ES256', publicKey: signer[0].jwk }])).toThrow(
      /at least one privateKey/,
    );
  });

  it('passes opaque tokens through unchanged (a switch from opaque keeps them working), rejects junk', async () => {
    const issuer = new JwtTokenIssuer(
      ISSUER,
      [ISSUER],
      resolveJwtKeys([{ kid: 'a', alg: 'ES256', privateKey: es256() }]),
    );
    const opaque = 'A'.repeat(43);
    expect(await issuer.handleOf(opaque, now)).toBe(opaque);
    for (const junk of ['', 'a.b', 'a.b.c', '...', 'x'.repeat(9000)])
      expect(await issuer.handleOf(junk, now)).toBeNull();
  });
});

describe('token options', () => {
  const base = { issuer: ISSUER };

  it('default to opaque tokens and the device-flow realm', () => {
    const o = resolveDeviceFlowOptions(base);
    expect(o).toMatchObject({
      accessTokenFormat: 'opaque',
      jwt: null,
      privilegedClients: [],
      bearerRealm: 'device-flow',
    });
  });

  it('reject what cannot work, saying what to fix', () => {
    expect(() =>
      resolveDeviceFlowOptions({ ...base, accessTokenFormat: 'paseto' as 'jwt' }),
    ).toThrow(/accessTokenFormat/);
    expect(() => resolveDeviceFlowOptions({ ...base, bearerRealm: 'say "hi"' })).toThrow(
      /bearerRealm/,
    );
    expect(() =>
      resolveDeviceFlowOptions({ ...base, accessTokenFormat: 'jwt', jwt: { keys: [] } }),
    ).toThrow(/jwt.keys must list at least one key/);
    const dup = [
      { kid: 'k', alg: 'ES256' as const, privateKey: es256() },
      { kid: 'k', alg: 'ES256' as const, privateKey: es256() },
    ];
    expect(() =>
      resolveDeviceFlowOptions({ ...base, accessTokenFormat: 'jwt', jwt: { keys: dup } }),
    ).toThrow(/listed twice/);
  });

  it('default the audience to the issuer', () => {
    const o = resolveDeviceFlowOptions({
      ...base,
      accessTokenFormat: 'jwt',
      jwt: { keys: [{ kid: 'k', alg: 'ES256', privateKey: es256() }] },
    });
    expect(o.jwt?.audience).toEqual([ISSUER]);
  });
});
