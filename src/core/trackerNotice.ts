/** Owns what the tracker tells the shell to log or count (`TrackerNotice`); the core does no I/O. */
import type { TraceOrigin } from './resolvePodContext.js';
import type { PodRef } from './trackedPod.js';

/** Why a kubelet status was ignored as older than what the tracker holds. */
export type StaleKind = 'restart_count_decreased' | 'running_after_terminated' | 'finish_changed';

/** Something the shell should log or count; the core itself does no I/O. */
export type TrackerNotice =
  | {
      readonly kind: 'podTracked';
      readonly pod: PodRef;
      readonly traceId: string;
      readonly origin: TraceOrigin;
      /** Where the context was found (origin `context`). */
      readonly container?: string;
      readonly envName?: string;
      /** The run's group trace id, when the pod carries a valid group label. */
      readonly groupTraceId?: string;
    }
  | {
      readonly kind: 'noContext';
      readonly pod: PodRef;
      readonly unresolvable: number;
      /** The group label is present but its value cannot name a run (empty, invalid). */
      readonly groupProblem?: string;
    }
  | { readonly kind: 'notSampled'; readonly pod: PodRef; readonly traceId: string }
  | {
      readonly kind: 'invalidContext';
      readonly pod: PodRef;
      readonly container: string;
      readonly envName: string;
      readonly error: string;
    }
  | { readonly kind: 'podGone'; readonly pod: PodRef; readonly traced: boolean }
  | { readonly kind: 'duplicateUid'; readonly pod: PodRef }
  /** A pod that finished before the catch-up cutoff: tracked, not emitted. */
  | { readonly kind: 'catchUpSkipped'; readonly pod: PodRef }
  /** Pods of this poll not tracked because `maxTrackedPods` was reached. */
  | { readonly kind: 'podCapReached'; readonly skipped: number }
  /** A span of this pod not emitted because `maxSpansPerPod` was reached. */
  | { readonly kind: 'spanCapReached'; readonly pod: PodRef }
  /** A kubelet restart was seen: gone decisions are held until the list is stable. */
  | { readonly kind: 'kubeletRestart'; readonly signs: readonly string[] }
  /** A pod listed again after it had been ended: its later runs continue under its pod span. */
  | { readonly kind: 'podReappeared'; readonly pod: PodRef }
  /** A status older than what the tracker holds, ignored. */
  | { readonly kind: 'staleStatus'; readonly pod: PodRef; readonly stale: StaleKind };
