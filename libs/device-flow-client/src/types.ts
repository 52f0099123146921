/**
 * Wire types of the device flow, as a client sees them.
 *
 * @see RFC 8628 §3.2 (device authorization response), §3.5 (token polling errors)
 * @see RFC 6749 §5.1 (token response), §5.2 (error response)
 */

/** Successful device authorization response. @see RFC 8628 §3.2 */
export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  /** Lifetime of both codes, seconds. */
  expires_in: number;
  /** Minimum seconds between polls; 5 when the server omits it (RFC 8628 §3.2). */
  interval?: number;
}

/** Successful access token response. @see RFC 6749 §5.1 */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  refresh_token?: string;
  scope?: string;
  [extension: string]: unknown;
}

/** An OAuth error response body. @see RFC 6749 §5.2 */
export interface OAuthErrorResponse {
  error: string;
  error_description?: string;
  error_uri?: string;
}

/** The endpoints a device needs. @see RFC 8414 §2, RFC 8628 §4 */
export interface DeviceFlowEndpoints {
  deviceAuthorizationEndpoint: string;
  tokenEndpoint: string;
}
