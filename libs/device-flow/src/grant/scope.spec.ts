import { describe, expect, it } from 'vitest';
import { InvalidScopeError } from '../errors/oauth.errors.js';
import { assertScopesAllowed, formatScope, parseScope } from './scope.js';

describe('parseScope (RFC 6749 §3.3)', () => {
  it('splits on single spaces, keeps order and drops duplicates', () => {
    expect(parseScope(undefined)).toEqual([]);
    expect(parseScope('read')).toEqual(['read']);
    expect(parseScope('write read write')).toEqual(['write', 'read']);
    expect(parseScope('urn:x:y https://api.example.com/a!#$')).toEqual([
      'urn:x:y',
      'https://api.example.com/a!#$',
    ]);
  });

  it('rejects malformed values as invalid_scope', () => {
    for (const bad of ['read  write', ' read', 'read ', 'a"b', 'a\\b', 'é', 'a\tb', 'a\u0000'])
      expect(() => parseScope(bad), JSON.stringify(bad)).toThrow(InvalidScopeError);
  });
});

describe('assertScopesAllowed', () => {
  it('passes a subset and names what is not allowed', () => {
    expect(() => assertScopesAllowed(['read'], ['read', 'write'])).not.toThrow();
    expect(() => assertScopesAllowed([], [])).not.toThrow();
    expect(() => assertScopesAllowed(['read', 'admin'], ['read'])).toThrow(
      /scope not allowed for this client: admin/,
    );
  });
});

describe('formatScope', () => {
  it('joins with single spaces', () => {
    expect(formatScope(['a', 'b'])).toBe('a b');
    expect(formatScope([])).toBe('');
  });
});
