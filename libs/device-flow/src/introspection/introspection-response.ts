/**
 * A token introspection response. An inactive token (revoked, expired, unknown, or another client's) is
 * only `{"active": false}`.
 *
 * @see RFC 7662 §2.2
 */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  sub?: string;
  token_type?: string;
  exp?: number;
  iat?: number;
  iss?: string;
  aud?: string | string[];
}
