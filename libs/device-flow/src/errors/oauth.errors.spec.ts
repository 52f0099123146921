import { describe, expect, it } from 'vitest';
import {
  InvalidClientError,
  InvalidRequestError,
  MethodNotAllowedError,
  RequestTooLargeError,
  ServerError,
  TemporarilyUnavailableError,
} from './oauth.errors.js';

describe('OAuth errors (RFC 6749 §5.2)', () => {
  it('render as {error, error_description} with their status and headers', () => {
    expect(new InvalidRequestError('missing x').toJSON()).toEqual({
      error: 'invalid_request',
      error_description: 'missing x',
    });
    expect(new ServerError().toJSON()).toEqual({
      error: 'server_error',
      error_description: 'the server could not complete the request',
    });
    expect(new ServerError().status).toBe(500);
    expect(new RequestTooLargeError('big').status).toBe(413);
    const m = new MethodNotAllowedError('POST');
    expect([m.status, m.headers.Allow, m.error]).toEqual([405, 'POST', 'invalid_request']);
    // RFC 9110 §15.5.2: every 401 carries a challenge, whichever authentication method failed.
    expect(new InvalidClientError('x').headers['WWW-Authenticate']).toBe(
      'Basic realm="device-flow"',
    );
    expect(new TemporarilyUnavailableError().headers['Retry-After']).toBe('5');
  });

  it('keep error_description within %x20-21 / %x23-5B / %x5D-7E', () => {
    const e = new InvalidRequestError('bad "name" \\ é\n\u0000 ok');
    expect(e.description).toBe('bad ?name? ? ??? ok');
    expect(new InvalidRequestError('x'.repeat(1000)).description).toHaveLength(300);
  });
});
