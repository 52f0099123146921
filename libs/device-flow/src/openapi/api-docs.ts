import { applyDecorators } from '@nestjs/common';
import type { SchemaObject } from '@nestjs/swagger';
import {
  ApiBasicAuth,
  ApiBody,
  ApiConsumes,
  ApiExcludeEndpoint,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from './optional-swagger.js';

import { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../clients/client.repository.js';

/**
 * OpenAPI descriptions of the module's endpoints, applied as @nestjs/swagger decorators on the controllers
 * (metadata only: nothing is served unless the host app calls `SwaggerModule`; without `@nestjs/swagger`
 * installed, an optional peer, they record nothing: {@link ./optional-swagger.ts}). Every error a handler can
 * produce through the one exception filter is listed with an example.
 *
 * @see RFC 8628 §3.1-3.5, RFC 6749 §5, RFC 8414 §3
 */

/** Swagger tag of the module's endpoints. */
export const DEVICE_FLOW_API_TAG = 'OAuth 2.0 Device Authorization Grant';
/** Name of the HTTP Basic security scheme (client_secret_basic) the host's DocumentBuilder should add. */
export const CLIENT_SECRET_BASIC_SCHEME = 'client_secret_basic';

const FORM = 'application/x-www-form-urlencoded';

/** An OAuth error response whose `error` is one of `codes`. @see RFC 6749 §5.2 */
function errorSchema(codes: string[]): SchemaObject {
  return {
    type: 'object',
    required: ['error'],
    properties: {
      error: { type: 'string', enum: codes },
      error_description: { type: 'string', description: 'Human-readable detail, ASCII' },
    },
    additionalProperties: false,
  };
}

type HeaderSpec = Record<string, { description: string; schema: SchemaObject }>;

/**
 * One documented error status: the codes it can carry (`code → when`, or `code → [when, a description the
 * server really sends]`) and the headers it sets.
 */
function errors(
  status: number,
  summary: string,
  codes: Record<string, string | [when: string, description: string]>,
  headers: HeaderSpec = {},
) {
  const examples = Object.fromEntries(
    Object.entries(codes).map(([error, spec]) => {
      const [when, description] = typeof spec === 'string' ? [spec, spec] : spec;
      return [error, { summary: when, value: { error, error_description: description } }];
    }),
  );
  return ApiResponse({
    status,
    description: summary,
    headers: { 'Cache-Control': noStoreHeader, ...headers },
    content: { 'application/json': { schema: errorSchema(Object.keys(codes)), examples } },
  });
}

const noStoreHeader = {
  description: 'Always `no-store`',
  schema: { type: 'string', example: 'no-store' },
};

/** 429 at an endpoint that authenticates clients: past `clientAuthenticationLimit` (RFC 6749 §10.10). */
const CLIENT_AUTHENTICATION_LIMITED: TooMany = [
  'Too many failed client secret verifications from this address (`clientAuthenticationLimit`); retry after `Retry-After`',
  'failed client authentications from this address over the budget',
  'too many failed client authentications from this address; retry later',
];

/** A documented 429: its summary, when it happens, and the description the server sends. */
type TooMany = [summary: string, when: string, description: string];

/** The errors every form endpoint shares: 401, 405, 413, 429, 500, 503. */
function commonErrors(allow: string, tooMany: TooMany = CLIENT_AUTHENTICATION_LIMITED) {
  return [
    errors(
      401,
      'Client authentication failed',
      { invalid_client: 'unknown client, wrong secret, disabled client, or no credentials' },
      {
        'WWW-Authenticate': {
          description: 'Always present (RFC 9110 §15.5.2), whichever method the client tried',
          schema: { type: 'string', example: 'Basic realm="device-flow"' },
        },
      },
    ),
    errors(
      405,
      `Any method other than ${allow} on this path`,
      { invalid_request: `method not allowed; use ${allow}` },
      { Allow: { description: 'The allowed method', schema: { type: 'string', example: allow } } },
    ),
    errors(413, 'Body larger than 16 KiB', { invalid_request: 'request body too large' }),
    errors(
      429,
      tooMany[0],
      { temporarily_unavailable: [tooMany[1], tooMany[2]] },
      {
        'Retry-After': {
          description: 'Seconds until the budget has room again',
          schema: { type: 'integer', example: 900 },
        },
      },
    ),
    errors(500, 'Unexpected failure; no detail is given', { server_error: 'internal error' }),
    errors(
      503,
      'Storage unreachable; retry later',
      { temporarily_unavailable: 'the service is temporarily unavailable, retry later' },
      {
        'Retry-After': {
          description: 'Seconds to wait',
          schema: { type: 'integer', example: 5 },
        },
      },
    ),
  ];
}

const INVALID_REQUEST =
  'missing or repeated parameter, nested or oversize value, not form-encoded UTF-8, or both Basic and body credentials';

const clientCredentials: Record<string, SchemaObject> = {
  client_id: {
    type: 'string',
    description: 'Required for public clients and `client_secret_post`; omit with HTTP Basic',
    example: 'demo-device',
  },
  client_secret: { type: 'string', description: '`client_secret_post` only (RFC 6749 §2.3.1)' },
};

/** Docs of the device authorization endpoint. @see RFC 8628 §3.1, §3.2 */
export function DeviceAuthorizationDocs() {
  return applyDecorators(
    ApiBasicAuth(CLIENT_SECRET_BASIC_SCHEME),
    ApiOperation({
      operationId: 'deviceAuthorization',
      summary: 'Start a device authorization (RFC 8628 §3.1)',
      description:
        'Issues a device code (kept by the device) and a user code (shown to the user). Public clients send ' +
        '`client_id`; confidential ones authenticate with HTTP Basic or `client_secret_post`.',
    }),
    ApiConsumes(FORM),
    ApiBody({
      required: true,
      schema: {
        type: 'object',
        properties: {
          ...clientCredentials,
          scope: { type: 'string', description: 'Space-separated scopes', example: 'read profile' },
        },
      },
    }),
    ApiResponse({
      status: 200,
      description: 'Codes issued (RFC 8628 §3.2)',
      headers: { 'Cache-Control': noStoreHeader },
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['device_code', 'user_code', 'verification_uri', 'expires_in', 'interval'],
            properties: {
              device_code: { type: 'string', description: '256 random bits, base64url' },
              user_code: { type: 'string', example: 'WDJB-MJHT' },
              verification_uri: { type: 'string', format: 'uri' },
              verification_uri_complete: { type: 'string', format: 'uri' },
              expires_in: { type: 'integer', example: 1800 },
              interval: { type: 'integer', example: 5 },
            },
          },
        },
      },
    }),
    errors(400, 'Malformed or not allowed request', {
      invalid_request: [INVALID_REQUEST, 'missing required parameter: client_id'],
      invalid_scope: 'a requested scope is unknown or not allowed for this client',
      unauthorized_client: 'client is not allowed the device authorization grant',
    }),
    ...commonErrors('POST', [
      'Too many device codes for this client and address (`issuanceLimit`, RFC 8628 §5.4), or too many failed ' +
        'client secret verifications from this address (`clientAuthenticationLimit`); retry after `Retry-After`',
      'device codes for this client and address over the budget',
      'too many requests, retry later',
    ]),
  );
}

