/**
 * The checkpoint as the agent uses it: one record per observation (tracker change and the spans it
 * built), settled batches, compaction in the background; it never throws at the agent and reports
 * writes, damage and bytes on disk.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpanData } from '../core/spanData.js';
import { compareTime, type Time, timeFromMillis } from '../core/time.js';
import type { PodSnapshot, TrackerSnapshot } from '../core/trackerSnapshot.js';
import type { SyncPolicy } from './durableWrite.js';
import {
  DEFAULT_STATE_MAX_BYTES,
  JournalCheckpoint,
  type JournalCheckpointStats,
  type OpenStats,
} from './journalCheckpoint.js';

/** What a tracker change is made of (`PodTracker.takeChanges()`). */
export interface TrackerChange {
  readonly pods: readonly PodSnapshot[];
  readonly removed: readonly string[];
}

/** What the agent resumes from. */
export interface CheckpointResume {
  readonly tracker: TrackerSnapshot;
  /** Spans not yet acknowledged, oldest first: enqueued again. */
  readonly pending: readonly SpanData[];
  /**
   * About when the agent last wrote it: the newest poll a pod record holds, or the newest file
   * change if later. Undefined for an empty directory.
   */
  readonly lastPollAt?: Time;
  readonly stats: OpenStats;
}

export interface AgentCheckpointOptions {
  /** Bound on the directory's peak size (`STATE_MAX_BYTES`). @default 33554432 */
  readonly maxBytes?: number;
  /** @default 'fdatasync' */
  readonly sync?: SyncPolicy;
  /** Told of every write that failed (a poll record or a settlement); the agent runs on. */
  readonly onWriteFailed?: (error: unknown) => void;
  /** Told of every poll record written. */
  readonly onWritten?: () => void;
  /** Told of every compaction done. */
  readonly onCompacted?: () => void;
  /** Told the figures after every record, settlement and compaction (bytes on disk, ...). */
  readonly onStats?: (stats: JournalCheckpointStats) => void;
}

/** The journal is compacted once it is this big (and half the snapshot), or 1/16 of the bound. */
const COMPACT_MIN_BYTES = 1024 * 1024;

export type OpenedAgentCheckpoint =
  | { readonly ok: true; readonly checkpoint: AgentCheckpoint; readonly resume: CheckpointResume }
  | { readonly ok: false; readonly reason: string };

/**
 * The agent's side of the journal checkpoint (`journalCheckpoint`): one record per poll that
 * changed something (the tracker change and the spans it built), settlements of exported batches,
 * compaction in the background. It never throws at the agent: a failed write is reported and the
 * change it carried is written with the next record, so the journal never misses a tracker change
 * (the spans of a failed record live on in memory only).
 */
export class AgentCheckpoint {
  readonly #store: JournalCheckpoint;
  readonly #options: AgentCheckpointOptions;
  /** Pod changes of failed records, by uid (null: removed), written with the next record. */
  #carry = new Map<string, PodSnapshot | null>();
  #compacting: Promise<unknown> | undefined;

  private constructor(store: JournalCheckpoint, options: AgentCheckpointOptions) {
    this.#store = store;
    this.#options = options;
  }

