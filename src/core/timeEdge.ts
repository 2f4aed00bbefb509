import { diffMillis, type Time } from './time.js';

/** Where the time of a span's start or end came from. */
export type TimeSource =
  /** The kubelet's `/pods` (RFC 3339, whole seconds on every current kubelet). */
  | 'kubelet'
  /** The container runtime over the CRI (int64 nanoseconds). */
  | 'cri'
  /** The agent's own poll that noticed the change (no reported time existed). */
  | 'poll';

/**
 * A span edge: its time, its source, and how much later than `time` the true moment may be
 * (ms). Every reported time is a lower bound (the kubelet truncates to the second); what narrows
 * the interval is an observation that proves the event had already happened.
 */
export interface TimeEdge {
  readonly time: Time;
  readonly source: TimeSource;
  readonly uncertaintyMs: number;
}

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
  let uncertaintyMs = resolution;
  if (observedBy) {
    const gap = diffMillis(time, observedBy);
    // A poll before the reported time is clock skew between node and agent: it narrows nothing.
    if (gap >= 0) uncertaintyMs = Math.min(resolution, gap);
  }
  return { time, source: 'kubelet', uncertaintyMs: round(uncertaintyMs) };
}

/**
 * An end nobody reported: the poll that noticed it (`noticedAt`). The last poll that still
 * showed the run going (`lastSeenAt`) gives the width of the interval.
 */
export function pollEdge(noticedAt: Time, lastSeenAt?: Time): TimeEdge {
  const width = lastSeenAt ? Math.max(0, diffMillis(lastSeenAt, noticedAt)) : 0;
  return { time: noticedAt, source: 'poll', uncertaintyMs: round(width) };
}

/** A nanosecond time from the container runtime. */
export function criEdge(time: Time): TimeEdge {
  return { time, source: 'cri', uncertaintyMs: 0 };
}
