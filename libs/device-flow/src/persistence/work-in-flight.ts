import { Injectable } from '@nestjs/common';

/** How long stores the module opened wait at shutdown for the work still running on them, at most (ms). */
export const SHUTDOWN_WAIT_MS = 10_000;

/**
 * The redemptions and refreshes under way: work that claims something in one store and commits in another (a
 * device code claimed in Redis, its tokens stored by SQL), which must not have its stores closed under it. Nest
 * closes the module's stores at application shutdown, after the HTTP server has stopped — but the server stops
 * when its connections are gone, not when its handlers are (a client that gave up, Nest's
 * `forceCloseConnections`), so the stores wait for this first ({@link settled}).
 */
@Injectable()
export class WorkInFlight {
  private readonly running = new Set<Promise<unknown>>();

  /** Runs `work`, counted until it settles; returns its result. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.running.add(promise);
    const done = (): void => void this.running.delete(promise);
    promise.then(done, done);
    return promise;
  }

  /** How much is running now. */
  get size(): number {
    return this.running.size;
  }

  /**
   * Resolves once nothing counted is running (work started meanwhile too), or after `limitMs`, with how much was
   * still running then (0: all done).
   */
  async settled(limitMs = SHUTDOWN_WAIT_MS): Promise<number> {
    const deadline = Date.now() + limitMs;
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return this.running.size;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.running]),
        new Promise((resolve) => (timer = setTimeout(resolve, left))),
      ]);
      clearTimeout(timer);
    }
    return 0;
  }

  /** {@link settled}, logging a warning when work was still running at the limit (`what`: the store closing). */
  async settledBefore(what: string, logger: { warn(message: string): void }): Promise<void> {
    const left = await this.settled();
    if (left > 0)
      logger.warn(
        `closing ${what} with ${left} redemption(s) or refresh(es) still running after ${SHUTDOWN_WAIT_MS} ms`,
      );
  }
}
