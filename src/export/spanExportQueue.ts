import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SpanData } from '../core/spanData.js';
import { realTimers, type TimerHandle, type Timers } from '../timers.js';

/** The part of an SDK `SpanExporter` the queue uses; `OTLPTraceExporter` is one. */
export interface ExportTarget {
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/** What to do with a batch whose export attempt failed: give it up, or try again after a delay. */
export type RetryDecision = 'drop' | { readonly retryAfterMs: number };

/**
 * Decides about a failed attempt. `attempt` is 1 for the first try. The error is what the exporter
 * reported (for OTLP/gRPC a grpc-js `ServiceError` with `code` and `metadata`, so a policy can honour
 * retryable codes and `RetryInfo`), or an error named `ExportTimeoutError` when it never called back.
 */
export type RetryPolicy = (error: Error, attempt: number) => RetryDecision;

export type BatchOutcome = { readonly ok: true } | { readonly ok: false; readonly error: Error };

export type DropReason = 'queueFull' | 'shutdown';

export interface SpanExportQueueOptions {
  readonly target: ExportTarget;
  /**
   * Converts one batch for the target, in order (see `toReadableSpans`: spans of one pod share a
   * Resource object within the batch).
   */
  readonly convertBatch: (spans: readonly SpanData[]) => ReadableSpan[];
  /** Spans per export call, 1..2048. @default 512 */
  readonly maxBatchSize?: number;
  /**
   * Delay (ms) after the first span is enqueued into an empty queue before a partial batch is
   * sent; a full batch goes at once. @default 200
   */
  readonly scheduleDelayMs?: number;
  /**
   * Bound on spans waiting or in flight; when exceeded the OLDEST spans are dropped and counted, in
   * one `onDrop` call per `enqueue`: first those of a batch waiting in retry backoff (it holds the
   * oldest spans; emptied, it is given up without `onBatchSettled`), then waiting ones. A batch
   * whose export is under way is never dropped. @default 20000
   */
  readonly maxPending?: number;
  /**
   * Time (ms) after which an export whose callback never came counts as failed, so the queue cannot
   * wedge; a late callback is then ignored. @default 30000
   */
  readonly exportTimeoutMs?: number;
  /** What to do with a failed attempt. @default never retry: a failed batch settles as failed */
  readonly retryPolicy?: RetryPolicy;
  /**
   * Called once per settled batch (after any retries) with the SpanData it contained and the
   * outcome. Exceptions it throws are swallowed.
   */
  readonly onBatchSettled?: (batch: readonly SpanData[], outcome: BatchOutcome) => void;
  /**
   * Called when spans are dropped unsent: `queueFull` when `maxPending` is exceeded, `shutdown` for
   * spans enqueued after or left waiting at shutdown. Exceptions it throws are swallowed.
   */
  readonly onDrop?: (count: number, reason: DropReason) => void;
  /** Clock and scheduler. @default realTimers */
  readonly timers?: Timers;
}

/** Counters since construction, in spans unless named `batches…`. */
export interface SpanExportQueueStats {
  readonly enqueued: number;
  readonly exported: number;
  readonly failed: number;
  readonly dropped: number;
  readonly batchesOk: number;
  readonly batchesFailed: number;
}

/** Spans pending when a flush began: acknowledged by the target, or not (failed, dropped, still pending). */
export interface FlushResult {
  readonly delivered: number;
  readonly undelivered: number;
}

/** Largest batch the queue sends; collectors commonly cap requests near this size. */
const MAX_BATCH_SIZE = 2048;

interface Batch {
  /** Shrinks from the front when the bound sheds spans while the batch waits in retry backoff. */
  readonly spans: SpanData[];
  /** Sequence number of the batch's first span (spans are numbered in enqueue order). */
  startSeq: number;
  attempt: number;
}

interface FlushWaiter {
  /** Spans numbered below this were pending when the flush began. */
  readonly mark: number;
  readonly pendingAtStart: number;
  delivered: number;
  readonly resolve: (result: FlushResult) => void;
  timer?: TimerHandle;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer in 1..${max}, got ${value}`);
  }
  return value;
}

/**
 * The agent's batching export queue: spans wait in FIFO order, go out in batches of at most
 * `maxBatchSize`, one export in flight at a time, so order is preserved. Every outcome is caught
 * and reported (never an unhandled rejection); an exporter that never calls back times out.
 * Background timers are `unref()`ed; only the deadline of an awaited `flush`/`shutdown` is not.
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
  #closed = false;
  readonly #flushes = new Set<FlushWaiter>();
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
      this.#drop(spans.length, 'shutdown');
      return;
    }
    const wasEmpty = this.#waitingCount === 0;
    for (const span of spans) this.#waiting.push(span);
    this.#nextSeq += spans.length;
    const excess = this.pending - this.#maxPending;
    if (excess > 0) {
      const shed = this.#shedBackoffBatch(excess);
      const n = Math.min(excess - shed, this.#waitingCount);
      this.#takeWaiting(n);
      this.#drop(shed + n, 'queueFull');
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
    return new Promise<FlushResult>((resolve) => {
      const waiter: FlushWaiter = { mark: this.#nextSeq, pendingAtStart, delivered: 0, resolve };
      this.#flushes.add(waiter);
      // Deliberately kept alive: whoever awaits a flush must get its answer.
      waiter.timer = this.#timers.setTimeout(() => this.#finishFlush(waiter), timeoutMs, {
        keepAlive: true,
      });
      this.#pump();
    });
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
      this.#takeWaiting(left);
      this.#drop(left, 'shutdown');
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

  #drop(count: number, reason: DropReason): void {
    this.#stats.dropped += count;
    try {
      this.#onDrop?.(count, reason);
    } catch {
      // A failing observer must not break the queue.
    }
  }

  /**
   * Removes up to `n` oldest spans of a batch waiting in retry backoff (none while its export is
   * under way) and returns how many; an emptied batch is given up and its retry cancelled.
   */
  #shedBackoffBatch(n: number): number {
    const batch = this.#current;
    if (!batch || this.#retryTimer === undefined) return 0;
    const shed = batch.spans.splice(0, Math.min(n, batch.spans.length)).length;
    batch.startSeq += shed;
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
    if (this.#current || waiting === 0) return;
    const headSeq = this.#nextSeq - waiting;
    let flushing = false;
    for (const w of this.#flushes) flushing ||= w.mark > headSeq;
    if (waiting < this.#maxBatchSize && !this.#due && !flushing) return;
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
      const end = batch.startSeq + n;
      for (const w of this.#flushes) {
        w.delivered += Math.max(0, Math.min(end, w.mark) - batch.startSeq);
      }
    } else {
      this.#stats.failed += n;
      this.#stats.batchesFailed += 1;
    }
    try {
      this.#onBatchSettled?.(batch.spans, outcome);
    } catch {
      // A failing observer must not break the queue.
    }
    this.#checkFlushes();
    this.#schedulePump();
  }

  #checkFlushes(): void {
    if (this.#flushes.size === 0) return;
    const oldestPending = this.#current?.startSeq ?? this.#nextSeq - this.#waitingCount;
    for (const w of this.#flushes) {
      if (oldestPending >= w.mark) this.#finishFlush(w);
    }
  }

  #finishFlush(w: FlushWaiter): void {
    if (!this.#flushes.delete(w)) return;
    this.#timers.clearTimeout(w.timer);
    w.resolve({ delivered: w.delivered, undelivered: w.pendingAtStart - w.delivered });
  }
}
