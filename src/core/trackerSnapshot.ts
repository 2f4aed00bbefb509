/**
 * Owns the tracker's persisted state as plain JSON data (`TrackerSnapshot`) and its validation
 * (`isTrackerSnapshot`).
 */
import type { SpanEvent } from './spanData.js';
import type { PodIdentity } from './spanFactory.js';
import { isTime, type Time } from './time.js';
import type { StoredTimeEdge } from './timeEdge.js';

/** A run seen running and not yet emitted, as kept across restarts. */
export interface OpenRunSnapshot {
  readonly runKey: string;
  readonly index: number;
  readonly start?: Time;
  readonly firstSeenAt: Time;
  readonly containerId?: string;
  readonly image?: string;
  readonly unobservedRuns: number;
  /** A native sidecar's run (init container with `restartPolicy: Always`). */
  readonly sidecar?: boolean;
}

/** A run whose span was built (or dropped by the per-pod cap): never built again. */
export interface DoneRunSnapshot {
  readonly runKey: string;
  readonly index: number;
  /** `finishedAt` as the kubelet reported it when the run was built (absent: none). */
  readonly finishedAt?: string;
}

/** One container's state within a pod. */
export interface ContainerSnapshot {
  /** `container/<name>` or `init-container/<name>`. */
  readonly key: string;
  /** Highest run index observed in any state (-1: none yet). */
  readonly highestIndex: number;
  /** Highest `restartCount` the kubelet reported (-1: none yet): a lower one is a stale status. */
  readonly highestRestartCount: number;
  readonly open?: OpenRunSnapshot;
  /** The newest runs already built, oldest first (bounded, see `RECENT_RUNS`). */
  readonly done: readonly DoneRunSnapshot[];
  /** Runs with an index at or below this were built or dropped (-1: none). */
  readonly doneThrough: number;
  /** Waiting reasons already recorded as events for the current `restartCount`. */
  readonly waitingMarks: { readonly restartCount: number; readonly reasons: readonly string[] };
}

/** The tracker's state of one pod, as plain JSON-serialisable data. */
export interface PodSnapshot {
  readonly ref: { readonly uid: string; readonly namespace: string; readonly name: string };
  readonly identity?: PodIdentity;
  readonly firstSeen: Time;
  /** Pod and phase spans already built, by `role/name` (`pod/`, `phase/sandbox`, ...). */
  readonly emitted: readonly string[];
  readonly containers: readonly ContainerSnapshot[];
  readonly events: readonly SpanEvent[];
  /** Pod reasons already recorded as events (bounded). */
  readonly reasonsSeen: readonly string[];
  readonly droppedEvents: number;
  readonly podSpanDone: boolean;
  /** The pod came back after it had been ended: only its later runs are built. */
  readonly reappeared: boolean;
  readonly missing: number;
  readonly firstMissingAt?: Time;
  readonly creation?: Time;
  readonly phase?: string;
  readonly reason?: string;
  readonly deleting: boolean;
  readonly latestFinish?: StoredTimeEdge;
  /** Earliest start and latest end of the child spans built so far: the pod span encloses them. */
  readonly childStart?: StoredTimeEdge;
  readonly childEnd?: StoredTimeEdge;
  readonly seen?: Time;
  readonly firstFailure?: string;
  /** A poll that listed the pod (the last one as of the last change of this snapshot). */
  readonly lastSeenAt: Time;
  readonly allTerminated: boolean;
  readonly childSpans: number;
  readonly droppedSpans: number;
}

/**
 * What `PodTracker.snapshot()` returns and its constructor resumes from. Validate before use
 * (`isTrackerSnapshot`): a checkpoint file may be from another version or hand-edited.
 */
export interface TrackerSnapshot {
  readonly pods: readonly PodSnapshot[];
}

const isEdge = (v: unknown): v is StoredTimeEdge =>
  typeof v === 'object' &&
  v !== null &&
  isTime((v as StoredTimeEdge).time) &&
  ['kubelet', 'cri', 'poll'].includes((v as StoredTimeEdge).source) &&
  Number.isFinite((v as StoredTimeEdge).uncertaintyMs);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');
