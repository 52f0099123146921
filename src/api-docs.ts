import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import {
  CLIENT_SECRET_BASIC_SCHEME,
  DeviceFlowModule,
  issuerBaseUrl,
  issuerPath,
} from '../libs/device-flow/src/index.js';

/** Where the demo serves its API docs: Swagger UI here, the document at `/docs-json` and `/docs-yaml`. */
export const DOCS_PATH = 'docs';

/**
 * Builds the OpenAPI document from the module's controllers (their @nestjs/swagger decorators) and serves
 * Swagger UI at `/docs`, under the issuer's path like every route (`/auth/docs`). The server is the issuer
 * without a trailing slash and paths are relative to it, so they carry no global prefix. Call before
 * `app.init()` / `listen()`. On Fastify, @nestjs/swagger serves the Swagger UI assets through `@fastify/static`
 * (a dependency of the demo, not of the module).
 */
export function setupApiDocs(app: INestApplication, issuer: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('nest-device-flow demo authorization server')
    .setDescription(
      'OAuth 2.0 Device Authorization Grant (RFC 8628) endpoints of the DeviceFlowModule. Request bodies are ' +
        '`application/x-www-form-urlencoded`; every error is `{"error","error_description"}` JSON ' +
        '(RFC 6749 §5.2) with `Cache-Control: no-store`.',
    )
    .setVersion('0.1.0')
    .addServer(issuerBaseUrl(issuer))
    .addBasicAuth(
      { type: 'http', scheme: 'basic', description: 'client_secret_basic (RFC 6749 §2.3.1)' },
      CLIENT_SECRET_BASIC_SCHEME,
    )
    .build();
  // The module's endpoints only: the demo's own /api and /admin routes are examples, not a public API.
  const document = SwaggerModule.createDocument(app, config, {
    include: [DeviceFlowModule],
    ignoreGlobalPrefix: true,
  });
  protectDocs(app, `${issuerPath(issuer)}/${DOCS_PATH}`);
  SwaggerModule.setup(DOCS_PATH, app, document, { useGlobalPrefix: true });
  return document;
}

/**
 * Swagger UI's page runs scripts from its own files only (styles inline), so it can have a CSP as strict as the
 * verification page's but for those: no script but its own, no framing (it has "Try it out" forms that send
 * requests with the user's input), no plugins, no base or form targets elsewhere, no referrer, no sniffing.
 */
const DOCS_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** Whether a route's path is the docs page, one of its assets, or `-json` / `-yaml` (any letter case). */
function isDocsPath(path: string, base: string): boolean {
  const p = path.toLowerCase();
  return p === base || p.startsWith(`${base}/`) || p.startsWith(`${base}-`);
}

/**
 * Sets {@link DOCS_HEADERS} on the docs' responses, and on nothing else: on Fastify through a hook on the docs'
 * own routes (added as they are registered), so that every path the router serves them at — percent-encoded
 * too, as Fastify decodes (`/%64ocs/`) — gets them, and no other route pays for it; on Express through a
 * middleware comparing the path, which Express routes undecoded (it answers `/%64ocs/` 404).
 */
function protectDocs(app: INestApplication, base: string): void {
  const prefix = base.toLowerCase();
  const adapter = app.getHttpAdapter();
  if (adapter.getType() === 'fastify') {
    type Hook = (req: unknown, reply: { headers(h: object): unknown }, done: () => void) => void;
    const fastify = adapter.getInstance() as {
      addHook(
        name: 'onRoute',
        hook: (route: { url: string; onRequest?: Hook | Hook[] }) => void,
      ): void;
    };
    const setHeaders: Hook = (_req, reply, done) => {
      reply.headers(DOCS_HEADERS);
      done();
    };
    fastify.addHook('onRoute', (route) => {
      if (!isDocsPath(route.url, prefix)) return;
      const existing = route.onRequest;
      route.onRequest = [...(existing ? [existing].flat() : []), setHeaders];
    });
    return;
  }
  app.use(
    (
      req: { url?: string },
      res: { setHeader(name: string, value: string): unknown },
      next: () => void,
    ) => {
      if (isDocsPath((req.url ?? '').split('?')[0]!, prefix))
        for (const [name, value] of Object.entries(DOCS_HEADERS)) res.setHeader(name, value);
      next();
    },
  );
}
