import type { SpanEvent } from './spanData.js';
import type { PodIdentity } from './spanFactory.js';
import { isTime, type Time } from './time.js';
import type { TimeEdge } from './timeEdge.js';

/** A run seen running and not yet emitted, as kept across restarts. */
export interface OpenRunSnapshot {
  readonly runKey: string;
  readonly index: number;
  readonly start?: Time;
  readonly firstSeenAt: Time;
  readonly containerId?: string;
  readonly image?: string;
  readonly unobservedRuns: number;
}

/** The tracker's state of one pod, as plain JSON-serialisable data. */
export interface PodSnapshot {
  readonly ref: { readonly uid: string; readonly namespace: string; readonly name: string };
  readonly identity?: PodIdentity;
  readonly firstSeen: Time;
  /** Keys of the spans already built for this pod, without their `traceId/podUid/` prefix. */
  readonly emitted: readonly string[];
  readonly containers: readonly {
    readonly key: string;
    readonly highestIndex: number;
    readonly open?: OpenRunSnapshot;
  }[];
  readonly events: readonly SpanEvent[];
  readonly eventKeys: readonly string[];
  readonly droppedEvents: number;
  readonly podSpanDone: boolean;
  readonly missing: number;
  readonly firstMissingAt?: Time;
  readonly creation?: Time;
  readonly phase?: string;
  readonly reason?: string;
  readonly deleting: boolean;
  readonly latestFinish?: TimeEdge;
  readonly seen?: Time;
  readonly firstFailure?: string;
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

const isEdge = (v: unknown): v is TimeEdge =>
  typeof v === 'object' &&
  v !== null &&
  isTime((v as TimeEdge).time) &&
  ['kubelet', 'cri', 'poll'].includes((v as TimeEdge).source) &&
  Number.isFinite((v as TimeEdge).uncertaintyMs);
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
    v.containers.every(
      (c) =>
        isObject(c) &&
        typeof c.key === 'string' &&
        Number.isInteger(c.highestIndex) &&
        optional(
          c.open,
          (o) =>
            isObject(o) &&
            typeof o.runKey === 'string' &&
            Number.isInteger(o.index) &&
            optional(o.start, isTime) &&
            isTime(o.firstSeenAt) &&
            Number.isInteger(o.unobservedRuns),
        ),
    ) &&
    Array.isArray(v.events) &&
    v.events.every((e) => isObject(e) && typeof e.name === 'string' && isTime(e.time)) &&
    isStringArray(v.eventKeys) &&
    Number.isInteger(v.droppedEvents) &&
    typeof v.podSpanDone === 'boolean' &&
    Number.isInteger(v.missing) &&
    optional(v.firstMissingAt, isTime) &&
    optional(v.creation, isTime) &&
    optional(v.latestFinish, isEdge) &&
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
