import { sign, verify } from 'node:crypto';
import type { JwtAlgorithm, JwtKey } from './jwt-keys.js';

/** Node's digest and signature encoding for each JWS algorithm. @see RFC 7518 §3.4 (ECDSA as R‖S) */
function params(alg: JwtAlgorithm): { digest: string | null; dsaEncoding?: 'ieee-p1363' } {
  if (alg === 'ES256') return { digest: 'sha256', dsaEncoding: 'ieee-p1363' };
  if (alg === 'RS256') return { digest: 'sha256' };
  return { digest: null };
}

const b64 = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** Signs a JWS in compact serialization. @see RFC 7515 §7.1 */
export function signCompact(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: JwtKey,
): string {
  if (!key.privateKey) throw new Error(`jwt key ${key.kid} cannot sign`);
  const input = `${b64({ ...header, alg: key.alg, kid: key.kid })}.${b64(payload)}`;
  const { digest, dsaEncoding } = params(key.alg);
  const signature = sign(digest, Buffer.from(input, 'ascii'), { key: key.privateKey, dsaEncoding });
  return `${input}.${signature.toString('base64url')}`;
}

/** A decoded JWS whose signature checked out. */
export interface VerifiedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Verifies a compact JWS against a key set: the header's `kid` picks the key and its `alg` must be that key's
 * algorithm (never `none`, never chosen by the token alone). Returns null for anything malformed or invalid.
 *
 * @see RFC 7515 §5.2; RFC 8725 §3.1 (algorithm verification)
 */
export function verifyCompact(token: string, keys: readonly JwtKey[]): VerifiedJws | null {
  if (token.length > 8192) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return null;
  const header = decode(parts[0]);
  const payload = decode(parts[1]);
  if (!header || !payload) return null;
  const key = keys.find((k) => k.kid === header.kid);
  if (!key || header.alg !== key.alg || 'crit' in header) return null;
  const { digest, dsaEncoding } = params(key.alg);
  const ok = verify(
    digest,
    Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii'),
    { key: key.publicKey, dsaEncoding },
    Buffer.from(parts[2], 'base64url'),
  );
  return ok ? { header, payload } : null;
}

function decode(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
