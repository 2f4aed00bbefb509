import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import test from 'ava';
import type { SpanData } from '../../src/core/spanData.js';
import { SpanExportQueue } from '../../src/export/spanExportQueue.js';
import type {
  BatchOutcome,
  DropReason,
  ExportTarget,
  RetryPolicy,
  SpanExportQueueOptions,
} from '../../src/export/spanExportQueueOptions.js';
import { toReadableSpans } from '../../src/export/toReadableSpan.js';
import { FakeTimers, settle } from '../support/fakeTimers.js';

const agent = resourceFromAttributes({ 'service.name': 'queue-test' });
const scope = { name: 'queue-test' };
const convertBatch = (batch: readonly SpanData[]): ReadableSpan[] =>
  toReadableSpans(batch, agent, scope);

function span(name: string): SpanData {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '00f067aa0ba902b7',
    parentIsRemote: false,
    name,
    start: [1_700_000_000, 1],
    end: [1_700_000_001, 2],
    attributes: {},
    events: [],
    status: { code: 'unset' },
    resource: {},
    subject: { podUid: 'uid', role: 'container', name, run: '' },
    key: `k/${name}`,
    podUid: 'uid',
  };
}
const spans = (...names: string[]): SpanData[] => names.map(span);

type Mode = 'ok' | 'manual' | 'fail' | 'throw' | 'never';

/** A fake exporter that records each call and answers as its mode says. */
class FakeTarget implements ExportTarget {
  mode: Mode;
  readonly calls: string[][] = [];
  readonly callbacks: ((r: ExportResult) => void)[] = [];
  inFlight = 0;
  maxInFlight = 0;
  shutdowns = 0;
  shutdownBehaviour: 'ok' | 'reject' | 'hang' = 'ok';
  constructor(mode: Mode) {
    this.mode = mode;
  }
  export(batch: ReadableSpan[], cb: (r: ExportResult) => void): void {
    this.calls.push(batch.map((s) => s.name));
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const done = (r: ExportResult): void => {
      this.inFlight -= 1;
      cb(r);
    };
    switch (this.mode) {
      case 'ok':
        done({ code: ExportResultCode.SUCCESS });
        return;
      case 'fail':
        done({ code: ExportResultCode.FAILED, error: new Error('collector said no') });
        return;
      case 'throw':
        this.inFlight -= 1;
        throw new Error('exporter exploded');
      case 'manual':
      case 'never':
        this.callbacks.push(done);
        return;
    }
  }
  /** Answers the oldest unanswered manual call. */
  answer(r: ExportResult = { code: ExportResultCode.SUCCESS }): void {
    const cb = this.callbacks.shift();
    if (!cb) throw new Error('no export waiting for an answer');
    cb(r);
  }
  shutdown(): Promise<void> {
    this.shutdowns += 1;
    if (this.shutdownBehaviour === 'reject') return Promise.reject(new Error('shutdown failed'));
    if (this.shutdownBehaviour === 'hang') return new Promise(() => {});
    return Promise.resolve();
  }
}

interface Harness {
  queue: SpanExportQueue;
  timers: FakeTimers;
  target: FakeTarget;
  settled: { names: string[]; outcome: BatchOutcome }[];
  drops: [number, DropReason][];
}

function harness(mode: Mode, options: Partial<SpanExportQueueOptions> = {}): Harness {
  const target = new FakeTarget(mode);
  const settled: Harness['settled'] = [];
  const drops: Harness['drops'] = [];
  const timers = new FakeTimers();
  const queue = new SpanExportQueue({
    target,
    convertBatch,
    timers,
    scheduleDelayMs: 60_000,
    onBatchSettled: (batch, outcome) => settled.push({ names: batch.map((s) => s.name), outcome }),
    onDrop: (count, reason) => drops.push([count, reason]),
    ...options,
  });
  return { queue, timers, target, settled, drops };
}