  /**
   * Opens (creating) `dir` and loads it. An unusable directory is a reason, never a throw: the
   * agent then runs without a checkpoint. Damaged records are dropped and counted in the stats.
   */
  static async open(
    dir: string,
    options: AgentCheckpointOptions = {},
  ): Promise<OpenedAgentCheckpoint> {
    try {
      // Before opening: opening may start a new journal file.
      let lastPollAt = await newestChange(dir).catch(() => undefined);
      const maxBytes = options.maxBytes ?? DEFAULT_STATE_MAX_BYTES;
      const { checkpoint, loaded } = await JournalCheckpoint.open(dir, {
        maxBytes,
        // The journal counts twice against the bound until compacted: a small bound compacts
        // sooner rather than spending itself on journal.
        compactMinBytes: Math.min(COMPACT_MIN_BYTES, Math.floor(maxBytes / 16)),
        ...(options.sync ? { sync: options.sync } : {}),
      });
      for (const pod of loaded.tracker.pods) {
        if (!lastPollAt || compareTime(pod.lastSeenAt, lastPollAt) > 0) lastPollAt = pod.lastSeenAt;
      }
      return {
        ok: true,
        checkpoint: new AgentCheckpoint(checkpoint, options),
        resume: {
          tracker: loaded.tracker,
          pending: loaded.pending.flatMap((segment) => segment.spans),
          ...(lastPollAt ? { lastPollAt } : {}),
          stats: loaded.stats,
        },
      };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  get stats(): JournalCheckpointStats {
    return this.#store.stats;
  }

  /** Whether a failed record's tracker change still waits to be written. */
  get behind(): boolean {
    return this.#carry.size > 0;
  }

  /**
   * Records one poll: its tracker change and the spans it built, in one journal record (the
   * segment with the spans first). Resolves once it is durable, with the keys of older pending
   * spans dropped to stay within the bound: the caller drops them from its queue. Never rejects.
   */
  async recordPoll(change: TrackerChange, spans: readonly SpanData[]): Promise<readonly string[]> {
    const merged = this.#carry;
    this.#carry = new Map();
    for (const pod of change.pods) merged.set(pod.ref.uid, pod);
    for (const uid of change.removed) merged.set(uid, null);
    const pods: PodSnapshot[] = [];
    const removed: string[] = [];
    for (const [uid, pod] of merged) {
      if (pod) pods.push(pod);
      else removed.push(uid);
    }
    if (pods.length === 0 && removed.length === 0 && spans.length === 0) return [];
    try {
      const recorded = await this.#store.recordPoll(pods, removed, spans);
      this.#options.onWritten?.();
      this.#options.onStats?.(this.#store.stats);
      return recorded.dropped.flatMap((d) => d.keys);
    } catch (error) {
      // Newer changes (recorded meanwhile) win over these.
      for (const [uid, pod] of merged) if (!this.#carry.has(uid)) this.#carry.set(uid, pod);
      this.#options.onWriteFailed?.(error);
      return [];
    }
  }

  /** Spans acknowledged or given up: they leave the checkpoint. Never rejects. */
  async settle(spans: readonly SpanData[]): Promise<void> {
    if (spans.length === 0) return;
    try {
      await this.#store.settle(spans.map((s) => s.key));
      this.#options.onStats?.(this.#store.stats);
    } catch (error) {
      this.#options.onWriteFailed?.(error);
    }
  }

  /**
   * Starts a compaction when one is due and none runs (it yields to the event loop between
   * chunks; records go on meanwhile). Resolves when that compaction ends; never rejects.
   */
  compactIfNeeded(): Promise<unknown> {
    if (this.#compacting) return this.#compacting;
    const running = this.#store
      .compactIfNeeded()
      .then((compacted) => {
        if (!compacted) return;
        this.#options.onCompacted?.();
        this.#options.onStats?.(this.#store.stats);
      })
      .catch((error: unknown) => this.#options.onWriteFailed?.(error))
      .finally(() => {
        this.#compacting = undefined;
      });
    this.#compacting = running;
    return running;
  }

  /**
   * Waits for writes in progress (a failed record's change is written now), then closes. What is
   * not acknowledged stays on disk: nothing more is written.
   */
  async close(): Promise<void> {
    if (this.#carry.size > 0) await this.recordPoll({ pods: [], removed: [] }, []);
    await this.#compacting;
    await this.#store.close();
  }
}

/** The newest modification time of the files in `dir`; undefined when there are none. */
async function newestChange(dir: string): Promise<Time | undefined> {
  let newest = -1;
  for (const name of await readdir(dir)) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info?.isFile()) newest = Math.max(newest, info.mtimeMs);
  }
  return newest >= 0 ? timeFromMillis(Math.floor(newest)) : undefined;
}
