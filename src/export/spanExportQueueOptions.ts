/**
 * The contract of the span export queue: its options (with defaults documented), the target it
 * sends to, the retry decision it asks for, batch outcomes, drop reasons and its statistics.
 */
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SpanData } from '../core/spanData.js';
import type { Timers } from '../timers.js';

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

/**
 * Why spans were dropped unsent: the queue's bound, shutdown, or the checkpoint's bound
 * (`state_bound`, see {@link SpanExportQueue.discard}).
 */
export type DropReason = 'queueFull' | 'shutdown' | 'state_bound';

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
   * outcome. When it returns a promise, the next batch is sent only once it settles (the
   * checkpoint records the outcome first, so a crash re-sends at most one acknowledged batch).
   * Exceptions it throws and rejections are swallowed.
   */
  readonly onBatchSettled?: (batch: readonly SpanData[], outcome: BatchOutcome) => unknown;
  /**
   * Called when spans are dropped unsent: `queueFull` when `maxPending` is exceeded, `shutdown` for
   * spans enqueued after or left waiting at shutdown, `state_bound` for `discard`. `spans` are the
   * spans dropped (`count` of them). Exceptions it throws are swallowed.
   */
  readonly onDrop?: (count: number, reason: DropReason, spans: readonly SpanData[]) => void;
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

/** An option that must be a whole number in `1..max`, or a RangeError naming it. */
export function positiveInteger(
  name: string,
  value: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer in 1..${max}, got ${value}`);
  }
  return value;
}
