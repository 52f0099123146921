import { describe, expect, it } from 'vitest';
import { InvalidClientError } from '../errors/oauth.errors.js';
import { parseBasicCredentials } from './basic-credentials.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('parseBasicCredentials (RFC 6749 §2.3.1)', () => {
  it('reads id and secret', () => {
    expect(parseBasicCredentials(`Basic ${b64('tv:s3cret')}`)).toEqual({
      clientId: 'tv',
      secret: 's3cret',
    });
    expect(parseBasicCredentials(`basic   ${b64('tv:s3cret')}  `).clientId).toBe('tv');
  });

  it('form-decodes both parts: %3A is a colon inside the id, + is a space', () => {
    expect(parseBasicCredentials(`Basic ${b64('my%3Aapp:pa%3Ass+word%25')}`)).toEqual({
      clientId: 'my:app',
      secret: 'pa:ss word%',
    });
    // the first raw colon separates id from secret; later ones belong to the secret
    expect(parseBasicCredentials(`Basic ${b64('tv:a:b')}`).secret).toBe('a:b');
    expect(parseBasicCredentials(`Basic ${b64('%C3%A9:%E2%82%AC')}`)).toEqual({
      clientId: 'é',
      secret: '€',
    });
  });

  it('an empty secret is no secret (a public client naming itself)', () => {
    expect(parseBasicCredentials(`Basic ${b64('tv:')}`)).toEqual({ clientId: 'tv' });
  });

  it('reads the base64url alphabet as base64, padded or not', () => {
    const std = b64('tv:>>>???'); // holds '+' and '/'
    expect(std).toMatch(/[+/]/);
    const url = std.replace(/\+/g, '-').replace(/\//g, '_');
    expect(parseBasicCredentials(`Basic ${url}`)).toEqual({ clientId: 'tv', secret: '>>>???' });
    expect(parseBasicCredentials(`Basic ${url.replace(/=+$/, '')}`).secret).toBe('>>>???');
  });

  it('rejects anything malformed as invalid_client with WWW-Authenticate: Basic', () => {
    for (const header of [
      '',
      'Bearer abc',
      'Basic',
      'Basic ',
      `Basic ${b64('no-colon')}`,
      `Basic ${b64(':secret')}`,
      `Basic ${b64('tv%ZZ:secret')}`,
      `Basic ${b64('tv:%E0%A4%A')}`,
      'Basic !!!!',
      'Basic abcde',
      `Basic ${'A'.repeat(4100)}`,
      `Digest ${b64('tv:s')}`,
    ]) {
      let error: unknown;
      try {
        parseBasicCredentials(header);
      } catch (e) {
        error = e;
      }
      expect(error, header.slice(0, 40)).toBeInstanceOf(InvalidClientError);
      expect((error as InvalidClientError).status).toBe(401);
      expect((error as InvalidClientError).headers['WWW-Authenticate']).toMatch(/^Basic/);
    }
  });
});
