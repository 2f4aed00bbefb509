/**
 * The clock and scheduler of the agent's timing code (poll loop, export queue, checkpoint), injected
 * so tests drive time by hand instead of sleeping. {@link realTimers} is the default everywhere.
 */

declare const timerHandleBrand: unique symbol;

/** An opaque handle of a scheduled callback, only good for {@link Timers.clearTimeout}. */
export interface TimerHandle {
  readonly [timerHandleBrand]: true;
}

export interface TimerOptions {
  /**
   * Keep the process alive until the timer fires (for deadlines someone awaits); background
   * timers do not.
   * @default false
   */
  readonly keepAlive?: boolean;
}

export interface Timers {
  /** Wall-clock time in epoch milliseconds, as `Date.now()`. */
  now(): number;
  /** Calls `fn` once, `ms` milliseconds from now (0 when negative). */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): TimerHandle;
  /** Cancels a timer; an undefined, fired or already cancelled handle is ignored. */
  clearTimeout(handle: TimerHandle | undefined): void;
}

/** `Date.now` and Node's timers; timers are unref'd unless `keepAlive`. */
export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout(fn, ms, options) {
    const timer = setTimeout(fn, Math.max(0, ms));
    if (!options?.keepAlive) timer.unref();
    return timer as unknown as TimerHandle;
  },
  clearTimeout(handle) {
    if (handle !== undefined) clearTimeout(handle as unknown as NodeJS.Timeout);
  },
};
