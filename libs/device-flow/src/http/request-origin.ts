import type { RequestOrigin } from '../authorization/device-authorization.service.js';
import type { HttpRequest } from './http-exchange.js';

/**
 * Where a request came from. `req.ip` honours the framework's `trust proxy` setting (Express and Fastify alike),
 * so `X-Forwarded-For` counts only when the host app says its proxy is trusted.
 */
export function requestOrigin(req: HttpRequest): RequestOrigin {
  const ua = req.headers['user-agent'];
  return { ip: req.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}
