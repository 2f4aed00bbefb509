import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSpanData, type SpanData } from '../core/spanData.js';
import type { Time } from '../core/time.js';
import { isTrackerSnapshot, type TrackerSnapshot } from '../core/trackerSnapshot.js';
import { realTimers, type TimerHandle, type Timers } from '../timers.js';

/** What the agent needs to resume after a restart. */
export interface CheckpointData {
  /** When the checkpoint was taken (agent clock). */
  readonly savedAt: Time;
  readonly node: string;
  /** Tracker state: per pod, the spans already built and the runs still open. */
  readonly tracker: TrackerSnapshot;
  /** Spans built but not yet acknowledged by the collector: sent again after a restart. */
  readonly pending: readonly SpanData[];
}

export type LoadResult =
  | { readonly kind: 'loaded'; readonly data: CheckpointData; readonly bytes: number }
  | { readonly kind: 'missing' }
  | { readonly kind: 'corrupt'; readonly reason: string };

export interface CheckpointStoreOptions {
  /** The state directory (`STATE_DIR`); created if missing. */
  readonly dir: string;
  /** Who holds the lock: the pod's hostname, stable across container restarts of one pod. */
  readonly owner: string;
  /**
   * A lock whose heartbeat is older than this is stale and taken over (ms).
   * @default 30000
   */
  readonly staleLockMs?: number;
  /**
   * How often the lock's modification time is refreshed while the store is open (ms).
   * @default 10000
   */
  readonly heartbeatMs?: number;
  /** Clock (lock age, heartbeat times) and scheduler (heartbeat). @default realTimers */
  readonly timers?: Timers;
}

export const CHECKPOINT_FILE = 'checkpoint.json';
export const LOCK_FILE = 'lock';
const FORMAT_VERSION = 2;
const HEADER = 'kubelet-span-exporter checkpoint';

/**
 * The checkpoint in `STATE_DIR`: written atomically (temp file, fsync, rename, fsync of the
 * directory) with a sha256 of its body in a header line, so a truncated or garbled file is
 * detected and treated as empty. A lock file with a heartbeat keeps two agents on one node (a
 * botched rollout sharing a hostPath) from using the same directory; the same owner (the same pod
 * after a container restart) takes its own lock back at once.
 */
export class CheckpointStore {
  readonly #dir: string;
  readonly #owner: string;
  readonly #timers: Timers;
  readonly #heartbeatMs: number;
  #heartbeat: TimerHandle | undefined;
  #writing: Promise<boolean> | undefined;
  #dirty = false;
  #source: (() => CheckpointData) | undefined;
  #closed = false;
  /** Called with the error of a failed write (the store keeps going). */
  onError: (error: unknown) => void = () => {};
  /** Called after each successful write with its size in bytes. */
  onWrite: (bytes: number) => void = () => {};

  private constructor(dir: string, owner: string, heartbeatMs: number, timers: Timers) {
    this.#dir = dir;
    this.#owner = owner;
    this.#timers = timers;
    this.#heartbeatMs = heartbeatMs;
    this.#scheduleHeartbeat();
  }

  #scheduleHeartbeat(): void {
    this.#heartbeat = this.#timers.setTimeout(() => {
      const now = new Date(this.#timers.now());
      utimes(join(this.#dir, LOCK_FILE), now, now).catch(() => {});
      this.#scheduleHeartbeat();
    }, this.#heartbeatMs);
  }

  /**
   * Creates the directory if needed and takes the lock. Fails (never throws) when the directory
   * cannot be written or another live agent holds the lock.
   */
  static async open(
    options: CheckpointStoreOptions,
  ): Promise<{ ok: true; store: CheckpointStore } | { ok: false; reason: string }> {
    const { dir, owner } = options;
    const timers = options.timers ?? realTimers;
    const staleMs = options.staleLockMs ?? 30_000;
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      return { ok: false, reason: `cannot create ${dir}: ${describe(error)}` };
    }
    const lockPath = join(dir, LOCK_FILE);
    const since = new Date(timers.now()).toISOString();
    const content = `${JSON.stringify({ owner, pid: process.pid, since })}\n`;
    try {
      await writeFile(lockPath, content, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        return { ok: false, reason: `cannot write in ${dir}: ${describe(error)}` };
      }
      const holder = await readLock(lockPath);
      const age =
        timers.now() -
        (await stat(lockPath).then(
          (s) => s.mtimeMs,
          () => 0,
        ));
      if (holder !== owner && age < staleMs) {
        return {
          ok: false,
          reason: `${lockPath} is held by ${holder ?? 'another agent'} (heartbeat ${Math.round(age / 1000)} s ago): another agent uses this directory`,
        };
      }
      try {
        await writeFile(lockPath, content, { mode: 0o600 });
      } catch (writeError) {
        return { ok: false, reason: `cannot write in ${dir}: ${describe(writeError)}` };
      }
    }
    return {
      ok: true,
      store: new CheckpointStore(dir, owner, options.heartbeatMs ?? 10_000, timers),
    };
  }

