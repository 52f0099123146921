import { isUtf8 } from 'node:buffer';
import { HttpException } from '@nestjs/common';
import { ALL_CLIENTS, type HttpRequest } from '../libs/device-flow/src/index.js';

/**
 * The demo admin API's input rules. A request that breaks one is refused whole (400, 413 or 415 with
 * `{"error":"invalid_request","error_description":…}`) before anything changes: the kill switch is the one
 * control here whose default target (every client) is the widest, so nothing malformed may fall through to it.
 */

/** Longest client id (the kill switch table's `target` column). */
export const MAX_CLIENT_ID_LENGTH = 255;
/** Longest kill switch reason (its `reason` column). */
export const MAX_REASON_LENGTH = 512;
/** Longest `POST /admin/kill-switch` body, bytes: three short members need far less. */
export const MAX_ADMIN_BODY_BYTES = 4096;
/** Longest subject or grant id in a path (the grants table's `subject` column). */
export const MAX_PATH_PARAM_LENGTH = 255;

// The body errors' descriptions, shared with DemoErrorFilter, which answers the platforms' body parser errors
// (raised before any controller) with the same words.
/**
 * 400: the body is missing, not JSON (or not UTF-8), not an object, has other members, or names one twice (which
 * of two `client_id`s counts is a parser's choice; a proxy reading the first would see another target).
 */
export const ADMIN_BODY_INVALID =
  'the body must be a JSON object {"client_id"?, "reason"?, "revoke_tokens"?}';
/** 415: another media type, or a charset other than UTF-8. */
export const ADMIN_BODY_MEDIA_TYPE = 'the body must be application/json in UTF-8';
/** 415: a `Content-Encoding` (Express inflates gzip, Fastify reads the bytes as they are: refused on both). */
export const ADMIN_BODY_ENCODING = 'the body must not be compressed (no Content-Encoding)';
/** 413: over {@link MAX_ADMIN_BODY_BYTES}. */
export const ADMIN_BODY_TOO_LARGE = `the body is too large (at most ${MAX_ADMIN_BODY_BYTES} bytes)`;

const CLIENT_ID_INVALID = `client_id must be a client id: a string of 1 to ${MAX_CLIENT_ID_LENGTH} characters without control characters, not "${ALL_CLIENTS}" (omit client_id for every client)`;
const REASON_INVALID = `reason must be a string of at most ${MAX_REASON_LENGTH} characters without control characters`;

/**
 * C0 control characters and DEL. Refused in every string the admin API stores or looks up: PostgreSQL rejects a
 * NUL byte in a text parameter with an error (a 500), and the others have no place in an id, a subject or a
 * one-line reason that is shown and logged.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
/** Half of a UTF-16 surrogate pair without its other half: JSON's `"\ud800"`, which no text can hold. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const KILL_SWITCH_MEMBERS = ['client_id', 'reason', 'revoke_tokens'];

/** A malformed admin request: `invalid_request` with a description, 400 unless told. */
export class AdminRequestError extends HttpException {
  constructor(description: string, status = 400) {
    super({ error: 'invalid_request', error_description: description }, status);
  }
}

/** What `POST /admin/kill-switch` asks for; `clientId` null = every client. */
export interface KillSwitchRequest {
  clientId: string | null;
  reason: string | undefined;
  revokeTokens: boolean;
}

/**
 * Reads `POST /admin/kill-switch`: a JSON object (UTF-8) with only `client_id` (a client id), `reason` (a string)
 * and `revoke_tokens` (a boolean), each optional. Only an object without `client_id` means every client.
 */
export function parseKillSwitchRequest(req: HttpRequest): KillSwitchRequest {
  const body = jsonObjectBody(req);
  if (Object.keys(body).some((key) => !KILL_SWITCH_MEMBERS.includes(key)))
    throw new AdminRequestError(ADMIN_BODY_INVALID);
  const { client_id: clientId, reason, revoke_tokens: revokeTokens } = body;
  if (
    reason !== undefined &&
    (typeof reason !== 'string' ||
      reason.length > MAX_REASON_LENGTH ||
      CONTROL_CHARACTERS.test(reason) ||
      LONE_SURROGATE.test(reason))
  )
    throw new AdminRequestError(REASON_INVALID);
  if (revokeTokens !== undefined && typeof revokeTokens !== 'boolean')
    throw new AdminRequestError('revoke_tokens must be true or false');
  return {
    clientId: 'client_id' in body ? clientIdOf(clientId) : null,
    reason,
    revokeTokens: revokeTokens === true,
  };
}

/**
 * Reads `DELETE /admin/kill-switch?client_id=…`: the client whose switch to release, or null (no `client_id`)
 * for the global one. Only `client_id` may be given, once.
 */
