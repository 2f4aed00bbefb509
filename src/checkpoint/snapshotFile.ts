/**
 * The tracker-state snapshot file (`state.snap`): a header naming the journal it covers and the
 * segments committed then, followed by chunks of pods; read a chunk at a time, yielding between.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isTrackerSnapshot, type PodSnapshot } from '../core/trackerSnapshot.js';
import { isSettled, type SettledKeys } from './journalRecord.js';
import { decodeFrames, parseJsonPayload } from './recordFrame.js';

export const SNAPSHOT_FILE = 'state.snap';

/** Lets other work run between chunks of a long read or write. */
export const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** What a snapshot carries besides the pods (the caller's view of its segments at that point). */
export interface SnapshotMeta {
  /** Every segment with an id at or below this was committed when the snapshot was taken. */
  readonly segmentsThrough: number;
  /** Span keys settled inside segments still on disk then. */
  readonly settled: readonly SettledKeys[];
}

export interface SnapshotRead {
  readonly pods: Map<string, PodSnapshot>;
  readonly podCount: number;
  readonly journalThrough: number;
  readonly meta: SnapshotMeta;
  readonly bytes: number;
  readonly damagedRegions: number;
  readonly invalidRecords: number;
}

/** Reads the snapshot; a missing one is empty, damaged chunks are counted and skipped. */
export async function readSnapshot(dir: string): Promise<SnapshotRead> {
  const pods = new Map<string, PodSnapshot>();
  let data: Buffer;
  try {
    data = await readFile(join(dir, SNAPSHOT_FILE));
  } catch {
    return {
      pods,
      podCount: 0,
      journalThrough: -1,
      meta: { segmentsThrough: -1, settled: [] },
      bytes: 0,
      damagedRegions: 0,
      invalidRecords: 0,
    };
  }
  const decoded = decodeFrames(data);
  // The snapshot is renamed into place whole: a tail here is damage, not a torn write.
  let damagedRegions = decoded.damagedRegions + (decoded.tailBytes > 0 ? 1 : 0);
  let invalidRecords = 0;
  let journalThrough = -1;
  let meta: SnapshotMeta = { segmentsThrough: -1, settled: [] };
  for (const [i, payload] of decoded.payloads.entries()) {
    const value = parseJsonPayload(payload) as Record<string, unknown> | undefined;
    if (i === 0 && value?.kind === 'snapshot' && isHeader(value)) {
      journalThrough = value.journalThrough as number;
      meta = value.meta as SnapshotMeta;
      continue;
    }
    if (value && isTrackerSnapshot({ pods: value.pods })) {
      for (const pod of value.pods as PodSnapshot[]) pods.set(pod.ref.uid, pod);
    } else {
      invalidRecords++;
    }
    // One chunk of pods at a time.
    await yieldToEventLoop();
  }
  if (journalThrough < 0) {
    // No readable header: which segments were committed is unknown, so all of them count.
    damagedRegions++;
    meta = { segmentsThrough: Number.MAX_SAFE_INTEGER, settled: [] };
  }
  return {
    pods,
    podCount: pods.size,
    journalThrough,
    meta,
    bytes: data.length,
    damagedRegions,
    invalidRecords,
  };
}

function isHeader(o: Record<string, unknown>): boolean {
  const meta = o.meta as Record<string, unknown> | undefined;
  return (
    Number.isSafeInteger(o.journalThrough) &&
    typeof meta === 'object' &&
    meta !== null &&
    Number.isSafeInteger(meta.segmentsThrough) &&
    isSettled(meta.settled)
  );
}
