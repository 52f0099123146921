import { parse } from 'node:querystring';

/**
 * The demo's form body parser on Fastify: Nest's default one, except that a `__proto__` parameter is dropped
 * rather than refused. Nest's default answers a form with `__proto__=…` 400 ("forbidden prototype property")
 * before any route runs, where Express's parser ignores it; RFC 6749 §3.1 says an authorization server MUST
 * ignore parameters it does not recognise, and the module's endpoints read the raw body anyway
 * (`rawBody: true`), so both platforms now answer such a request as if the parameter were absent. The parsed
 * object (for the demo's own login form) has no prototype, as Nest's has; repeated names become arrays.
 */
export function formWithoutProto(
  _req: unknown,
  body: Buffer,
  done: (error: Error | null, body?: Record<string, unknown>) => void,
): void {
  const parsed = parse(body.toString('utf8')) as Record<string, unknown>;
  delete parsed['__proto__'];
  done(null, parsed);
}

/** Fastify's own JSON parser, as `getDefaultJsonParser()` gives it (prototype poisoning refused). */
type JsonParser = (
  req: unknown,
  body: Buffer,
  done: (error: Error | null, body?: unknown) => void,
) => void;

/**
 * The demo's JSON body parser on Fastify: Fastify's own, except that an empty body is `{}`, as Express's
 * body-parser reads it, not Fastify's 400 "Body cannot be empty when content-type is set to 'application/json'"
 * (raised before any route runs). So `DELETE /admin/kill-switch?client_id=…` sent with a JSON content type and
 * no body releases the switch on both platforms; `POST /admin/kill-switch` with no body is still refused by its
 * own check (`src/admin-requests.ts`), alike on both.
 */
export function jsonWithEmptyObject(defaultParser: JsonParser): JsonParser {
  return (req, body, done) => (body.length === 0 ? done(null, {}) : defaultParser(req, body, done));
}
