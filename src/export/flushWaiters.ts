/**
 * The flushes waiting on the export queue: each waits for the spans that were pending when it
 * began (numbered below its mark), counts those delivered, and resolves when they have all
 * settled or at its deadline, whichever is first.
 */
import type { TimerHandle, Timers } from '../timers.js';
import type { FlushResult } from './spanExportQueueOptions.js';

interface FlushWaiter {
  /** Spans numbered below this were pending when the flush began. */
  readonly mark: number;
  readonly pendingAtStart: number;
  delivered: number;
  readonly resolve: (result: FlushResult) => void;
  timer?: TimerHandle;
}

export class FlushWaiters {
  readonly #timers: Timers;
  readonly #waiters = new Set<FlushWaiter>();

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /**
   * A flush of the `pendingAtStart` spans numbered below `mark`; resolves at the latest after
   * `timeoutMs` (its timer is kept alive: whoever awaits a flush must get its answer).
   */
  add(mark: number, pendingAtStart: number, timeoutMs: number): Promise<FlushResult> {
    return new Promise<FlushResult>((resolve) => {
      const waiter: FlushWaiter = { mark, pendingAtStart, delivered: 0, resolve };
      this.#waiters.add(waiter);
      waiter.timer = this.#timers.setTimeout(() => this.#finish(waiter), timeoutMs, {
        keepAlive: true,
      });
    });
  }

  /** Whether a flush waits for the span numbered `seq`. */
  waitsFor(seq: number): boolean {
    for (const w of this.#waiters) if (w.mark > seq) return true;
    return false;
  }

  /** The `count` spans numbered from `startSeq` were acknowledged. */
  credit(startSeq: number, count: number): void {
    const end = startSeq + count;
    for (const w of this.#waiters) w.delivered += Math.max(0, Math.min(end, w.mark) - startSeq);
  }

  /** Resolves the flushes whose spans have all settled: none is numbered at `oldestPending` or above. */
  settled(oldestPending: number): void {
    for (const w of this.#waiters) if (oldestPending >= w.mark) this.#finish(w);
  }

  #finish(w: FlushWaiter): void {
    if (!this.#waiters.delete(w)) return;
    this.#timers.clearTimeout(w.timer);
    w.resolve({ delivered: w.delivered, undelivered: w.pendingAtStart - w.delivered });
  }
}
