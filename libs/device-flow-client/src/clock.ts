/**
 * Time as the client sees it: injectable so tests run the polling loop in virtual time.
 */
export interface ClientClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Real time: `Date.now()` and `setTimeout`. */
export const systemClock: ClientClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Virtual time for tests: `sleep(ms)` advances `now()` by `ms` at once, then calls `onAdvance` (e.g. to move a
 * server's ManualClock in step). Every sleep is recorded in `sleeps`.
 */
export class VirtualClock implements ClientClock {
  readonly sleeps: number[] = [];

  constructor(
    private time = 0,
    private readonly onAdvance?: (ms: number) => void,
  ) {}

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    const step = Math.max(0, ms);
    this.sleeps.push(step);
    this.time += step;
    this.onAdvance?.(step);
    await Promise.resolve();
    if (signal?.aborted) throw signal.reason;
  }
}
