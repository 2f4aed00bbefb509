/** What one poll reports to the loop. */
export type PollOutcome = 'ok' | 'failed';

export interface PollLoopOptions {
  /** Runs one poll. Must not reject; a rejection is treated as a failed poll. */
  readonly poll: (signal: AbortSignal) => Promise<PollOutcome>;
  /** Interval between the starts of two successful polls, asked before every wait (ms). */
  readonly intervalMs: () => number;
  /**
   * Longest wait after consecutive failures: the wait doubles from the interval per failure,
   * with ±20 % jitter, up to this bound.
   * @default 30000
   */
  readonly maxBackoffMs?: number;
  /** Called at the start of every poll (liveness). */
  readonly onTick?: () => void;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/**
 * Owns the agent's timing: one poll at a time, never two at once, at a fixed rate while polls
 * succeed and with exponential back-off while they fail. Timers are unref'd; `stop()` aborts the
 * poll in flight and resolves once it has settled.
 */
export class PollLoop {
  readonly #options: PollLoopOptions;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #stopped = true;
  #failures = 0;

  constructor(options: PollLoopOptions) {
    this.#options = options;
  }

  /** Failed polls in a row (0 after a success). */
  get consecutiveFailures(): number {
    return this.#failures;
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
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort?.abort();
    await this.#inFlight;
  }

  /** The wait before the next poll, given how long the last one took. */
  nextDelayMs(elapsedMs: number): number {
    const interval = Math.max(1, this.#options.intervalMs());
    if (this.#failures === 0) return Math.max(0, interval - elapsedMs);
    const max = this.#options.maxBackoffMs ?? 30_000;
    const base = Math.min(max, interval * 2 ** Math.min(this.#failures, 30));
    const jitter = 0.8 + 0.4 * (this.#options.random ?? Math.random)();
    return Math.min(max, Math.round(base * jitter));
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.#run(), delayMs);
    this.#timer.unref();
  }

  #run(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const startedAt = performance.now();
    const abort = new AbortController();
    this.#abort = abort;
    this.#options.onTick?.();
    this.#inFlight = this.#options
      .poll(abort.signal)
      .catch((): PollOutcome => 'failed')
      .then((outcome) => {
        this.#failures = outcome === 'ok' ? 0 : this.#failures + 1;
        this.#inFlight = undefined;
        this.#abort = undefined;
        this.#schedule(this.nextDelayMs(performance.now() - startedAt));
      });
  }
}
