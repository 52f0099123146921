import { randomUUID } from 'node:crypto';

/**
 * A new row id: an RFC 9562 §5.7 UUIDv7 — 48 bits of Unix time in ms, then 74 random bits (version and variant
 * in between). Ids made later sort later, so a new row lands on the last page of its primary-key index instead
 * of a random one: inserting a device code or a token dirties one index page fewer, which is most of what a
 * commit writes (measured in docs/benchmarks.md). The id is never a secret; the creation time it carries is
 * stored beside it anyway.
 */
export function timeOrderedId(now: number): string {
  // A v4 UUID's 122 random bits come from Node's pooled generator (cheaper than a randomBytes call); the first
  // 48 become the time and the version digit becomes 7, which leaves the 74 random bits v7 has.
  const random = randomUUID();
  const time = timeHex(now);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}

/** A time in ms as 12 hex digits (48 bits, as UUIDv7 holds it): later times sort later. */
export function timeHex(now: number): string {
  return (Math.max(0, Math.floor(now)) % 2 ** 48).toString(16).padStart(12, '0');
}
