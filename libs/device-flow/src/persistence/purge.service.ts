import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { DeviceCodeRepository } from './device-code.repository.js';
import { DeviceGrantRepository } from './device-grant.repository.js';
import { TokenRepository } from './token.repository.js';
import { AttemptLimiter } from '../verification/attempt-limiter.js';
import { SHUTDOWN_WAIT_MS } from './work-in-flight.js';

/** What one purge deleted. */
export interface PurgeResult {
  deviceCodes: number;
  tokens: number;
  /** Device grants (authorised devices) whose tokens have all expired (0 for a store without `deleteExpired`). */
  deviceGrants: number;
  /** Guessing and issuance counters whose window is over (0 for stores that expire them on their own). */
  attempts: number;
}

/**
 * Deletes expired device codes, tokens and device grants, `purge.retention` seconds after they expire: a consumed
 * device code or a rotated refresh token is kept that long so a replay is still recognised as a replay; a grant
 * (the device's entry, with the IP address and user agent of its request) goes with the last of its tokens. Also deletes the
 * attempt limiter's counters whose window is over (RFC 8628 §5.1 guessing limits, issuance limits), so that
 * table does not grow with every client IP ever seen.
 *
 * Runs every `purge.interval` seconds (default hourly; `false` turns the schedule off) and can be called by hand
 * ({@link purgeExpired}). Each purge is a plain conditional `DELETE`, so instances whose schedules overlap
 * simply find less to delete.
 */
@Injectable()
export class DeviceFlowPurger implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DeviceFlow');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PurgeResult> | undefined;

  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(DeviceCodeRepository) private readonly codes: DeviceCodeRepository,
    @Inject(TokenRepository) private readonly tokens: TokenRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AttemptLimiter) private readonly limiter: AttemptLimiter,
    @Inject(DeviceGrantRepository) private readonly grants: DeviceGrantRepository,
  ) {}

  /** Deletes what expired more than the retention period ago; returns how many of each. */
  purgeExpired(): Promise<PurgeResult> {
    this.running ??= this.purge().finally(() => (this.running = undefined));
    return this.running;
  }

  onApplicationBootstrap(): void {
    const { interval } = this.options.purge;
    if (interval === false) return;
    this.timer = setInterval(() => {
      this.purgeExpired().catch((e: unknown) =>
        this.logger.warn(`scheduled purge failed (will retry): ${String(e)}`),
      );
    }, interval * 1000);
    this.timer.unref();
  }

  /**
   * Stops the schedule and lets a purge under way finish before the stores close (at application shutdown), for
   * {@link SHUTDOWN_WAIT_MS} at most: its deletes are plain conditional `DELETE`s, safe to cut off.
   */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.running.catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  private async purge(): Promise<PurgeResult> {
    const before = this.clock.now() - this.options.purge.retention * 1000;
    const deviceCodes = await this.codes.deleteExpired(before);
    const tokens = await this.tokens.deleteExpired(before);
    const deviceGrants = this.grants.deleteExpired ? await this.grants.deleteExpired(before) : 0;
    // A counter can go once its window is over: a window is at most the longest configured limit's.
    const { perIp, perSession, perUser, global } = this.options.verification;
    const longest = Math.max(
      ...[
        perIp,
        perSession,
        perUser,
        global,
        this.options.issuanceLimit,
        this.options.clientAuthenticationLimit,
      ].map((l) => l.windowSeconds),
    );
    const attempts = this.limiter.deleteStale
      ? await this.limiter.deleteStale(this.clock.now() - longest * 1000)
      : 0;
    return { deviceCodes, tokens, deviceGrants, attempts };
  }
}
