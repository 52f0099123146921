/** Grant type URN of the device authorization grant. @see RFC 8628 §3.4 */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
/** Grant type of refresh tokens. @see RFC 6749 §6 */
export const REFRESH_TOKEN_GRANT_TYPE = 'refresh_token';

/**
 * A registered client. Confidential clients have a `secretHash` (scrypt, see `hashClientSecret`) and may
 * authenticate with `client_secret_basic` or `client_secret_post`; public clients (no secret) send only
 * `client_id`.
 *
 * @see RFC 6749 §2
 */
export interface ClientRecord {
  clientId: string;
  /** scrypt hash of the client secret, or null for a public client. */
  secretHash: string | null;
  /** Grant types the client may use (e.g. the device code URN, `refresh_token`). */
  grantTypes: string[];
  /** Scopes the client may request. */
  scopes: string[];
  /** Name shown to users on the consent page. */
  displayName: string;
  /** A disabled client cannot start or redeem device authorizations. */
  disabled: boolean;
}

/** Whether the client is allowed the `refresh_token` grant. @see RFC 6749 §6 */
export function allowsRefresh(client: ClientRecord): boolean {
  return client.grantTypes.includes(REFRESH_TOKEN_GRANT_TYPE);
}

/**
 * Storage of registered clients.
 *
 * Replace it by providing this token.
 */
export interface ClientRepository {
  /** The client with this id, or null. */
  findById(clientId: string): Promise<ClientRecord | null>;
  /** Creates or replaces a client. */
  save(client: ClientRecord): Promise<void>;
}

/** Injection token for {@link ClientRepository}. */
export const ClientRepository = Symbol('ClientRepository');
