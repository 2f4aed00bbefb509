import { type FileHandle, open, readdir, readFile, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isTrackerSnapshot, type PodSnapshot } from '../core/trackerSnapshot.js';
import { replaceFile, type SyncPolicy, syncDirectory } from './durableWrite.js';
import { decodeFrames, encodeJsonFrame, parseJsonPayload } from './recordFrame.js';

/**
 * One tracker change, appended as one framed record: the pods it changed (upserts), the pods it
 * forgot (tombstones), and the segment holding the spans the same poll built, so no crash can keep
 * one without the other. `settled` lists span keys acknowledged (or given up) inside segments that
 * are still on disk because other spans of theirs still wait.
 */
export interface JournalRecord {
  readonly pods: readonly PodSnapshot[];
  readonly removed: readonly string[];
  readonly segment?: number;
  readonly settled?: readonly SettledKeys[];
}

/** Span keys settled inside one segment. */
export interface SettledKeys {
  readonly segment: number;
  readonly keys: readonly string[];
}

/** What a snapshot carries besides the pods (the caller's view of its segments at that point). */
export interface SnapshotMeta {
  /** Every segment with an id at or below this was committed when the snapshot was taken. */
  readonly segmentsThrough: number;
  /** Span keys settled inside segments still on disk then. */
  readonly settled: readonly SettledKeys[];
}

export interface JournalReplay {
  /** Live pods by uid: the snapshot, then every intact record in order (last one wins). */
  readonly pods: Map<string, PodSnapshot>;
  readonly meta: SnapshotMeta;
  /** Segments named by replayed records. */
  readonly committedSegments: Set<number>;
  /** Settled keys of replayed records. */
  /** Settled span keys by segment (snapshot and replayed records). */
  readonly settled: Map<number, Set<string>>;
  readonly stats: JournalReplayStats;
}

export interface JournalReplayStats {
  readonly snapshotPods: number;
  readonly records: number;
  /** Bytes after the last intact record of a journal file, cut off. */
  readonly tornTailBytes: number;
  /** Damaged regions skipped between intact records (journal and snapshot). */
  readonly damagedRegions: number;
  /** Intact frames whose content is not a record (another version, or hand-edited). */
  readonly invalidRecords: number;
}

export interface StateJournalOptions {
  /** @default 'fdatasync' */
  readonly sync?: SyncPolicy;
  /** Pods serialised per snapshot record; compaction yields to the event loop between them. @default 250 */
  readonly chunkPods?: number;
  /** Called after each write to a journal or snapshot file with its size in bytes. */
  readonly onWrite?: (bytes: number) => void;
}

export const SNAPSHOT_FILE = 'state.snap';
const SNAPSHOT_TEMP = 'state.snap.tmp';
const JOURNAL_PREFIX = 'journal-';
const JOURNAL_SUFFIX = '.log';
const journalName = (seq: number) =>
  `${JOURNAL_PREFIX}${String(seq).padStart(16, '0')}${JOURNAL_SUFFIX}`;
/** Compressed payload bytes replayed between two yields to the event loop (~300 KB of JSON). */
const REPLAY_SLICE_BYTES = 32 * 1024;

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * The tracker's state as a snapshot plus an append-only journal (`recordFrame` framing: magic,
 * length, crc32, JSON).
 *
 * Files: `state.snap` (a header record `{journalThrough, meta, pods}` then records of up to
 * `chunkPods` pods) and `journal-<seq>.log` files. Replay: the snapshot, then the journals after
 * `journalThrough` in order; the last record per uid wins, a tombstone removes. Replaying a journal
 * the snapshot already covers gives the same state, so a crash between the snapshot's rename and
 * the old journal's deletion is harmless.
 *
 * Damage: a torn or damaged tail of a journal is cut (its length counted); damage in the middle
 * drops only the damaged records (the reader resynchronises on the next magic marker); a damaged
 * snapshot chunk loses its pods (counted), the rest is kept.
 *
 * Compaction: the journal is rotated (new appends go to the next file, so appends go on while the
 * snapshot is written), the live pods at that point are written to `state.snap.tmp` in chunks with
 * a `setImmediate` between them, synced, renamed over `state.snap`, the directory synced, then the
 * old journals deleted. Span payloads are never in the journal, so compaction never rewrites them.
 *
 * fsync policy (`sync: 'fdatasync'`, the default): each append is written and `fdatasync`ed before
 * it resolves; a new journal file, the snapshot rename and segment creations sync the directory.
 * A record whose append resolved survives SIGKILL and power loss; one in flight may or may not.
 */
export class StateJournal {
  readonly #dir: string;
  readonly #sync: SyncPolicy;
  readonly #chunkPods: number;
  readonly #pods: Map<string, PodSnapshot>;
  #file: FileHandle;
  #seq: number;
  #tail: Promise<unknown> = Promise.resolve();
  #journalBytes: number;
  /** Bytes of journal files already covered by a snapshot being written (deleted after it). */
  #rotatedBytes = 0;
  #snapshotBytes: number;
  #tempBytes = 0;
  #compacting: Promise<void> | undefined;
  #closed = false;
  readonly #onWrite: (bytes: number) => void;

