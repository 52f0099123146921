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
 * Characters the user may type between code characters; they are ignored (RFC 8628 §6.1: punctuation for
 * readability is optional for the user). ASCII dash, space and tab, plus the visible dash and space look-alikes
 * that phones, word processors and copied text put in their place: hyphen, non-breaking hyphen, figure dash,
 * en and em dash, horizontal bar (U+2010–U+2015), minus sign (U+2212), fullwidth hyphen-minus (U+FF0D),
 * no-break space (U+00A0), narrow no-break space (U+202F) and ideographic space (U+3000).
 *
 * Listed one by one on purpose: `\s` or a Unicode class would also drop U+FEFF (zero-width no-break space),
 * U+200B and other invisible characters, letting a code with hidden characters in it match. Zero-width and
 * control characters stay part of the input, so such input is never a code.
 * @see RFC 8628 §6.1
 */
const SEPARATORS = /[-\x20\t\u00a0\u2010-\u2015\u2212\u202f\u3000\uff0d]/g;

/**
 * Normalises what a user typed into the stored form: ASCII letters uppercased, {@link SEPARATORS} dropped, and
 * one full stop at the very end ignored (a code copied with the end of its sentence: "enter WDJB-MJHT.").
 * Anything else (fullwidth or other non-ASCII letters, zero-width characters, NUL) is kept as it is, so it can
 * never match a code. Returns `null` when the result is not a well-formed code of this format, so no storage
 * lookup is made for it.
 */
export function normalizeUserCode(input: string, format: UserCodeFormat): string | null {
  // Not a string at run time (a missing form field read as `undefined`, an array from a repeated one): no code.
  if (typeof input !== 'string' || input.length > 64) return null;
  let code = input.replace(SEPARATORS, '').replace(/[a-z]/g, (c) => c.toUpperCase());
  if (code.endsWith('.')) code = code.slice(0, -1);
  if (code.length !== format.length) return null;
  for (const c of code) if (!format.charset.includes(c)) return null;
  return code;
}

/**
 * Whether the input holds nothing but {@link SEPARATORS} (an empty field, a few spaces): nothing was typed,
 * which the verification page answers with "enter the code", not "not valid".
 */
export function isBlankUserCode(input: string): boolean {
  return input.replace(SEPARATORS, '') === '';
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
