import * as grpc from '@grpc/grpc-js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import test from 'ava';
import fc from 'fast-check';
import {
  encodeRetryStatus,
  type OtlpReceiver,
  type ReceiverAnswer,
  startOtlpReceiver,
} from '../../sim/otlpReceiver.js';
import type { SpanData } from '../../src/core/spanData.js';
import { createOtlpExporter } from '../../src/export/createOtlpExporter.js';
import {
  classifyExportError,
  createOtlpRetryPolicy,
  type OtlpRetryPolicyOptions,
} from '../../src/export/otlpRetryPolicy.js';
import { SpanExportQueue } from '../../src/export/spanExportQueue.js';
import type {
  BatchOutcome,
  DropReason,
  ExportTarget,
  RetryDecision,
  RetryPolicy,
} from '../../src/export/spanExportQueueOptions.js';
import { toReadableSpans } from '../../src/export/toReadableSpan.js';

// --- helpers ---

const NAMES = [
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
];
const RETRYABLE = [1, 4, 10, 11, 14, 15];
const NON_RETRYABLE = [2, 3, 5, 6, 7, 8, 9, 12, 13, 16];

/** An error shaped as grpc-js reports a failed call (`ServiceError`). */
function serviceError(code: number, statusDetails?: Buffer): Error {
  const metadata = new grpc.Metadata();
  if (statusDetails) metadata.set('grpc-status-details-bin', statusDetails);
  return Object.assign(new Error(`${code} ${NAMES[code] ?? '?'}: details`), {
    code,
    details: 'details',
    metadata,
  });
}

const retryInfo = (code: number, ms: number): Buffer => encodeRetryStatus(code, 'slow down', ms);

const agent = resourceFromAttributes({ 'service.name': 'retry-test' });
const convertBatch = (batch: readonly SpanData[]): ReadableSpan[] =>
  toReadableSpans(batch, agent, { name: 'retry-test' });

/** Span `i` of a run: unique span id, name `tag-i`. */
function span(tag: string, i: number): SpanData {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: (i + 1).toString(16).padStart(16, '0'),
    parentSpanId: '00f067aa0ba902b7',
    parentIsRemote: true,
    name: `${tag}-${i}`,
    start: [1_700_000_000, i],
    end: [1_700_000_001, i],
    attributes: {},
    events: [],
    status: { code: 'unset' },
    resource: {},
    subject: { podUid: 'uid', role: 'container', name: tag, run: String(i) },
    key: `${tag}/${i}`,
    podUid: 'uid',
  };
}
const range = (tag: string, from: number, to: number): SpanData[] =>
  Array.from({ length: to - from }, (_, k) => span(tag, from + k));

