import type { IncomingMessage } from 'node:http';
import { InvalidRequestError, RequestTooLargeError } from '../errors/oauth.errors.js';
import { type HttpRequest, requestStream } from './http-exchange.js';

/** Largest body an OAuth endpoint accepts. Real requests are a few hundred bytes. */
export const MAX_FORM_BODY_BYTES = 16 * 1024;
/** Longest value any single parameter may have (device codes are 43 characters, scopes a few hundred). */
export const MAX_PARAMETER_LENGTH = 2048;
/** Most parameters a request may carry (a name given twice counts twice). */
export const MAX_PARAMETERS = 32;
/**
 * Most `&`-separated pieces a body may have, empty ones included: Express's body-parser refuses a form with more
 * (its default `parameterLimit`) before the module sees it, so the module's own parser refuses the same bodies
 * and a request is answered alike on every platform (`&&&…` padding is no real client's).
 */
export const MAX_PIECES = 1000;

/** The one content type OAuth endpoints accept. @see RFC 6749 §3.2 */
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const FORM_TYPE = FORM_CONTENT_TYPE;

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

/** How {@link parseForm} reads a body. */
export interface FormOptions {
  /**
   * Bytes that are not UTF-8 (raw, or percent-encoded like `%FF`): `refuse` (the default, for the OAuth
   * endpoints: `invalid_request`), or `replace` them with U+FFFD (the verification page: a mangled entry is just
   * a code that is not valid).
   */
  notUtf8?: 'refuse' | 'replace';
  /**
   * The parameters the endpoint reads. Given, a repeated or nested (`a[b]`, `a[]`) one of them is refused, and
   * any other parameter is ignored however it is sent — RFC 6749 §3.1: unrecognised parameters MUST be ignored
   * (an RFC 8707 `resource` sent twice, say, by a client that uses resource indicators elsewhere). Not given,
   * every repeated or nested parameter is refused (the verification page's own forms).
   */
  recognised?: readonly string[];
  /**
   * Most parameters the body may carry ({@link MAX_PARAMETERS} unless told). The verification page's consent
   * form sends one field per requested scope, as many as the client may be allowed, so it allows more: the body's
   * size ({@link MAX_FORM_BODY_BYTES}) bounds it anyway.
   */
  maxParameters?: number;
}

/** How a parser of one body treats each parameter: refuse, or ignore, what is repeated or nested. */
class ParameterRules {
  constructor(
    readonly strict: boolean,
    private readonly recognised: ReadonlySet<string> | null,
    readonly maxParameters: number,
  ) {}

  /** Whether a parameter's shape matters: all do on a page's own form, only the endpoint's on an endpoint. */
  private enforced(name: string): boolean {
    return this.recognised === null || this.recognised.has(name);
  }

  /** A name seen twice: refused if it is one the endpoint reads, else dropped. */
  repeated(name: string): void {
    if (this.enforced(name)) throw new InvalidRequestError(`parameter repeated: ${safeName(name)}`);
  }

  /** A nested name (`a[b]`, `a[]`), or a value a host parser made an object of: refused if enforced. */
  malformed(name: string): void {
    const base = name.includes('[') ? name.slice(0, name.indexOf('[')) : name;
    if (this.enforced(base))
      throw new InvalidRequestError(`parameter malformed: ${safeName(name)}`);
  }
}

/**
 * The one form parser of every OAuth endpoint. Enforces RFC 6749 §3.2 / §4 request hygiene:
 * only form-encoded bodies (UTF-8, or ISO-8859-1 where declared), none of the endpoint's parameters repeated
 * (§3.1) or nested as `a[b]=c` (rejected whether or not a host body parser already turned them into objects, so
 * the answer never depends on the host's `rawBody` setting) while other parameters are ignored (§3.1), bounded
 * sizes — all before any storage lookup.
 *
 * Works whether or not the host app's body parser already ran, on Express and on Fastify: it prefers the raw body
 * (`rawBody: true`), otherwise validates the parsed object (or the Buffer a content-type parser handed over),
 * otherwise reads the stream itself.
 */
