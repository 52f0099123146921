import { Inject, Injectable } from '@nestjs/common';
import { buildVerificationUriComplete } from '../authorization/verification-uri.js';
import { formatUserCode, normalizeUserCode } from '../codes/user-code.format.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { InvalidRequestError } from '../errors/oauth.errors.js';
import { qrCodeSvg } from './qr-code.svg.js';

/**
 * QR codes of `verification_uri_complete` for devices that cannot draw one themselves (a TV app shows the
 * image). Security, by design:
 *
 * - **No oracle.** The code is checked for *format* only (alphabet and length of this server's user codes); no
 *   storage lookup is made, so a valid, expired and never-issued code get the same answer and guessing through
 *   this endpoint learns nothing. It also costs no database work.
 * - **No arbitrary content.** The QR encodes only this server's own verification URI plus a well-formed code
 *   re-rendered in the display mask; nothing from the request is copied verbatim into the image or the SVG.
 *   Anyone could already turn such a URL into a QR code themselves, so it gives an attacker nothing new.
 * - With `verificationUriComplete: false` (e.g. over remote-phishing concerns, RFC 8628 §5.4) the QR encodes the
 *   bare `verification_uri`, matching what the device authorization response returns.
 *
 * @see RFC 8628 §3.3.1, §5.4, §6.1
 */
@Injectable()
export class VerificationQrCode {
  constructor(@Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions) {}

  /** The URL the QR code for this user code encodes; `invalid_request` when the code is malformed. */
  urlFor(userCode: unknown): string {
    const code =
      typeof userCode === 'string' ? normalizeUserCode(userCode, this.options.userCode) : null;
    if (code === null) {
      throw new InvalidRequestError('user_code is missing or is not a well-formed user code');
    }
    const { verificationUri, verificationUriComplete } = this.options;
    if (!verificationUriComplete) return verificationUri;
    return buildVerificationUriComplete(
      verificationUri,
      formatUserCode(code, this.options.userCode),
    );
  }

  /** The QR code as an SVG document. */
  svgFor(userCode: unknown): string {
    return qrCodeSvg(this.urlFor(userCode));
  }
}
