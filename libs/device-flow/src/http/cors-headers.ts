import { Inject, Injectable } from '@nestjs/common';
import type { ClientRecord } from '../clients/client.repository.js';
import { CorsPolicy } from '../clients/cors-policy.js';
import { addVary, type HttpRequest, type HttpResponse } from './http-exchange.js';

/**
 * CORS headers of the client endpoints (device authorization, token, introspection, revocation), set once the
 * client is known and before the answer or its error is written: a browser page on an allowed origin can then
 * read `authorization_pending` and `slow_down` as well as the tokens. The requests a browser client sends here
 * are "simple" (a form POST without custom headers), so no preflight is involved; `OPTIONS` stays 405.
 *
 * @see RFC 8628 §3.1, §3.4; WHATWG Fetch, CORS protocol
 */
@Injectable()
export class CorsHeaders {
  constructor(@Inject(CorsPolicy) private readonly policy: CorsPolicy) {}

  /** `Access-Control-Allow-Origin: <origin>` when the policy allows the request's origin for this client. */
  async apply(req: HttpRequest, res: HttpResponse, client: ClientRecord): Promise<void> {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || origin === '' || origin === 'null') return;
    // The answer depends on Origin: a cache must not serve one origin's answer to another (these answers are
    // no-store too). Added to whatever Vary host middleware set before.
    addVary(res, 'Origin');
    if (!(await this.policy.allows(origin, client))) return;
    res.header('Access-Control-Allow-Origin', origin);
    // The issuance limit's 429 says when to try again (RFC 6585 §4); the page may read that too.
    res.header('Access-Control-Expose-Headers', 'Retry-After');
  }
}

/** Public documents (metadata, JWKS): any page may read them, as it may any public file. */
export function allowAnyOrigin(res: HttpResponse): void {
  res.header('Access-Control-Allow-Origin', '*');
}