export async function parseForm(req: HttpRequest, options: FormOptions = {}): Promise<FormParams> {
  const strict = options.notUtf8 !== 'replace';
  // No body at all needs no media type (RFC 9110 §8.3): `curl -X POST -u id:secret …/device_authorization`,
  // whose parameters are all optional for a client authenticated by its Authorization header (RFC 8628 §3.1).
  if (req.headers['content-type'] === undefined && declaresNoBody(req))
    return new FormParams(new Map());
  const refused =
    formContentTypeError(req.headers['content-type']) ??
    contentEncodingError(req.headers['content-encoding']);
  if (refused) throw refused;
  // Checked first so that every input source (raw, parsed or stream) rejects an oversize body alike.
  if (Number(req.headers['content-length']) > MAX_FORM_BODY_BYTES) {
    throw new RequestTooLargeError('request body too large');
  }
  const rules = new ParameterRules(
    strict,
    recognisedSet(options.recognised),
    options.maxParameters ?? MAX_PARAMETERS,
  );
  const read = { rules, latin1: isLatin1Form(req.headers['content-type']) };
  const raw = req.rawBody;
  if (Buffer.isBuffer(raw)) return fromRaw(raw, read);
  const body: unknown = req.body;
  if (body !== undefined && body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) {
    return fromParsed(body as Record<string, unknown>, rules);
  }
  if (Buffer.isBuffer(body)) return fromRaw(body, read);
  if (typeof body === 'string')
    return fromRaw(Buffer.from(body, 'utf8'), { ...read, latin1: false });
  return fromRaw(await readBody(requestStream(req)), read);
}

/** Sets of `recognised` names, made once per list (endpoints pass a constant one). */
const recognisedSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function recognisedSet(names: readonly string[] | undefined): ReadonlySet<string> | null {
  if (names === undefined) return null;
  let set = recognisedSets.get(names);
  if (!set) recognisedSets.set(names, (set = new Set(names)));
  return set;
}

/** Whether a request says it has no body: `Content-Length: 0`, or neither a length nor a transfer coding. */
function declaresNoBody(req: HttpRequest): boolean {
  const length = req.headers['content-length'];
  return length === undefined ? req.headers['transfer-encoding'] === undefined : length === '0';
}

/**
 * What is wrong with a request's `Content-Type` for an OAuth endpoint, or null: the type must be the form type,
 * and a `charset` parameter, if any, `UTF-8` or `ISO-8859-1` (the registered names, in any case: the two
 * Express's parser reads too). Java clients send the latter (Apache HttpClient's `UrlEncodedFormEntity`), for
 * parameters that are ASCII anyway. Shared with the exception filter, so that a body a platform's own parser
 * refused before the handler gets the answer this parser gives.
 */
export function formContentTypeError(header: string | undefined): InvalidRequestError | null {
  if (header === FORM_TYPE) return null; // the common case, without splitting
  if (!header) return new InvalidRequestError(`content type must be ${FORM_TYPE}`);
  const [type, ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  if (type !== FORM_TYPE) return new InvalidRequestError(`content type must be ${FORM_TYPE}`);
  const charset = charsetOf(params);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'iso-8859-1')
    return new InvalidRequestError('form bodies must be UTF-8 or ISO-8859-1');
  return null;
}

/** The `charset` parameter among a media type's lower-cased parameters, unquoted. */
function charsetOf(params: readonly string[]): string | undefined {
  for (const p of params) {
    const [k, v] = p.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (k === 'charset') return v;
  }
  return undefined;
}

/** Whether a form declares `charset=ISO-8859-1`: its bytes, raw or percent-encoded, are Latin-1 characters. */
function isLatin1Form(header: string | undefined): boolean {
  if (header === undefined || header === FORM_TYPE) return false;
  return charsetOf(header.toLowerCase().split(';').slice(1)) === 'iso-8859-1';
}

/**
 * A `Content-Encoding` other than `identity`, or null. Form bodies are a few hundred bytes; a compressed one is
 * refused rather than read as if it were plain (which one platform would do and the other not).
 *
 * @see RFC 9110 §8.4
 */
export function contentEncodingError(header: string | undefined): InvalidRequestError | null {
  if (header === undefined || header.trim().toLowerCase() === 'identity') return null;
  return new InvalidRequestError('content encoding not supported; send the form uncompressed');
}

function fromRaw(buf: Buffer, read: { rules: ParameterRules; latin1: boolean }): FormParams {
  if (buf.length > MAX_FORM_BODY_BYTES) throw new RequestTooLargeError('request body too large');
  const { rules } = read;
  const text = buf.toString(read.latin1 ? 'latin1' : 'utf8');
  if (hasMorePieces(text, MAX_PIECES)) throw new InvalidRequestError('too many parameters');
  // URLSearchParams drops a leading `?` (a query string's); in a body it is part of the first name, as every
  // other parser (host parsers, latin1Pairs) reads it.
  const pairs = read.latin1
    ? latin1Pairs(text)
    : new URLSearchParams(text.startsWith('?') ? `&${text}` : text);
  const values = new Map<string, string>();
  let count = 0;
  let dropped: Set<string> | undefined; // repeated names the endpoint ignores (rare: made when needed)
  for (const [key, value] of pairs) {
    checkValue(key, value, rules.strict);
    count++;
    if (/[[\]]/.test(key)) rules.malformed(key);
    else if (values.has(key)) {
      rules.repeated(key);
      (dropped ??= new Set()).add(key);
    } else values.set(key, value);
  }
  if (dropped) for (const key of dropped) values.delete(key);
  return checkCount(values, count, rules.maxParameters);
}