/** Polls (ref'd timer) until `condition` holds, then runs `then` in the same tick; 20 s at most. */
async function when(condition: () => boolean, then: () => void = () => {}): Promise<void> {
  for (let i = 0; i < 4000; i++) {
    if (condition()) {
      then();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('condition never held');
}

/** A port nothing listens on any more: a receiver is started there, then closed. */
async function deadPort(): Promise<number> {
  const rx = await startOtlpReceiver();
  await rx.close();
  return rx.port;
}

const receivers: OtlpReceiver[] = [];
const queues: SpanExportQueue[] = [];
const rawServers: grpc.Server[] = [];

test.after.always(async () => {
  await Promise.all(queues.map((q) => q.shutdown(500)));
  await Promise.all(receivers.map((r) => r.close()));
  for (const server of rawServers) server.forceShutdown();
});

/**
 * A bare TraceService on 127.0.0.1 that keeps each request's raw bytes and never answers the first
 * `stall` calls (the client's deadline expires), then answers OK.
 */
async function stallingCollector(stall: number): Promise<{ url: string; requests: Buffer[] }> {
  const identity = (b: Buffer): Buffer => b;
  const service: grpc.ServiceDefinition = {
    Export: {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
  const requests: Buffer[] = [];
  const server = new grpc.Server();
  rawServers.push(server);
  server.addService(service, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      requests.push(call.request);
      if (requests.length > stall) cb(null, Buffer.alloc(0));
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  return { url: `http://127.0.0.1:${port}`, requests };
}

async function receiver(port?: number): Promise<OtlpReceiver> {
  const rx = await startOtlpReceiver(port === undefined ? {} : { port });
  receivers.push(rx);
  return rx;
}

interface Decision {
  readonly code: number | undefined;
  readonly attempt: number;
  readonly decision: RetryDecision;
}

/** Real exporter + queue + policy, instrumented: policy decisions, export calls, drops, outcomes. */
function pipeline(
  url: string,
  options: { policy?: OtlpRetryPolicyOptions; maxPending?: number; timeoutMillis?: number } = {},
) {
  const exporter = createOtlpExporter({ url, timeoutMillis: options.timeoutMillis ?? 2000 });
  const probe = { calls: 0, onWire: 0 };
  const target: ExportTarget = {
    export(spans, cb) {
      probe.calls += 1;
      probe.onWire += 1;
      exporter.export(spans, (result) => {
        probe.onWire -= 1;
        cb(result);
      });
    },
    shutdown: () => exporter.shutdown(),
  };
  const policy = createOtlpRetryPolicy({
    initialBackoffMs: 20,
    maxBackoffMs: 200,
    ...options.policy,
  });
  const decisions: Decision[] = [];
  const retryPolicy: RetryPolicy = (error, attempt) => {
    const decision = policy(error, attempt);
    decisions.push({ code: classifyExportError(error).code, attempt, decision });
    return decision;
  };
  const drops: [number, DropReason][] = [];
  const settled: { size: number; outcome: BatchOutcome }[] = [];
  const queue = new SpanExportQueue({
    target,
    convertBatch,
    retryPolicy,
    maxBatchSize: 5,
    scheduleDelayMs: 10,
    maxPending: options.maxPending ?? 10_000,
    onDrop: (count, reason) => drops.push([count, reason]),
    onBatchSettled: (batch, outcome) => settled.push({ size: batch.length, outcome }),
  });
  queues.push(queue);
  const retries = (): number => decisions.filter((d) => d.decision !== 'drop').length;
  /** The batch in flight waits in retry backoff (no export under way). */
  const inBackoff = (): boolean =>
    probe.onWire === 0 &&
    decisions.length > 0 &&
    decisions.at(-1)?.decision !== 'drop' &&
    settled.length === 0;
  return { queue, probe, decisions, drops, settled, retries, inBackoff };
}

/** Spans expected / delivered / duplicated / dropped, for the log and the report. */
function figures(rx: OtlpReceiver, expected: readonly SpanData[], dropped: number) {
  const ids = rx.spans.map((s) => s.spanId);
  return {
    expected: expected.length,
    delivered: new Set(ids).size,
    duplicated: ids.length - new Set(ids).size,
    dropped,
  };
}

// --- classification ---

test('every gRPC code is classified as the OTLP spec says', (t) => {
  for (let code = 0; code <= 16; code++) {
    t.deepEqual(
      classifyExportError(serviceError(code)),
      { retryable: RETRYABLE.includes(code), code, codeName: NAMES[code] },
      NAMES[code],
    );
  }
});

test('with RetryInfo, RESOURCE_EXHAUSTED becomes retryable; other codes keep their class', (t) => {
  for (let code = 1; code <= 16; code++) {
    t.deepEqual(
      classifyExportError(serviceError(code, retryInfo(code, 1500))),
      {
        retryable: RETRYABLE.includes(code) || code === 8,
        code,
        codeName: NAMES[code],
        retryDelayMs: 1500,
      },
      NAMES[code],
    );
  }
});

test('RetryInfo durations decode exactly, seconds and nanos', (t) => {
  for (const ms of [0, 1, 2.5, 250, 999.999999, 1000, 1500, 61_000, 86_400_000]) {
    t.is(classifyExportError(serviceError(8, retryInfo(8, ms))).retryDelayMs, ms, `${ms} ms`);
  }
});

test('status details without a well-formed RetryInfo carry no delay', (t) => {
  const good = retryInfo(8, 1500);
  const otherType = Buffer.from(
    good.toString('latin1').replace('google.rpc.RetryInfo', 'google.rpc.DebugInfo'),
    'latin1',
  );
  const cases: [string, Buffer][] = [
    ['another detail type', otherType],
    ['truncated', good.subarray(0, good.length - 3)],
    ['not protobuf', Buffer.from([0xff, 0xff, 0xff])],
    ['unknown wire type', Buffer.from([0x0b, 0x01])],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [label, bytes] of cases) {
    t.deepEqual(
      classifyExportError(serviceError(8, bytes)),
      { retryable: false, code: 8, codeName: 'RESOURCE_EXHAUSTED' },
      label,
    );
  }
  // A RetryInfo after other details (and unknown fields) is still found.
  const debugAny = otherType.subarray(otherType.indexOf(0x1a));
  const withPrefix = Buffer.concat([Buffer.from([0x25, 1, 2, 3, 4]), debugAny, good]);
  t.is(classifyExportError(serviceError(8, withPrefix)).retryDelayMs, 1500);
});

test('errors without a gRPC code: timeouts and socket errors retry, the rest drops', (t) => {
  const timeout = Object.assign(new Error('export timed out'), { name: 'ExportTimeoutError' });
  t.deepEqual(classifyExportError(timeout), { retryable: true });
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  t.deepEqual(classifyExportError(refused), { retryable: true });
  t.deepEqual(classifyExportError(new Error('Concurrent export limit reached')), {
    retryable: false,
  });
  t.deepEqual(classifyExportError(Object.assign(new Error('x'), { code: 'EACCES' })), {
    retryable: false,
  });
  t.deepEqual(classifyExportError(serviceError(17)), { retryable: false, code: 17 });
});

test('a ServiceError wrapped in `cause` is classified by its code', (t) => {
  const wrapped = new Error('export failed', { cause: serviceError(8, retryInfo(8, 300)) });
  t.deepEqual(classifyExportError(wrapped), {
    retryable: true,
    code: 8,
    codeName: 'RESOURCE_EXHAUSTED',
    retryDelayMs: 300,
  });
  t.like(classifyExportError(new Error('x', { cause: serviceError(3) })), {
    retryable: false,
    code: 3,
  });
});

// --- backoff ---

const delayOf = (d: RetryDecision): number => (d === 'drop' ? -1 : d.retryAfterMs);

test('backoff grows by the multiplier up to the cap; full jitter scales it', (t) => {
  const unavailable = serviceError(14);
  const half = createOtlpRetryPolicy({
    initialBackoffMs: 100,
    maxBackoffMs: 1000,
    random: () => 0.5,
  });
  t.deepEqual(
    [1, 2, 3, 4, 5, 6, 50].map((n) => delayOf(half(unavailable, n))),
    [50, 100, 200, 400, 500, 500, 500],
  );
  const triple = createOtlpRetryPolicy({ initialBackoffMs: 10, multiplier: 3, random: () => 0.5 });
  t.deepEqual(
    [1, 2, 3].map((n) => delayOf(triple(unavailable, n))),
    [5, 15, 45],
  );
  const zero = createOtlpRetryPolicy({ random: () => 0 });
  t.is(delayOf(zero(unavailable, 3)), 0);
  const defaults = createOtlpRetryPolicy({ random: () => 0.999 });
  t.deepEqual(
    [1, 2, 6, 7].map((n) => delayOf(defaults(unavailable, n))),
    [999, 1998, 29_970, 29_970],
  );
  // A broken jitter source cannot produce a negative or unbounded delay.
  const wild = createOtlpRetryPolicy({ initialBackoffMs: 100, random: () => Number.NaN });
  t.is(delayOf(wild(unavailable, 1)), 50);
  const big = createOtlpRetryPolicy({ initialBackoffMs: 100, random: () => 7 });
  t.is(delayOf(big(unavailable, 1)), 100);
});

test('jittered delays stay within [0, min(max, initial * multiplier^(n-1))]', (t) => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 1, max: 5000 }),
      fc.integer({ min: 0, max: 100_000 }),
      fc.double({ min: 1, max: 5, noNaN: true }),
      (r, attempt, initial, extra, multiplier) => {
        const max = initial + extra;
        const policy = createOtlpRetryPolicy({
          initialBackoffMs: initial,
          maxBackoffMs: max,
          multiplier,
          random: () => r,
        });
        const delay = delayOf(policy(serviceError(14), attempt));
        const base = Math.min(max, initial * multiplier ** (attempt - 1));
        return delay >= 0 && delay <= base && Math.abs(delay - r * base) < 1e-6 * base + 1e-9;
      },
    ),
  );
  t.pass();
});

