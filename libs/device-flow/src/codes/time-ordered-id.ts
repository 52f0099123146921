import { randomBytes } from 'node:crypto';

/**
 * A new row id: an RFC 9562 §5.7 UUIDv7 — 48 bits of Unix time in ms, then 74 random bits (version and variant
 * in between). Ids made later sort later, so a new row lands on the last page of its primary-key index instead
 * of a random one: inserting a device code or a token dirties one index page fewer, which is most of what a
 * commit writes (measured in docs/benchmarks.md). The id is never a secret; the creation time it carries is
 * stored beside it anyway.
 */
export function timeOrderedId(now: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Math.max(0, Math.floor(now)) % 2 ** 48, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
