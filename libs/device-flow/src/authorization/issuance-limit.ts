import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { TooManyRequestsError } from '../errors/oauth.errors.js';
import { AttemptLimiter, releaseAttempt, takeAttempt } from '../verification/attempt-limiter.js';
import { rateLimitAddress } from '../http/request-origin.js';
import { bucket } from '../verification/verification.service.js';

/**
 * Caps device codes issued per client and client IP (`issuanceLimit`), so codes cannot be minted in bulk
 * for a phishing campaign (RFC 8628 §5.4) or to crowd the user code space (§5.1). Over budget, the device
 * authorization endpoint answers 429 `temporarily_unavailable` with `Retry-After`.
 */
@Injectable()
export class IssuanceLimit {
  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(AttemptLimiter) private readonly limiter: AttemptLimiter,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Counts one issuance, or throws {@link TooManyRequestsError} when the budget is spent. */
  async consume(clientId: string, ip: string | null): Promise<void> {
    const wait = await takeAttempt(this.limiter, this.bucket(clientId, ip), this.clock.now());
    if (wait > 0) throw new TooManyRequestsError(Math.ceil(wait / 1000));
  }

  /**
   * Gives back what {@link consume} counted, when the codes could not be issued after all (a storage failure):
   * a client is not locked out by the server's own errors. Needs a limiter with `release`; never throws (the
   * storage that failed may be the limiter's too, and the caller reports the first failure).
   */
  async giveBack(clientId: string, ip: string | null): Promise<void> {
    try {
      await releaseAttempt(this.limiter, this.bucket(clientId, ip), this.clock.now());
    } catch {
      // The count stays; the window ends it.
    }
  }

  private bucket(clientId: string, ip: string | null) {
    return bucket(
      `issue:${clientId.length}:${clientId}:${rateLimitAddress(ip)}`,
      this.options.issuanceLimit,
    );
  }
}
