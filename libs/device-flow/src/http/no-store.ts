import type { HttpResponse } from './http-exchange.js';

/**
 * Marks a response as uncacheable, as every response carrying codes or tokens must be.
 *
 * @see RFC 6749 §5.1 ("Cache-Control: no-store", "Pragma: no-cache")
 * @see RFC 8628 §3.2
 */
export function setNoStore(res: HttpResponse): void {
  res.header('Cache-Control', 'no-store');
  res.header('Pragma', 'no-cache');
}
