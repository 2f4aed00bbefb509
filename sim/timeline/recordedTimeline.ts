/**
 * Recorded timelines: JSON Lines written by `scripts/record-node.sh`, a header line then one line
 * per redacted `/pods` snapshot:
 *
 * ```
 * {"kind":"RecordedTimeline","version":1,"node":"worker-1","intervalSeconds":5}
 * {"at":"2026-11-23T10:00:00Z","podList":{"kind":"PodList","apiVersion":"v1","items":[...]}}
 * ```
 *
 * Played back, second `t` serves the latest snapshot taken at or before `start + t`, every time
 * inside it moved by the simulator's shift.
 *
 * Plain module (no test-framework imports).
 */
import { shiftTimes } from './shiftTimes.js';
import { epochSeconds, type Timeline, TimelineError } from './timeline.js';

/** The first line of a recorded timeline. */
export interface RecordedTimelineHeader {
  readonly kind: 'RecordedTimeline';
  readonly version: 1;
  readonly node: string;
  readonly intervalSeconds?: number;
  readonly startedAt?: string;
}

/** One snapshot line. */
export interface RecordedSnapshot {
  /** When the snapshot was taken (RFC 3339). */
  readonly at: string;
  /** The (redacted) `PodList` the kubelet served. */
  readonly podList: { readonly items?: readonly unknown[] };
}

/** Whether `text` looks like a recorded timeline (its first line is the header). */
export function isRecordedTimeline(text: string): boolean {
  const first = text.slice(0, text.indexOf('\n') >>> 0).trim();
  try {
    return (JSON.parse(first) as { kind?: unknown }).kind === 'RecordedTimeline';
  } catch {
    return false;
  }
}

/** Parses a recorded timeline. Throws {@link TimelineError} naming the bad line. */
export function recordedTimeline(text: string, name = 'recorded timeline'): Timeline {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const parse = (line: string, n: number): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      throw new TimelineError(`line ${n}: not JSON`);
    }
  };
  const header = parse(lines[0] ?? '', 1) as Partial<RecordedTimelineHeader>;
  if (header.kind !== 'RecordedTimeline' || header.version !== 1) {
    throw new TimelineError('line 1: expected {"kind":"RecordedTimeline","version":1,...}');
  }
  if (typeof header.node !== 'string' || header.node === '') {
    throw new TimelineError('line 1: node is required');
  }
  const snapshots = lines.slice(1).map((line, i) => {
    const s = parse(line, i + 2) as Partial<RecordedSnapshot>;
    if (typeof s.at !== 'string') throw new TimelineError(`line ${i + 2}: no "at"`);
    const items = s.podList?.items;
    if (items !== undefined && !Array.isArray(items)) {
      throw new TimelineError(`line ${i + 2}: podList.items is not a list`);
    }
    return { at: epochSeconds(s.at, `line ${i + 2} at`), items: items ?? [] };
  });
  if (snapshots.length === 0) throw new TimelineError('no snapshot after the header');
  snapshots.sort((a, b) => a.at - b.at);
  const start = (snapshots[0] as { at: number }).at;
  const offsets = snapshots.map((s) => s.at - start);
  let cacheShift: number | undefined;
  const cache = new Map<number, readonly string[]>();

  return {
    name,
    nodeName: header.node,
    startEpochSeconds: start,
    endSeconds: offsets.at(-1) ?? 0,
    traceSpans: [],
    exits: [],
    itemsAt(t, shiftSeconds) {
      if (shiftSeconds !== cacheShift) {
        cacheShift = shiftSeconds;
        cache.clear();
      }
      let index = 0;
      for (let i = 0; i < offsets.length && (offsets[i] as number) <= t; i++) index = i;
      let items = cache.get(index);
      if (items === undefined) {
        items = (snapshots[index]?.items ?? []).map((item) =>
          JSON.stringify(shiftTimes(item, shiftSeconds)),
        );
        cache.clear();
        cache.set(index, items);
      }
      return items;
    },
  };
}
