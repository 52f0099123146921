import { DeviceFlowError } from './errors.js';
import type { DeviceFlowEndpoints } from './types.js';

/**
 * The RFC 8414 metadata URL of an issuer: the well-known segment goes between the host and the issuer's path,
 * so `https://a.example/tenant` → `https://a.example/.well-known/oauth-authorization-server/tenant`.
 *
 * @see RFC 8414 §3.1
 */
export function metadataUrl(issuer: string): string {
  const url = new URL(issuer);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DeviceFlowError('discovery', `issuer must be an http(s) URL, got ${issuer}`);
  }
  if (url.search || url.hash) {
    throw new DeviceFlowError(
      'discovery',
      'issuer must not have a query or fragment (RFC 8414 §2)',
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

/**
 * Validates a metadata document and takes the endpoints the device flow needs. The `issuer` in the document
 * must be the issuer the client asked for, or the document is refused (mix-up defence).
 *
 * @see RFC 8414 §3.2, §3.3; RFC 8628 §4 (`device_authorization_endpoint`)
 */
export function endpointsFromMetadata(issuer: string, metadata: unknown): DeviceFlowEndpoints {
  if (!metadata || typeof metadata !== 'object') {
    throw new DeviceFlowError('discovery', 'authorization server metadata is not a JSON object');
  }
  const m = metadata as Record<string, unknown>;
  if (typeof m.issuer !== 'string' || stripSlash(m.issuer) !== stripSlash(issuer)) {
    throw new DeviceFlowError(
      'discovery',
      `metadata issuer ${JSON.stringify(m.issuer)} does not match ${issuer} (RFC 8414 §3.3)`,
    );
  }
  const device = endpoint(m.device_authorization_endpoint, 'device_authorization_endpoint');
  const token = endpoint(m.token_endpoint, 'token_endpoint');
  return { deviceAuthorizationEndpoint: device, tokenEndpoint: token };
}

function endpoint(value: unknown, name: string): string {
  if (typeof value !== 'string') {
    throw new DeviceFlowError(
      'discovery',
      `the server's metadata has no ${name}; it may not support the device flow, ` +
        'or give the endpoints explicitly',
    );
  }
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return value;
  } catch {
    // fall through
  }
  throw new DeviceFlowError('discovery', `metadata ${name} is not an absolute http(s) URL`);
}

function stripSlash(s: string): string {
  return s.replace(/\/+$/, '');
}