/** Docs of the token endpoint. @see RFC 6749 §3.2, §5; RFC 8628 §3.4, §3.5 */
export function TokenDocs() {
  return applyDecorators(
    ApiBasicAuth(CLIENT_SECRET_BASIC_SCHEME),
    ApiOperation({
      operationId: 'token',
      summary: 'Poll for tokens, or refresh them (RFC 8628 §3.4, RFC 6749 §6)',
      description:
        'With the device code grant: `authorization_pending` until the user decides, `slow_down` (interval ' +
        '+5 s, persisted) when polled faster than the interval, then tokens once, or `access_denied` / ' +
        '`expired_token`. With the refresh token grant: new tokens (rotation).',
    }),
    ApiConsumes(FORM),
    ApiBody({
      required: true,
      schema: {
        type: 'object',
        required: ['grant_type'],
        properties: {
          grant_type: {
            type: 'string',
            enum: [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE],
            example: DEVICE_CODE_GRANT_TYPE,
          },
          device_code: { type: 'string', description: 'Device code grant: the device code' },
          refresh_token: { type: 'string', description: 'Refresh token grant: the refresh token' },
          scope: { type: 'string', description: 'Refresh token grant: narrower scope (optional)' },
          ...clientCredentials,
        },
      },
    }),
    ApiResponse({
      status: 200,
      description: 'Tokens issued (RFC 6749 §5.1)',
      headers: { 'Cache-Control': noStoreHeader },
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['access_token', 'token_type', 'expires_in'],
            properties: {
              access_token: { type: 'string' },
              token_type: { type: 'string', example: 'Bearer' },
              expires_in: { type: 'integer', example: 3600 },
              refresh_token: { type: 'string', description: 'When the client may refresh' },
              scope: { type: 'string', example: 'read profile' },
            },
          },
        },
      },
    }),
    errors(400, 'Not (yet) granted, or a malformed request (RFC 6749 §5.2, RFC 8628 §3.5)', {
      authorization_pending: [
        'the user has not decided yet; poll again after the interval',
        'the user has not yet approved the request',
      ],
      slow_down: 'polled sooner than the interval; the interval grew by 5 seconds',
      access_denied: ['the user denied the request; stop polling', 'the user denied the request'],
      expired_token: [
        'the device code expired; stop polling and start over',
        'device code expired',
      ],
      invalid_request: [INVALID_REQUEST, 'missing required parameter: device_code'],
      invalid_grant: [
        'device or refresh code unknown, of another client, or already used',
        'device code was already used; any tokens issued for it have been revoked',
      ],
      invalid_scope: [
        'refresh asked for a scope beyond the original grant',
        'requested scope exceeds the original grant',
      ],
      unauthorized_client: 'client is not allowed this grant type',
      unsupported_grant_type: 'grant_type is not supported',
    }),
    ...commonErrors('POST'),
  );
}

