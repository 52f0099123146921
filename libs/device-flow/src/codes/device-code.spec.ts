import { describe, expect, it } from 'vitest';
import { CodeHasher } from './code-hasher.js';
import { deviceCodeKey, newDeviceCode } from './device-code.js';

describe('device codes and their storage keys', () => {
  const hasher = new CodeHasher('secret');
  const t = Date.UTC(2026, 10, 27, 11, 0, 0, 5);

  it('issues 55 characters: the time in hex, then 256 random bits', () => {
    const code = newDeviceCode(t);
    expect(code).toMatch(/^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
    expect(parseInt(code.slice(0, 12), 16)).toBe(t);
    expect(newDeviceCode(t).slice(12)).not.toBe(code.slice(12));
  });

  it('keys a code by its time digits and the keyed hash of the whole code', () => {
    const code = newDeviceCode(t);
    const key = deviceCodeKey(hasher, code);
    expect(key).toBe(code.slice(0, 12) + hasher.hash(code));
    expect(key.length).toBeLessThanOrEqual(64);
    expect(key).not.toContain(code.slice(12));
    expect(deviceCodeKey(new CodeHasher('other'), code)).not.toBe(key);
  });

  it('sorts keys of later codes after earlier ones', () => {
    const keys = [0, 1, 1000, 3_600_000].map((d) => deviceCodeKey(hasher, newDeviceCode(t + d)));
    expect([...keys].sort()).toEqual(keys);
  });

  it('keys a code of any other shape by its plain hash', () => {
    for (const code of [
      'abc',
      'A'.repeat(43),
      'ZZZZZZZZZZZZ' + 'a'.repeat(43),
      newDeviceCode(t) + 'x',
    ]) {
      expect(deviceCodeKey(hasher, code)).toBe(hasher.hash(code));
    }
  });
});
