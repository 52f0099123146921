import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

/** JWS algorithms the module signs access tokens with. @see RFC 7518 §3.1, RFC 8037 §3.1 */
export type JwtAlgorithm = 'ES256' | 'RS256' | 'EdDSA';

/** A key in any form node:crypto reads: PEM text, a JWK object or a `KeyObject`. */
export type KeyMaterial = string | JsonWebKey | KeyObject;

/**
 * One configured key. The first key with a `privateKey` signs; every key is published in the JWKS, so a
 * retired key (only `publicKey`, or a private key listed after the active one) keeps verifying the tokens it
 * signed until they expire. Rotation: put the new key first, keep the old one until `accessTokenTtl` passes.
 *
 * @see RFC 7517 §4.5 (`kid`)
 */
export interface JwtKeyOptions {
  /** Key id, unique in the set; carried in each token's header. */
  kid: string;
  alg: JwtAlgorithm;
  /** The private key (PEM, JWK or KeyObject). Omit for a verify-only (retired) key. */
  privateKey?: KeyMaterial;
  /** The public key; derived from `privateKey` when omitted. */
  publicKey?: KeyMaterial;
}

/** A resolved key: node KeyObjects plus the public JWK to publish. */
export interface JwtKey {
  kid: string;
  alg: JwtAlgorithm;
  privateKey: KeyObject | null;
  publicKey: KeyObject;
  /** The public JWK as published (`kty`, key parameters, `kid`, `alg`, `use: sig`). */
  jwk: JsonWebKey;
}

/** A JSON Web Key Set. @see RFC 7517 §5 */
export interface JsonWebKeySet {
  keys: JsonWebKey[];
}

/** Which key type and curve each algorithm needs. */
const KEY_TYPE: Record<JwtAlgorithm, { type: string; curve?: string }> = {
  ES256: { type: 'ec', curve: 'prime256v1' },
  RS256: { type: 'rsa' },
  EdDSA: { type: 'ed25519' },
};

/**
 * Reads and checks configured keys: unique `kid`s, a key type that matches `alg` (P-256 for ES256, RSA of at
 * least 2048 bits for RS256, Ed25519 for EdDSA), and at least one private key. Throws an Error whose message
 * says what to fix.
 */
export function resolveJwtKeys(options: readonly JwtKeyOptions[]): JwtKey[] {
  if (!Array.isArray(options) || options.length === 0)
    throw new Error('jwt.keys must list at least one key');
  const kids = new Set<string>();
  const keys = options.map((o) => {
    if (!o || typeof o.kid !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(o.kid))
      throw new Error('each jwt key needs a kid of 1-128 printable ASCII characters');
    if (kids.has(o.kid)) throw new Error(`jwt key ${o.kid} is listed twice`);
    kids.add(o.kid);
    if (!(o.alg in KEY_TYPE))
      throw new Error(`jwt key ${o.kid}: alg must be ES256, RS256 or EdDSA`);
    const privateKey = o.privateKey === undefined ? null : readKey(o.kid, o.privateKey, 'private');
    const publicKey =
      o.publicKey !== undefined
        ? readKey(o.kid, o.publicKey, 'public')
        : privateKey
          ? createPublicKey(privateKey)
          : null;
    if (!publicKey) throw new Error(`jwt key ${o.kid}: give a privateKey or a publicKey`);
    checkKeyType(o.kid, o.alg, publicKey);
    const jwk: JsonWebKey = {
      ...publicKey.export({ format: 'jwk' }),
      kid: o.kid,
      alg: o.alg,
      use: 'sig',
    };
    return { kid: o.kid, alg: o.alg, privateKey, publicKey, jwk };
  });
  if (!keys.some((k) => k.privateKey))
    throw new Error('jwt.keys needs at least one privateKey to sign with');
  return keys;
}

/** A fresh ES256 key pair, for development when no keys are configured (tokens die with the process). */
export function generateDevelopmentKey(): JwtKeyOptions {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid: `dev-${Date.now().toString(36)}`, alg: 'ES256', privateKey };
}

function readKey(kid: string, material: KeyMaterial, kind: 'private' | 'public'): KeyObject {
  try {
    if (
      typeof material === 'object' &&
      'type' in material &&
      typeof material.export === 'function'
    ) {
      const key = material as KeyObject;
      if (kind === 'public') return key.type === 'private' ? createPublicKey(key) : key;
      if (key.type !== 'private') throw new Error('not a private key');
      return key;
    }
    const input =
      typeof material === 'string'
        ? material
        : { key: material as JsonWebKey, format: 'jwk' as const };
    return kind === 'private' ? createPrivateKey(input) : createPublicKey(input);
  } catch (e) {
    throw new Error(`jwt key ${kid}: cannot read the ${kind} key (${(e as Error).message})`, {
      cause: e,
    });
  }
}

function checkKeyType(kid: string, alg: JwtAlgorithm, key: KeyObject): void {
  const want = KEY_TYPE[alg];
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType !== want.type || (want.curve && details.namedCurve !== want.curve))
    throw new Error(`jwt key ${kid}: ${alg} needs a ${want.curve ?? want.type} key`);
  if (alg === 'RS256' && (details.modulusLength ?? 0) < 2048)
    throw new Error(`jwt key ${kid}: RS256 keys must have at least 2048 bits`);
}
