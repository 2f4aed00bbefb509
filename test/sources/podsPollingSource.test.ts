import test from 'ava';
import { type PodScript, podAt, podListBody } from '../../sim/podBuilder.js';
import { parsePodSelector } from '../../src/core/podSelector.js';
import { KubeletError } from '../../src/kubelet/kubeletError.js';
import type { PodObservation } from '../../src/sources/podSource.js';
import { PodsPollingSource } from '../../src/sources/podsPollingSource.js';
import { FakeTimers } from '../support/fakeTimers.js';

const selector = parsePodSelector('app=web');
if (!selector.ok) throw new Error(selector.error);
const script = (name: string, app: string): PodScript => ({
  name,
  namespace: 'shop',
  labels: { app },
  creationTimestamp: '2026-01-01T00:00:00Z',
  restartPolicy: 'Never',
  nodeName: 'node-1',
  containers: [{ name: 'main', runs: [{ startedAt: '2026-01-01T00:00:02Z' }] }],
});
const selected = podAt(script('web-0', 'web'), '2026-01-01T00:00:03Z');
const other = podAt(script('db-0', 'db'), '2026-01-01T00:00:03Z');

/**
 * A source over a fetcher answering from `answers` in turn; returns what the sink saw. With
 * `reuse`, every body is a view into one buffer that the next fetch overwrites (as
 * `KubeletClient` does).
 */
async function run(
  answers: readonly (string | Error)[],
  options: { podUid?: string; reuse?: boolean } = {},
) {
  const timers = new FakeTimers();
  const seen: PodObservation[] = [];
  let call = 0;
  const { reuse, ...sourceOptions } = options;
  const shared = Buffer.alloc(
    Math.max(...answers.map((answer) => (answer instanceof Error ? 0 : answer.length))),
  );
  const source = new PodsPollingSource({
    fetcher: {
      fetchPods: async () => {
        shared.fill('x');
        const answer = answers[call++] ?? '';
        if (answer instanceof Error) throw answer;
        if (!reuse) return Buffer.from(answer);
        const length = shared.write(answer);
        return shared.subarray(0, length);
      },
      close: () => {},
    },
    selectors: selector.ok ? selector.alternatives : [],
    namespaces: undefined,
    envNames: ['TRACEPARENT'],
    ...sourceOptions,
    now: () => [1_700_000_000 + call, 0],
    intervalMs: () => 100,
    timers,
  });
  source.start({
    observe: async (observation) => {
      seen.push(observation);
    },
    trackedUids: () => [],
  });
  while (seen.length < answers.length) await timers.next();
  await source.stop();
  return { seen, lastAttemptMs: source.lastAttemptMs, timers };
}

test('a poll yields a list of the selected pods only, with when and what the body said', async (t) => {
  const body = podListBody([selected, other]);
  const uid = String((other.metadata as { uid: string }).uid);
  const { seen, lastAttemptMs, timers } = await run([body], { podUid: uid });
  const [list] = seen;
  if (list?.kind !== 'list') return t.fail(`expected a list, got ${list?.kind}`);
  t.deepEqual(
    list.pods.map((p) => p.name),
    ['web-0'],
  );
  t.deepEqual(list.at, [1_700_000_001, 0]);
  t.deepEqual(list.context, { ownPodListed: true, afterConnectFailure: false });
  t.deepEqual(list.diagnostics.malformed, []);
  t.is(lastAttemptMs, timers.now());
});

test('bodies in one reused buffer, overwritten by the next fetch, give the same observations', async (t) => {
  const later = podAt(script('web-1', 'web'), '2026-01-01T00:00:03Z');
  const answers = [
    podListBody([selected, other]),
    podListBody([later]),
    '{"kind":"Status"',
    podListBody([other, selected]),
  ];
  const uid = String((other.metadata as { uid: string }).uid);
  const fresh = await run(answers, { podUid: uid });
  const reused = await run(answers, { podUid: uid, reuse: true });
  t.deepEqual(
    fresh.seen.map((o) => (o.kind === 'list' ? o.pods.map((p) => p.name).join() : o.kind)),
    ['web-0', 'web-1', 'failed', 'web-0'],
  );
  t.deepEqual(reused.seen, fresh.seen);
});

test('a failed fetch is a failed observation with the error kind and the count in a row', async (t) => {
  const refused = new KubeletError('connection', 'cannot reach the kubelet (ECONNREFUSED)');
  const { seen } = await run([refused, refused, podListBody([selected])]);
  t.deepEqual(
    seen.map((o) => (o.kind === 'failed' ? `${o.errorKind}#${o.consecutiveFailures}` : o.kind)),
    ['connection#1', 'connection#2', 'list'],
  );
  const list = seen[2];
  t.true(list?.kind === 'list' && list.context.afterConnectFailure === true);
});

test('a body that is not a pod list is a malformed failure', async (t) => {
  const { seen } = await run(['{"kind":"Status"']);
  const [failed] = seen;
  t.is(failed?.kind, 'failed');
  t.true(failed?.kind === 'failed' && failed.errorKind === 'malformed');
});