test('a full batch is sent at once, without waiting for the delay', (t) => {
  const { queue, target } = harness('ok', { maxBatchSize: 3 });
  queue.enqueue(spans('a', 'b'));
  t.deepEqual(target.calls, []);
  queue.enqueue(spans('c', 'd'));
  t.deepEqual(target.calls, [['a', 'b', 'c']]);
  t.is(queue.pending, 1);
});

test('a partial batch is sent after the schedule delay', async (t) => {
  const { queue, timers, target, settled } = harness('ok', {
    maxBatchSize: 10,
    scheduleDelayMs: 20,
  });
  queue.enqueue(spans('a', 'b'));
  t.deepEqual(target.calls, []);
  t.is(queue.pending, 2);
  await timers.advance(19);
  t.deepEqual(target.calls, [], 'not before the delay');
  await timers.advance(1);
  t.is(settled.length, 1);
  t.deepEqual(target.calls, [['a', 'b']]);
  t.is(queue.pending, 0);
  t.deepEqual(queue.stats, {
    enqueued: 2,
    exported: 2,
    failed: 0,
    dropped: 0,
    batchesOk: 1,
    batchesFailed: 0,
  });
});

test('one export in flight at a time, in enqueue order', async (t) => {
  const { queue, target, settled } = harness('manual', { maxBatchSize: 2 });
  queue.enqueue(spans('a', 'b', 'c', 'd', 'e'));
  t.deepEqual(target.calls, [['a', 'b']]);
  queue.enqueue(spans('f'));
  t.deepEqual(target.calls, [['a', 'b']]);
  target.answer();
  await settle();
  t.is(target.calls.length, 2);
  t.deepEqual(target.calls[1], ['c', 'd']);
  target.answer();
  await settle();
  t.is(target.calls.length, 3);
  t.deepEqual(target.calls[2], ['e', 'f']);
  target.answer();
  await settle();
  t.is(settled.length, 3);
  t.is(target.maxInFlight, 1);
  t.deepEqual(
    settled.map((s) => s.names),
    [
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ],
  );
  t.true(settled.every((s) => s.outcome.ok));
});

test('beyond maxPending the oldest waiting spans are dropped and counted', async (t) => {
  const { queue, target, drops, settled } = harness('manual', { maxBatchSize: 2, maxPending: 5 });
  queue.enqueue(spans('a', 'b'));
  t.deepEqual(target.calls, [['a', 'b']]);
  queue.enqueue(spans('c', 'd', 'e', 'f', 'g'));
  t.deepEqual(drops, [[2, 'queueFull']]);
  t.is(queue.pending, 5);
  queue.enqueue(spans('h', 'i', 'j', 'k', 'l', 'm', 'n'));
  // 2 in flight + 10 waiting: only the 3 newest may wait.
  t.deepEqual(drops, [
    [2, 'queueFull'],
    [7, 'queueFull'],
  ]);
  t.is(queue.pending, 5);
  t.is(queue.stats.dropped, 9);
  t.is(queue.stats.enqueued, 14);
  target.answer();
  await settle();
  t.is(target.calls.length, 2);
  t.deepEqual(target.calls[1], ['l', 'm']);
  const flushed = queue.flush(5000);
  target.answer();
  await settle();
  t.is(target.calls.length, 3);
  t.deepEqual(target.calls[2], ['n']);
  target.answer();
  t.deepEqual(await flushed, { delivered: 3, undelivered: 0 });
  t.deepEqual(
    settled.flatMap((s) => s.names),
    ['a', 'b', 'l', 'm', 'n'],
  );
});

