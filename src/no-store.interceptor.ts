import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { HttpResponse } from '../libs/device-flow/src/index.js';

/**
 * Marks every response of a controller `Cache-Control: no-store`: set before the handler runs, so its errors
 * carry it too. For the demo's `/api` (a user's devices, with IP addresses and user agents) and `/admin`
 * routes, which no browser, proxy or CDN may keep.
 *
 * @see RFC 9111 §5.2.2.5 (no-store)
 */
@Injectable()
export class NoStoreInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    context.switchToHttp().getResponse<HttpResponse>().header('Cache-Control', 'no-store');
    return next.handle();
  }
}
