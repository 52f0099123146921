import { type CodeHasher, randomCode } from './code-hasher.js';
import { timeHex } from './time-ordered-id.js';

/** Hex digits of the issue time (ms, 48 bits: {@link timeHex}) that begin a device code. */
const TIME_DIGITS = 12;
/** A device code as issued: the issue time in hex, then 256 random bits (base64url, 43 characters). */
const DEVICE_CODE = /^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/;

/**
 * A new device code (RFC 8628 §3.2 `device_code`): 12 hex digits of the issue time in ms, then 256 random bits
 * in base64url — 55 characters, opaque to the device. The random part is the secret; the time is there so that
 * the code's storage key ({@link deviceCodeKey}) sorts by issue time.
 */
export function newDeviceCode(now: number): string {
  return timeHex(now) + randomCode();
}

/**
 * What storage holds and looks a device code up by: the code's time digits, then the keyed hash of the whole
 * code (55 characters). The hash alone would scatter new rows over the whole `device_code_hash` index — one
 * random index page written per device authorization; with the time first, new rows land on the index's last
 * pages, and the codes being polled (the young ones) share few, hot pages. The time reveals nothing the row's
 * `created_at` does not; the code itself is still only stored hashed. A code of any other shape (one issued
 * before this format, or garbage) is looked up by its plain hash.
 *
 * @see RFC 8628 §5.2 (device code confidentiality)
 */
export function deviceCodeKey(hasher: CodeHasher, deviceCode: string): string {
  const hash = hasher.hash(deviceCode);
  return DEVICE_CODE.test(deviceCode) ? deviceCode.slice(0, TIME_DIGITS) + hash : hash;
}