test('a RetryInfo delay is a floor over the jittered backoff, capped at maxBackoffMs', (t) => {
  const policy = createOtlpRetryPolicy({
    initialBackoffMs: 100,
    maxBackoffMs: 1000,
    random: () => 0.5,
  });
  t.is(delayOf(policy(serviceError(8, retryInfo(8, 700)), 1)), 700);
  t.is(delayOf(policy(serviceError(14, retryInfo(14, 300)), 1)), 300);
  t.is(delayOf(policy(serviceError(8, retryInfo(8, 10)), 4)), 400);
  t.is(delayOf(policy(serviceError(8, retryInfo(8, 3_600_000)), 1)), 1000);
  t.is(policy(serviceError(3, retryInfo(3, 700)), 1), 'drop');
});

test('non-retryable errors drop at once; retryable ones drop after maxAttempts', (t) => {
  const policy = createOtlpRetryPolicy({ maxAttempts: 3, random: () => 0.5 });
  for (const code of NON_RETRYABLE) t.is(policy(serviceError(code), 1), 'drop', NAMES[code]);
  t.is(policy(new Error('Nothing to send'), 1), 'drop');
  for (const code of RETRYABLE) {
    t.not(policy(serviceError(code), 2), 'drop', NAMES[code]);
    t.is(policy(serviceError(code), 3), 'drop', NAMES[code]);
  }
  const forever = createOtlpRetryPolicy({ random: () => 0.5 });
  t.not(forever(serviceError(14), 1_000_000), 'drop');
  t.is(createOtlpRetryPolicy({ maxAttempts: 1 })(serviceError(14), 1), 'drop');
});

