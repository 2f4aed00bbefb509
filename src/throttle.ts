/**
 * Owns the agent's log throttling: one rule for "say this at most every so often", with a count of
 * what was held back in between. Time comes from the injected clock (epoch ms).
 */

/** What an allowed call learns: how many calls were held back since the last allowed one. */
export interface ThrottlePass {
  readonly suppressed: number;
}

/**
 * Lets a call through at most once per `intervalMs` for the same key; a call with another key
 * than the last allowed one always passes. `Infinity` lets exactly one call through (warn once).
 */
export class Throttle {
  readonly #intervalMs: number;
  readonly #now: () => number;
  #last: { key: string; at: number; suppressed: number } | undefined;

  constructor(intervalMs: number, now: () => number) {
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** The key of the last allowed call, until {@link reset}. */
  get lastKey(): string | undefined {
    return this.#last?.key;
  }

  /** Returns the pass when the call may go ahead; undefined (and counted) when held back. */
  allow(key = ''): ThrottlePass | undefined {
    const now = this.#now();
    const last = this.#last;
    if (last && last.key === key && now - last.at < this.#intervalMs) {
      last.suppressed++;
      return undefined;
    }
    this.#last = { key, at: now, suppressed: 0 };
    return { suppressed: last?.suppressed ?? 0 };
  }

  /** Forgets the last allowed call: the next one passes. */
  reset(): void {
    this.#last = undefined;
  }
}
