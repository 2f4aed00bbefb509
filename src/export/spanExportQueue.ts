/**
 * The agent's batching export queue: spans in FIFO order, one batch in flight, every outcome
 * learnt and reported, retries as the retry policy decides, bounded pending spans with counted drops.
 */
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SpanData } from '../core/spanData.js';
import { realTimers, type TimerHandle, type Timers } from '../timers.js';
import { FlushWaiters } from './flushWaiters.js';
import type {
  BatchOutcome,
  DropReason,
  ExportTarget,
  FlushResult,
  RetryDecision,
  RetryPolicy,
  SpanExportQueueOptions,
  SpanExportQueueStats,
} from './spanExportQueueOptions.js';
import { positiveInteger } from './spanExportQueueOptions.js';

/** Largest batch the queue sends; collectors commonly cap requests near this size. */
const MAX_BATCH_SIZE = 2048;

interface Batch {
  /** Shrinks from the front when the bound sheds spans while the batch waits in retry backoff. */
  readonly spans: SpanData[];
  /** Sequence number of the batch's first span (spans are numbered in enqueue order). */
  startSeq: number;
  attempt: number;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Batches of at most `maxBatchSize`, one in flight, so order is preserved; an exporter that never
 * calls back times out. Timers are unref'd but for the deadline of an awaited flush/shutdown.
 */
export class SpanExportQueue {
  readonly #target: ExportTarget;
  readonly #convertBatch: (spans: readonly SpanData[]) => ReadableSpan[];
  readonly #maxBatchSize: number;
  readonly #scheduleDelayMs: number;
  readonly #maxPending: number;
  readonly #exportTimeoutMs: number;
  readonly #retryPolicy: RetryPolicy;
  readonly #onBatchSettled: SpanExportQueueOptions['onBatchSettled'];
  readonly #onDrop: SpanExportQueueOptions['onDrop'];
  readonly #timers: Timers;

  /** Waiting spans are `#waiting[#head..]`: taking from the front only moves `#head`. */
  #waiting: SpanData[] = [];
  #head = 0;
  /** Sequence number the next enqueued span gets. */
  #nextSeq = 0;
  /** The batch being sent, or waiting in retry back-off for its next attempt; one at a time. */
  #current: Batch | undefined;
  #scheduleTimer: TimerHandle | undefined;
  #retryTimer: TimerHandle | undefined;
  /** The schedule delay elapsed while spans were waiting: send a partial batch when possible. */
  #due = false;
  #pumpScheduled = false;
  /** An `onBatchSettled` promise the next batch waits for. */
  #settling: Promise<unknown> | undefined;
  #closed = false;
  readonly #flushes: FlushWaiters;
  readonly #stats = {
    enqueued: 0,
    exported: 0,
    failed: 0,
    dropped: 0,
    batchesOk: 0,
    batchesFailed: 0,
  };