test('options are validated', (t) => {
  t.throws(() => createOtlpRetryPolicy({ initialBackoffMs: -1 }), { instanceOf: RangeError });
  t.throws(() => createOtlpRetryPolicy({ initialBackoffMs: Number.NaN }), {
    instanceOf: RangeError,
  });
  t.throws(() => createOtlpRetryPolicy({ initialBackoffMs: 500, maxBackoffMs: 100 }), {
    instanceOf: RangeError,
  });
  t.throws(() => createOtlpRetryPolicy({ maxBackoffMs: Number.POSITIVE_INFINITY }), {
    instanceOf: RangeError,
  });
  t.throws(() => createOtlpRetryPolicy({ multiplier: 0.5 }), { instanceOf: RangeError });
  t.throws(() => createOtlpRetryPolicy({ maxAttempts: 0 }), { instanceOf: RangeError });
  t.throws(() => createOtlpRetryPolicy({ maxAttempts: 2.5 }), { instanceOf: RangeError });
  t.notThrows(() =>
    createOtlpRetryPolicy({ initialBackoffMs: 0, maxBackoffMs: 0, maxAttempts: 1 }),
  );
});

// --- with the real exporter, queue and receiver ---

test('collector down for many retry periods, then back on the same port: all delivered once', async (t) => {
  const port = await deadPort();
  const p = pipeline(`http://127.0.0.1:${port}`);
  const expected = range('down', 0, 23);
  p.queue.enqueue(expected.slice(0, 8));
  await when(() => p.retries() >= 2);
  p.queue.enqueue(expected.slice(8));
  await when(() => p.retries() >= 8);
  t.true(p.decisions.every((d) => d.code === grpc.status.UNAVAILABLE));
  const rx = await receiver(port);
  t.deepEqual(await p.queue.flush(30_000), { delivered: 23, undelivered: 0 });
  const got = figures(rx, expected, p.queue.stats.dropped);
  t.log(got);
  t.deepEqual(got, { expected: 23, delivered: 23, duplicated: 0, dropped: 0 });
  t.deepEqual(
    rx.spans.map((s) => s.name),
    expected.map((s) => s.name),
  );
  t.like(p.queue.stats, { enqueued: 23, exported: 23, failed: 0, dropped: 0, batchesFailed: 0 });
  t.is(rx.requests, 5);
  t.true(p.probe.calls >= 5 + 8);
  t.true(p.settled.every((s) => s.outcome.ok));
});

