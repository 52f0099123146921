import { InvalidClientError } from '../errors/oauth.errors.js';

/** Client credentials taken from an `Authorization: Basic` header. */
export interface BasicCredentials {
  clientId: string;
  /** Absent when the header's secret is empty: the client only says who it is, as a public client does. */
  secret?: string;
}

/** Longest base64 credential accepted; real ones are well under 1 KB. */
const MAX_CREDENTIALS_LENGTH = 4096;

/**
 * Parses `Authorization: Basic base64(urlencode(client_id) ":" urlencode(client_secret))`. Both parts are
 * `application/x-www-form-urlencoded` before base64 (so `%3A` is a colon inside the id, `+` a space).
 * Anything malformed (other schemes, bad base64 or percent-encoding, no colon, an empty id) is
 * `invalid_client` with `WWW-Authenticate: Basic`.
 *
 * Two leniencies, both for client libraries in wide use, neither letting anything in that the body methods
 * would not: an empty secret (`client_id:`) is no secret — requests-oauthlib sends its public clients' ids this
 * way by default, and RFC 6749 §2.3.1 lets a client with an empty secret omit it; such a header authenticates a
 * public client, never a confidential one. And the base64url alphabet (`-`, `_`) is read as base64's (`+`, `/`),
 * as some clients encode it.
 *
 * @see RFC 6749 §2.3.1; RFC 7617 §2; RFC 4648 §4, §5
 */
export function parseBasicCredentials(header: string): BasicCredentials {
  const invalid = () => new InvalidClientError('malformed Authorization header');
  const m = /^Basic[ ]+([A-Za-z0-9+/_-]+={0,2})[ ]*$/i.exec(header);
  if (!m || m[1].length > MAX_CREDENTIALS_LENGTH || m[1].length % 4 === 1) throw invalid();
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw invalid();
  let clientId: string;
  let secret: string;
  try {
    clientId = formDecode(decoded.slice(0, colon));
    secret = formDecode(decoded.slice(colon + 1));
  } catch {
    throw invalid();
  }
  if (clientId === '') throw invalid();
  return secret === '' ? { clientId } : { clientId, secret };
}

/** Decodes one `application/x-www-form-urlencoded` component strictly (a bad `%` escape throws). */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