test('an exporter error is counted and reported with the batch', async (t) => {
  const { queue, settled } = harness('fail', { maxBatchSize: 2 });
  queue.enqueue(spans('a', 'b', 'c'));
  t.is(queue.pending, 1);
  const result = await queue.flush(5000);
  t.deepEqual(result, { delivered: 0, undelivered: 1 });
  t.is(settled.length, 2);
  const [first] = settled;
  t.deepEqual(first?.names, ['a', 'b']);
  t.false(first?.outcome.ok);
  t.is(first?.outcome.ok === false ? first.outcome.error.message : '', 'collector said no');
  t.deepEqual(queue.stats, {
    enqueued: 3,
    exported: 0,
    failed: 3,
    dropped: 0,
    batchesOk: 0,
    batchesFailed: 2,
  });
});

test('an exporter that throws is counted, never crashes the queue', async (t) => {
  const { queue, settled, target } = harness('throw', { maxBatchSize: 2 });
  queue.enqueue(spans('a', 'b'));
  t.is(settled.length, 1);
  const outcome = settled[0]?.outcome;
  t.is(outcome?.ok === false ? outcome.error.message : '', 'exporter exploded');
  t.is(queue.stats.batchesFailed, 1);
  target.mode = 'ok';
  queue.enqueue(spans('c', 'd'));
  await settle();
  t.is(settled.length, 2);
  t.true(settled[1]?.outcome.ok);
  t.is(queue.stats.exported, 2);
});

test('a failed result without an error still yields an Error', async (t) => {
  const { queue, target, settled } = harness('manual', { maxBatchSize: 1 });
  queue.enqueue(spans('a'));
  target.answer({ code: ExportResultCode.FAILED });
  t.is(settled.length, 1);
  const outcome = settled[0]?.outcome;
  t.true(outcome?.ok === false && outcome.error instanceof Error);
});

test('an exporter that never calls back times out as failed and the queue moves on', async (t) => {
  const { queue, timers, target, settled } = harness('never', {
    maxBatchSize: 2,
    exportTimeoutMs: 30,
  });
  queue.enqueue(spans('a', 'b', 'c', 'd'));
  await timers.advance(29);
  t.is(settled.length, 0, 'not before the timeout');
  await timers.advance(1);
  t.is(settled.length, 1);
  const outcome = settled[0]?.outcome;
  t.is(outcome?.ok === false ? outcome.error.name : '', 'ExportTimeoutError');
  t.regex(outcome?.ok === false ? outcome.error.message : '', /within 30 ms/);
  t.is(target.calls.length, 2);
  t.deepEqual(target.calls[1], ['c', 'd']);
  // A late answer to the timed-out call changes nothing.
  target.answer();
  t.is(settled.length, 1);
  t.is(queue.stats.exported, 0);
  target.answer();
  t.is(settled.length, 2);
  t.true(settled[1]?.outcome.ok);
  t.deepEqual(queue.stats, {
    enqueued: 4,
    exported: 2,
    failed: 2,
    dropped: 0,
    batchesOk: 1,
    batchesFailed: 1,
  });
});

test('flush sends partial batches now and counts delivered and undelivered spans', async (t) => {
  const { queue, timers, target } = harness('manual', { maxBatchSize: 2 });
  queue.enqueue(spans('a', 'b', 'c'));
  t.deepEqual(target.calls, [['a', 'b']]);
  const flushed = queue.flush(5000);
  queue.enqueue(spans('later'));
  target.answer();
  await settle();
  t.is(target.calls.length, 2);
  // 'later' was enqueued after the flush began but may ride in the same batch.
  t.deepEqual(target.calls[1], ['c', 'later']);
  target.answer({ code: ExportResultCode.FAILED, error: new Error('no') });
  t.deepEqual(await flushed, { delivered: 2, undelivered: 1 });
  t.deepEqual(await queue.flush(100), { delivered: 0, undelivered: 0 });
  t.deepEqual(timers.keepAlivePending, [], 'a settled flush leaves no deadline behind');
});

