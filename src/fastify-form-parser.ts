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
