/** What the reporter says and counts, with a manual clock and a logger writing to an array. */
import test from 'ava';
import { AgentMetrics } from '../src/agentMetrics.js';
import { AgentReporter } from '../src/agentReporter.js';
import { KubeletError } from '../src/kubelet/kubeletError.js';
import { logLines } from './support/logLines.js';

function reporter() {
  const { logger, lines } = logLines('debug');
  let now = 1_763_892_000_000;
  const metrics = new AgentMetrics({ version: 'test', nodeVersion: process.versions.node });
  const r = new AgentReporter({
    logger,
    metrics,
    nowMs: () => now,
    settings: { goneAfterMs: 5000, restartGraceMs: 60_000, maxPendingSpans: 100 },
  });
  const advance = (ms: number) => {
    now += ms;
  };
  const messages = () => lines.map((l) => l.msg);
  return { r, lines, metrics, advance, messages };
}

const applied = {
  selected: 1,
  spans: 0,
  trackedPods: 1,
  traced: { context: 1, group: 0 },
  pendingSpans: 0,
};
const refused = (n: number) => ({
  kind: 'failed' as const,
  errorKind: 'connection',
  error: new KubeletError('connection', 'cannot reach the kubelet (ECONNREFUSED)', {
    hint: 'check the node',
  }),
  consecutiveFailures: n,
});

test('failures of one kind are logged once a minute, counting what was held back; recovery is said once', async (t) => {
  const { r, lines, metrics, advance, messages } = reporter();
  r.sourceFailed(refused(1));
  advance(30_000);
  r.sourceFailed(refused(2));
  r.sourceFailed(refused(3));
  advance(30_000);
  r.sourceFailed(refused(4));
  r.listApplied(applied);
  r.listApplied(applied);
  t.deepEqual(messages(), [
    'kubelet poll failed; pod state kept as it was',
    'kubelet poll failed; pod state kept as it was',
    'kubelet poll succeeded again after failures',
    'first kubelet poll succeeded',
  ]);
  t.like(lines[0], { kind: 'connection', hint: 'check the node', consecutiveFailures: 1 });
  t.false('suppressedSinceLastLog' in (lines[0] ?? {}));
  t.like(lines[1], { consecutiveFailures: 4, suppressedSinceLastLog: 2 });
  t.like(lines[2], { previousErrorKind: 'connection' });
  const polls = (await metrics.polls.get()).values;
  t.is(polls.find((v) => v.labels.outcome === 'failed')?.value, 4);
  t.is(polls.find((v) => v.labels.outcome === 'ok')?.value, 2);
});

test('an unexpected failure is logged as an error before the warning', (t) => {
  const { r, lines } = reporter();
  r.sourceFailed({
    ...refused(1),
    errorKind: 'unexpected',
    error: new TypeError('bug'),
    unexpected: true,
  });
  t.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [
      [50, 'poll failed unexpectedly; pod state kept as it was'],
      [40, 'kubelet poll failed; pod state kept as it was'],
    ],
  );
});

test('a full queue is warned about once; retries at most every 10 s; a checkpointed batch is not a failure', async (t) => {
  const { r, metrics, advance, messages } = reporter();
  r.spansDropped(3, 'queueFull');
  r.spansDropped(2, 'queueFull');
  r.exportRetrying(new Error('14 UNAVAILABLE'), { attempt: 1, retryInMs: 1000 }, 5);
  advance(9_999);
  r.exportRetrying(new Error('14 UNAVAILABLE'), { attempt: 2, retryInMs: 2000 }, 5);
  advance(1);
  r.exportRetrying(new Error('14 UNAVAILABLE'), { attempt: 3, retryInMs: 4000 }, 5);
  r.batchSettled([], { ok: false, error: new Error('gave up') }, 0, true);
  t.deepEqual(messages(), [
    'export queue full: oldest spans dropped (counted in kubelet_span_exporter_spans_dropped_total; warned once)',
    'span export failed; retrying',
    'span export failed; retrying',
  ]);
  t.is((await metrics.spansDropped.get()).values[0]?.value, 5);
  t.is((await metrics.exportRetries.get()).values[0]?.value, 3);
  t.is((await metrics.exportBatches.get()).values.length, 0);
});

test('a single-pod change sets the gauges and the last good observation, never counts a poll', async (t) => {
  const { r, metrics, messages } = reporter();
  r.changeApplied({ ...applied, spans: 2, trackedPods: 3 });
  t.is((await metrics.polls.get()).values.length, 0);
  t.is((await metrics.spansBuilt.get()).values[0]?.value, 2);
  t.is((await metrics.podsTracked.get()).values[0]?.value, 3);
  t.is((await metrics.lastSuccessfulPoll.get()).values[0]?.value, 1_763_892_000);
  t.deepEqual(messages(), [], 'no "first kubelet poll succeeded"');
});

test('last_successful_poll follows a live source at scrape time', async (t) => {
  const { r, metrics } = reporter();
  r.listApplied(applied);
  t.is((await metrics.lastSuccessfulPoll.get()).values[0]?.value, 1_763_892_000);
  metrics.sourceCurrentAtMs = () => 1_763_892_300_000;
  t.is((await metrics.lastSuccessfulPoll.get()).values[0]?.value, 1_763_892_300);
  metrics.sourceCurrentAtMs = () => undefined;
  t.is((await metrics.lastSuccessfulPoll.get()).values[0]?.value, 1_763_892_300, 'kept');
});
