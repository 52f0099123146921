import type { INestApplication } from '@nestjs/common';
import {
  DeviceFlowPaths,
  type HttpResponse,
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
    const page = verificationPage(app(), req.url);
    if (page) {
      setPageSecurityHeaders(reply);
      sendHtml(
        reply,
        status,
        page.view.render(
          { kind: 'error', startOver: page.base || '/', reason: 'bad_request' },
          { stylesheetUrl: `${page.base}/style.css` },
        ),
      );
      return;
    }
    reply.header('Cache-Control', 'no-store');
    reply.header('Pragma', 'no-cache');
    reply.status(status).send({ error: 'invalid_request', error_description: 'malformed URL' });
  };
}

/**
 * The verification page (where the browser sees it, and its view) when the request is on its paths; null
 * elsewhere, or before the app exists.
 */
function verificationPage(
  app: INestApplication | undefined,
  url: string,
): { base: string; view: VerificationView } | null {
  const paths = app?.get(DeviceFlowPaths);
  if (!paths || paths.verificationPage === null || !paths.isVerificationPage(url)) return null;
  return {
    base: paths.verificationPage,
    view: app!.get<symbol, VerificationView>(VerificationView),
  };
}