test('flush resolves at its deadline with what is still pending as undelivered', async (t) => {
  const { queue, timers, target } = harness('manual', { maxBatchSize: 2 });
  queue.enqueue(spans('a', 'b', 'c'));
  const expiring = queue.flush(30);
  t.deepEqual(timers.keepAlivePending, [30], 'an awaited deadline keeps the process alive');
  await timers.advance(30);
  t.deepEqual(await expiring, { delivered: 0, undelivered: 3 });
  t.is(queue.pending, 3);
  // The expired flush no longer hurries the partial batch left behind.
  target.answer();
  await settle();
  t.is(queue.pending, 1);
  t.is(target.calls.length, 1);
  const flushed = queue.flush(5000);
  t.deepEqual(target.calls[1], ['c']);
  target.answer();
  t.deepEqual(await flushed, { delivered: 1, undelivered: 0 });
  t.is(queue.stats.exported, 3);
});

test('shutdown flushes, shuts the target down, then refuses spans', async (t) => {
  const { queue, target, drops } = harness('ok', { maxBatchSize: 2 });
  queue.enqueue(spans('a', 'b', 'c'));
  // The full batch went (and was acknowledged) at once: one span was pending.
  t.deepEqual(await queue.shutdown(5000), { delivered: 1, undelivered: 0 });
  t.is(target.shutdowns, 1);
  queue.enqueue(spans('d'));
  t.deepEqual(drops, [[1, 'shutdown']]);
  t.deepEqual(target.calls, [['a', 'b'], ['c']]);
  t.is(queue.stats.dropped, 1);
  t.is(queue.stats.enqueued, 4);
});

test('shutdown at its deadline drops what still waits and survives a failing target', async (t) => {
  const { queue, timers, target, drops } = harness('never', { maxBatchSize: 2 });
  target.shutdownBehaviour = 'reject';
  queue.enqueue(spans('a', 'b', 'c', 'd', 'e'));
  const shutdown = queue.shutdown(30);
  await timers.advance(30);
  t.deepEqual(await shutdown, { delivered: 0, undelivered: 5 });
  t.deepEqual(drops, [[3, 'shutdown']]);
  t.is(queue.pending, 2);
  t.is(target.shutdowns, 1);
});

test('shutdown does not wait past its deadline for a hanging target', async (t) => {
  const { queue, timers, target } = harness('ok');
  target.shutdownBehaviour = 'hang';
  queue.enqueue(spans('a'));
  let done = false;
  const shutdown = queue.shutdown(50).then((result) => {
    done = true;
    return result;
  });
  await timers.advance(49);
  t.false(done, 'waits for the target until the deadline');
  await timers.advance(1);
  t.deepEqual(await shutdown, { delivered: 1, undelivered: 0 });
  t.is(target.shutdowns, 1);
});

test('by default a failed batch is not retried', async (t) => {
  const { queue, target } = harness('fail');
  queue.enqueue(spans('a'));
  await queue.flush(5000);
  t.is(target.calls.length, 1);
});

test('a retry policy can send a failed batch again before it settles', async (t) => {
  const decisions: [string, number][] = [];
  const retryPolicy: RetryPolicy = (error, attempt) => {
    decisions.push([error.message, attempt]);
    return attempt < 3 ? { retryAfterMs: 1 } : 'drop';
  };
  const { queue, timers, target, settled } = harness('manual', { maxBatchSize: 2, retryPolicy });
  queue.enqueue(spans('a', 'b', 'c'));
  const flushed = queue.flush(5000);
  target.answer({ code: ExportResultCode.FAILED, error: new Error('e1') });
  t.is(target.calls.length, 1, 'the retry waits for its delay');
  await timers.advance(1);
  t.is(target.calls.length, 2);
  t.deepEqual(target.calls[1], ['a', 'b']);
  t.is(settled.length, 0);
  target.answer({ code: ExportResultCode.FAILED, error: new Error('e2') });
  await timers.advance(1);
  t.is(target.calls.length, 3);
  target.answer({ code: ExportResultCode.FAILED, error: new Error('e3') });
  await settle();
  t.is(target.calls.length, 4);
  t.deepEqual(target.calls[3], ['c']);
  target.answer({ code: ExportResultCode.FAILED, error: new Error('e4') });
  await timers.advance(1);
  t.is(target.calls.length, 5);
  target.answer();
  t.deepEqual(await flushed, { delivered: 1, undelivered: 2 });
  t.deepEqual(decisions, [
    ['e1', 1],
    ['e2', 2],
    ['e3', 3],
    ['e4', 1],
  ]);
  t.deepEqual(
    settled.map((s) => [s.names, s.outcome.ok]),
    [
      [['a', 'b'], false],
      [['c'], true],
    ],
  );
});

