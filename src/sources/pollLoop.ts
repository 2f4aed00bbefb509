import { realTimers, type TimerHandle, type Timers } from '../timers.js';

/**
 * Why a poll failed, as far as the loop's timing cares: `connection` when the kubelet could not be
 * reached at all (refused, reset, connect timed out: typically a kubelet restarting), `other` for
 * the rest (HTTP errors, bad bodies, a slow answer).
 */
export type PollFailureKind = 'connection' | 'other';

/** What one poll reports to the loop. */
export type PollOutcome = 'ok' | { readonly failed: PollFailureKind };

/**
 * Longest wait between polls after connection failures (ms). Short, so a kubelet coming back from
 * a restart is seen within seconds: what it lists right after matters.
 */
export const MAX_CONNECTION_BACKOFF_MS = 5_000;

/**
 * Longest wait between polls after any other failure (ms): the largest back-off of the loop.
 * A kubelet that answers badly is spared without losing sight of the node for long.
 */
export const MAX_BACKOFF_MS = 30_000;

/**
 * Failed polls in a row that are retried at the normal interval; back-off starts with the next
 * one, so a single bad answer among good ones costs one interval, not a growing wait.
 */
const FAILURES_BEFORE_BACKOFF = 2;

export interface PollLoopOptions {
  /** Runs one poll. Must not reject; a rejection is treated as a poll failed for `other` reasons. */
  readonly poll: (signal: AbortSignal) => Promise<PollOutcome>;
  /** Interval between the starts of two polls, asked before every wait (ms). */
  readonly intervalMs: () => number;
  /** Called at the start of every poll (liveness). */
  readonly onTick?: () => void;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Clock and scheduler. @default realTimers */
  readonly timers?: Timers;
}

/**
 * Owns the agent's timing: one poll at a time, never two at once, at a fixed rate while polls
 * succeed. A failed poll is retried at the normal interval; from the third failure in a row the
 * wait doubles per failure (2×, 4×, … the interval, ±20 % jitter), capped at
 * {@link MAX_CONNECTION_BACKOFF_MS} when the last failure was a connection failure and
 * {@link MAX_BACKOFF_MS} otherwise (or at the interval, when that is longer); the first success
 * ends it. Timers are unref'd; `stop()` aborts
 * the poll in flight and resolves once it has settled.
 */
export class PollLoop {
  readonly #options: PollLoopOptions;
  readonly #timers: Timers;
  #timer: TimerHandle | undefined;
  #inFlight: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #stopped = true;
  #failures = 0;
  #lastFailure: PollFailureKind | undefined;

  constructor(options: PollLoopOptions) {
    this.#options = options;
    this.#timers = options.timers ?? realTimers;
  }

  /** Failed polls in a row (0 after a success). */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** Kind of the last poll's failure; undefined after a success. */
  get lastFailure(): PollFailureKind | undefined {
    return this.#lastFailure;
  }

  get running(): boolean {
    return !this.#stopped;
  }

  /** Starts polling now. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops polling; resolves when the poll in flight, if any, has settled. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort?.abort();
    await this.#inFlight;
  }

  /** The wait before the next poll, given how long the last one took. */
  nextDelayMs(elapsedMs: number): number {
    const interval = Math.max(1, this.#options.intervalMs());
    if (this.#failures <= FAILURES_BEFORE_BACKOFF) return Math.max(0, interval - elapsedMs);
    const cap = this.#lastFailure === 'connection' ? MAX_CONNECTION_BACKOFF_MS : MAX_BACKOFF_MS;
    // An interval longer than the cap is never shortened by failures.
    const max = Math.max(cap, interval);
    const doublings = Math.min(this.#failures - FAILURES_BEFORE_BACKOFF, 30);
    const base = Math.min(max, interval * 2 ** doublings);
    const jitter = 0.8 + 0.4 * (this.#options.random ?? Math.random)();
    return Math.min(max, Math.round(base * jitter));
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = this.#timers.setTimeout(() => this.#run(), delayMs);
  }

  #run(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const startedAt = this.#timers.now();
    const abort = new AbortController();
    this.#abort = abort;
    this.#options.onTick?.();
    this.#inFlight = this.#options
      .poll(abort.signal)
      .catch((): PollOutcome => ({ failed: 'other' }))
      .then((outcome) => {
        if (outcome === 'ok') {
          this.#failures = 0;
          this.#lastFailure = undefined;
        } else {
          this.#failures += 1;
          this.#lastFailure = outcome.failed;
        }
        this.#inFlight = undefined;
        this.#abort = undefined;
        this.#schedule(this.nextDelayMs(this.#timers.now() - startedAt));
      });
  }
}
