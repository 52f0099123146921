import { Controller, Get, Inject, Res } from '@nestjs/common';
import {
  DEVICE_FLOW_OPTIONS,
  type HttpResponse,
  type ResolvedDeviceFlowOptions,
  seeOther,
} from '../libs/device-flow/src/index.js';

/**
 * The server's own address (`GET /`, or the issuer's path): someone who types only the host name shown on their
 * TV lands here, so it sends them on to the verification page (303) instead of a JSON 404.
 */
@Controller()
export class HomeController {
  @Inject(DEVICE_FLOW_OPTIONS) private readonly options!: ResolvedDeviceFlowOptions;

  @Get()
  home(@Res() res: HttpResponse): void {
    res.header('Cache-Control', 'no-store');
    const page = new URL(this.options.verificationUri);
    // A path on this origin; the whole URL when the page is served elsewhere.
    seeOther(res, page.origin === new URL(this.options.issuer).origin ? page.pathname : page.href);
  }
}