/** Docs of the RFC 8414 metadata endpoint. */
export function MetadataDocs() {
  return applyDecorators(
    ApiOperation({
      operationId: 'authorizationServerMetadata',
      summary: 'Authorization server metadata (RFC 8414 §3)',
    }),
    ApiResponse({
      status: 200,
      description: 'The metadata; cacheable for 5 minutes',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['issuer', 'device_authorization_endpoint', 'token_endpoint'],
            properties: {
              issuer: { type: 'string', format: 'uri' },
              device_authorization_endpoint: { type: 'string', format: 'uri' },
              token_endpoint: { type: 'string', format: 'uri' },
              introspection_endpoint: { type: 'string', format: 'uri' },
              revocation_endpoint: { type: 'string', format: 'uri' },
              jwks_uri: { type: 'string', format: 'uri', description: 'With JWT access tokens' },
              scopes_supported: {
                type: 'array',
                items: { type: 'string' },
                description: 'Scopes clients may request here (omitted when none are configured)',
              },
              grant_types_supported: { type: 'array', items: { type: 'string' } },
              token_endpoint_auth_methods_supported: { type: 'array', items: { type: 'string' } },
              response_types_supported: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    }),
    errors(
      405,
      'Any method other than GET',
      { invalid_request: 'method not allowed; use GET' },
      { Allow: { description: 'The allowed method', schema: { type: 'string', example: 'GET' } } },
    ),
  );
}

/** Docs of the QR code endpoint. @see RFC 8628 §3.3.1 */
export function VerificationQrDocs() {
  return applyDecorators(
    ApiOperation({
      operationId: 'verificationQrCode',
      summary: 'SVG QR code of verification_uri_complete (RFC 8628 §3.3.1)',
      description:
        'For devices that cannot draw a QR code. The user code is checked for format only, never looked up, ' +
        'so valid and unknown codes get the same answer; only this server’s verification URI is encoded.',
    }),
    ApiQuery({
      name: 'user_code',
      required: true,
      description: 'A user code as issued or as typed (case and dashes ignored)',
      schema: { type: 'string', example: 'WDJB-MJHT' },
    }),
    ApiResponse({
      status: 200,
      description: 'The QR code',
      headers: { 'Cache-Control': noStoreHeader },
      content: { 'image/svg+xml': { schema: { type: 'string' } } },
    }),
    errors(400, 'The user code is missing or malformed', {
      invalid_request: 'user_code is missing or is not a well-formed user code',
    }),
    errors(
      405,
      'Any method other than GET',
      { invalid_request: 'method not allowed; use GET' },
      { Allow: { description: 'The allowed method', schema: { type: 'string', example: 'GET' } } },
    ),
  );
}

const tokenParams: Record<string, SchemaObject> = {
  token: { type: 'string', description: 'The access or refresh token' },
  token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] },
  ...clientCredentials,
};

