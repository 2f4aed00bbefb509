import type { TimerHandle, TimerOptions, Timers } from '../../src/timers.js';

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  readonly keepAlive: boolean;
}

/** Lets every promise callback that is ready run (the microtask queue drains before setImmediate). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A manual clock and scheduler for the code that takes {@link Timers}: time moves only when the
 * test calls {@link FakeTimers.advance}; due callbacks then run in time order (ties in the order
 * they were scheduled), with promise callbacks settled before and after each one.
 */
export class FakeTimers implements Timers {
  #now: number;
  #seq = 0;
  readonly #scheduled = new Map<TimerHandle, Scheduled>();

  constructor(startMs = 1_763_892_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number, options?: TimerOptions): TimerHandle {
    const handle = { seq: this.#seq } as unknown as TimerHandle;
    this.#scheduled.set(handle, {
      at: this.#now + Math.max(0, ms),
      seq: this.#seq++,
      fn,
      keepAlive: options?.keepAlive ?? false,
    });
    return handle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.#scheduled.delete(handle);
  }

  /** Delays (ms from now) of the timers not yet fired, soonest first. */
  get pending(): number[] {
    return [...this.#scheduled.values()].map((s) => s.at - this.#now).sort((a, b) => a - b);
  }

  /** Delays (ms from now) of the pending timers that keep the process alive. */
  get keepAlivePending(): number[] {
    return [...this.#scheduled.values()]
      .filter((s) => s.keepAlive)
      .map((s) => s.at - this.#now)
      .sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, running every callback that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#next();
      if (next === undefined || next[1].at > target) break;
      this.#scheduled.delete(next[0]);
      this.#now = next[1].at;
      next[1].fn();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /**
   * Moves time to the next pending timer and runs it (and any due at the same time); returns
   * how far time moved, or undefined when nothing is scheduled.
   */
  async next(): Promise<number | undefined> {
    await settle();
    const next = this.#next();
    if (next === undefined) return undefined;
    const step = next[1].at - this.#now;
    await this.advance(step);
    return step;
  }

  #next(): [TimerHandle, Scheduled] | undefined {
    let best: [TimerHandle, Scheduled] | undefined;
    for (const entry of this.#scheduled) {
      const [, s] = entry;
      if (!best || s.at < best[1].at || (s.at === best[1].at && s.seq < best[1].seq)) best = entry;
    }
    return best;
  }
}