  /** Reads the checkpoint; anything but a complete, verified, current-version file is not used. */
  async load(): Promise<LoadResult> {
    let text: string;
    try {
      text = await readFile(join(this.#dir, CHECKPOINT_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      return { kind: 'corrupt', reason: `unreadable: ${describe(error)}` };
    }
    return parseCheckpoint(text);
  }

  /**
   * Asks for a write of `source()`'s data. Writes never overlap: one requested while another is
   * in progress happens right after it, with the data as it is then. Resolves with whether the
   * last write, which took the data of the latest request, reached the disk (false once closed).
   */
  requestSave(source: () => CheckpointData): Promise<boolean> {
    this.#source = source;
    if (this.#closed) return Promise.resolve(false);
    if (this.#writing) {
      this.#dirty = true;
      return this.#writing;
    }
    this.#writing = this.#writeLoop().finally(() => {
      this.#writing = undefined;
    });
    return this.#writing;
  }

  /** Waits for writes in progress, then releases the lock. */
  async close(): Promise<void> {
    while (this.#writing) await this.#writing;
    this.#closed = true;
    this.#timers.clearTimeout(this.#heartbeat);
    this.#heartbeat = undefined;
    const lockPath = join(this.#dir, LOCK_FILE);
    if ((await readLock(lockPath)) === this.#owner) await unlink(lockPath).catch(() => {});
  }

  async #writeLoop(): Promise<boolean> {
    let written = false;
    do {
      this.#dirty = false;
      const source = this.#source;
      if (!source) return false;
      try {
        const bytes = await writeAtomically(this.#dir, serializeCheckpoint(source()));
        written = true;
        this.onWrite(bytes);
      } catch (error) {
        written = false;
        this.onError(error);
      }
    } while (this.#dirty);
    return written;
  }
}

/** The file's text: a header line with version and sha256 of the body, then the JSON body. */
export function serializeCheckpoint(data: CheckpointData): string {
  const body = JSON.stringify({ version: FORMAT_VERSION, ...data });
  const digest = createHash('sha256').update(body).digest('hex');
  return `${HEADER} v${FORMAT_VERSION} sha256=${digest}\n${body}\n`;
}

function parseCheckpoint(text: string): LoadResult {
  const newline = text.indexOf('\n');
  const header = newline >= 0 ? text.slice(0, newline) : text;
  const match = /^kubelet-span-exporter checkpoint v(\d+) sha256=([0-9a-f]{64})$/.exec(header);
  if (!match) return { kind: 'corrupt', reason: 'no checkpoint header' };
  if (Number(match[1]) !== FORMAT_VERSION) {
    return { kind: 'corrupt', reason: `format version ${match[1]}, expected ${FORMAT_VERSION}` };
  }
  const body = text.slice(newline + 1).replace(/\n$/, '');
  if (createHash('sha256').update(body).digest('hex') !== match[2]) {
    return { kind: 'corrupt', reason: 'checksum mismatch (truncated or modified)' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'corrupt', reason: 'body is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return { kind: 'corrupt', reason: 'body is not an object' };
  }
  const o = parsed as Record<string, unknown>;
  const savedAt = o.savedAt;
  if (
    !Array.isArray(savedAt) ||
    savedAt.length !== 2 ||
    !savedAt.every((x) => Number.isSafeInteger(x)) ||
    typeof o.node !== 'string' ||
    !isTrackerSnapshot(o.tracker) ||
    !Array.isArray(o.pending) ||
    !o.pending.every(isSpanData)
  ) {
    return { kind: 'corrupt', reason: 'unexpected structure' };
  }
  return {
    kind: 'loaded',
    bytes: Buffer.byteLength(text),
    data: {
      savedAt: [savedAt[0], savedAt[1]] as Time,
      node: o.node,
      tracker: o.tracker,
      pending: o.pending,
    },
  };
}

async function writeAtomically(dir: string, text: string): Promise<number> {
  const target = join(dir, CHECKPOINT_FILE);
  const temp = `${target}.tmp`;
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(text, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, target);
  // Make the rename itself durable.
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await directory.close();
  }
  return Buffer.byteLength(text);
}

async function readLock(path: string): Promise<string | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    const owner = (parsed as { owner?: unknown }).owner;
    return typeof owner === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}` : String(error);
}
