import { mkdir } from 'node:fs/promises';
import type { SpanData } from '../core/spanData.js';
import type { PodSnapshot, TrackerSnapshot } from '../core/trackerSnapshot.js';
import { realTimers, type Timers } from '../timers.js';
import type { SyncPolicy } from './durableWrite.js';
import { SegmentStore } from './segmentStore.js';
import {
  type JournalReplayStats,
  type SettledKeys,
  type SnapshotMeta,
  StateJournal,
} from './stateJournal.js';

/** `STATE_MAX_BYTES`' default: 32 MiB. */
export const DEFAULT_STATE_MAX_BYTES = 32 * 1024 * 1024;

export interface JournalCheckpointOptions {
  /**
   * Bound on the directory's peak size, a compaction's temporary snapshot included
   * (`STATE_MAX_BYTES`). When a poll's record would pass it, the oldest pending segments are
   * dropped (reported to the caller and counted).
   * @default 33554432
   */
  readonly maxBytes?: number;
  /** Clock of the statistics (`lastCompactionAt`). @default realTimers */
  readonly timers?: Timers;
  /** @default 'fdatasync' */
  readonly sync?: SyncPolicy;
  /** Pods per snapshot record (compaction yields to the event loop between two). @default 250 */
  readonly chunkPods?: number;
  /** The journal is never compacted below this size (bytes). @default 1048576 */
  readonly compactMinBytes?: number;
  /**
   * Compaction is due when the journal reaches this fraction of the snapshot (and
   * `compactMinBytes`): it keeps the journal, and so the room a compaction needs, small.
   * @default 0.5
   */
  readonly compactRatio?: number;
}

/** A batch of pending spans as loaded: sent again after the restart. */
export interface PendingSegment {
  readonly segment: number;
  readonly spans: readonly SpanData[];
}

export interface OpenStats extends JournalReplayStats {
  readonly segments: number;
  readonly pendingSpans: number;
  /** Segment files dropped as torn or damaged. */
  readonly corruptSegments: number;
  /** Segments written whose journal record did not make it (deleted: the poll is redone). */
  readonly uncommittedSegments: number;
}

export interface LoadedCheckpoint {
  readonly tracker: TrackerSnapshot;
  /** Oldest first, spans already settled inside a segment left out. */
  readonly pending: readonly PendingSegment[];
  readonly stats: OpenStats;
}

/** Pending spans dropped to stay within `maxBytes`: the in-memory queue must drop them too. */
export interface DroppedSegment {
  readonly segment: number;
  /** Keys of its spans not yet settled. */
  readonly keys: readonly string[];
}

export interface PollRecorded {
  /** The segment the poll's spans went to (none when it built no spans). */
  readonly segment?: number;
  readonly dropped: readonly DroppedSegment[];
}

export interface JournalCheckpointStats {
  /** Bytes on disk now, and the most seen since open. */
  readonly bytes: number;
  readonly peakBytes: number;
  /** Parts of `bytes`: pending segments, the snapshot, the journal files. */
  readonly segmentBytes: number;
  readonly snapshotBytes: number;
  readonly journalBytes: number;
  readonly bytesWritten: number;
  readonly droppedSegments: number;
  readonly droppedSpans: number;
  /** Records that had to pass `maxBytes` because no segment was left to drop. */
  readonly overBudget: number;
  readonly compactions: number;
  /** Agent clock (epoch ms) of the last compaction's end. */
  readonly lastCompactionAt?: number;
}

/**
 * The agent's checkpoint in `STATE_DIR`: the tracker as a journal (`stateJournal`) and pending
 * spans as one segment per poll (`segmentStore`). A poll costs one segment write (when it built
 * spans) and one journal record naming the segment, so the cost follows the change, not the state.
 *
 * Commit point: the journal record. A segment is written (and synced) first; a crash before its
 * record leaves it uncommitted (its id is above every committed one) and it is deleted at open: the
 * tracker change is lost with it, so the next poll builds the same spans again.
 *
 * Settling: a segment whose spans are all acknowledged (or given up) is deleted; one partly settled
 * gets a record listing the settled keys. The acknowledgement → write window: a crash between the
 * collector's acknowledgement and that delete or record resolving sends those spans again (same
 * ids), nothing else is re-sent. Deletes are not synced: after a power loss (not a SIGKILL) a
 * deleted segment can reappear and be sent again.
 *
 * Bound: before each record the projected peak, `segments + new segment + 2 × (journal + snapshot +
 * record)`, is kept within `maxBytes` (a compaction's temporary snapshot holds at most the live pods,
 * which are at most what the journal and the old snapshot hold) by dropping the oldest segments.
 *
 * No lock file: `STATE_DIR` is an `emptyDir`, one per pod, and our pod has one container mounting
 * it; a container restart starts the new container only after the old one exited, and a rollout
 * makes a new pod with a new, empty directory (a cold start bounded by `CATCHUP_WINDOW`, so the
 * format needs no migration). Nothing can share the directory unless it is pointed at a hostPath,
 * which is not supported.
 */
