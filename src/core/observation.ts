/**
 * Owns the per-observation context: everything one `observe`/`observePod`/`observeDeleted` call
 * works with (its time, the runtime's answers, the options and span factory, and what it
 * collects: spans, notices, how often persisted state changed and of which pods), and the helpers that record
 * a change of a tracked pod.
 */
import type { ResolvedTrackerOptions } from './podTrackerOptions.js';
import { NO_RUNTIME, type RuntimeView } from './runtimeView.js';
import type { SpanData } from './spanData.js';
import type { SpanFactory } from './spanFactory.js';
import type { Time } from './time.js';
import type { TrackedPod } from './trackedPod.js';
import type { TrackerNotice } from './trackerNotice.js';

/** One observation in progress. Created per call; never kept. */
export interface Observation {
  readonly now: Time;
  readonly runtime: RuntimeView;
  readonly options: ResolvedTrackerOptions;
  readonly factory: SpanFactory;
  /** Spans that became final, in the order they were built. */
  readonly spans: SpanData[];
  readonly notices: TrackerNotice[];
  /** Changes of persisted state so far: the tracker's revision moves by this much. */
  changes: number;
  /** Uids of the pods whose persisted state changed (or that ended) in this observation. */
  readonly touched: Set<string>;
}

export function newObservation(
  now: Time,
  runtime: RuntimeView | undefined,
  tracker: { readonly options: ResolvedTrackerOptions; readonly factory: SpanFactory },
): Observation {
  return {
    now,
    runtime: runtime ?? NO_RUNTIME,
    options: tracker.options,
    factory: tracker.factory,
    spans: [],
    notices: [],
    changes: 0,
    touched: new Set(),
  };
}

/** Records that persisted state of `tracked` changed. */
export function markChanged(obs: Observation, tracked: TrackedPod): void {
  obs.changes++;
  obs.touched.add(tracked.ref.uid);
  tracked.persistedSeenAt = tracked.lastSeenAt;
}

/** Sets a field, marking the pod when the value changes. */
export function setTracked<
  K extends 'phase' | 'reason' | 'deleting' | 'allTerminated' | 'firstFailure',
>(obs: Observation, tracked: TrackedPod, key: K, value: TrackedPod[K]): void {
  if (tracked[key] === value) return;
  tracked[key] = value;
  markChanged(obs, tracked);
}
