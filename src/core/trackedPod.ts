/**
 * Owns the tracker's live state of one pod and its containers (`TrackedPod`, `ContainerTrack`),
 * the record of runs already built, and the mapping to and from the snapshot.
 */
import type { SpanEvent } from './spanData.js';
import type { PodIdentity } from './spanFactory.js';
import type { Time } from './time.js';
import { fromStoredEdge, type TimeEdge, toStoredEdge } from './timeEdge.js';
import type {
  ContainerSnapshot,
  DoneRunSnapshot,
  OpenRunSnapshot,
  PodSnapshot,
} from './trackerSnapshot.js';

/** Built runs remembered by id per container; older ones are covered by `doneThrough`. */
export const RECENT_RUNS = 4;
/** Distinct pod reasons and waiting reasons remembered per pod/container for event dedup. */
export const MAX_REASONS = 16;

export interface PodRef {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
}

/** One container's live state (see `ContainerSnapshot`). */
export interface ContainerTrack {
  highestIndex: number;
  highestRestartCount: number;
  open?: OpenRunSnapshot;
  done: DoneRunSnapshot[];
  doneThrough: number;
  waitingMarks: { restartCount: number; reasons: string[] };
}

/** The tracker's live state of one pod (see `PodSnapshot` for each field). */
export interface TrackedPod {
  readonly ref: PodRef;
  /** Undefined for a pod without a usable, sampled trace context: tracked only to stay quiet. */
  readonly identity?: PodIdentity;
  readonly firstSeen: Time;
  readonly emitted: Set<string>;
  readonly containers: Map<string, ContainerTrack>;
  readonly events: SpanEvent[];
  readonly reasonsSeen: string[];
  droppedEvents: number;
  podSpanDone: boolean;
  reappeared: boolean;
  missing: number;
  firstMissingAt?: Time;
  creation?: Time;
  phase?: string;
  reason?: string;
  deleting: boolean;
  firstFailure?: string;
  latestFinish?: TimeEdge;
  childStart?: TimeEdge;
  childEnd?: TimeEdge;
  seen?: Time;
  /** The latest `config.seen` listed (not persisted): a change means the kubelet restarted. */
  seenLatest?: Time;
  /** The last poll that listed the pod (before the one in progress, during an update). */
  lastSeenAt: Time;
  /** `lastSeenAt` as of the last change worth a checkpoint: what the snapshot holds. */
  persistedSeenAt: Time;
  allTerminated: boolean;
  childSpans: number;
  droppedSpans: number;
}

export function newContainerTrack(): ContainerTrack {
  return {
    highestIndex: -1,
    highestRestartCount: -1,
    done: [],
    doneThrough: -1,
    waitingMarks: { restartCount: -1, reasons: [] },
  };
}

/** Whether the run `runKey` (restart index `index`) was already built or dropped. */
export function isRunDone(track: ContainerTrack, runKey: string, index: number): boolean {
  return track.done.some((d) => d.runKey === runKey) || index <= track.doneThrough;
}

/** The built run with this key, if still remembered. */
export function doneRun(track: ContainerTrack, runKey: string): DoneRunSnapshot | undefined {
  return track.done.find((d) => d.runKey === runKey);
}

/** Records a built (or dropped) run, keeping the newest `RECENT_RUNS` by id. */
export function markRunDone(track: ContainerTrack, run: DoneRunSnapshot): void {
  track.done.push(run);
  while (track.done.length > RECENT_RUNS) {
    const oldest = track.done.shift();
    if (oldest) track.doneThrough = Math.max(track.doneThrough, oldest.index);
  }
}

/** A copy of a container's state that shares nothing mutable with it (`key` and extras dropped). */
export function copyTrack(track: Omit<ContainerSnapshot, 'key'>): ContainerTrack {
  return {
    highestIndex: track.highestIndex,
    highestRestartCount: track.highestRestartCount,
    ...(track.open ? { open: track.open } : {}),
    done: [...track.done],
    doneThrough: track.doneThrough,
    waitingMarks: {
      restartCount: track.waitingMarks.restartCount,
      reasons: [...track.waitingMarks.reasons],
    },
  };
}

export function toSnapshot(pod: TrackedPod): PodSnapshot {
  const containers: ContainerSnapshot[] = [...pod.containers].map(([key, track]) => ({
    key,
    ...copyTrack(track),
  }));
  return {
    ref: pod.ref,
    ...(pod.identity ? { identity: pod.identity } : {}),
    firstSeen: pod.firstSeen,
    emitted: [...pod.emitted],
    containers,
    events: [...pod.events],
    reasonsSeen: [...pod.reasonsSeen],
    droppedEvents: pod.droppedEvents,
    podSpanDone: pod.podSpanDone,
    reappeared: pod.reappeared,
    missing: pod.missing,
    ...(pod.firstMissingAt ? { firstMissingAt: pod.firstMissingAt } : {}),
    ...(pod.creation ? { creation: pod.creation } : {}),
    ...(pod.phase ? { phase: pod.phase } : {}),
    ...(pod.reason ? { reason: pod.reason } : {}),
    deleting: pod.deleting,
    ...(pod.latestFinish ? { latestFinish: toStoredEdge(pod.latestFinish) } : {}),
    ...(pod.childStart ? { childStart: toStoredEdge(pod.childStart) } : {}),
    ...(pod.childEnd ? { childEnd: toStoredEdge(pod.childEnd) } : {}),
    ...(pod.seen ? { seen: pod.seen } : {}),
    ...(pod.firstFailure ? { firstFailure: pod.firstFailure } : {}),
    lastSeenAt: pod.persistedSeenAt,
    allTerminated: pod.allTerminated,
    childSpans: pod.childSpans,
    droppedSpans: pod.droppedSpans,
  };
}

export function fromSnapshot(pod: PodSnapshot): TrackedPod {
  const { lastSeenAt, latestFinish, childStart, childEnd, ...rest } = pod;
  return {
    ...rest,
    ...(latestFinish ? { latestFinish: fromStoredEdge(latestFinish) } : {}),
    ...(childStart ? { childStart: fromStoredEdge(childStart) } : {}),
    ...(childEnd ? { childEnd: fromStoredEdge(childEnd) } : {}),
    lastSeenAt,
    persistedSeenAt: lastSeenAt,
    emitted: new Set(pod.emitted),
    containers: new Map(pod.containers.map((c) => [c.key, copyTrack(c)])),
    events: [...pod.events],
    reasonsSeen: [...pod.reasonsSeen],
  };
}

export function refOf(pod: { uid: string; namespace: string; name: string }): PodRef {
  return { uid: pod.uid, namespace: pod.namespace, name: pod.name };
}

/** Whether any container of the pod has a run seen running and not yet built. */
export function hasOpenRuns(tracked: TrackedPod): boolean {
  for (const track of tracked.containers.values()) if (track.open) return true;
  return false;
}
