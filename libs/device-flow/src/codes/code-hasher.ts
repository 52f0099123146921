import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Logger } from '@nestjs/common';

/**
 * The one hasher for codes and tokens stored at rest (device codes, user codes, access and refresh tokens).
 * Storage holds only `hash(code)`; lookups hash the presented value and compare by index.
 *
 * HMAC-SHA-256 keyed with the module's `hashSecret`: device codes and tokens carry 256 random bits, so the hash
 * is irreversible on its own; user codes are short, and the secret (a pepper) keeps a stolen table from being
 * brute-forced offline.
 */
export class CodeHasher {
  private readonly key: Buffer;

  constructor(secret: string | undefined) {
    this.key = Buffer.from(secret ?? 'nest-device-flow/unkeyed', 'utf8');
  }

  /** Base64url HMAC-SHA-256 of the value (43 characters). */
  hash(value: string): string {
    return createHmac('sha256', this.key).update(value, 'utf8').digest('base64url');
  }
}

/**
 * The module's hasher. Without a `hashSecret` the key is a public constant: 256-bit device codes and tokens stay
 * safe, but an ~35-bit user code can then be recovered from a stolen table in seconds, so say so at start-up.
 */
export function createCodeHasher(secret: string | undefined): CodeHasher {
  if (secret === undefined) {
    new Logger('DeviceFlow').warn(
      'no hashSecret configured: user codes at rest are hashed with a public key; set hashSecret',
    );
  }
  return new CodeHasher(secret);
}

/** A new random opaque code or token: `bytes` random bytes, base64url (32 bytes → 43 characters, 256 bits). */
export function randomCode(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}
