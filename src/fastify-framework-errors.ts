import type { INestApplication } from '@nestjs/common';
import {
  DEVICE_FLOW_OPTIONS,
  DEVICE_FLOW_VERIFICATION_PATH,
  type HttpResponse,
  type ResolvedDeviceFlowOptions,
  sendHtml,
  setPageSecurityHeaders,
  VerificationView,
} from '../libs/device-flow/src/index.js';

/** The parts of Fastify's request and error this reads (typed here: Fastify is an optional dependency). */
interface FrameworkRequest {
  readonly url: string;
}
interface FrameworkError {
  readonly statusCode?: number;
}

/**
 * Fastify's router answers a few requests itself, before any route or Nest filter runs — chiefly a URL that is
 * not valid percent-encoding (`/device/%zz`, `FST_ERR_BAD_URL`) — in its own JSON shape and without a page's
 * security headers. Given as Fastify's `frameworkErrors` option, this answers them as Express does: on the
 * verification page's paths the page's error page (HTML, CSP, no framing, no caching), elsewhere
 * `{"error":"invalid_request","error_description":"malformed URL"}` with `Cache-Control: no-store`.
 *
 * The adapter is built before the app, so the handler reads the module's options from the app once it exists.
 */
export function fastifyFrameworkErrors(app: () => INestApplication | undefined) {
  return (error: FrameworkError, req: FrameworkRequest, fastifyReply: unknown): void => {
    const reply = fastifyReply as HttpResponse; // FastifyReply has the header / status / send it uses
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
    const page = pageBase(app());
    const path = req.url.split('?')[0].toLowerCase();
    if (
      page &&
      (path === page.base.toLowerCase() || path.startsWith(page.base.toLowerCase() + '/'))
    ) {
      setPageSecurityHeaders(reply);
      const startOver = page.base || '/';
      sendHtml(
        reply,
        status,
        page.view.render({ kind: 'error', startOver }, { stylesheetUrl: `${page.base}/style.css` }),
      );
      return;
    }
    reply.header('Cache-Control', 'no-store');
    reply.header('Pragma', 'no-cache');
    reply.status(status).send({ error: 'invalid_request', error_description: 'malformed URL' });
  };
}

/** Where the verification page is, as the browser sees it (issuer's path + mount path), and its view. */
function pageBase(
  app: INestApplication | undefined,
): { base: string; view: VerificationView } | null {
  if (!app) return null;
  const mount = app.get<symbol, string | null>(DEVICE_FLOW_VERIFICATION_PATH);
  if (mount === null) return null;
  const { issuerPath } = app.get<symbol, ResolvedDeviceFlowOptions>(DEVICE_FLOW_OPTIONS);
  return {
    base: issuerPath + (mount === '/' ? '' : mount),
    view: app.get<symbol, VerificationView>(VerificationView),
  };
}