/** Whether `text` has more than `limit` pieces between `&`s (empty ones too), counted as body-parser does. */
function hasMorePieces(text: string, limit: number): boolean {
  for (let pieces = 1, at = text.indexOf('&'); at !== -1; at = text.indexOf('&', at + 1))
    if (++pieces > limit) return true;
  return false;
}

/**
 * The name/value pairs of a form whose bytes are Latin-1, split and decoded as `URLSearchParams` does (`&`
 * between pairs, empty ones skipped, the first `=` ends the name, `+` is a space, malformed `%` escapes kept as
 * they are), except that a `%XX` escape is the character U+00XX rather than a byte of UTF-8.
 *
 * @see https://url.spec.whatwg.org/#urlencoded-parsing
 */
function latin1Pairs(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    pairs.push([latin1Decode(name), eq < 0 ? '' : latin1Decode(part.slice(eq + 1))]);
  }
  return pairs;
}

function latin1Decode(text: string): string {
  return text
    .replace(/\+/g, ' ')
    .replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function fromParsed(body: Record<string, unknown>, rules: ParameterRules): FormParams {
  // Each parameter with the strings it holds (a host parser's arrays and objects flattened), read once.
  const entries = Object.entries(body).map(
    ([key, value]) =>
      [key, value, typeof value === 'string' ? [value] : stringLeaves(value)] as const,
  );
  // The body the host parsed may have come without a length (chunked) and under the host's larger limit: held to
  // the module's own by what it holds (names and values, decoded: never more than the bytes sent), first, as the
  // raw body is.
  let size = 0;
  for (const [key, , leaves] of entries) {
    size += key.length + 1;
    for (const leaf of leaves) size += leaf.length + 1;
  }
  if (size > MAX_FORM_BODY_BYTES) throw new RequestTooLargeError('request body too large');
  const values = new Map<string, string>();
  let count = 0;
  for (const [key, value, leaves] of entries) {
    if (typeof value === 'string' && !/[[\]]/.test(key)) {
      count++;
      values.set(key, checkValue(key, value, rules.strict));
      continue;
    }
    // A host parser's array (a name given twice or more, or qs's `a[]=…`) or object (`a[b]=…`): refused when
    // the endpoint reads that name, else ignored — its values still checked and counted as the raw body's are.
    for (const leaf of leaves) {
      count++;
      checkValue(key, leaf, rules.strict);
    }
    if (Array.isArray(value) && value.length > 1) rules.repeated(key);
    else rules.malformed(key);
  }
  return checkCount(values, count, rules.maxParameters);
}

/** The strings inside a value a host parser built (arrays, nested objects), at most a few levels deep. */
function stringLeaves(value: unknown, depth = 0): string[] {
  if (typeof value === 'string') return [value];
  if (depth > 4 || value === null || typeof value !== 'object') return [''];
  return Object.values(value).flatMap((v) => stringLeaves(v, depth + 1));
}

function checkValue(key: string, value: string, strict: boolean): string {
  // Bytes that were not UTF-8 (raw, or percent-encoded like %FF) come out of every decoder as U+FFFD; no OAuth
  // parameter holds one. Refused as such, not looked up as a garbled client or code. @see RFC 6749 Appendix B
  if (strict && (key.includes('\uFFFD') || value.includes('\uFFFD')))
    throw new InvalidRequestError('form bodies must be UTF-8');
  if (key.length > 128 || value.length > MAX_PARAMETER_LENGTH) {
    throw new InvalidRequestError(`parameter too long: ${safeName(key)}`);
  }
  return value;
}

/** The parameters kept, once the body's parameters (ignored ones too) are within {@link MAX_PARAMETERS}. */
function checkCount(values: Map<string, string>, count: number, max: number): FormParams {
  if (count > max) throw new InvalidRequestError('too many parameters');
  return new FormParams(values);
}

/** A parameter name made safe to echo: the RFC 6749 §5.2 `error_description` characters only, truncated. */
function safeName(key: string): string {
  return key.replace(/[^\x21\x23-\x5b\x5d-\x7e]/g, '?').slice(0, 40);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
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
