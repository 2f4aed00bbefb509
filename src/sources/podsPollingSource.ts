/**
 * Owns the `/pods` polling source: a {@link PollLoop} fetching the kubelet's pod list, item-level
 * selection of the body (`selectFromPodList`), and the observations that come of it: one `list` per
 * successful poll, one `failed` per failed one.
 */
import { DecodedItems } from '../core/decodedItems.js';
import type { LabelSelector } from '../core/labelSelector.js';
import { selectFromPodList } from '../core/selectFromPodList.js';
import type { Time } from '../core/time.js';
import { KubeletError } from '../kubelet/kubeletError.js';
import { realTimers, type Timers } from '../timers.js';
import type { PodObservation, PodObservationSink, PodSource } from './podSource.js';
import { pollFailureKind } from './pollFailureKind.js';
import { PollLoop, type PollOutcome } from './pollLoop.js';

/** Reads the kubelet's `/pods` body. */
export interface PodListFetcher {
  /**
   * The body's bytes: possibly a view into a buffer the fetcher reuses, valid only until the next
   * `fetchPods` call starts. The source uses it synchronously after the `await` (selection, then
   * `includes(podUid)`) and keeps nothing of it but decoded copies.
   */
  fetchPods(signal: AbortSignal): Promise<Buffer>;
  close(): void;
}

export interface PodsPollingSourceOptions {
  readonly fetcher: PodListFetcher;
  /** Selector alternatives (POD_SELECTOR). */
  readonly selectors: readonly LabelSelector[];
  /** Namespaces whose pods may be selected (POD_NAMESPACES); undefined: all. */
  readonly namespaces: readonly string[] | undefined;
  /** env names kept by decoding (TRACE_CONTEXT_ENV). */
  readonly envNames: readonly string[];
  /** The agent's own pod uid (POD_UID): whether it is listed tells a kubelet restart apart. */
  readonly podUid?: string;
  /** Wall-clock time of a poll. */
  readonly now: () => Time;
  /** Interval between the starts of two polls, asked before every wait (ms). */
  readonly intervalMs: () => number;
  /** Called at the start of a poll; the returned function at its end (poll duration). */
  readonly onPollStart?: () => () => void;
  /** Clock and scheduler of the loop. @default realTimers */
  readonly timers?: Timers;
}

/** Polls `/pods`; one poll at a time, its observation handled before the next poll. */
export class PodsPollingSource implements PodSource {
  readonly #options: PodsPollingSourceOptions;
  readonly #loop: PollLoop;
  #sink: PodObservationSink | undefined;
  #lastAttemptMs = 0;
  /** The polls since the last success failed to connect (a kubelet restarting refuses them). */
  #connectFailedSinceSuccess = false;
  /** The last good poll's decoded candidates: unchanged items are not parsed again. */
  #decoded = DecodedItems.EMPTY;

  constructor(options: PodsPollingSourceOptions) {
    this.#options = options;
    const timers = options.timers ?? realTimers;
    this.#loop = new PollLoop({
      poll: (signal) => this.#poll(signal),
      intervalMs: options.intervalMs,
      onTick: () => {
        this.#lastAttemptMs = timers.now();
      },
      timers,
    });
  }

  get lastAttemptMs(): number {
    return this.#lastAttemptMs;
  }

  start(sink: PodObservationSink): void {
    this.#sink = sink;
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    this.#options.fetcher.close();
  }

  async #poll(signal: AbortSignal): Promise<PollOutcome> {
    const sink = this.#sink;
    if (!sink) return { failed: 'other' };
    const end = this.#options.onPollStart?.();
    try {
      let observation: PodObservation | 'aborted';
      try {
        observation = await this.#observe(signal, sink);
      } catch (error) {
        // A bug, not bad input: keep the agent alive, say what happened, count it.
        observation = this.#failure('unexpected', error, true);
      }
      // Aborted by stop(): not a kubelet failure, and nothing to count.
      if (observation === 'aborted') return { failed: 'other' };
      await sink.observe(observation).catch(async (error: unknown) => {
        observation = this.#failure('unexpected', error, true);
        await sink.observe(observation);
      });
      if (observation.kind !== 'failed') {
        this.#connectFailedSinceSuccess = false;
        return 'ok';
      }
      const outcome: PollOutcome = { failed: pollFailureKind(observation.error) };
      if (outcome.failed === 'connection') this.#connectFailedSinceSuccess = true;
      return outcome;
    } finally {
      end?.();
    }
  }

  async #observe(
    signal: AbortSignal,
    sink: PodObservationSink,
  ): Promise<PodObservation | 'aborted'> {
    const options = this.#options;
    let body: Buffer;
    try {
      body = await options.fetcher.fetchPods(signal);
    } catch (error) {
      if (signal.aborted) return 'aborted';
      return this.#failure(error instanceof KubeletError ? error.kind : 'unexpected', error);
    }
    const at = options.now();
    const result = selectFromPodList(body, {
      selectors: options.selectors,
      namespaces: options.namespaces,
      envNames: options.envNames,
      trackedUids: sink.trackedUids(),
      previous: this.#decoded,
    });
    if (!result.ok) return this.#failure('malformed', result.error);
    this.#decoded = result.memo;
    return {
      kind: 'list',
      pods: result.selected,
      at,
      context: {
        ...(options.podUid ? { ownPodListed: body.includes(options.podUid) } : {}),
        afterConnectFailure: this.#connectFailedSinceSuccess,
      },
      diagnostics: {
        ...(result.fullParse ? { fullParse: result.fullParse } : {}),
        malformed: result.malformed,
      },
    };
  }

  #failure(errorKind: string, error: unknown, unexpected = false): PodObservation {
    return {
      kind: 'failed',
      errorKind,
      error,
      consecutiveFailures: this.#loop.consecutiveFailures + 1,
      ...(unexpected ? { unexpected } : {}),
    };
  }
}