test('shutdown gives up a batch waiting in retry backoff', async (t) => {
  const { queue, timers, target, settled } = harness('fail', {
    retryPolicy: () => ({ retryAfterMs: 60_000 }),
  });
  queue.enqueue(spans('a'));
  const shutdown = queue.shutdown(30);
  await timers.advance(30);
  t.deepEqual(await shutdown, { delivered: 0, undelivered: 1 });
  t.is(target.calls.length, 1);
  t.is(settled.length, 1);
  const outcome = settled[0]?.outcome;
  t.regex(outcome?.ok === false ? outcome.error.message : '', /retry backoff/);
  t.is(queue.pending, 0);
  t.deepEqual(timers.pending, [], 'the retry timer is cancelled');
});

test('a throwing convert or observer fails the batch without breaking the queue', async (t) => {
  const target = new FakeTarget('ok');
  let settledCalls = 0;
  const queue = new SpanExportQueue({
    target,
    convertBatch: (batch) => {
      if (batch.some((s) => s.name === 'bad')) throw new Error('cannot convert');
      return convertBatch(batch);
    },
    maxBatchSize: 1,
    onBatchSettled: () => {
      settledCalls += 1;
      throw new Error('observer broke');
    },
  });
  queue.enqueue(spans('bad', 'good'));
  t.is(queue.pending, 1);
  t.deepEqual(await queue.flush(5000), { delivered: 1, undelivered: 0 });
  t.deepEqual(target.calls, [['good']]);
  t.is(settledCalls, 2);
  t.is(queue.stats.failed, 1);
});

test('an exporter answering synchronously drains many batches', async (t) => {
  const { queue, target } = harness('ok', { maxBatchSize: 2, maxPending: 100_000 });
  queue.enqueue(Array.from({ length: 20_001 }, (_, i) => span(String(i))));
  // The first full batch went synchronously; the rest follow without recursion.
  t.is(queue.pending, 19_999);
  t.deepEqual(await queue.flush(10_000), { delivered: 19_999, undelivered: 0 });
  t.is(target.calls.length, 10_001);
  t.deepEqual(target.calls.at(-1), ['20000']);
});

test('options are validated', (t) => {
  const target = new FakeTarget('ok');
  t.throws(() => new SpanExportQueue({ target, convertBatch, maxBatchSize: 2049 }), {
    instanceOf: RangeError,
  });
  t.throws(() => new SpanExportQueue({ target, convertBatch, maxBatchSize: 0 }), {
    instanceOf: RangeError,
  });
  t.throws(() => new SpanExportQueue({ target, convertBatch, maxPending: 1.5 }), {
    instanceOf: RangeError,
  });
  t.throws(() => new SpanExportQueue({ target, convertBatch, scheduleDelayMs: -1 }), {
    instanceOf: RangeError,
  });
  t.notThrows(() => new SpanExportQueue({ target, convertBatch, maxBatchSize: 2048 }));
});

