import { All, Controller, Get, Inject, Query, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { MethodNotAllowedError } from '../errors/oauth.errors.js';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter.js';
import { DeviceFlowApiTag, VerificationQrDocs, WrongMethodDocs } from '../openapi/api-docs.js';
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
export class VerificationQrController {
  constructor(@Inject(VerificationQrCode) private readonly qr: VerificationQrCode) {}

  @VerificationQrDocs()
  @Get()
  svg(@Query('user_code') userCode: unknown, @Res() res: Response): void {
    const svg = this.qr.svgFor(userCode);
    // It carries a user code: never cached. An image, never a document: no sniffing, no active content.
    setNoStore(res);
    res.setHeader('Content-Type', 'image/svg+xml; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.status(200).send(svg);
  }

  @All()
  @WrongMethodDocs()
  wrongMethod(): never {
    throw new MethodNotAllowedError('GET');
  }
}
