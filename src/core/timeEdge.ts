/**
 * Owns span edges: a span's start or end time with its source and which way the true moment may
 * lie from it, the constructors for each source, the interval an edge states, and the stored
 * (checkpoint) form of an edge.
 */
import { addMillis, diffMillis, type Time } from './time.js';

/** Where the time of a span's start or end came from. */
export type TimeSource =
  /** The kubelet's `/pods` (RFC 3339, whole seconds on every current kubelet). */
  | 'kubelet'
  /** The container runtime over the CRI (int64 nanoseconds). */
  | 'cri'
  /** The agent's own poll that noticed the change (no reported time existed). */
  | 'poll';

/**
 * A reported time (kubelet, CRI): a lower bound. The true moment lies in `[time, time +
 * laterByMs]`; what narrows it is an observation that proves the event had already happened.
 */
export interface ReportedEdge {
  readonly time: Time;
  readonly source: 'kubelet' | 'cri';
  /** How much later than `time` the true moment may be (ms). */
  readonly laterByMs: number;
}

/**
 * A time nobody reported: the poll that noticed the change, an upper bound. The true moment lies
 * in `[time - earlierByMs, time]` (back to the last poll that still showed the old state).
 */
export interface PollEdge {
  readonly time: Time;
  readonly source: 'poll';
  /** How much earlier than `time` the true moment may be (ms). */
  readonly earlierByMs: number;
}

/** A span edge: its time, its source, and which way (and how far) the true moment may lie. */
export type TimeEdge = ReportedEdge | PollEdge;

/** Truncation error of a whole-second kubelet time. */
const KUBELET_RESOLUTION_MS = 1000;

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * A time reported by the kubelet, narrowed by `observedBy`: the first poll (or the kubelet's own
 * nanosecond `config.seen`) that showed the event had happened, so the true time lies in
 * `[time, min(time + 1 s, observedBy)]`. A time with a fractional second was not truncated.
 */
export function kubeletEdge(time: Time, observedBy?: Time): TimeEdge {
  const resolution = time[1] === 0 ? KUBELET_RESOLUTION_MS : 0;
  let laterByMs = resolution;
  if (observedBy) {
    const gap = diffMillis(time, observedBy);
    // A poll before the reported time is clock skew between node and agent: it narrows nothing.
    if (gap >= 0) laterByMs = Math.min(resolution, gap);
  }
  return { time, source: 'kubelet', laterByMs: round(laterByMs) };
}

/**
 * An end nobody reported: the poll that noticed it (`noticedAt`). The last poll that still
 * showed the run going (`lastSeenAt`) gives the width of the interval.
 */
export function pollEdge(noticedAt: Time, lastSeenAt?: Time): TimeEdge {
  const width = lastSeenAt ? Math.max(0, diffMillis(lastSeenAt, noticedAt)) : 0;
  return { time: noticedAt, source: 'poll', earlierByMs: round(width) };
}

/** A nanosecond time from the container runtime. */
export function criEdge(time: Time): TimeEdge {
  return { time, source: 'cri', laterByMs: 0 };
}

/**
 * The width of an edge's interval (ms), whichever way it extends: the value of the span
 * attributes `kse.start.uncertainty_ms` / `kse.end.uncertainty_ms`.
 */
export function edgeWidthMs(edge: TimeEdge): number {
  return edge.source === 'poll' ? edge.earlierByMs : edge.laterByMs;
}

/**
 * An edge from its time, source and width (ms) as spans and checkpoints carry them: the width
 * extends later for a reported time, earlier for a poll.
 */
export function edgeFrom(time: Time, source: TimeSource, widthMs: number): TimeEdge {
  return source === 'poll'
    ? { time, source, earlierByMs: widthMs }
    : { time, source, laterByMs: widthMs };
}

/** The interval an edge states the true moment lies in: `[earliest, latest]`. */
export function interval(edge: TimeEdge): [earliest: Time, latest: Time] {
  return edge.source === 'poll'
    ? [addMillis(edge.time, -edge.earlierByMs), edge.time]
    : [edge.time, addMillis(edge.time, edge.laterByMs)];
}

/** An edge as the checkpoint stores it: its width under the name it has always had. */
export interface StoredTimeEdge {
  readonly time: Time;
  readonly source: TimeSource;
  readonly uncertaintyMs: number;
}

export function toStoredEdge(edge: TimeEdge): StoredTimeEdge {
  return { time: edge.time, source: edge.source, uncertaintyMs: edgeWidthMs(edge) };
}

export function fromStoredEdge(edge: StoredTimeEdge): TimeEdge {
  return edgeFrom(edge.time, edge.source, edge.uncertaintyMs);
}
