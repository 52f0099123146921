import type { ClientRecord } from '../clients/client.repository.js';
import type { FormParams } from '../http/form-body.parser.js';
import type { TokenResponse } from './token-response.js';

/**
 * One grant type of the token endpoint. Each grant is a small class with this contract; the token endpoint
 * dispatches on `grant_type`.
 *
 * @see RFC 6749 §4, §6; RFC 8628 §3.4
 */
export interface TokenGrant {
  /** The `grant_type` value this grant answers. */
  readonly grantType: string;
  /** Handles a request from an authenticated client that is allowed this grant type. */
  handle(client: ClientRecord, form: FormParams): Promise<TokenResponse>;
}