export class JournalCheckpoint {
  readonly #journal: StateJournal;
  readonly #segments: SegmentStore;
  readonly #maxBytes: number;
  readonly #timers: Timers;
  readonly #compactMinBytes: number;
  readonly #compactRatio: number;
  /** Unsettled keys per segment on disk, and settled keys of segments partly settled. */
  readonly #unsettled = new Map<number, Set<string>>();
  readonly #settled = new Map<number, Set<string>>();
  /** Segments holding a key, oldest first. */
  readonly #keyToSegments = new Map<string, number[]>();
  #lastCommitted: number;
  #chain: Promise<unknown> = Promise.resolve();
  #peakBytes = 0;
  #bytesWritten = 0;
  #droppedSegments = 0;
  #droppedSpans = 0;
  #overBudget = 0;
  #compactions = 0;
  #lastCompactionAt: number | undefined;

  private constructor(
    journal: StateJournal,
    segments: SegmentStore,
    lastCommitted: number,
    options: JournalCheckpointOptions,
  ) {
    this.#journal = journal;
    this.#segments = segments;
    this.#lastCommitted = lastCommitted;
    this.#maxBytes = options.maxBytes ?? DEFAULT_STATE_MAX_BYTES;
    this.#timers = options.timers ?? realTimers;
    this.#compactMinBytes = options.compactMinBytes ?? 1024 * 1024;
    this.#compactRatio = options.compactRatio ?? 0.5;
  }

  /** Creates `dir` if needed and loads what it holds. */
  static async open(
    dir: string,
    options: JournalCheckpointOptions = {},
  ): Promise<{ checkpoint: JournalCheckpoint; loaded: LoadedCheckpoint }> {
    await mkdir(dir, { recursive: true });
    const sync = options.sync ?? 'fdatasync';
    let onWritten = (_bytes: number) => {};
    const onWrite = (bytes: number) => onWritten(bytes);
    const { journal, replay } = await StateJournal.open(dir, {
      sync,
      chunkPods: options.chunkPods,
      onWrite,
    });
    const { store, load } = await SegmentStore.open(dir, sync);
    const lastCommitted = Math.max(replay.meta.segmentsThrough, ...replay.committedSegments, -1);
    // A settled segment's id may still be named by the journal: ids are never reused.
    store.reserveThrough(lastCommitted);
    const self = new JournalCheckpoint(journal, store, lastCommitted, options);
    onWritten = (bytes) => self.#wrote(bytes);
    const pending: PendingSegment[] = [];
    let uncommitted = 0;
    let pendingSpans = 0;
    for (const segment of load.segments) {
      if (segment.id > lastCommitted) {
        uncommitted++;
        await store.remove(segment.id);
        continue;
      }
      const done = replay.settled.get(segment.id) ?? new Set<string>();
      const spans = segment.spans.filter((s) => !done.has(s.key));
      const settled = segment.spans.filter((s) => done.has(s.key)).map((s) => s.key);
      if (spans.length === 0) {
        await store.remove(segment.id);
        continue;
      }
      self.#track(segment.id, spans, settled);
      pending.push({ segment: segment.id, spans });
      pendingSpans += spans.length;
    }
    self.#peakBytes = self.bytes;
    return {
      checkpoint: self,
      loaded: {
        tracker: { pods: [...replay.pods.values()] },
        pending,
        stats: {
          ...replay.stats,
          segments: pending.length,
          pendingSpans,
          corruptSegments: load.corrupt,
          uncommittedSegments: uncommitted,
        },
      },
    };
  }

  /** Bytes in the directory now (a running compaction's temporary snapshot included). */
  get bytes(): number {
    return this.#segments.bytes + this.#journal.bytes;
  }

  get stats(): JournalCheckpointStats {
    return {
      bytes: this.bytes,
      peakBytes: this.#peakBytes,
      segmentBytes: this.#segments.bytes,
      snapshotBytes: this.#journal.snapshotBytes,
      journalBytes: this.#journal.journalBytes,
      bytesWritten: this.#bytesWritten,
      droppedSegments: this.#droppedSegments,
      droppedSpans: this.#droppedSpans,
      overBudget: this.#overBudget,
      compactions: this.#compactions,
      lastCompactionAt: this.#lastCompactionAt,
    };
  }

