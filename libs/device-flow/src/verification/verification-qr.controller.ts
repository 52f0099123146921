import { Controller, Get, Inject, Query, Res, UseFilters } from '@nestjs/common';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter.js';
import type { HttpResponse } from '../http/http-exchange.js';
import { GetOnlyEndpoint } from '../http/method-not-allowed.js';
import { DeviceFlowApiTag, VerificationQrDocs } from '../openapi/api-docs.js';
import { setNoStore } from '../http/no-store.js';
import { VerificationQrCode } from './verification-qr.service.js';

/**
 * `GET ?user_code=WDJB-MJHT` → an SVG QR code of `verification_uri_complete`, for devices without a QR
 * library. See {@link VerificationQrCode} for why it needs no lookup and cannot render arbitrary text.
 *
 * @see RFC 8628 §3.3.1
 */
@Controller()
@DeviceFlowApiTag()
@UseFilters(OAuthExceptionFilter)
export class VerificationQrController extends GetOnlyEndpoint {
  constructor(@Inject(VerificationQrCode) private readonly qr: VerificationQrCode) {
    super();
  }

  @VerificationQrDocs()
  @Get()
  svg(@Query('user_code') userCode: unknown, @Res() res: HttpResponse): void {
    const svg = this.qr.svgFor(userCode);
    // It carries a user code: never cached. An image, never a document: no sniffing, no active content.
    setNoStore(res);
    res.header('Content-Type', 'image/svg+xml; charset=utf-8');
    res.header('X-Content-Type-Options', 'nosniff');
    res.header('Content-Security-Policy', "default-src 'none'; sandbox");
    res.status(200).send(svg);
  }
}
