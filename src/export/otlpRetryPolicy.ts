/**
 * The OTLP retry rules for a failed export batch: which gRPC codes are retryable, `RetryInfo`
 * delays honoured for RESOURCE_EXHAUSTED, full-jitter exponential back-off up to a bound.
 */
import type { RetryPolicy } from './spanExportQueueOptions.js';

/**
 * gRPC status names by code (0..16), as in grpc-js `status`; spelled out here so this module needs
 * no gRPC import.
 */
const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

const RESOURCE_EXHAUSTED = 8;

/** Codes the OTLP/gRPC spec ("Failures") lists as retryable, RESOURCE_EXHAUSTED aside. */
const RETRYABLE_CODES: ReadonlySet<number> = new Set([1, 4, 10, 11, 14, 15]);

/** Node.js socket errors that mean the collector could not be reached (yet). */
const CONNECTION_ERRNOS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
]);

const RETRY_INFO_TYPE = 'google.rpc.RetryInfo';
const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

/** How `classifyExportError` sees one failed export attempt. */
export interface ExportErrorClass {
  /** Whether sending the same batch again may succeed. */
  readonly retryable: boolean;
  /** The gRPC status code (0..16), when the error carries one. */
  readonly code?: number;
  /** The gRPC status name, e.g. `UNAVAILABLE`, when the error carries a code. */
  readonly codeName?: string;
  /** The delay (ms) a `google.rpc.RetryInfo` in `grpc-status-details-bin` asks for. */
  readonly retryDelayMs?: number;
}

export interface OtlpRetryPolicyOptions {
  /** Backoff base before the second attempt (ms). @default 1000 */
  readonly initialBackoffMs?: number;
  /** Longest delay between attempts (ms), RetryInfo delays included. @default 30000 */
  readonly maxBackoffMs?: number;
  /** Growth of the backoff base per attempt, >= 1. @default 2 */
  readonly multiplier?: number;
  /** Jitter source in [0,1). @default Math.random */
  readonly random?: () => number;
  /**
   * Attempts (the first included) before a retryable batch is given up; Infinity = keep trying
   * while the queue bound allows (the queue sheds a batch in backoff when newer spans overflow it).
   * @default Infinity
   */
  readonly maxAttempts?: number;
}

// --- a minimal protobuf reader: only what google.rpc.Status / Any / RetryInfo / Duration need ---

interface Field {
  readonly no: number;
  /** The value of a varint field (wire type 0). */
  readonly varint?: bigint;
  /** The payload of a length-delimited field (wire type 2). */
  readonly bytes?: Uint8Array;
}

/** Splits a message into its fields; undefined when the bytes are not well-formed protobuf. */
function readFields(buf: Uint8Array): Field[] | undefined {
  const fields: Field[] = [];
  let pos = 0;
  const varint = (): bigint | undefined => {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = buf[pos++];
      if (byte === undefined) return undefined;
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, value);
    }
    return undefined;
  };
  while (pos < buf.length) {
    const key = varint();
    if (key === undefined) return undefined;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no === 0) return undefined;
    if (wire === 0) {
      const v = varint();
      if (v === undefined) return undefined;
      fields.push({ no, varint: v });
    } else if (wire === 2) {
      const len = varint();
      if (len === undefined || len > BigInt(buf.length - pos)) return undefined;
      fields.push({ no, bytes: buf.subarray(pos, pos + Number(len)) });
      pos += Number(len);
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      if (pos > buf.length) return undefined;
    } else {
      return undefined;
    }
  }
  return fields;
}

/**
 * The delay (ms) of the first `google.rpc.RetryInfo` in a serialized `google.rpc.Status`
 * (`details` = field 3, each an `Any` of `type_url` 1 and `value` 2; RetryInfo's `retry_delay` = 1,
 * a Duration of `seconds` 1 and `nanos` 2). Undefined when there is none or the bytes are malformed;
 * a negative duration reads as 0.
 */
function retryInfoDelayMs(status: Uint8Array): number | undefined {
  for (const detail of readFields(status) ?? []) {
    if (detail.no !== 3 || !detail.bytes) continue;
    const any = readFields(detail.bytes);
    const typeUrl = any?.find((f) => f.no === 1)?.bytes;
    if (
      !any ||
      !typeUrl ||
      !Buffer.from(typeUrl).toString('utf8').endsWith(`/${RETRY_INFO_TYPE}`)
    ) {
      continue;
    }
    const value = any.find((f) => f.no === 2)?.bytes ?? new Uint8Array();
    const retryInfo = readFields(value);
    if (!retryInfo) return undefined;
    const duration = readFields(retryInfo.find((f) => f.no === 1)?.bytes ?? new Uint8Array());
    if (!duration) return undefined;
    const seconds = BigInt.asIntN(64, duration.find((f) => f.no === 1)?.varint ?? 0n);
    const nanos = BigInt.asIntN(32, duration.find((f) => f.no === 2)?.varint ?? 0n);
    const ms = Number(seconds) * 1000 + Number(nanos) / 1e6;
    return ms > 0 ? ms : 0;
  }
  return undefined;
}