  constructor(options: SpanExportQueueOptions) {
    this.#target = options.target;
    this.#convertBatch = options.convertBatch;
    this.#maxBatchSize = positiveInteger(
      'maxBatchSize',
      options.maxBatchSize ?? 512,
      MAX_BATCH_SIZE,
    );
    const delay = options.scheduleDelayMs ?? 200;
    if (!Number.isFinite(delay) || delay < 0) {
      throw new RangeError(`scheduleDelayMs must be a finite number >= 0, got ${delay}`);
    }
    this.#scheduleDelayMs = delay;
    this.#maxPending = positiveInteger('maxPending', options.maxPending ?? 20000);
    this.#exportTimeoutMs = positiveInteger('exportTimeoutMs', options.exportTimeoutMs ?? 30000);
    this.#retryPolicy = options.retryPolicy ?? (() => 'drop');
    this.#onBatchSettled = options.onBatchSettled;
    this.#onDrop = options.onDrop;
    this.#timers = options.timers ?? realTimers;
    this.#flushes = new FlushWaiters(this.#timers);
  }

  /** Spans waiting or in flight. */
  get pending(): number {
    return this.#waitingCount + (this.#current?.spans.length ?? 0);
  }

  /**
   * The spans not yet acknowledged, in order: the batch in flight (or in retry back-off), then
   * the waiting ones. The checkpoint stores them so a restart sends them again.
   */
  pendingSpans(): SpanData[] {
    return [...(this.#current?.spans ?? []), ...this.#waiting.slice(this.#head)];
  }

  /** A snapshot of the counters. */
  get stats(): SpanExportQueueStats {
    return { ...this.#stats };
  }

  /** Queues spans for export; never throws. After shutdown they are dropped (`shutdown`). */
  enqueue(spans: readonly SpanData[]): void {
    if (spans.length === 0) return;
    this.#stats.enqueued += spans.length;
    if (this.#closed) {
      this.#drop(spans, 'shutdown');
      return;
    }
    const wasEmpty = this.#waitingCount === 0;
    for (const span of spans) this.#waiting.push(span);
    this.#nextSeq += spans.length;
    const excess = this.pending - this.#maxPending;
    if (excess > 0) {
      const shed = this.#shedBackoffBatch(excess);
      const n = Math.min(excess - shed.length, this.#waitingCount);
      this.#drop([...shed, ...this.#takeWaiting(n)], 'queueFull');
      this.#checkFlushes();
    }
    if (wasEmpty && this.#waitingCount > 0 && this.#scheduleTimer === undefined) {
      this.#scheduleTimer = this.#timers.setTimeout(() => {
        this.#scheduleTimer = undefined;
        this.#due = true;
        this.#pump();
      }, this.#scheduleDelayMs);
    }
    this.#pump();
  }

  /**
   * Sends everything pending now, without waiting for the schedule delay. Resolves when every
   * span pending at the call has settled, or after `timeoutMs`, whichever is first; spans enqueued
   * meanwhile are not waited for. Never rejects.
   */
  flush(timeoutMs: number): Promise<FlushResult> {
    const pendingAtStart = this.pending;
    if (pendingAtStart === 0) return Promise.resolve({ delivered: 0, undelivered: 0 });
    const flushed = this.#flushes.add(this.#nextSeq, pendingAtStart, timeoutMs);
    this.#pump();
    return flushed;
  }

  /**
   * Flushes within `timeoutMs`, then refuses new spans, drops what still waits (`shutdown`), gives
   * up a batch waiting for a retry, and shuts the target down (awaited for what is left of
   * `timeoutMs`; its errors are swallowed). Returns the flush's counts.
   */
  async shutdown(timeoutMs: number): Promise<FlushResult> {
    const deadline = this.#timers.now() + timeoutMs;
    const result = await this.flush(timeoutMs);
    if (this.#closed) return result;
    this.#closed = true;
    this.#timers.clearTimeout(this.#scheduleTimer);
    this.#scheduleTimer = undefined;
    const left = this.#waitingCount;
    if (left > 0) {
      this.#drop(this.#takeWaiting(left), 'shutdown');
    }
    const batch = this.#current;
    if (this.#retryTimer !== undefined && batch) {
      this.#timers.clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      this.#settle(batch, { ok: false, error: new Error('queue shut down during retry backoff') });
    }
    let timer: TimerHandle | undefined;
    try {
      const shutdown = Promise.resolve().then(() => this.#target.shutdown());
      shutdown.catch(() => {});
      await Promise.race([
        shutdown,
        new Promise<void>((resolve) => {
          timer = this.#timers.setTimeout(resolve, deadline - this.#timers.now(), {
            keepAlive: true,
          });
        }),
      ]);
    } catch {
      // A failing exporter shutdown changes nothing about what was delivered.
    } finally {
      this.#timers.clearTimeout(timer);
    }
    return result;
  }

  /**
   * Drops the spans with these keys that are waiting or in a batch waiting in retry back-off (a
   * batch whose export is under way is never dropped), counted as `state_bound` drops: the
   * checkpoint had to let them go to stay within its bound. Returns how many were dropped.
   */
  discard(keys: ReadonlySet<string>): number {
    if (keys.size === 0) return 0;
    const dropped: SpanData[] = [];
    const batch = this.#current;
    if (batch && this.#retryTimer !== undefined) {
      const kept = batch.spans.filter((span) => !keys.has(span.key));
      if (kept.length < batch.spans.length) {
        dropped.push(...batch.spans.filter((span) => keys.has(span.key)));
        batch.spans.splice(0, batch.spans.length, ...kept);
        if (kept.length === 0) {
          this.#timers.clearTimeout(this.#retryTimer);
          this.#retryTimer = undefined;
          this.#current = undefined;
        }
      }
    }
    const waiting = this.#takeWaiting(this.#waitingCount);
    const kept: SpanData[] = [];
    for (const span of waiting) (keys.has(span.key) ? dropped : kept).push(span);
    // What stays waits in its order, with its sequence numbers (flushes count by them).
    this.#waiting = kept;
    this.#head = 0;
    this.#nextSeq -= waiting.length - kept.length;
    if (kept.length > 0) this.#due = true;
    this.#drop(dropped, 'state_bound');
    this.#checkFlushes();
    this.#pump();
    return dropped.length;
  }

  #drop(spans: readonly SpanData[], reason: DropReason): void {
    if (spans.length === 0) return;
    this.#stats.dropped += spans.length;
    try {
      this.#onDrop?.(spans.length, reason, spans);
    } catch {
      // A failing observer must not break the queue.
    }
  }

  /**
   * Removes up to `n` oldest spans of a batch waiting in retry backoff (none while its export is
   * under way) and returns them; an emptied batch is given up and its retry cancelled.
   */
  #shedBackoffBatch(n: number): SpanData[] {
    const batch = this.#current;
    if (!batch || this.#retryTimer === undefined) return [];
    const shed = batch.spans.splice(0, Math.min(n, batch.spans.length));
    batch.startSeq += shed.length;
    if (batch.spans.length === 0) {
      this.#timers.clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      this.#current = undefined;
    }
    return shed;
  }

  get #waitingCount(): number {
    return this.#waiting.length - this.#head;
  }

  /** Removes and returns the `n` oldest waiting spans; disarms the schedule once none wait. */
  #takeWaiting(n: number): SpanData[] {
    const taken = this.#waiting.slice(this.#head, this.#head + n);
    this.#head += taken.length;
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
      this.#timers.clearTimeout(this.#scheduleTimer);
      this.#scheduleTimer = undefined;
      this.#due = false;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
    return taken;
  }

  /** Sends the next batch if nothing is in flight and one is ready. */
  #pump(): void {
    const waiting = this.#waitingCount;
    if (this.#current || this.#settling || waiting === 0) return;
    const headSeq = this.#nextSeq - waiting;
    if (waiting < this.#maxBatchSize && !this.#due && !this.#flushes.waitsFor(headSeq)) return;
    const batch: Batch = {
      spans: this.#takeWaiting(this.#maxBatchSize),
      startSeq: headSeq,
      attempt: 1,
    };
    this.#current = batch;
    this.#attempt(batch);
  }

  /** Runs `#pump` on a later microtask: keeps exporters that call back synchronously off the stack. */
  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #attempt(batch: Batch): void {
    let readable: ReadableSpan[];
    try {
      readable = this.#convertBatch(batch.spans);
    } catch (error) {
      // Conversion is deterministic: retrying cannot help.
      this.#settle(batch, { ok: false, error: toError(error) });
      return;
    }
    let done = false;
    const finish = (result: ExportResult): void => {
      if (done) return;
      done = true;
      this.#timers.clearTimeout(timer);
      this.#onResult(batch, result);
    };
    const timer = this.#timers.setTimeout(() => {
      const error = new Error(
        `export timed out: no callback from the exporter within ${this.#exportTimeoutMs} ms`,
      );
      error.name = 'ExportTimeoutError';
      finish({ code: ExportResultCode.FAILED, error });
    }, this.#exportTimeoutMs);
    try {
      this.#target.export(readable, finish);
    } catch (error) {
      finish({ code: ExportResultCode.FAILED, error: toError(error) });
    }
  }

  #onResult(batch: Batch, result: ExportResult): void {
    if (result.code === ExportResultCode.SUCCESS) {
      this.#settle(batch, { ok: true });
      return;
    }
    const error = result.error ?? new Error('export failed without an error');
    let decision: RetryDecision = 'drop';
    try {
      decision = this.#retryPolicy(error, batch.attempt);
    } catch {
      decision = 'drop';
    }
    if (decision === 'drop' || this.#closed) {
      this.#settle(batch, { ok: false, error });
      return;
    }
    batch.attempt += 1;
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#attempt(batch);
    }, decision.retryAfterMs);
  }

  #settle(batch: Batch, outcome: BatchOutcome): void {
    if (this.#current !== batch) return;
    this.#current = undefined;
    const n = batch.spans.length;
    if (outcome.ok) {
      this.#stats.exported += n;
      this.#stats.batchesOk += 1;
      this.#flushes.credit(batch.startSeq, n);
    } else {
      this.#stats.failed += n;
      this.#stats.batchesFailed += 1;
    }
    let settling: unknown;
    try {
      settling = this.#onBatchSettled?.(batch.spans, outcome);
    } catch {
      // A failing observer must not break the queue.
    }
    this.#checkFlushes();
    if (settling instanceof Promise) {
      const gate = settling.then(
        () => {},
        () => {},
      );
      this.#settling = gate;
      void gate.then(() => {
        if (this.#settling === gate) this.#settling = undefined;
        this.#schedulePump();
      });
      return;
    }
    this.#schedulePump();
  }

  #checkFlushes(): void {
    this.#flushes.settled(this.#current?.startSeq ?? this.#nextSeq - this.#waitingCount);
  }
}
