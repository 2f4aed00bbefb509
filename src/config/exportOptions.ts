/**
 * Owns the export queue's options: batch size and delay, the bound on pending spans, and the
 * longest back-off between attempts of a batch the collector did not take.
 */
import { choose } from './choose.js';
import {
  type ConfigVariable,
  countVariable,
  durationVariable,
  type NumberVariable,
  range,
} from './configVariable.js';
import type { EnvReader } from './envReader.js';

const BATCH_SIZE_RANGE = [1, 2048] as const;
const SCHEDULE_DELAY_RANGE = [0, 60_000] as const;
const MAX_PENDING_SPANS_RANGE = [1, 1_000_000] as const;
const RETRY_MAX_BACKOFF_RANGE = [100, 300_000] as const;

export const EXPORT_VARIABLES = {
  MAX_PENDING_SPANS: countVariable({
    name: 'MAX_PENDING_SPANS',
    group: 'agent',
    value: 20_000,
    bounds: MAX_PENDING_SPANS_RANGE,
    description: `Bound on spans waiting for export (${MAX_PENDING_SPANS_RANGE[0]}..${MAX_PENDING_SPANS_RANGE[1]}, at least the batch size); beyond it the oldest waiting spans are dropped and counted (one warning). Falls back to OTEL_BSP_MAX_QUEUE_SIZE.`,
  }),
  EXPORT_RETRY_MAX_BACKOFF: durationVariable({
    name: 'EXPORT_RETRY_MAX_BACKOFF',
    group: 'agent',
    value: 30_000,
    bounds: RETRY_MAX_BACKOFF_RANGE,
    description: `Longest wait between two attempts of a batch the collector did not take (unreachable, or a retryable gRPC code); attempts back off exponentially from 1s with full jitter, honouring RetryInfo. A duration from ${range(RETRY_MAX_BACKOFF_RANGE)}.`,
  }),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: countVariable({
    name: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
    group: 'otel',
    value: 512,
    bounds: BATCH_SIZE_RANGE,
    description: `Spans per export request (${BATCH_SIZE_RANGE[0]}..${BATCH_SIZE_RANGE[1]}).`,
  }),
  OTEL_BSP_SCHEDULE_DELAY: countVariable({
    name: 'OTEL_BSP_SCHEDULE_DELAY',
    group: 'otel',
    value: 200,
    bounds: SCHEDULE_DELAY_RANGE,
    description: `How long a partial batch waits before export, integer milliseconds (${SCHEDULE_DELAY_RANGE[0]}..${SCHEDULE_DELAY_RANGE[1]}).`,
  }),
  OTEL_BSP_MAX_QUEUE_SIZE: {
    name: 'OTEL_BSP_MAX_QUEUE_SIZE',
    group: 'otel',
    default: '',
    bounds: MAX_PENDING_SPANS_RANGE,
    description: 'Used as MAX_PENDING_SPANS when that is unset.',
  },
} as const satisfies Record<string, ConfigVariable & Partial<NumberVariable>>;

export interface ExportOptions {
  /** Spans per export request. */
  readonly maxBatchSize: number;
  /** How long a partial batch waits before it is exported, ms. */
  readonly scheduleDelayMs: number;
  /** Bound on spans waiting for export; beyond it the oldest are dropped. */
  readonly maxPendingSpans: number;
  /** Longest wait between two attempts of a batch the collector did not take, ms. */
  readonly retryMaxBackoffMs: number;
}

export function readExportOptions(r: EnvReader): ExportOptions {
  const v = EXPORT_VARIABLES;
  const maxBatchSize = choose(
    r.integer(v.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 'spans'),
    v.OTEL_BSP_MAX_EXPORT_BATCH_SIZE.value,
  );
  const scheduleDelayMs = choose(
    r.integer(v.OTEL_BSP_SCHEDULE_DELAY, 'milliseconds'),
    v.OTEL_BSP_SCHEDULE_DELAY.value,
  );
  const retryMaxBackoffMs = r.duration(v.EXPORT_RETRY_MAX_BACKOFF);
  const pendingOwn = r.integer(v.MAX_PENDING_SPANS, 'spans');
  const pendingOtel = r.integer(v.OTEL_BSP_MAX_QUEUE_SIZE, 'spans');
  const maxPendingSpans = choose(pendingOwn, pendingOtel, v.MAX_PENDING_SPANS.value);
  if (maxPendingSpans < maxBatchSize) {
    const source = pendingOwn !== undefined ? 'MAX_PENDING_SPANS' : 'OTEL_BSP_MAX_QUEUE_SIZE';
    r.errors.push(
      `${source}=${maxPendingSpans} is smaller than the export batch size ${maxBatchSize} (OTEL_BSP_MAX_EXPORT_BATCH_SIZE)`,
    );
  }
  return { maxBatchSize, scheduleDelayMs, maxPendingSpans, retryMaxBackoffMs };
}