export function parseReleaseQuery(query: unknown): string | null {
  const q = (query ?? {}) as Record<string, unknown>;
  if (Object.keys(q).some((key) => key !== 'client_id'))
    throw new AdminRequestError('unknown query parameter: only client_id is allowed');
  return 'client_id' in q ? clientIdOf(q.client_id) : null;
}

/**
 * A subject or grant id from the path (admin API and `/api`): 1 to 255 characters, no control characters (a NUL
 * byte is an error in PostgreSQL, a 500).
 */
export function pathParam(name: 'subject' | 'grantId', value: string): string {
  if (!value || value.length > MAX_PATH_PARAM_LENGTH || CONTROL_CHARACTERS.test(value))
    throw new AdminRequestError(
      `${name} must be 1 to ${MAX_PATH_PARAM_LENGTH} characters without control characters`,
    );
  return value;
}

/**
 * A client id: a non-empty string without control characters that fits the kill switch table, never `*` (the
 * global switch's target).
 */
function clientIdOf(value: unknown): string {
  if (
    typeof value !== 'string' ||
    value === '' ||
    value === ALL_CLIENTS ||
    value.length > MAX_CLIENT_ID_LENGTH ||
    CONTROL_CHARACTERS.test(value) ||
    LONE_SURROGATE.test(value)
  )
    throw new AdminRequestError(CLIENT_ID_INVALID);
  return value;
}

/**
 * The request's parsed body when it is a JSON object sent as `application/json` (UTF-8, no other charset) and
 * not over {@link MAX_ADMIN_BODY_BYTES}. The checks the platforms' own parsers make differently (an empty body
 * is `{}` on Express and an error on Fastify; a foreign charset is 415 on Express and ignored on Fastify) are
 * made here, so both answer alike.
 */
function jsonObjectBody(req: HttpRequest): Record<string, unknown> {
  if (contentEncoded(req)) throw new AdminRequestError(ADMIN_BODY_ENCODING, 415);
  const size = bodySize(req);
  if (size === 0) throw new AdminRequestError(ADMIN_BODY_INVALID);
  if (size > MAX_ADMIN_BODY_BYTES) throw new AdminRequestError(ADMIN_BODY_TOO_LARGE, 413);
  const [type, ...params] = (req.headers['content-type'] ?? '').split(';');
  const charset = params
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"(.*)"$/, '$1');
  if (type.trim().toLowerCase() !== 'application/json' || (charset && charset !== 'utf-8'))
    throw new AdminRequestError(ADMIN_BODY_MEDIA_TYPE, 415);
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AdminRequestError(ADMIN_BODY_INVALID);
  // The bytes as sent (the app keeps them): the platforms' JSON parsers read bad UTF-8 as U+FFFD and keep the
  // last of two same-named members.
  const raw = (req as { rawBody?: unknown }).rawBody;
  if (Buffer.isBuffer(raw) && (!isUtf8(raw) || hasRepeatedMember(raw.toString('utf8'))))
    throw new AdminRequestError(ADMIN_BODY_INVALID);
  return body as Record<string, unknown>;
}

/** The body's size in bytes: the raw body when kept (`rawBody: true`), else `Content-Length`; -1 if unknown. */
function bodySize(req: HttpRequest): number {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody.length;
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length);
  return req.headers['transfer-encoding'] === undefined ? 0 : -1;
}

/** Whether the request declares a content coding other than `identity`. */
export function contentEncoded(req: HttpRequest): boolean {
  const coding = String(req.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  return coding !== '' && coding !== 'identity';
}

/**
 * Whether a JSON text (valid: a platform parsed it) has an object naming one member twice, at any depth. Member
 * names are compared after unescaping (`"client\u005fid"` is `client_id`).
 *
 * @see RFC 8259 §4 (names SHOULD be unique; parsers differ on duplicates)
 */
export function hasRepeatedMember(json: string): boolean {
  // One entry per open object (its names so far) or array (null).
  const open: (Set<string> | null)[] = [];
  let nameNext = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (end >= json.length) return false; // not JSON after all: the platform's parser judged it
      if (nameNext) {
        const names = open[open.length - 1]!;
        const name = JSON.parse(json.slice(i, end + 1)) as string;
        if (names.has(name)) return true;
        names.add(name);
        nameNext = false;
      }
      i = end;
    } else if (c === '{') {
      open.push(new Set());
      nameNext = true;
    } else if (c === '[') {
      open.push(null);
    } else if (c === '}' || c === ']') {
      open.pop();
    } else if (c === ',') {
      nameNext = open[open.length - 1] != null;
    }
  }
  return false;
}