/** Rejects each distinct batch (keyed by its first span) `times` times with `answer`, then accepts. */
function rejectEachBatch(times: number, answer: ReceiverAnswer) {
  const seen = new Map<string, number>();
  return ({ spans }: { spans: { spanId: string }[] }): ReceiverAnswer | undefined => {
    const key = spans[0]?.spanId ?? '';
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return n < times ? answer : undefined;
  };
}

for (const code of RETRYABLE) {
  test(`${NAMES[code]} twice per batch, then OK: everything delivered exactly once`, async (t) => {
    const rx = await receiver();
    rx.setResponder(rejectEachBatch(2, { code, details: 'try again' }));
    const p = pipeline(rx.url);
    const expected = range(NAMES[code] ?? '', 0, 12);
    p.queue.enqueue(expected);
    t.deepEqual(await p.queue.flush(30_000), { delivered: 12, undelivered: 0 });
    const got = figures(rx, expected, p.queue.stats.dropped);
    t.log(got);
    t.deepEqual(got, { expected: 12, delivered: 12, duplicated: 0, dropped: 0 });
    t.is(rx.requests, 3 * 3);
    t.deepEqual(
      p.decisions.map((d) => [d.code, d.attempt, d.decision !== 'drop']),
      [1, 2, 3].flatMap(() => [
        [code, 1, true],
        [code, 2, true],
      ]),
    );
    t.like(p.queue.stats, { exported: 12, failed: 0, dropped: 0, batchesOk: 3, batchesFailed: 0 });
  });
}

for (const code of NON_RETRYABLE) {
  test(`${NAMES[code]} (no RetryInfo): dropped after one attempt, counted failed`, async (t) => {
    const rx = await receiver();
    rx.setResponder(() => ({ code, details: 'no' }));
    const p = pipeline(rx.url);
    const expected = range(NAMES[code] ?? '', 0, 3);
    p.queue.enqueue(expected);
    t.deepEqual(await p.queue.flush(30_000), { delivered: 0, undelivered: 3 });
    t.is(rx.requests, 1);
    t.is(p.probe.calls, 1);
    t.deepEqual(p.decisions, [{ code, attempt: 1, decision: 'drop' }]);
    t.like(p.queue.stats, { exported: 0, failed: 3, dropped: 0, batchesFailed: 1 });
    const outcome = p.settled[0]?.outcome;
    t.is(outcome?.ok === false ? (outcome.error as grpc.ServiceError).code : -1, code);
    t.deepEqual(rx.spans, []);
  });
}

test('RESOURCE_EXHAUSTED with RetryInfo: retried after the delay asked for, delivered once', async (t) => {
  const rx = await receiver();
  rx.setResponder(
    rejectEachBatch(2, { code: grpc.status.RESOURCE_EXHAUSTED, details: 'busy', retryDelayMs: 30 }),
  );
  const p = pipeline(rx.url, { policy: { random: () => 0 } });
  const expected = range('throttled', 0, 10);
  p.queue.enqueue(expected);
  t.deepEqual(await p.queue.flush(30_000), { delivered: 10, undelivered: 0 });
  const got = figures(rx, expected, p.queue.stats.dropped);
  t.log(got);
  t.deepEqual(got, { expected: 10, delivered: 10, duplicated: 0, dropped: 0 });
  t.is(rx.requests, 2 * 3);
  // random 0 makes the jittered backoff 0: each delay is the collector's RetryInfo.
  t.deepEqual(
    p.decisions.map((d) => [d.code, d.decision]),
    Array.from({ length: 4 }, () => [8, { retryAfterMs: 30 }]),
  );
  t.like(p.queue.stats, { exported: 10, failed: 0, batchesFailed: 0 });
});

