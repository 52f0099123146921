import type { Request } from 'express';
import { InvalidRequestError, RequestTooLargeError } from '../errors/oauth.errors.js';

/** Largest body an OAuth endpoint accepts. Real requests are a few hundred bytes. */
export const MAX_FORM_BODY_BYTES = 16 * 1024;
/** Longest value any single parameter may have (device codes are 43 characters, scopes a few hundred). */
export const MAX_PARAMETER_LENGTH = 2048;
/** Most distinct parameters a request may carry. */
export const MAX_PARAMETERS = 32;

const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * The parameters of an `application/x-www-form-urlencoded` request, flat and single-valued.
 * An empty value is treated as absent (RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if
 * they were omitted").
 */
export class FormParams {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  /** The parameter's value, or `undefined` when absent or empty. */
  get(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined || v === '' ? undefined : v;
  }

  /** The parameter's value; `invalid_request` when it is absent. */
  require(name: string): string {
    const v = this.get(name);
    if (v === undefined) throw new InvalidRequestError(`missing required parameter: ${name}`);
    return v;
  }
}

/**
 * The one form parser of every OAuth endpoint. Enforces RFC 6749 §3.2 / §4 request hygiene:
 * only form-encoded bodies (UTF-8), no repeated parameters (§3.1), no nested `a[b]=c` keys (rejected whether or
 * not a host body parser already turned them into objects, so the answer never depends on the host's
 * `rawBody` setting), bounded sizes — all before any storage lookup.
 *
 * Works whether or not the host app's body parser already ran: it prefers the raw body (`rawBody: true`),
 * otherwise validates the parsed object, otherwise reads the stream itself.
 */
export async function parseForm(req: Request): Promise<FormParams> {
  assertFormContentType(req.headers['content-type']);
  // Checked first so that every input source (raw, parsed or stream) rejects an oversize body alike.
  if (Number(req.headers['content-length']) > MAX_FORM_BODY_BYTES) {
    throw new RequestTooLargeError('request body too large');
  }
  const raw = (req as Request & { rawBody?: unknown }).rawBody;
  if (Buffer.isBuffer(raw)) return fromRaw(raw);
  const body: unknown = req.body;
  if (body !== undefined && body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) {
    return fromParsed(body as Record<string, unknown>);
  }
  if (Buffer.isBuffer(body)) return fromRaw(body);
  if (typeof body === 'string') return fromRaw(Buffer.from(body, 'utf8'));
  return fromRaw(await readBody(req));
}

function assertFormContentType(header: string | undefined): void {
  if (!header) throw new InvalidRequestError(`content type must be ${FORM_TYPE}`);
  const [type, ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  if (type !== FORM_TYPE) throw new InvalidRequestError(`content type must be ${FORM_TYPE}`);
  for (const p of params) {
    const [k, v] = p.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (k === 'charset' && v !== 'utf-8' && v !== 'utf8') {
      throw new InvalidRequestError('form bodies must be UTF-8');
    }
  }
}

function fromRaw(buf: Buffer): FormParams {
  if (buf.length > MAX_FORM_BODY_BYTES) throw new RequestTooLargeError('request body too large');
  const text = buf.toString('utf8');
  const values = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(text)) {
    if (values.has(key)) throw new InvalidRequestError(`parameter repeated: ${safeName(key)}`);
    values.set(key, checkValue(key, value));
  }
  return checkCount(values);
}

function fromParsed(body: Record<string, unknown>): FormParams {
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(body)) {
    if (Array.isArray(value)) throw new InvalidRequestError(`parameter repeated: ${safeName(key)}`);
    if (typeof value !== 'string')
      throw new InvalidRequestError(`parameter malformed: ${safeName(key)}`);
    values.set(key, checkValue(key, value));
  }
  return checkCount(values);
}

function checkValue(key: string, value: string): string {
  if (/[[\]]/.test(key)) throw new InvalidRequestError(`parameter malformed: ${safeName(key)}`);
  if (key.length > 128 || value.length > MAX_PARAMETER_LENGTH) {
    throw new InvalidRequestError(`parameter too long: ${safeName(key)}`);
  }
  return value;
}

function checkCount(values: Map<string, string>): FormParams {
  if (values.size > MAX_PARAMETERS) throw new InvalidRequestError('too many parameters');
  return new FormParams(values);
}

/** A parameter name made safe to echo: the RFC 6749 §5.2 `error_description` characters only, truncated. */
function safeName(key: string): string {
  return key.replace(/[^\x21\x23-\x5b\x5d-\x7e]/g, '?').slice(0, 40);
}

function readBody(req: Request): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (!req.readable) return resolve(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new RequestTooLargeError('request body too large'));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
