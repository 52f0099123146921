import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { TooManyRequestsError } from '../errors/oauth.errors.js';
import { AttemptLimiter, takeAttempt } from '../verification/attempt-limiter.js';
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
    const key = `issue:${clientId.length}:${clientId}:${ip ?? 'unknown'}`;
    const wait = await takeAttempt(
      this.limiter,
      bucket(key, this.options.issuanceLimit),
      this.clock.now(),
    );
    if (wait > 0) throw new TooManyRequestsError(Math.ceil(wait / 1000));
  }
}
