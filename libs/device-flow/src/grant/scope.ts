import { InvalidScopeError } from '../errors/oauth.errors.js';

/** scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) — RFC 6749 §3.3 */
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Parses a `scope` parameter into distinct scope tokens, in order. Separators are single spaces
 * (RFC 6749 §3.3); a malformed value is `invalid_scope`.
 */
export function parseScope(value: string | undefined): string[] {
  if (value === undefined) return [];
  const tokens = value.split(' ');
  for (const t of tokens) {
    if (!SCOPE_TOKEN.test(t)) throw new InvalidScopeError('scope is malformed');
  }
  return [...new Set(tokens)];
}

/** Throws `invalid_scope` unless every requested scope is in `allowed`. @see RFC 6749 §3.3 */
export function assertScopesAllowed(requested: string[], allowed: readonly string[]): void {
  const unknown = requested.filter((s) => !allowed.includes(s));
  if (unknown.length > 0) {
    throw new InvalidScopeError(
      `scope not allowed for this client: ${unknown.join(' ').slice(0, 200)}`,
    );
  }
}

/** Space-delimited form of a scope list. */
export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}