test('a collector slower than the deadline: DEADLINE_EXCEEDED, resent byte for byte', async (t) => {
  const collector = await stallingCollector(2);
  const p = pipeline(collector.url, { timeoutMillis: 300 });
  p.queue.enqueue(range('slow', 0, 4));
  t.deepEqual(await p.queue.flush(30_000), { delivered: 4, undelivered: 0 });
  // The two stalled calls time out; so may, on a loaded machine, the answered one: then it is sent
  // once more. Either way every failed attempt was a retried DEADLINE_EXCEEDED.
  t.true(p.decisions.length >= 2);
  t.deepEqual(
    p.decisions.map((d) => [d.code, d.attempt, d.decision !== 'drop']),
    p.decisions.map((_, i) => [grpc.status.DEADLINE_EXCEEDED, i + 1, true]),
  );
  // At-least-once: a collector that kept a timed-out request gets the very same spans again
  // (same ids), so a duplicate is identical and can be told apart by span id.
  t.true(collector.requests.length >= 3);
  t.true(collector.requests.length <= p.decisions.length + 1);
  t.true(collector.requests.every((r) => r.equals(collector.requests[0] ?? Buffer.alloc(1))));
  t.like(p.queue.stats, { exported: 4, failed: 0, batchesOk: 1, batchesFailed: 0 });
});

test('bound hit while the collector is down: oldest dropped and counted once, newest delivered', async (t) => {
  const port = await deadPort();
  const p = pipeline(`http://127.0.0.1:${port}`, {
    maxPending: 10,
    policy: { random: () => 0.99 },
  });
  const all = range('bound', 0, 22);
  // Each enqueue happens while the batch in flight waits in retry backoff.
  const steps = [5, 5, 3, 3, 3, 3];
  let at = 0;
  for (const n of steps) {
    const batch = all.slice(at, at + n);
    at += n;
    if (at === 5) p.queue.enqueue(batch);
    else await when(p.inBackoff, () => p.queue.enqueue(batch));
  }
  await when(p.inBackoff);
  t.is(p.queue.pending, 10);
  t.deepEqual(p.drops, [
    [3, 'queueFull'],
    [3, 'queueFull'],
    [3, 'queueFull'],
    [3, 'queueFull'],
  ]);
  const rx = await receiver(port);
  t.deepEqual(await p.queue.flush(30_000), { delivered: 10, undelivered: 0 });
  const newest = all.slice(12);
  const got = figures(rx, all, p.queue.stats.dropped);
  t.log(got);
  t.deepEqual(got, { expected: 22, delivered: 10, duplicated: 0, dropped: 12 });
  t.deepEqual(
    rx.spans.map((s) => s.name),
    newest.map((s) => s.name),
  );
  t.like(p.queue.stats, { enqueued: 22, exported: 10, failed: 0, dropped: 12, batchesFailed: 0 });
  // Shed batches were reported as drops only, never also as failed batches.
  t.true(p.settled.every((s) => s.outcome.ok));
});

test('shutdown does not wait for a collector that stays down', async (t) => {
  const port = await deadPort();
  const p = pipeline(`http://127.0.0.1:${port}`);
  p.queue.enqueue(range('shutdown', 0, 7));
  await when(() => p.retries() >= 2);
  t.deepEqual(await p.queue.shutdown(300), { delivered: 0, undelivered: 7 });
  // The batch in flight is given up (failed); the spans still waiting are dropped (shutdown).
  await when(() => p.settled.length === 1);
  t.like(p.queue.stats, { exported: 0, failed: 5, dropped: 2, batchesFailed: 1 });
  t.deepEqual(p.drops, [[2, 'shutdown']]);
  t.is(p.queue.pending, 0);
});
