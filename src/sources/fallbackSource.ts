/**
 * Owns the choice between a preferred pod source and its fallback: the preferred one (the kubelet
 * Pods API stream) runs all the time; while it cannot deliver, a fallback (`/pods` polling) is
 * started, and stopped again once the preferred one has delivered a full view. Nothing is missed
 * in between: the fallback runs from the moment the preferred source reports itself down until it
 * is live again.
 *
 * Observations of both go to the agent's sink one at a time, in order; once the preferred source
 * is live, what the fallback still had in flight is dropped (it is older than the stream's view).
 */
import type { PodObservation, PodObservationSink, PodSource } from './podSource.js';

/** Which source delivers: the `source` label of `…_pod_source`. */
export type ActiveSource = 'preferred' | 'fallback';

/** Tells the preferred source's availability to the {@link FallbackSource}. */
export type AvailabilityListener = (live: boolean, reason?: string) => void;

export interface FallbackSourceOptions {
  /** Builds the preferred source; it reports through `availability` (see `PodsApiSource`). */
  readonly preferred: (availability: AvailabilityListener) => PodSource;
  /** Builds a fallback each time one is needed (started then, stopped when no longer needed). */
  readonly fallback: () => PodSource;
  /** Called when the delivering source changes (`reason`: why the preferred one is down). */
  readonly onSwitch?: (active: ActiveSource, reason?: string) => void;
  /** Called at the end of `stop()`: releases what the fallbacks share (the kubelet client). */
  readonly close?: () => void;
}

export class FallbackSource implements PodSource {
  readonly #options: FallbackSourceOptions;
  readonly #preferred: PodSource;
  #fallback: PodSource | undefined;
  #fallbackStopping: Promise<void> = Promise.resolve();
  #preferredLive = false;
  #sink: PodObservationSink | undefined;
  #stopped = false;
  /** Observations are handed over one at a time, in order. */
  #tail: Promise<void> = Promise.resolve();

  constructor(options: FallbackSourceOptions) {
    this.#options = options;
    this.#preferred = options.preferred((live, reason) => this.#availability(live, reason));
  }

  /** The source delivering now. */
  get active(): ActiveSource {
    return this.#preferredLive || this.#fallback === undefined ? 'preferred' : 'fallback';
  }

  get lastAttemptMs(): number {
    return Math.max(this.#preferred.lastAttemptMs, this.#fallback?.lastAttemptMs ?? 0);
  }

  start(sink: PodObservationSink): void {
    this.#sink = sink;
    this.#preferred.start(this.#sinkFor('preferred'));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const fallback = this.#fallback;
    this.#fallback = undefined;
    await Promise.all([this.#preferred.stop(), fallback?.stop(), this.#fallbackStopping]);
    await this.#tail;
    this.#options.close?.();
  }

  #sinkFor(from: ActiveSource): PodObservationSink {
    return {
      observe: (observation) => this.#deliver(from, observation),
      trackedUids: () => this.#sink?.trackedUids() ?? [],
    };
  }

  #deliver(from: ActiveSource, observation: PodObservation): Promise<void> {
    const sink = this.#sink;
    if (sink === undefined) return Promise.resolve();
    const delivered = this.#tail.then(() => {
      // The stream's view is newer than anything the fallback still had in flight.
      if (from === 'fallback' && this.#preferredLive) return;
      return sink.observe(observation);
    });
    this.#tail = delivered.catch(() => {});
    return delivered;
  }

  #availability(live: boolean, reason?: string): void {
    if (this.#stopped) return;
    this.#preferredLive = live;
    if (live) {
      const fallback = this.#fallback;
      if (fallback === undefined) {
        this.#options.onSwitch?.('preferred');
        return;
      }
      this.#fallback = undefined;
      this.#fallbackStopping = fallback.stop();
      this.#options.onSwitch?.('preferred');
      return;
    }
    if (this.#fallback !== undefined) return;
    const fallback = this.#options.fallback();
    this.#fallback = fallback;
    this.#options.onSwitch?.('fallback', reason);
    // A previous fallback may still be finishing its last poll; this one starts afterwards.
    void this.#fallbackStopping.then(() => {
      if (this.#fallback === fallback && !this.#stopped) fallback.start(this.#sinkFor('fallback'));
    });
  }
}
