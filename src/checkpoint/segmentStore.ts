import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isSpanData, type SpanData } from '../core/spanData.js';
import { type SyncPolicy, syncDirectory, writeNewFile } from './durableWrite.js';
import { decodeFrames, encodeJsonFrame, parseJsonPayload } from './recordFrame.js';

/** One batch of pending spans as it sits on disk. */
export interface Segment {
  /** Increases with every segment written to the directory: creation order. */
  readonly id: number;
  readonly spans: readonly SpanData[];
  /** Size of its file. */
  readonly bytes: number;
}

export interface SegmentLoad {
  /** Intact segments, oldest first. */
  readonly segments: Segment[];
  /** Segment files dropped because they were torn, damaged or not well-formed spans. */
  readonly corrupt: number;
}

const PREFIX = 'segment-';
const SUFFIX = '.seg';
const fileName = (id: number) => `${PREFIX}${String(id).padStart(16, '0')}${SUFFIX}`;

/**
 * Pending spans, one file per batch (the Collector's persistent-queue pattern): a batch is written
 * once, as one framed record (`recordFrame`: magic, length, crc32, JSON `{id, spans}`), and its file
 * is deleted when the batch is settled. Nothing about a waiting batch is ever rewritten. Whether a
 * segment counts (its journal record made it to disk) is the caller's business: see
 * `journalCheckpoint`.
 */
export class SegmentStore {
  readonly #dir: string;
  readonly #sync: SyncPolicy;
  readonly #sizes = new Map<number, number>();
  #nextId: number;
  #bytes = 0;

  private constructor(dir: string, sync: SyncPolicy, nextId: number) {
    this.#dir = dir;
    this.#sync = sync;
    this.#nextId = nextId;
  }

  /**
   * Loads every segment file of `dir` (which must exist) in creation order; a torn or damaged one
   * is deleted and counted.
   */
  static async open(
    dir: string,
    sync: SyncPolicy,
  ): Promise<{ store: SegmentStore; load: SegmentLoad }> {
    const ids = (await readdir(dir))
      .filter((name) => name.startsWith(PREFIX) && name.endsWith(SUFFIX))
      .map((name) => Number(name.slice(PREFIX.length, -SUFFIX.length)))
      .filter((id) => Number.isSafeInteger(id) && id >= 0)
      .sort((a, b) => a - b);
    const segments: Segment[] = [];
    let corrupt = 0;
    for (const id of ids) {
      const path = join(dir, fileName(id));
      const data = await readFile(path);
      const spans = parseSegment(data, id);
      if (spans) {
        segments.push({ id, spans, bytes: data.length });
      } else {
        corrupt++;
        await unlink(path).catch(() => {});
      }
    }
    const store = new SegmentStore(dir, sync, (ids.at(-1) ?? 0) + 1);
    for (const s of segments) store.#track(s.id, s.bytes);
    if (corrupt > 0) await syncDirectory(dir, sync);
    return { store, load: { segments, corrupt } };
  }

  /** Total size of the segment files. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Ids of the segments on disk, oldest first. */
  get ids(): number[] {
    return [...this.#sizes.keys()];
  }

  /** The id the next {@link write} will use. */
  get nextId(): number {
    return this.#nextId;
  }

  /** Never hands out an id at or below `id` (one a journal may still name). */
  reserveThrough(id: number): void {
    this.#nextId = Math.max(this.#nextId, id + 1);
  }

  /** Serialises a batch as its segment's file content (to know its size before writing it). */
  encode(spans: readonly SpanData[]): { id: number; data: Buffer } {
    return { id: this.#nextId, data: encodeJsonFrame({ id: this.#nextId, spans }) };
  }

  /** Writes an encoded batch as a new segment (synced per the policy); resolves with its id. */
  async write(encoded: { id: number; data: Buffer }): Promise<number> {
    if (encoded.id !== this.#nextId) throw new Error(`segment ${encoded.id} is not the next one`);
    this.#nextId++;
    const path = join(this.#dir, fileName(encoded.id));
    try {
      await writeNewFile(this.#dir, path, encoded.data, this.#sync);
    } catch (error) {
      // A partly written file (disk full) must not take room or come back as a torn segment.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await unlink(path).catch(() => {});
      throw error;
    }
    this.#track(encoded.id, encoded.data.length);
    return encoded.id;
  }

  /** Deletes a segment (settled, dropped, or never committed); unknown ids are ignored. */
  async remove(id: number): Promise<void> {
    const size = this.#sizes.get(id);
    if (size === undefined) return;
    this.#sizes.delete(id);
    this.#bytes -= size;
    await unlink(join(this.#dir, fileName(id))).catch(() => {});
  }

  #track(id: number, bytes: number): void {
    this.#sizes.set(id, bytes);
    this.#bytes += bytes;
  }
}

function parseSegment(data: Buffer, id: number): SpanData[] | undefined {
  const decoded = decodeFrames(data);
  if (decoded.payloads.length !== 1 || decoded.tailBytes > 0 || decoded.damagedRegions > 0) {
    return undefined;
  }
  const value = parseJsonPayload(decoded.payloads[0] as Buffer) as {
    id?: unknown;
    spans?: unknown;
  };
  if (typeof value !== 'object' || value === null || value.id !== id) return undefined;
  const spans = value.spans;
  if (!Array.isArray(spans) || !spans.every(isSpanData)) return undefined;
  return spans;
}