  private constructor(
    dir: string,
    options: StateJournalOptions,
    file: FileHandle,
    seq: number,
    pods: Map<string, PodSnapshot>,
    journalBytes: number,
    snapshotBytes: number,
  ) {
    this.#dir = dir;
    this.#sync = options.sync ?? 'fdatasync';
    this.#chunkPods = options.chunkPods ?? 250;
    this.#onWrite = options.onWrite ?? (() => {});
    this.#file = file;
    this.#seq = seq;
    this.#pods = pods;
    this.#journalBytes = journalBytes;
    this.#snapshotBytes = snapshotBytes;
  }

  /** Replays `dir` (which must exist), cuts a torn tail, and opens the journal for appends. */
  static async open(
    dir: string,
    options: StateJournalOptions = {},
  ): Promise<{ journal: StateJournal; replay: JournalReplay }> {
    const sync = options.sync ?? 'fdatasync';
    await unlink(join(dir, SNAPSHOT_TEMP)).catch(() => {});
    const snapshot = await readSnapshot(dir);
    const pods = snapshot.pods;
    const seqs = (await readdir(dir))
      .filter((n) => n.startsWith(JOURNAL_PREFIX) && n.endsWith(JOURNAL_SUFFIX))
      .map((n) => Number(n.slice(JOURNAL_PREFIX.length, -JOURNAL_SUFFIX.length)))
      .filter((n) => Number.isSafeInteger(n) && n >= 0)
      .sort((a, b) => a - b);
    const committedSegments = new Set<number>();
    const settled = new Map<number, Set<string>>();
    const addSettled = (entries: readonly SettledKeys[]) => {
      for (const { segment, keys } of entries) {
        const set = settled.get(segment) ?? new Set<string>();
        for (const key of keys) set.add(key);
        settled.set(segment, set);
      }
    };
    addSettled(snapshot.meta.settled);
    let records = 0;
    let tornTailBytes = 0;
    let damagedRegions = snapshot.damagedRegions;
    let invalidRecords = snapshot.invalidRecords;
    let journalBytes = 0;
    for (const seq of seqs) {
      const path = join(dir, journalName(seq));
      if (seq <= snapshot.journalThrough) {
        await unlink(path).catch(() => {});
        continue;
      }
      const data = await readFile(path);
      const decoded = decodeFrames(data);
      damagedRegions += decoded.damagedRegions;
      if (decoded.tailBytes > 0) {
        tornTailBytes += decoded.tailBytes;
        await truncate(path, decoded.intactEnd);
      }
      journalBytes += decoded.intactEnd;
      let slice = 0;
      for (const payload of decoded.payloads) {
        const record = parseRecord(parseJsonPayload(payload));
        if (!record) {
          invalidRecords++;
          continue;
        }
        records++;
        applyRecord(pods, record);
        if (record.segment !== undefined) committedSegments.add(record.segment);
        addSettled(record.settled ?? []);
        slice += payload.length;
        if (slice >= REPLAY_SLICE_BYTES) {
          slice = 0;
          await yieldToEventLoop();
        }
      }
    }
    const seq =
      seqs.filter((s) => s > snapshot.journalThrough).at(-1) ?? snapshot.journalThrough + 1;
    const file = await open(join(dir, journalName(seq)), 'a', 0o600);
    await syncDirectory(dir, sync);
    const journal = new StateJournal(dir, options, file, seq, pods, journalBytes, snapshot.bytes);
    return {
      journal,
      replay: {
        pods: new Map(pods),
        meta: snapshot.meta,
        committedSegments,
        settled,
        stats: {
          snapshotPods: snapshot.podCount,
          records,
          tornTailBytes,
          damagedRegions,
          invalidRecords,
        },
      },
    };
  }

  /** Live pods (the state replay would give now). */
  get pods(): ReadonlyMap<string, PodSnapshot> {
    return this.#pods;
  }

  /** Bytes of the journal files (including ones a running compaction will delete). */
  get journalBytes(): number {
    return this.#journalBytes + this.#rotatedBytes;
  }

  get snapshotBytes(): number {
    return this.#snapshotBytes;
  }

  /** Bytes of the snapshot being written by a compaction (0 when none runs). */
  get tempBytes(): number {
    return this.#tempBytes;
  }

  /** Everything this journal has on disk right now. */
  get bytes(): number {
    return this.journalBytes + this.#snapshotBytes + this.#tempBytes;
  }

  get compacting(): boolean {
    return this.#compacting !== undefined;
  }

