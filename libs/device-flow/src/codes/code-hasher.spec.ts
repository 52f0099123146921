import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { CodeHasher, constantTimeEqual, createCodeHasher, randomCode } from './code-hasher.js';

describe('CodeHasher', () => {
  it('is a deterministic keyed HMAC-SHA-256, base64url', () => {
    const h = new CodeHasher('pepper-0123456789');
    expect(h.hash('WDJBMJHT')).toBe(h.hash('WDJBMJHT'));
    expect(h.hash('WDJBMJHT')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(h.hash('WDJBMJHT')).not.toBe(h.hash('WDJBMJHV'));
    expect(h.hash('WDJBMJHT')).not.toContain('WDJBMJHT');
  });

  it('depends on the secret, so a stolen table cannot be brute-forced without it', () => {
    const a = new CodeHasher('pepper-0123456789').hash('WDJBMJHT');
    const b = new CodeHasher('pepper-9876543210').hash('WDJBMJHT');
    expect(a).not.toBe(b);
    expect(new CodeHasher(undefined).hash('x')).toBe(new CodeHasher(undefined).hash('x'));
  });
});

describe('randomCode', () => {
  it('is 256 bits of base64url by default and never repeats', () => {
    const codes = new Set(Array.from({ length: 1000 }, () => randomCode()));
    expect(codes.size).toBe(1000);
    for (const c of codes) expect(c).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(randomCode(), 'base64url')).toHaveLength(32);
    expect(randomCode(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('constantTimeEqual', () => {
  it('compares strings of any length', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('createCodeHasher', () => {
  it('warns at start-up when no hashSecret is configured, and only then', () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    try {
      createCodeHasher('pepper-0123456789');
      expect(warn).not.toHaveBeenCalled();
      createCodeHasher(undefined);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/no hashSecret configured/));
    } finally {
      warn.mockRestore();
    }
  });
});