test('pendingSpans lists the unacknowledged spans in order: in flight first, then waiting', async (t) => {
  let release: ((r: ExportResult) => void) | undefined;
  const target: ExportTarget = {
    export: (_spans, cb) => {
      release = cb;
    },
    shutdown: async () => {},
  };
  const timers = new FakeTimers();
  const queue = new SpanExportQueue({
    target,
    convertBatch,
    maxBatchSize: 2,
    scheduleDelayMs: 0,
    timers,
  });
  queue.enqueue([span('a'), span('b'), span('c')]);
  await timers.advance(0);
  t.deepEqual(
    queue.pendingSpans().map((s) => s.name),
    ['a', 'b', 'c'],
  );
  release?.({ code: ExportResultCode.SUCCESS });
  await settle();
  t.deepEqual(
    queue.pendingSpans().map((s) => s.name),
    ['c'],
  );
  release?.({ code: ExportResultCode.SUCCESS });
  await queue.shutdown(1000);
  t.deepEqual(queue.pendingSpans(), []);
});

test('drops come with the spans dropped', (t) => {
  const dropped: string[][] = [];
  const { queue } = harness('manual', {
    maxBatchSize: 2,
    maxPending: 3,
    onDrop: (_count, _reason, spans) => dropped.push(spans.map((s) => s.name)),
  });
  queue.enqueue(spans('a', 'b', 'c', 'd', 'e'));
  // the oldest two: the batch is cut after the bound is applied
  t.deepEqual(dropped, [['a', 'b']]);
});

test('discard drops the given keys waiting and in a batch in retry back-off, counted as state_bound', async (t) => {
  const { queue, timers, target, drops, settled } = harness('manual', {
    maxBatchSize: 2,
    retryPolicy: () => ({ retryAfterMs: 1000 }),
  });
  queue.enqueue(spans('a', 'b', 'c', 'd', 'e'));
  t.deepEqual(target.calls, [['a', 'b']]);
  // under way: not dropped
  t.is(queue.discard(new Set(['k/a', 'k/c'])), 1);
  t.deepEqual(drops, [[1, 'state_bound']]);
  t.deepEqual(
    queue.pendingSpans().map((s) => s.name),
    ['a', 'b', 'd', 'e'],
  );
  // in back-off: its dropped spans leave it; the rest is retried
  target.answer({ code: ExportResultCode.FAILED, error: new Error('down') });
  await settle();
  t.is(queue.discard(new Set(['k/a', 'k/e', 'k/unknown'])), 2);
  t.deepEqual(
    queue.pendingSpans().map((s) => s.name),
    ['b', 'd'],
  );
  t.is(queue.stats.dropped, 3);
  await timers.advance(1000);
  t.deepEqual(target.calls[1], ['b']);
  target.answer();
  await settle();
  t.deepEqual(target.calls[2], ['d']);
  target.answer();
  await settle();
  t.deepEqual(
    settled.map((s) => s.names),
    [['b'], ['d']],
  );
  // a batch in back-off emptied by discard is given up, its retry cancelled
  queue.enqueue(spans('x'));
  await timers.advance(60_000);
  target.answer({ code: ExportResultCode.FAILED, error: new Error('down') });
  await settle();
  t.is(queue.discard(new Set(['k/x'])), 1);
  t.is(queue.pending, 0);
  t.deepEqual(timers.pending, []);
});

test('a promise from onBatchSettled holds the next batch until it settles, even when it rejects', async (t) => {
  let release: (() => void) | undefined;
  let fail: ((e: Error) => void) | undefined;
  const outcomes: string[][] = [];
  const { queue, target } = harness('manual', {
    maxBatchSize: 1,
    onBatchSettled: (batch) => {
      outcomes.push(batch.map((s) => s.name));
      return new Promise<void>((resolve, reject) => {
        release = resolve;
        fail = reject;
      });
    },
  });
  queue.enqueue(spans('a', 'b', 'c'));
  target.answer();
  await settle();
  t.deepEqual(outcomes, [['a']]);
  t.is(target.calls.length, 1, 'b waits for the write of a');
  release?.();
  await settle();
  t.is(target.calls.length, 2);
  target.answer();
  await settle();
  fail?.(new Error('disk full'));
  await settle();
  t.deepEqual(target.calls, [['a'], ['b'], ['c']]);
});