  /**
   * Appends one record; appends never overlap and land in call order. Resolves once written
   * (and synced, per the policy); the in-memory state follows at once.
   */
  append(record: JournalRecord): Promise<number> {
    if (this.#closed) return Promise.reject(new Error('journal closed'));
    return this.appendEncoded(record, encodeJsonFrame(record));
  }

  /** The framed bytes of a record (to know its size before appending it). */
  encode(record: JournalRecord): Buffer {
    return encodeJsonFrame(record);
  }

  /** {@link append} with the record already encoded by {@link encode}. */
  appendEncoded(record: JournalRecord, frame: Buffer): Promise<number> {
    if (this.#closed) return Promise.reject(new Error('journal closed'));
    applyRecord(this.#pods, record);
    return this.#enqueue(async () => {
      await this.#file.write(frame);
      if (this.#sync !== 'none') await this.#file.datasync();
      this.#journalBytes += frame.length;
      this.#onWrite(frame.length);
      return frame.length;
    });
  }

  /**
   * Writes the live pods to a new snapshot and deletes the journal it covers. `meta` is taken at
   * the same point of the append order as the pods. One compaction at a time (a second call joins
   * the first).
   */
  compact(meta: () => SnapshotMeta): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#compacting ??= this.#compact(meta).finally(() => {
      this.#compacting = undefined;
    });
    return this.#compacting;
  }

  /** Waits for appends and a running compaction, then closes the journal file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#compacting?.catch(() => {});
    this.#closed = true;
    await this.#tail.catch(() => {});
    await this.#file.close();
  }

  async #compact(meta: () => SnapshotMeta): Promise<void> {
    const rotated = await this.#enqueue(async () => {
      const old = this.#file;
      const oldSeq = this.#seq;
      this.#file = await open(join(this.#dir, journalName(oldSeq + 1)), 'a', 0o600);
      this.#seq = oldSeq + 1;
      await syncDirectory(this.#dir, this.#sync);
      await old.close();
      this.#rotatedBytes = this.#journalBytes;
      this.#journalBytes = 0;
      return { seq: oldSeq, pods: [...this.#pods.values()], meta: meta() };
    });
    const tempPath = join(this.#dir, SNAPSHOT_TEMP);
    const file = await open(tempPath, 'w', 0o600);
    let written = 0;
    try {
      const header = encodeJsonFrame({
        kind: 'snapshot',
        journalThrough: rotated.seq,
        meta: rotated.meta,
        pods: rotated.pods.length,
      });
      await file.write(header);
      written += header.length;
      this.#tempBytes = written;
      this.#onWrite(header.length);
      for (let i = 0; i < rotated.pods.length; i += this.#chunkPods) {
        await yieldToEventLoop();
        const chunk = encodeJsonFrame({ pods: rotated.pods.slice(i, i + this.#chunkPods) });
        await file.write(chunk);
        written += chunk.length;
        this.#tempBytes = written;
        this.#onWrite(chunk.length);
      }
      if (this.#sync !== 'none') await file.datasync();
    } catch (error) {
      await file.close().catch(() => {});
      await unlink(tempPath).catch(() => {});
      this.#tempBytes = 0;
      this.#journalBytes += this.#rotatedBytes;
      this.#rotatedBytes = 0;
      throw error;
    }
    await file.close();
    await replaceFile(this.#dir, tempPath, join(this.#dir, SNAPSHOT_FILE), this.#sync);
    this.#snapshotBytes = written;
    this.#tempBytes = 0;
    for (const name of await readdir(this.#dir)) {
      if (!name.startsWith(JOURNAL_PREFIX) || !name.endsWith(JOURNAL_SUFFIX)) continue;
      const seq = Number(name.slice(JOURNAL_PREFIX.length, -JOURNAL_SUFFIX.length));
      if (seq <= rotated.seq) await unlink(join(this.#dir, name)).catch(() => {});
    }
    this.#rotatedBytes = 0;
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(op, op);
    this.#tail = run.catch(() => {});
    return run;
  }
}

function applyRecord(pods: Map<string, PodSnapshot>, record: JournalRecord): void {
  for (const pod of record.pods) pods.set(pod.ref.uid, pod);
  for (const uid of record.removed) pods.delete(uid);
}

const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

function parseRecord(value: unknown): JournalRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if (!isTrackerSnapshot({ pods: o.pods }) || !isStrings(o.removed)) return undefined;
  if (o.segment !== undefined && !Number.isSafeInteger(o.segment)) return undefined;
  if (o.settled !== undefined && !isSettled(o.settled)) return undefined;
  return value as JournalRecord;
}

interface SnapshotRead {
  readonly pods: Map<string, PodSnapshot>;
  readonly podCount: number;
  readonly journalThrough: number;
  readonly meta: SnapshotMeta;
  readonly bytes: number;
  readonly damagedRegions: number;
  readonly invalidRecords: number;
}

async function readSnapshot(dir: string): Promise<SnapshotRead> {
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

function isSettled(v: unknown): v is SettledKeys[] {
  return (
    Array.isArray(v) &&
    v.every(
      (e) =>
        typeof e === 'object' &&
        e !== null &&
        Number.isSafeInteger((e as SettledKeys).segment) &&
        isStrings((e as SettledKeys).keys),
    )
  );
}
