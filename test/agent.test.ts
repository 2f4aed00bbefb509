/** The agent's orchestration with hand-made parts: what it routes where. */
import test from 'ava';
import { pino } from 'pino';
import { Agent } from '../src/agent.js';
import { AgentMetrics } from '../src/agentMetrics.js';
import { AgentReporter } from '../src/agentReporter.js';
import type { TrackerNotice } from '../src/core/podTracker.js';
import { SpanExportQueue } from '../src/export/spanExportQueue.js';
import type { PodObservationSink, PodSource } from '../src/sources/podSource.js';
import type { TrackerPort } from '../src/trackerPort.js';
import { FakeTimers } from './support/fakeTimers.js';

function parts(tracker: TrackerPort<TrackerNotice>) {
  const timers = new FakeTimers();
  let sink: PodObservationSink | undefined;
  const source: PodSource = {
    start: (s) => {
      sink = s;
    },
    stop: async () => {},
    lastAttemptMs: 0,
  };
  const metrics = new AgentMetrics({ version: 'test', nodeVersion: process.versions.node });
  const queue = new SpanExportQueue({
    target: { export: () => {}, shutdown: async () => {} },
    convertBatch: () => {
      throw new Error('no span is converted here');
    },
    timers,
  });
  const reporter = new AgentReporter({
    logger: pino({ level: 'silent' }),
    metrics,
    nowMs: () => timers.now(),
    settings: { goneAfterMs: 5000, restartGraceMs: 60_000, maxPendingSpans: 100 },
  });
  const agent = new Agent({
    source,
    tracker,
    queue,
    reporter,
    now: () => [1_700_000_000, 0],
    timers,
    nodeName: 'node-1',
  });
  agent.start();
  if (!sink) throw new Error('the agent did not start the source');
  return { agent, sink, metrics };
}

const listTracker = (calls: unknown[]): TrackerPort<TrackerNotice> => ({
  observe: (pods, at, context) => {
    calls.push({ pods: pods.length, at, context });
    return { spans: [], notices: [] };
  },
  runtimeQueries: () => ({ containerIds: [] }) as never,
  trackedUids: () => ['uid-1'],
  trackedPods: 1,
  hasLivePods: false,
  tracedPodsByOrigin: () => ({ context: 1, group: 0 }),
  takeChanges: () => ({ pods: [], removed: [] }),
});

test('a list goes to the tracker with its context; the agent is ready after it', async (t) => {
  const calls: unknown[] = [];
  const { agent, sink, metrics } = parts(listTracker(calls));
  t.false(agent.ready);
  t.deepEqual([...sink.trackedUids()], ['uid-1']);
  await sink.observe({
    kind: 'list',
    pods: [],
    at: [1_700_000_001, 5],
    context: { afterConnectFailure: true },
    diagnostics: { malformed: [] },
  });
  t.deepEqual(calls, [{ pods: 0, at: [1_700_000_001, 5], context: { afterConnectFailure: true } }]);
  t.true(agent.ready);
  t.is((await metrics.polls.get()).values.find((v) => v.labels.outcome === 'ok')?.value, 1);
});

test('single-pod observations are refused by a tracker without the methods for them', async (t) => {
  const { sink } = parts(listTracker([]));
  await t.throwsAsync(() => sink.observe({ kind: 'deleted', uid: 'uid-1', at: [1, 0] }), {
    message: /not supported by this tracker/,
  });
  await t.throwsAsync(() => sink.observe({ kind: 'upsert', pod: {} as never, at: [1, 0] }), {
    message: /not supported by this tracker/,
  });
});

test('a failure is counted by kind and leaves the agent not ready', async (t) => {
  const { agent, sink, metrics } = parts(listTracker([]));
  await sink.observe({
    kind: 'failed',
    errorKind: 'timeout',
    error: new Error('slow'),
    consecutiveFailures: 1,
  });
  t.false(agent.ready);
  t.is(
    (await metrics.kubeletErrors.get()).values.find((v) => v.labels.kind === 'timeout')?.value,
    1,
  );
});

test('single-pod changes go to the tracker but make the agent neither ready nor count a poll', async (t) => {
  const calls: string[] = [];
  const tracker: TrackerPort<TrackerNotice> = {
    ...listTracker([]),
    observePod: (pod) => {
      calls.push(`upsert ${pod.uid}`);
      return { spans: [], notices: [] };
    },
    observeDeleted: (uid) => {
      calls.push(`deleted ${uid}`);
      return { spans: [], notices: [] };
    },
  };
  const { agent, sink, metrics } = parts(tracker);
  await sink.observe({ kind: 'upsert', pod: { uid: 'a' } as never, at: [1_700_000_001, 0] });
  await sink.observe({ kind: 'deleted', uid: 'a', at: [1_700_000_002, 0] });
  t.deepEqual(calls, ['upsert a', 'deleted a']);
  t.false(agent.ready, 'only a full view makes the agent ready');
  t.is((await metrics.polls.get()).values.length, 0);
  t.is((await metrics.lastSuccessfulPoll.get()).values[0]?.value, new FakeTimers().now() / 1000);
});
