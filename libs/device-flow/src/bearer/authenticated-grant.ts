/** What a valid bearer token stands for; `@CurrentGrant()` hands it to a route. */
export interface AuthenticatedGrant {
  clientId: string;
  /** The user who approved the device. */
  subject: string;
  scopes: string[];
  /** The device grant the token belongs to (see `DeviceManagementService`). */
  grantId: string;
  /** Expiry of the access token (ms since the epoch). */
  expiresAt: number;
}

/** Property of the request where the guard leaves the {@link AuthenticatedGrant}. */
export const GRANT_REQUEST_KEY = 'deviceFlowGrant';
