import { describe, expect, it } from 'vitest';
import type { HttpRequest } from '../libs/device-flow/src/index.js';
import {
  AdminRequestError,
  hasRepeatedMember,
  parseKillSwitchRequest,
  parseReleaseQuery,
  pathParam,
} from './admin-requests.js';

/** A JSON request as the platforms hand it over: parsed body, headers, and (with `rawBody: true`) the bytes. */
function jsonRequest(body: unknown, headers: Record<string, string> = {}): HttpRequest {
  const text = JSON.stringify(body) ?? '';
  return {
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    },
    body,
    rawBody: Buffer.from(text),
  };
}

const problem = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof AdminRequestError) return { status: e.getStatus(), body: e.getResponse() };
    throw e;
  }
  throw new Error('accepted');
};

describe('admin API input', () => {
  it('reads a kill switch request; only an object without client_id means every client', () => {
    expect(parseKillSwitchRequest(jsonRequest({}))).toEqual({
      clientId: null,
      reason: undefined,
      revokeTokens: false,
    });
    expect(
      parseKillSwitchRequest(
        jsonRequest({ client_id: 'tv', reason: 'r'.repeat(512), revoke_tokens: true }),
      ),
    ).toEqual({ clientId: 'tv', reason: 'r'.repeat(512), revokeTokens: true });
    expect(
      parseKillSwitchRequest(
        jsonRequest({}, { 'content-type': 'Application/JSON; Charset="UTF-8"' }),
      ).clientId,
    ).toBeNull();
  });

  it('tells a missing body from an empty one, with or without the raw bytes', () => {
    const noBody: HttpRequest = { headers: {}, body: undefined };
    expect(problem(() => parseKillSwitchRequest(noBody)).status).toBe(400);
    const chunked: HttpRequest = {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: { client_id: 'tv' },
    };
    expect(parseKillSwitchRequest(chunked).clientId).toBe('tv');
    const big = jsonRequest({ reason: 'r'.repeat(5000) });
    expect(problem(() => parseKillSwitchRequest(big)).status).toBe(413);
  });

  it('takes client_id in the query once, as a client id, and nothing else', () => {
    expect(parseReleaseQuery({})).toBeNull();
    expect(parseReleaseQuery(undefined)).toBeNull();
    expect(parseReleaseQuery({ client_id: 'tv' })).toBe('tv');
    for (const query of [
      { client_id: '' },
      { client_id: ['a', 'b'] },
      { client_id: { x: '1' } },
      { client_id: '*' },
      { client_id: 'x'.repeat(256) },
      { client_id: 'tv', other: '1' },
    ])
      expect(problem(() => parseReleaseQuery(query)).status).toBe(400);
    expect(parseReleaseQuery({ client_id: 'x'.repeat(255) })).toHaveLength(255);
  });

  it('bounds path parameters: 1 to 255 characters, no control characters', () => {
    expect(pathParam('subject', 'alice@example.com')).toBe('alice@example.com');
    expect(pathParam('subject', 'é'.repeat(255))).toHaveLength(255);
    for (const value of ['', 'x'.repeat(256), 'a\u0000b', 'a\tb', '\u007f', 'a\nb'])
      expect(problem(() => pathParam('grantId', value))).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: 'grantId must be 1 to 255 characters without control characters',
        },
      });
  });
});

describe('hasRepeatedMember', () => {
  it('finds an object naming a member twice, at any depth, after unescaping', () => {
    for (const json of [
      '{"a":1,"a":2}',
      '{"client_id":"x","client\\u005fid":"y"}',
      '{"x":{"b":1,"b":2}}',
      '[1,{"k":"v","k":"w"}]',
      '{"s":"a\\"b","t":[1,2,"c,d"],"s":3}',
    ])
      expect(hasRepeatedMember(json), json).toBe(true);
  });

  it('leaves unique names alone: the same name in different objects, names that appear as values', () => {
    for (const json of [
      '{}',
      '{"a":1,"b":"a"}',
      '{"a":{"a":1},"b":{"a":2}}',
      '[{"a":1},{"a":2}]',
      '{"a":[",\\"a\\":",{"b":1}],"b":"}{"}',
      '"just a string"',
      '["a","a"]',
      '{"unterminated', // never loops past the end
    ])
      expect(hasRepeatedMember(json), json).toBe(false);
  });
});
