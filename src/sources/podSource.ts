/**
 * Owns the contract between a pod source and the agent: what a source observes (a whole pod list,
 * single-pod changes, a failure) and how it hands observations over.
 *
 * Design: push, one observation at a time. The agent calls `start(sink)`; the source calls
 * `sink.observe(observation)` and awaits it before it makes the next observation, so the
 * tracker's state and the spans one observation yields are one unit (nothing interleaves) and a
 * slow consumer slows the source down instead of piling observations up. A polling source
 * (`PodsPollingSource`) yields `list` observations; a push source (the kubelet's Pods API) yields
 * `upsert`/`deleted` for single pods and a `list` for every resync.
 */

import type { MalformedPod } from '../core/decodePodList.js';
import type { KubeletPod } from '../core/kubeletPod.js';
import type { FullParseReason } from '../core/selectFromPodList.js';
import type { Time } from '../core/time.js';

/** What a source knows about a list besides its pods. */
export interface ListContext {
  /** Whether the agent's own pod (`POD_UID`) was in the list; undefined: not known. */
  readonly ownPodListed?: boolean;
  /** The attempts before this one failed to connect (a kubelet restarting refuses them). */
  readonly afterConnectFailure?: boolean;
}

/** How a list was read: for metrics and warnings only. */
export interface ListDiagnostics {
  /** Set when the whole body was parsed, and why. */
  readonly fullParse?: FullParseReason;
  /** Items that could not be decoded and were skipped. */
  readonly malformed: readonly MalformedPod[];
}

/** One thing a source saw. */
export type PodObservation =
  /** The complete set of selected pods at `at` (a poll, or a push source's resync). */
  | {
      readonly kind: 'list';
      readonly pods: readonly KubeletPod[];
      readonly at: Time;
      readonly context: ListContext;
      readonly diagnostics: ListDiagnostics;
    }
  /** One selected pod added or changed. */
  | { readonly kind: 'upsert'; readonly pod: KubeletPod; readonly at: Time }
  /** One pod removed (or no longer selected). */
  | { readonly kind: 'deleted'; readonly uid: string; readonly at: Time }
  /** An attempt that produced nothing; the pod state stays as it was. */
  | {
      readonly kind: 'failed';
      /** The `kind` label of kubelet_span_exporter_kubelet_errors_total. */
      readonly errorKind: string;
      readonly error: unknown;
      /** Failed attempts in a row, this one included. */
      readonly consecutiveFailures: number;
      /** A bug rather than bad input (logged as an error). */
      readonly unexpected?: boolean;
    };

/** The agent's side: takes observations, one at a time. */
export interface PodObservationSink {
  /** Handles one observation; the source awaits it before its next one. Must not reject. */
  observe(observation: PodObservation): Promise<void>;
  /** Uids the consumer tracks: a source may use them to decode only what matters. */
  trackedUids(): Iterable<string>;
}

/** Where pod observations come from. */
export interface PodSource {
  /** Starts observing; observations go to `sink`. */
  start(sink: PodObservationSink): void;
  /** Stops; resolves once the observation under way, if any, has been handled. */
  stop(): Promise<void>;
  /** When the source last began an attempt (epoch ms; 0 before the first): liveness. */
  readonly lastAttemptMs: number;
}
