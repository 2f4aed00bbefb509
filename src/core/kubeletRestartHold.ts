/** Owns the hold on gone decisions while the kubelet is (re)starting (see `KubeletRestartHold`). */
import { diffMillis, type Time } from './time.js';

/**
 * Holds every "pod is gone" decision while the kubelet is (re)starting. Right after a restart
 * the kubelet can serve empty or partial lists (kubernetes/kubernetes#112119), and a pod missing
 * then has not been deleted. Pure: fed one successful poll at a time.
 *
 * A hold starts on a restart signal (the caller's, or a pod's `config.seen` that changed) and
 * lasts until the listed pods have been stable for `stableForMs`, at most `graceMs`.
 */
export interface KubeletRestartHoldOptions {
  /** The list must not change for this long before gone decisions resume (ms). */
  readonly stableForMs: number;
  /** Longest hold after a restart signal (ms). */
  readonly graceMs: number;
}

/** What one poll tells the hold. */
export interface HoldInput {
  readonly now: Time;
  /** Whether the listed pods differ from the previous successful poll (appeared or vanished). */
  readonly listChanged: boolean;
  /** A sign of a kubelet restart seen at this poll. */
  readonly restartSignal: boolean;
}

export class KubeletRestartHold {
  readonly #options: KubeletRestartHoldOptions;
  #since: Time | undefined;
  #lastChange: Time | undefined;

  constructor(options: KubeletRestartHoldOptions) {
    this.#options = options;
  }

  /** Whether gone decisions are held now. */
  get holding(): boolean {
    return this.#since !== undefined;
  }

  /**
   * Feeds one successful poll; returns whether a new hold started with it (a restart seen for the
   * first time) and whether decisions are held after it.
   */
  observe(input: HoldInput): { started: boolean; holding: boolean } {
    let started = false;
    if (input.restartSignal && this.#since === undefined) {
      this.#since = input.now;
      started = true;
    }
    if (this.#since === undefined) return { started, holding: false };
    if (input.restartSignal || input.listChanged || this.#lastChange === undefined) {
      this.#lastChange = input.now;
    }
    const stable = diffMillis(this.#lastChange, input.now) >= this.#options.stableForMs;
    const expired = diffMillis(this.#since, input.now) >= this.#options.graceMs;
    if (stable || expired) {
      this.#since = undefined;
      this.#lastChange = undefined;
    }
    return { started, holding: this.#since !== undefined };
  }
}
