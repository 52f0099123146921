/**
 * The one source of time for the module. Inject it (token `Clock`) instead of calling `Date.now()`, so tests
 * control expiry and polling intervals without sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** Injection token for {@link Clock}. */
export const Clock = Symbol('Clock');

/** The wall clock. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that only moves when told to; for tests and simulations. */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }

  /** Sets the time. */
  set(ms: number): void {
    this.current = ms;
  }
}
