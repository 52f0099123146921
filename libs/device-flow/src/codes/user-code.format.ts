/**
 * User code alphabets, display masks and normalisation.
 *
 * @see RFC 8628 §6.1 (user code recommendations)
 */

/** Consonants only (no vowels, so no words), unambiguous when read aloud: 20 symbols, 4.32 bits each. */
export const BASE20 = 'BCDFGHJKLMNPQRSTVWXZ';
/** Digits, for devices with numeric keypads: 3.32 bits each. */
export const DIGITS = '0123456789';

/** How user codes look: the alphabet, the number of symbols and the display mask. */
export interface UserCodeFormat {
  /** Allowed characters, uppercase ASCII letters and digits only, each once. */
  readonly charset: string;
  /** Number of characters in a code (separators excluded). */
  readonly length: number;
  /** Display mask: each `X` is a code character, anything else is a literal separator (e.g. `XXXX-XXXX`). */
  readonly mask: string;
}

/**
 * Characters the user may type between code characters; they are ignored. ASCII only on purpose: `\s` would
 * also drop U+FEFF (zero-width no-break space) and other Unicode spaces, letting invisible characters match.
 * @see RFC 8628 §6.1
 */
const SEPARATORS = /[-\x20\t]/g;

/**
 * Normalises what a user typed into the stored form: ASCII letters uppercased, dashes, spaces and tabs dropped.
 * Anything else (non-ASCII look-alikes, fullwidth forms, zero-width characters, NUL) is kept as it is, so it
 * can never match a code. Returns `null` when the result is not a well-formed code of this format, so no
 * storage lookup is made for it.
 */
export function normalizeUserCode(input: string, format: UserCodeFormat): string | null {
  if (input.length > 64) return null;
  const code = input.replace(SEPARATORS, '').replace(/[a-z]/g, (c) => c.toUpperCase());
  if (code.length !== format.length) return null;
  for (const c of code) if (!format.charset.includes(c)) return null;
  return code;
}

/** Formats a normalised code for display with the mask, e.g. `WDJBMJHT` → `WDJB-MJHT`. */
export function formatUserCode(code: string, format: UserCodeFormat): string {
  let i = 0;
  let out = '';
  for (const m of format.mask) out += m === 'X' ? (code[i++] ?? '') : m;
  return out;
}

/** Bits of entropy in one code of this format. */
export function userCodeEntropyBits(format: Pick<UserCodeFormat, 'charset' | 'length'>): number {
  return format.length * Math.log2(format.charset.length);
}
