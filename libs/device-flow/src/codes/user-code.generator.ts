import { randomInt } from 'node:crypto';
import type { UserCodeFormat } from './user-code.format.js';

/**
 * Makes new user codes. Returns the normalised form (no separators); callers format it for display.
 * Uniqueness among live codes is enforced by the {@link DeviceCodeRepository}, which rejects a duplicate and
 * makes the caller ask for another code.
 *
 * @see RFC 8628 §6.1
 */
export interface UserCodeGenerator {
  /** A new code in normalised form: the configured number of characters from the configured alphabet. */
  generate(): string;
}

/** Injection token for {@link UserCodeGenerator}. */
export const UserCodeGenerator = Symbol('UserCodeGenerator');

/** Uniformly random codes from a CSPRNG (no modulo bias: `crypto.randomInt`). */
export class RandomUserCodeGenerator implements UserCodeGenerator {
  constructor(private readonly format: UserCodeFormat) {}

  generate(): string {
    const { charset, length } = this.format;
    let code = '';
    for (let i = 0; i < length; i++) code += charset[randomInt(charset.length)];
    return code;
  }
}
