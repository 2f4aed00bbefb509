/** Owns the tracker's options: what each means, its default, and the resolved form the pieces read. */
import type { HashFn } from './spanData.js';
import type { Time } from './time.js';

export interface PodTrackerOptions {
  /** Node the agent runs on (`k8s.node.name`). */
  readonly nodeName: string;
  /** Env var names looked up for the trace context, in order (`TRACE_CONTEXT_ENV`). */
  readonly envNames: readonly string[];
  /**
   * Hex digest function used for deterministic span ids and group trace ids (sha256 in the
   * agent; at least 64 hex digits).
   */
  readonly hash: HashFn;
  /**
   * Label naming a pod's run (`TRACE_GROUP_LABEL`): a pod with no trace context but this label
   * is traced in its run's group trace, its pod span a root. Undefined: no fallback.
   * @default undefined
   */
  readonly groupLabel?: string;
  /**
   * Successful polls in a row a pod must be missing from before it counts as gone.
   * @default 2
   */
  readonly missingPollsBeforeGone?: number;
  /**
   * How long a pod must be missing before it counts as gone (ms; `GONE_AFTER`). Its estimated
   * end is still the first poll that missed it.
   * @default 5000
   */
  readonly goneAfterMs?: number;
  /**
   * Longest hold of gone decisions after a kubelet restart was seen (ms; `KUBELET_RESTART_GRACE`).
   * @default 60000
   */
  readonly restartGraceMs?: number;
  /**
   * Events kept on one pod span; further ones are counted in `kse.events.dropped`.
   * @default 128
   */
  readonly maxEventsPerPod?: number;
  /**
   * Gone pods remembered, so a uid that reappears continues where it was, never emitted twice.
   * @default 2000
   */
  readonly rememberGonePods?: number;
  /**
   * Pods tracked at once (traced or not); pods beyond are skipped and counted until room frees up.
   * @default 5000
   */
  readonly maxTrackedPods?: number;
  /**
   * Container-run and phase spans per pod (a container crash-looping for days must not grow one
   * trace without end); further ones are counted in the pod span's `kse.spans.dropped`.
   * @default 1000
   */
  readonly maxSpansPerPod?: number;
  /**
   * Catch-up bound: a pod first seen already finished before this time is not emitted (after a
   * rollout, hours of retained pods are not re-sent). Undefined: every finished pod is emitted.
   */
  readonly catchUpCutoff?: Time;
  /**
   * Reported times later than the poll by more than this (ms) are clamped to the poll time and
   * marked `kse.time.clamped`.
   * @default 60000
   */
  readonly futureToleranceMs?: number;
}

/** Options with every default applied. */
export type ResolvedTrackerOptions = Required<
  Omit<PodTrackerOptions, 'catchUpCutoff' | 'groupLabel'>
> &
  Pick<PodTrackerOptions, 'catchUpCutoff' | 'groupLabel'>;

export function resolveTrackerOptions(options: PodTrackerOptions): ResolvedTrackerOptions {
  return {
    missingPollsBeforeGone: 2,
    goneAfterMs: 5000,
    restartGraceMs: 60_000,
    maxEventsPerPod: 128,
    rememberGonePods: 2000,
    maxTrackedPods: 5000,
    maxSpansPerPod: 1000,
    futureToleranceMs: 60_000,
    ...options,
  };
}