// --- classification ---

interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly metadata?: { get?: (key: string) => unknown };
  readonly cause?: unknown;
}

/** The error itself or, when it carries no gRPC code, the first one in its `cause` chain. */
function withGrpcCode(error: Error): ErrorLike {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code } = current as ErrorLike;
    if (typeof code === 'number' && Number.isInteger(code)) return current as ErrorLike;
    current = (current as ErrorLike).cause;
  }
  return error;
}

function statusDetailsDelayMs(error: ErrorLike): number | undefined {
  let values: unknown;
  try {
    values = error.metadata?.get?.(STATUS_DETAILS_KEY);
  } catch {
    return undefined;
  }
  if (!Array.isArray(values)) return undefined;
  for (const value of values) {
    if (!(value instanceof Uint8Array)) continue;
    const delay = retryInfoDelayMs(value);
    if (delay !== undefined) return delay;
  }
  return undefined;
}

/**
 * Classifies what the OTLP/gRPC exporter reported for a failed export, per the OTLP/gRPC spec
 * ("Failures"): CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE and DATA_LOSS are
 * retryable; RESOURCE_EXHAUSTED only when its `grpc-status-details-bin` carries a
 * `google.rpc.RetryInfo`; every other code is not. An unreachable collector is UNAVAILABLE (grpc-js
 * "No connection established"); a Node socket error (ECONNREFUSED, …) and the queue's
 * `ExportTimeoutError` are retryable too. Anything else without a gRPC code (configuration or
 * serialization errors) is not: sending the same bytes again cannot help.
 *
 * The error is a grpc-js `ServiceError` (`code`, `details`, `metadata`) or one wrapping it in
 * `cause`. A RetryInfo delay is reported for any code that carries one.
 */
export function classifyExportError(error: Error): ExportErrorClass {
  const source = withGrpcCode(error);
  const code = source.code;
  if (typeof code === 'number' && Number.isInteger(code)) {
    const codeName = GRPC_STATUS_NAMES[code];
    const retryDelayMs = statusDetailsDelayMs(source);
    const retryable =
      RETRYABLE_CODES.has(code) || (code === RESOURCE_EXHAUSTED && retryDelayMs !== undefined);
    return {
      retryable,
      code,
      ...(codeName !== undefined ? { codeName } : {}),
      ...(retryDelayMs !== undefined ? { retryDelayMs } : {}),
    };
  }
  if (error.name === 'ExportTimeoutError') return { retryable: true };
  if (typeof code === 'string' && CONNECTION_ERRNOS.has(code)) return { retryable: true };
  return { retryable: false };
}

// --- the policy ---

function checkNumber(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`${name} must be a finite number >= ${min}, got ${value}`);
  }
  return value;
}

/**
 * A `RetryPolicy` for the OTLP/gRPC exporter: retries what `classifyExportError` calls retryable,
 * drops the rest at once.
 *
 * Delay before attempt n+1 (after attempt n failed): full jitter over an exponential base,
 * `random() * min(maxBackoffMs, initialBackoffMs * multiplier^(n-1))`, so agents of many nodes
 * retrying against one recovering collector spread out instead of arriving together. A RetryInfo
 * delay from the collector is a minimum ("wait at least", as google.rpc.RetryInfo says): the delay is
 * `max(retryInfo, jittered backoff)`. Every delay is capped at `maxBackoffMs`, RetryInfo included: a
 * batch in backoff holds the queue's single export slot, so a collector asking for more is simply
 * asked again after `maxBackoffMs` (and answers with a fresh RetryInfo), and a corrupt or huge
 * duration cannot stall the agent.
 */
export function createOtlpRetryPolicy(options: OtlpRetryPolicyOptions = {}): RetryPolicy {
  const initial = checkNumber('initialBackoffMs', options.initialBackoffMs ?? 1000, 0);
  const max = checkNumber('maxBackoffMs', options.maxBackoffMs ?? 30_000, initial);
  const multiplier = checkNumber('multiplier', options.multiplier ?? 2, 1);
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  if (
    !(
      maxAttempts === Number.POSITIVE_INFINITY ||
      (Number.isInteger(maxAttempts) && maxAttempts >= 1)
    )
  ) {
    throw new RangeError(`maxAttempts must be an integer >= 1 or Infinity, got ${maxAttempts}`);
  }
  return (error, attempt) => {
    const verdict = classifyExportError(error);
    if (!verdict.retryable || attempt >= maxAttempts) return 'drop';
    const base = Math.min(max, initial * multiplier ** Math.max(0, attempt - 1));
    const r = random();
    const jitter = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0.5;
    const delay = Math.max(verdict.retryDelayMs ?? 0, jitter * base);
    return { retryAfterMs: Math.min(max, delay) };
  };
}