  /**
   * Records one poll as one journal record: the pods it changed, the pods it forgot, and (written
   * first, as a new segment) the spans it built. Calls never overlap; the change counts once the
   * promise resolves. Resolves with the segments dropped to stay within `maxBytes`.
   */
  recordPoll(
    changedPods: readonly PodSnapshot[],
    removedUids: readonly string[],
    newBatchSpans: readonly SpanData[],
  ): Promise<PollRecorded> {
    return this.#serial(async () => {
      if (changedPods.length === 0 && removedUids.length === 0 && newBatchSpans.length === 0) {
        return { dropped: [] };
      }
      const encodedSegment =
        newBatchSpans.length > 0 ? this.#segments.encode(newBatchSpans) : undefined;
      const record = {
        pods: changedPods,
        removed: removedUids,
        ...(encodedSegment ? { segment: encodedSegment.id } : {}),
      };
      const frame = this.#journal.encode(record);
      const dropped = await this.#makeRoom((encodedSegment?.data.length ?? 0) + frame.length);
      if (encodedSegment) {
        await this.#segments.write(encodedSegment);
        this.#wrote(encodedSegment.data.length);
      }
      try {
        const appended = this.#journal.appendEncoded(record, frame);
        if (encodedSegment) {
          this.#lastCommitted = encodedSegment.id;
          this.#track(encodedSegment.id, newBatchSpans, []);
        }
        await appended;
      } catch (error) {
        if (encodedSegment) await this.#forget(encodedSegment.id);
        throw error;
      }
      return { segment: encodedSegment?.id, dropped };
    });
  }

  /**
   * Marks spans settled (acknowledged, or given up by the queue): a segment with nothing left
   * waiting is deleted, the keys of one partly settled are recorded.
   */
  settle(keys: readonly string[]): Promise<void> {
    return this.#serial(async () => {
      const partial = new Map<number, string[]>();
      const emptied: number[] = [];
      for (const key of keys) {
        const owners = this.#keyToSegments.get(key);
        const segment = owners?.shift();
        if (segment === undefined) continue;
        if (owners?.length === 0) this.#keyToSegments.delete(key);
        const unsettled = this.#unsettled.get(segment);
        if (!unsettled?.delete(key)) continue;
        if (unsettled.size === 0) {
          emptied.push(segment);
        } else {
          const list = partial.get(segment) ?? [];
          list.push(key);
          partial.set(segment, list);
          this.#settled.get(segment)?.add(key);
        }
      }
      for (const segment of emptied) await this.#forget(segment);
      const settled = [...partial]
        .filter(([segment]) => this.#unsettled.has(segment))
        .map(([segment, keys]) => ({ segment, keys }));
      if (settled.length > 0) await this.#journal.append({ pods: [], removed: [], settled });
    });
  }

  /** Settles every span of a segment (see {@link settle}). */
  acknowledge(segmentId: number): Promise<void> {
    return this.settle([...(this.#unsettled.get(segmentId) ?? [])]);
  }

  /** Whether the journal has grown enough for a compaction (see `compactRatio`). */
  get compactionDue(): boolean {
    const journal = this.#journal.journalBytes;
    return (
      !this.#journal.compacting &&
      journal >= this.#compactMinBytes &&
      journal >= this.#journal.snapshotBytes * this.#compactRatio
    );
  }

  /**
   * Compacts when due (appends go on meanwhile); resolves with whether it did. The snapshot is
   * written in chunks that yield to the event loop.
   */
  async compactIfNeeded(): Promise<boolean> {
    if (!this.compactionDue) return false;
    await this.#journal.compact(() => this.#snapshotMeta());
    this.#compactions++;
    this.#lastCompactionAt = this.#timers.now();
    return true;
  }

  /** Waits for writes and a running compaction, then closes the files. */
  async close(): Promise<void> {
    await this.#chain.catch(() => {});
    await this.#journal.close();
  }

  #snapshotMeta(): SnapshotMeta {
    const settled: SettledKeys[] = [];
    for (const [segment, keys] of this.#settled) {
      if (this.#unsettled.has(segment) && keys.size > 0) settled.push({ segment, keys: [...keys] });
    }
    return { segmentsThrough: this.#lastCommitted, settled };
  }

  async #makeRoom(incoming: number): Promise<DroppedSegment[]> {
    const dropped: DroppedSegment[] = [];
    const projected = () =>
      this.#segments.bytes +
      incoming +
      2 * (this.#journal.journalBytes + this.#journal.snapshotBytes + this.#journal.tempBytes);
    for (const segment of this.#segments.ids) {
      if (projected() <= this.#maxBytes) break;
      const keys = [...(this.#unsettled.get(segment) ?? [])];
      await this.#forget(segment);
      this.#droppedSegments++;
      this.#droppedSpans += keys.length;
      dropped.push({ segment, keys });
    }
    if (projected() > this.#maxBytes) this.#overBudget++;
    return dropped;
  }

  #track(segment: number, spans: readonly SpanData[], settled: readonly string[]): void {
    const keys = new Set<string>();
    for (const span of spans) {
      keys.add(span.key);
      const owners = this.#keyToSegments.get(span.key);
      if (owners) owners.push(segment);
      else this.#keyToSegments.set(span.key, [segment]);
    }
    this.#unsettled.set(segment, keys);
    this.#settled.set(segment, new Set(settled));
  }

  async #forget(segment: number): Promise<void> {
    for (const key of this.#unsettled.get(segment) ?? []) {
      const owners = this.#keyToSegments.get(key);
      const at = owners?.indexOf(segment) ?? -1;
      if (owners && at >= 0) owners.splice(at, 1);
      if (owners?.length === 0) this.#keyToSegments.delete(key);
    }
    this.#unsettled.delete(segment);
    this.#settled.delete(segment);
    await this.#segments.remove(segment);
  }

  #wrote(bytes: number): void {
    this.#bytesWritten += bytes;
    this.#peakBytes = Math.max(this.#peakBytes, this.bytes);
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(op, op);
    this.#chain = run.catch(() => {});
    return run;
  }
}
