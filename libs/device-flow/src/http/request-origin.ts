import type { Request } from 'express';
import type { RequestOrigin } from '../authorization/device-authorization.service.js';

/**
 * Where a request came from. `req.ip` honours Express's `trust proxy` setting, so `X-Forwarded-For` counts
 * only when the host app says its proxy is trusted.
 */
export function requestOrigin(req: Request): RequestOrigin {
  const ua = req.headers['user-agent'];
  return { ip: req.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}