const optional = (v: unknown, check: (x: unknown) => boolean) => v === undefined || check(v);
const isHex = (v: unknown, length: number) =>
  typeof v === 'string' && v.length === length && /^[0-9a-f]+$/.test(v);

function isIdentity(v: unknown): v is PodIdentity {
  return (
    isObject(v) &&
    typeof v.uid === 'string' &&
    typeof v.name === 'string' &&
    typeof v.namespace === 'string' &&
    typeof v.baseName === 'string' &&
    typeof v.nodeName === 'string' &&
    isHex(v.traceId, 32) &&
    // A group-origin pod span is a root: no context span. Absent origin: `context` (checkpoints
    // written before groups existed).
    (v.origin === 'group' ? v.contextSpanId === '' : isHex(v.contextSpanId, 16)) &&
    optional(v.origin, (x) => x === 'context' || x === 'group') &&
    isHex(v.podSpanId, 16) &&
    optional(v.traceState, (x) => typeof x === 'string') &&
    optional(v.groupKey, (x) => typeof x === 'string') &&
    optional(v.groupValue, (x) => typeof x === 'string') &&
    optional(v.groupTraceId, (x) => isHex(x, 32)) &&
    (v.origin !== 'group' || (typeof v.groupKey === 'string' && typeof v.groupValue === 'string'))
  );
}

const isOpenRun = (o: unknown) =>
  isObject(o) &&
  typeof o.runKey === 'string' &&
  Number.isInteger(o.index) &&
  optional(o.start, isTime) &&
  isTime(o.firstSeenAt) &&
  optional(o.containerId, (x) => typeof x === 'string') &&
  optional(o.image, (x) => typeof x === 'string') &&
  Number.isInteger(o.unobservedRuns) &&
  optional(o.sidecar, (x) => typeof x === 'boolean');

const isDoneRun = (d: unknown) =>
  isObject(d) &&
  typeof d.runKey === 'string' &&
  Number.isInteger(d.index) &&
  optional(d.finishedAt, (x) => typeof x === 'string');

const isContainer = (c: unknown) =>
  isObject(c) &&
  typeof c.key === 'string' &&
  Number.isInteger(c.highestIndex) &&
  Number.isInteger(c.highestRestartCount) &&
  optional(c.open, isOpenRun) &&
  Array.isArray(c.done) &&
  c.done.every(isDoneRun) &&
  Number.isInteger(c.doneThrough) &&
  isObject(c.waitingMarks) &&
  Number.isInteger(c.waitingMarks.restartCount) &&
  isStringArray(c.waitingMarks.reasons);

function isPodSnapshot(v: unknown): v is PodSnapshot {
  if (!isObject(v) || !isObject(v.ref)) return false;
  const ref = v.ref;
  return (
    typeof ref.uid === 'string' &&
    typeof ref.namespace === 'string' &&
    typeof ref.name === 'string' &&
    optional(v.identity, isIdentity) &&
    isTime(v.firstSeen) &&
    isStringArray(v.emitted) &&
    Array.isArray(v.containers) &&
    v.containers.every(isContainer) &&
    Array.isArray(v.events) &&
    v.events.every((e) => isObject(e) && typeof e.name === 'string' && isTime(e.time)) &&
    isStringArray(v.reasonsSeen) &&
    Number.isInteger(v.droppedEvents) &&
    typeof v.podSpanDone === 'boolean' &&
    typeof v.reappeared === 'boolean' &&
    Number.isInteger(v.missing) &&
    optional(v.firstMissingAt, isTime) &&
    optional(v.creation, isTime) &&
    optional(v.latestFinish, isEdge) &&
    optional(v.childStart, isEdge) &&
    optional(v.childEnd, isEdge) &&
    optional(v.seen, isTime) &&
    optional(v.firstFailure, (x) => typeof x === 'string') &&
    isTime(v.lastSeenAt) &&
    typeof v.deleting === 'boolean' &&
    typeof v.allTerminated === 'boolean' &&
    Number.isInteger(v.childSpans) &&
    Number.isInteger(v.droppedSpans)
  );
}

/** Checks the shape of untrusted snapshot data (from a checkpoint file). */
export function isTrackerSnapshot(v: unknown): v is TrackerSnapshot {
  return isObject(v) && Array.isArray(v.pods) && v.pods.every(isPodSnapshot);
}