/** Docs of the token introspection endpoint. @see RFC 7662 §2 */
export function IntrospectionDocs() {
  return applyDecorators(
    ApiBasicAuth(CLIENT_SECRET_BASIC_SCHEME),
    ApiOperation({
      operationId: 'introspect',
      summary: 'Token introspection (RFC 7662)',
      description:
        'Whether a token is active, and its claims. A revoked, expired, unknown or other client’s token is ' +
        'only `{"active": false}`.',
    }),
    ApiConsumes(FORM),
    ApiBody({
      required: true,
      schema: { type: 'object', required: ['token'], properties: tokenParams },
    }),
    ApiResponse({
      status: 200,
      description: 'Introspection result (RFC 7662 §2.2)',
      headers: { 'Cache-Control': noStoreHeader },
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['active'],
            properties: {
              active: { type: 'boolean' },
              scope: { type: 'string' },
              client_id: { type: 'string' },
              sub: { type: 'string' },
              token_type: { type: 'string' },
              exp: { type: 'integer' },
              iat: { type: 'integer' },
              iss: { type: 'string' },
              aud: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
            },
          },
        },
      },
    }),
    errors(400, 'Malformed request', {
      invalid_request: [INVALID_REQUEST, 'missing required parameter: token'],
    }),
    ...commonErrors('POST'),
  );
}

/** Docs of the token revocation endpoint. @see RFC 7009 §2 */
export function RevocationDocs() {
  return applyDecorators(
    ApiBasicAuth(CLIENT_SECRET_BASIC_SCHEME),
    ApiOperation({
      operationId: 'revoke',
      summary: 'Token revocation (RFC 7009)',
      description:
        'Revokes the token (and its grant). 200 whether or not the token was known (§2.2).',
    }),
    ApiConsumes(FORM),
    ApiBody({
      required: true,
      schema: { type: 'object', required: ['token'], properties: tokenParams },
    }),
    ApiResponse({
      status: 200,
      description: 'Revoked, or not a known token',
      headers: { 'Cache-Control': noStoreHeader },
    }),
    errors(400, 'Malformed request, or a token of another client', {
      invalid_request: [
        `${INVALID_REQUEST}; or the token belongs to another client`,
        'the token was not issued to this client',
      ],
    }),
    ...commonErrors('POST'),
  );
}

/** Docs of the JWKS endpoint. @see RFC 7517 §5, RFC 9068 §4 */
export function JwksDocs() {
  return applyDecorators(
    ApiOperation({
      operationId: 'jwks',
      summary: 'JSON Web Key Set of the JWT signing keys (RFC 7517 §5)',
      description: 'Empty when access tokens are opaque. Cacheable for 5 minutes.',
    }),
    ApiResponse({
      status: 200,
      description: 'The public keys',
      content: {
        'application/jwk-set+json': {
          schema: {
            type: 'object',
            required: ['keys'],
            properties: { keys: { type: 'array', items: { type: 'object' } } },
          },
        },
      },
    }),
    errors(
      405,
      'Any method other than GET',
      { invalid_request: 'method not allowed; use GET' },
      { Allow: { description: 'The allowed method', schema: { type: 'string', example: 'GET' } } },
    ),
  );
}

/**
 * Class decorator: the one tag of every module endpoint. On the class, so Swagger does not also tag each
 * operation with the controller's name.
 */
export function DeviceFlowApiTag(): ClassDecorator {
  return ApiTags(DEVICE_FLOW_API_TAG);
}

/** Hides the catch-all `@All()` handlers (they only answer 405, documented on each operation). */
export function WrongMethodDocs(): MethodDecorator {
  return ApiExcludeEndpoint();
}
