/**
 * device-flow-client: the device side of the OAuth 2.0 Device Authorization Grant (RFC 8628) on plain
 * `fetch`, with RFC 8414 discovery. No framework dependency. This file is the public API.
 */
export {
  DeviceFlowClient,
  type DeviceFlowClientOptions,
  type AuthorizationRequestOptions,
  type PollOptions,
  type RetryOptions,
  DEVICE_CODE_GRANT_TYPE,
  SLOW_DOWN_INCREMENT_MS,
  DEFAULT_INTERVAL_SECONDS,
} from './device-flow-client.js';
export type { DeviceFlowResult, PollEvent } from './result.js';
export { DeviceFlowError, type DeviceFlowErrorKind } from './errors.js';
export type {
  DeviceAuthorization,
  TokenResponse,
  OAuthErrorResponse,
  DeviceFlowEndpoints,
} from './types.js';
export type { ClientCredentials, FetchLike } from './http.js';
export { type ClientClock, systemClock, VirtualClock } from './clock.js';
export { metadataUrl, endpointsFromMetadata } from './discovery.js';
