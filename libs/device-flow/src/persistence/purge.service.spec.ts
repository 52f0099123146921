import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { resolveDeviceFlowOptions } from '../device-flow.options.js';
import type { AttemptLimiter } from '../verification/attempt-limiter.js';
import type { DeviceCodeRepository } from './device-code.repository.js';
import type { DeviceGrantRepository } from './device-grant.repository.js';
import { DeviceFlowPurger } from './purge.service.js';
import type { TokenRepository } from './token.repository.js';

describe('DeviceFlowPurger: attempt counters', () => {
  /** The cut-off the purge gave the limiter's deleteStale, for these verification budgets. */
  async function cutoff(verification: Record<string, { limit: number; windowSeconds: number }>) {
    const clock = new ManualClock();
    let before: number | undefined;
    const none = { deleteExpired: () => Promise.resolve(0) };
    const purger = new DeviceFlowPurger(
      resolveDeviceFlowOptions({
        issuer: 'https://auth.example.com',
        clients: [],
        purge: { interval: false },
        verification,
      }),
      none as unknown as DeviceCodeRepository,
      none as unknown as TokenRepository,
      clock,
      {
        deleteStale: (b: number) => {
          before = b;
          return Promise.resolve(0);
        },
      } as unknown as AttemptLimiter,
      none as unknown as DeviceGrantRepository,
    );
    await purger.purgeExpired();
    return (clock.now() - before!) / 1000;
  }

  it('keeps every counter whose window may still be open: the longest configured window, whichever budget', async () => {
    expect(await cutoff({})).toBe(900);
    expect(await cutoff({ perUser: { limit: 20, windowSeconds: 86_400 } })).toBe(86_400);
    expect(await cutoff({ perSession: { limit: 20, windowSeconds: 7_200 } })).toBe(7_200);
  });
});
