import { describe, expect, it } from 'vitest';
import {
  BASE20,
  DIGITS,
  type UserCodeFormat,
  formatUserCode,
  isBlankUserCode,
  normalizeUserCode,
  userCodeEntropyBits,
} from './user-code.format.js';
import { RandomUserCodeGenerator } from './user-code.generator.js';

const base20: UserCodeFormat = { charset: BASE20, length: 8, mask: 'XXXX-XXXX' };
const digits: UserCodeFormat = { charset: DIGITS, length: 9, mask: 'XXX-XXX-XXX' };

describe('normalizeUserCode (RFC 8628 §6.1)', () => {
  it('uppercases ASCII letters and ignores dashes, spaces and tabs', () => {
    for (const typed of [
      'WDJB-MJHT',
      'wdjb-mjht',
      'WdJbMjHt',
      ' wdjb mjht ',
      'W-D-J-B-M-J-H-T',
      'wdjb\tmjht',
    ])
      expect(normalizeUserCode(typed, base20)).toBe('WDJBMJHT');
    expect(normalizeUserCode('123 456-789', digits)).toBe('123456789');
  });

  it('ignores visible dash and space look-alikes, as punctuation is optional (§6.1)', () => {
    for (const sep of [
      '\u2010', // hyphen
      '\u2011', // non-breaking hyphen
      '\u2012', // figure dash
      '\u2013', // en dash
      '\u2014', // em dash
      '\u2015', // horizontal bar
      '\u2212', // minus sign
      '\uff0d', // fullwidth hyphen-minus
      '\u00a0', // no-break space
      '\u202f', // narrow no-break space
      '\u3000', // ideographic space
    ])
      expect(normalizeUserCode(`WDJB${sep}mjht`, base20), JSON.stringify(sep)).toBe('WDJBMJHT');
    expect(normalizeUserCode('\u00a0123\u2013456\u2212789\u3000', digits)).toBe('123456789');
  });

  it('ignores one full stop at the end (a code copied with its sentence)', () => {
    expect(normalizeUserCode('WDJB-MJHT.', base20)).toBe('WDJBMJHT');
    expect(normalizeUserCode(' wdjb-mjht. ', base20)).toBe('WDJBMJHT');
    expect(normalizeUserCode('123-456-789.', digits)).toBe('123456789');
  });

  it('never matches fullwidth, zero-width, NUL or other non-ASCII look-alikes', () => {
    for (const typed of [
      'ＷＤＪＢ-ＭＪＨＴ', // fullwidth letters
      'WDJB\u200bMJHT', // zero-width space
      'WDJB\ufeffMJHT', // zero-width no-break space (matched by \s)
      'WDJB\u200cMJHT', // zero-width non-joiner
      'WDJB\u2060MJHT', // word joiner
      'WDJB\u00adMJHT', // soft hyphen (invisible)
      'WDJB\u2011\u200bMJHT', // a visible dash next to a hidden character
      'WDJB\nMJHT', // line feed (a control character)
      'WDJB\u2028MJHT', // line separator
      'WDJB\u00b7MJHT', // middle dot
      'WDJB.MJHT', // full stop inside the code
      'WDJBMJHT..', // more than one at the end
      '.WDJBMJHT',
      'WDJB\u0000MJHT', // NUL
      'WDJBMJHT\u0000',
      'WDJBMJHṪ', // T with a dot above
      'wdjbmjhı', // dotless i (uppercases to I outside ASCII rules)
    ])
      expect(normalizeUserCode(typed, base20), JSON.stringify(typed)).toBeNull();
  });

  it('rejects characters outside the alphabet and wrong lengths', () => {
    expect(normalizeUserCode('WDJB-MJHA', base20)).toBeNull(); // vowel
    expect(normalizeUserCode('WDJB-MJH', base20)).toBeNull();
    expect(normalizeUserCode('WDJB-MJHTT', base20)).toBeNull();
    expect(normalizeUserCode('12345678A', digits)).toBeNull();
    expect(normalizeUserCode('', base20)).toBeNull();
    expect(normalizeUserCode('-'.repeat(65) + 'WDJBMJHT', base20)).toBeNull();
  });

  it('is null for anything not a string at run time (an unchecked form field)', () => {
    for (const odd of [undefined, null, 42, ['WDJBMJHT'], { length: 8 }])
      expect(normalizeUserCode(odd as never, base20)).toBeNull();
  });
});

describe('isBlankUserCode', () => {
  it('is true for nothing but separators, false for anything typed', () => {
    for (const blank of ['', ' ', ' - ', '\t', '\u00a0\u3000'])
      expect(isBlankUserCode(blank), JSON.stringify(blank)).toBe(true);
    for (const typed of ['W', '.', '\u200b', '\u0000', 'WDJB-MJHT'])
      expect(isBlankUserCode(typed), JSON.stringify(typed)).toBe(false);
  });
});

describe('formatUserCode', () => {
  it('applies the display mask', () => {
    expect(formatUserCode('WDJBMJHT', base20)).toBe('WDJB-MJHT');
    expect(formatUserCode('123456789', digits)).toBe('123-456-789');
    expect(formatUserCode('ABCDEF', { charset: 'ABCDEF', length: 6, mask: 'XX XX XX' })).toBe(
      'AB CD EF',
    );
  });

  it('round-trips through normalisation', () => {
    const gen = new RandomUserCodeGenerator(base20);
    for (let i = 0; i < 50; i++) {
      const code = gen.generate();
      expect(normalizeUserCode(formatUserCode(code, base20), base20)).toBe(code);
    }
  });
});

describe('RandomUserCodeGenerator', () => {
  it('draws every character from the alphabet, at the configured length', () => {
    const gen = new RandomUserCodeGenerator(digits);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const code = gen.generate();
      expect(code).toMatch(/^[0-9]{9}$/);
      for (const c of code) seen.add(c);
    }
    expect(seen.size).toBe(10);
  });
});

describe('userCodeEntropyBits', () => {
  it('is length × log2(alphabet size)', () => {
    expect(userCodeEntropyBits(base20)).toBeCloseTo(34.58, 2);
    expect(userCodeEntropyBits({ charset: DIGITS, length: 8 })).toBeCloseTo(26.58, 2);
  });
});
