/**
 * End-to-end: the real entry point (`node dist/main.js`) with each pod source, `/pods` polling and
 * the kubelet Pods API watch (`KUBELET_PODS_API_SOCKET`). The Litmus flow, OOM kill and restart,
 * init containers and trace contexts run on both and are compared span by span: same span ids,
 * names, parents, status and reported times (uncertainty attributes, and the ends nobody
 * reported, may differ: the stream is fresher); while the stream is healthy the agent makes no
 * `/pods` request. On the stream also: a 300 ms helper, the kubelet initializing (fallback to
 * polling and back), a kubelet restart, tracing disabled, SIGKILL recovery, a collector outage.
 * `npm test` builds dist/ first.
 */
import test from 'ava';
import { createRig, polled, type Rig } from '../sim/agentRig.js';
import { type ReceivedSpan, startOtlpReceiver } from '../sim/otlpReceiver.js';
import {
  type PodScript,
  podAt,
  podListBody,
  type RawObject,
  unrelatedPod,
} from '../sim/podBuilder.js';
import { agentHttp } from './support/agentHttp.js';
import { e2ePods, HELPER_PARENT, NODE, TRACE } from './support/e2ePods.js';
import { experimentClock } from './support/experimentClock.js';

const { sec, ns } = experimentClock(120);

type SourceKind = 'polling' | 'stream';

const rigs: Rig[] = [];
test.after.always(async () => {
  for (const r of rigs) await r.close();
});

async function startRig(source: SourceKind): Promise<Rig> {
  const r = await createRig({
    nodeName: NODE,
    podsApi: source === 'stream',
    env: { LOG_LEVEL: 'debug' },
  });
  rigs.push(r);
  r.start();
  await r.agent?.waitForLog((l) => l.msg === 'started');
  if (source === 'stream') await r.podsApi?.waitForWatches(1);
  return r;
}

/** Shows `pods` to the agent: polled twice, or sent on the stream. */
async function show(r: Rig, pods: RawObject[]): Promise<void> {
  if (r.podsApi) {
    r.podsApi.setPods(pods);
  } else {
    r.kubelet.setBody(podListBody(pods));
    await polled(r.kubelet, 2);
  }
}

/** What both sources must agree on; a time nobody reported (`poll`) is compared by source only. */
function comparable(spans: readonly ReceivedSpan[]) {
  return spans
    .map((s) => ({
      spanId: s.spanId,
      traceId: s.traceId,
      parentSpanId: s.parentSpanId,
      name: s.name,
      kind: s.kind,
      status: s.status,
      start: s.attributes['kse.start.source'] === 'poll' ? 'poll' : String(s.startNs),
      end: s.attributes['kse.end.source'] === 'poll' ? 'poll' : String(s.endNs),
      startSource: s.attributes['kse.start.source'],
      endSource: s.attributes['kse.end.source'],
      pod: s.resource['k8s.pod.name'],
    }))
    .sort((a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
}

interface Scenario {
  readonly name: string;
  /** The pod lists shown in order (the last one usually without the scenario's pods). */
  readonly steps: readonly RawObject[][];
  /** The span that is built last. */
  readonly last: string;
}

const { runner, experiment, helper, stress, withInit, bad, none, good } = e2ePods({ sec });
const filler = [unrelatedPod(1, NODE), unrelatedPod(2, NODE)];

const LITMUS: Scenario = {
  name: 'Litmus container-kill',
  steps: [
    [...filler, podAt(runner, sec(5)), podAt(experiment, sec(8))],
    [...filler, podAt(runner, sec(14)), podAt(experiment, sec(14)), podAt(helper, sec(14))],
    [...filler, podAt(runner, sec(21)), podAt(experiment, sec(21)), podAt(helper, sec(21))],
    [...filler, podAt(runner, sec(22)), podAt(experiment, sec(22))],
    [...filler, podAt(runner, sec(31)), podAt(experiment, sec(31))],
  ],
  last: 'pod container-kill-x2k9qp',
};

const OOM: Scenario = {
  name: 'OOM kill and restart',
  steps: [[podAt(stress, sec(5))], [podAt(stress, sec(12))], [podAt(stress, sec(25))], []],
  last: 'pod stress-7c9d',
};

const INIT: Scenario = {
  name: 'init containers',
  steps: [[podAt(withInit, sec(7))], [podAt(withInit, sec(12))]],
  last: 'pod db-migrate-job',
};

async function play(
  source: SourceKind,
  scenario: Scenario,
): Promise<{ r: Rig; spans: ReceivedSpan[] }> {
  const r = await startRig(source);
  for (const step of scenario.steps) await show(r, step);
  await r.receiver.waitFor((s) => s.some((x) => x.name === scenario.last));
  // stop flushes whatever else is pending
  await r.agent?.stop();
  return { r, spans: [...r.receiver.spans] };
}

const CONTEXTS: Scenario = {
  name: 'invalid, missing and good trace contexts',
  steps: [
    [podAt(bad, sec(3)), podAt(none, sec(3)), podAt(good, sec(3))],
    [podAt(bad, sec(4)), podAt(none, sec(4)), podAt(good, sec(4))],
  ],
  last: 'pod good-ctx',
};

for (const scenario of [LITMUS, OOM, INIT, CONTEXTS]) {
  test(`${scenario.name}: the Pods API watch and /pods polling build the same spans; no /pods request on the stream`, async (t) => {
    const [polling, stream] = await Promise.all([
      play('polling', scenario),
      play('stream', scenario),
    ]);
    t.true(polling.spans.length >= 3, `${polling.spans.length} spans`);
    t.deepEqual(comparable(stream.spans), comparable(polling.spans));
    t.true(polling.r.kubelet.requests > 0);
    t.is(stream.r.kubelet.requests, 0, 'no /pods request while the stream is healthy');
    t.is(stream.r.podsApi?.calls.watchPods, 1);
  });
}

test('a helper pod that lives 300 ms and is deleted 200 ms after it exits: caught on the stream with its reported end', async (t) => {
  const r = await startRig('stream');
  const quick: PodScript = {
    name: 'quick-helper-x1',
    namespace: 'litmus',
    labels: { chaosUID: 'q' },
    creationTimestamp: sec(40),
    restartPolicy: 'Never',
    nodeName: NODE,
    containers: [
      {
        name: 'kill',
        env: { TRACEPARENT: `00-${TRACE}-${HELPER_PARENT}-01` },
        runs: [{ startedAt: sec(41), finishedAt: sec(42) }],
      },
    ],
  };
  // the kubelet's view: running at second 41, exited 300 ms later (second 42), deleted 200 ms after
  await show(r, [podAt(quick, sec(41))]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await show(r, [podAt(quick, sec(42))]);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await show(r, []);
  await r.receiver.waitFor((s) => s.some((x) => x.name === 'pod quick-helper-x1'));
  const run = r.receiver.spans.find((s) => s.name === 'container kill');
  t.truthy(run, 'the run was caught');
  t.is(run?.startNs, ns(41));
  t.is(run?.endNs, ns(42));
  t.is(run?.attributes['kse.end.source'], 'kubelet', 'its reported end, not an estimate');
  t.is(run?.attributes['process.exit.code'], 0);
  t.is(r.kubelet.requests, 0);
});

test('the kubelet initializing: /pods is polled meanwhile, then the stream alone; a drop goes back to polling and returns', async (t) => {
  const pods = [
    ...filler,
    podAt(runner, sec(14)),
    podAt(experiment, sec(14)),
    podAt(helper, sec(14)),
  ];
  const r = await createRig({ nodeName: NODE, podsApi: { initializing: true, pods } });
  rigs.push(r);
  r.kubelet.setBody(podListBody(pods));
  const agent = r.start();
  const started = await agent.waitForLog((l) => l.msg === 'started');
  const { get, metric, metricsWhen } = agentHttp(started.httpPort);
  const live = (source: string) => (body: string) =>
    metric(body, `pod_source{source="${source}"}`) === 1;

  // initializing: the agent polls /pods and is ready from it
  await polled(r.kubelet, 2);
  let body = await metricsWhen(live('pods_polling'));
  t.is(metric(body, 'pod_source{source="pods_polling"}'), 1);
  t.is(metric(body, 'pod_source_fallbacks_total{reason="initializing"}'), 1);
  t.true((metric(body, 'pods_api_reconnects_total{reason="initializing"}') ?? 0) >= 1);
  t.is((await get('/readyz')).status, 200);

  // the kubelet is ready: the stream takes over, polling stops
  if (r.podsApi) r.podsApi.initializing = false;
  await r.podsApi?.waitForWatches(1);
  body = await metricsWhen(live('pods_api'));
  t.is(metric(body, 'pod_source{source="pods_polling"}'), 0);
  t.is(metric(body, 'pods_api_events_total{type="INITIAL_SYNC_COMPLETE"}'), 1);
  const polls = r.kubelet.requests;
  const exited = [
    ...filler,
    podAt(runner, sec(21)),
    podAt(experiment, sec(21)),
    podAt(helper, sec(21)),
  ];
  r.podsApi?.setPods(exited);
  await r.receiver.waitFor((s) => s.some((x) => x.name === 'pod container-kill-helper'));
  t.is(r.kubelet.requests, polls, 'no /pods request while the stream is healthy');
  t.is((await get('/healthz')).status, 200);

  // the stream drops and the kubelet initializes again: polling resumes, then the stream returns
  r.kubelet.setBody(podListBody(exited));
  if (r.podsApi) r.podsApi.initializing = true;
  r.podsApi?.dropWatches();
  await polled(r.kubelet, 2);
  body = await metricsWhen(live('pods_polling'));
  t.is(metric(body, 'pod_source_fallbacks_total{reason="unavailable"}'), 1);
  if (r.podsApi) r.podsApi.initializing = false;
  await r.podsApi?.waitForWatches(1);
  body = await metricsWhen(live('pods_api'));
  t.is(metric(body, 'pods_api_events_total{type="INITIAL_SYNC_COMPLETE"}'), 2);
  t.is(await agent.stop(), 0);
  // each span once, whichever source saw it
  const spans = r.receiver.spans;
  t.is(new Set(spans.map((s) => s.spanId)).size, spans.length);
});

test('a kubelet restart under the stream (watch dropped, FAILED_PRECONDITION, refused, empty, partial /pods): every reported end once, nothing ended early', async (t) => {
  const AGENT_UID = '6f0b3c1e-2d4a-4e8b-9c7d-5a1f0e2b3c4d';
  const r = await createRig({ nodeName: NODE, podsApi: true, env: { POD_UID: AGENT_UID } });
  rigs.push(r);
  const own: PodScript = {
    name: 'kubelet-span-exporter-7xk2p',
    uid: AGENT_UID,
    namespace: 'kubelet-span-exporter',
    creationTimestamp: sec(0),
    nodeName: NODE,
    containers: [{ name: 'agent', runs: [{ startedAt: sec(0) }] }],
  };
  const job = (name: string, start: number, end: number): PodScript => ({
    name,
    namespace: 'litmus',
    labels: { chaosUID: 'run-1' },
    creationTimestamp: sec(start - 1),
    restartPolicy: 'Never',
    nodeName: NODE,
    containers: [
      {
        name: 'main',
        env: { TRACEPARENT: `00-${TRACE}-${HELPER_PARENT}-01` },
        runs: [{ startedAt: sec(start), finishedAt: sec(end) }],
      },
    ],
  });
  const scripts: [PodScript, number, number][] = [
    [own, 0, 99],
    [job('exp-job-x1', 1, 40), 0, 44],
    [job('helper-a', 3, 24), 2, 26],
    [job('helper-b', 28, 30), 27, 32],
  ];
  const listAt = (s: number) =>
    scripts.filter(([, from, to]) => from <= s && s < to).map(([p]) => podAt(p, sec(s)));
  r.start();
  await r.podsApi?.waitForWatches(1);
  let restart: Promise<void> | undefined;
  for (let s = 0; s <= 48; s++) {
    const pods = listAt(s);
    r.podsApi?.setPods(pods);
    r.kubelet.setBody(podListBody(pods));
    if (s === 6 && r.podsApi) {
      // the kubelet goes away: the watch drops, the new kubelet initializes while /pods restarts
      r.podsApi.initializing = true;
      r.podsApi.dropWatches();
      const api = r.podsApi;
      restart = r.kubelet.restart({ refusedMs: 600, emptyMs: 1600, partialMs: 1200 }).then(() => {
        api.initializing = false;
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await restart;
  await r.receiver.waitFor((s) => s.filter((x) => x.name.startsWith('pod ')).length >= 3, 30_000);
  const spans = r.receiver.spans;
  for (const [name, start, end] of [
    ['exp-job-x1', 1, 40],
    ['helper-a', 3, 24],
    ['helper-b', 28, 30],
  ] as const) {
    const runs = spans.filter(
      (x) => x.name === 'container main' && x.resource['k8s.pod.name'] === name,
    );
    t.is(runs.length, 1, `${name}: one container span`);
    t.is(runs[0]?.startNs, ns(start), `${name}: reported start`);
    t.is(runs[0]?.endNs, ns(end), `${name}: reported end, not an estimate`);
  }
  const exp = spans.find((x) => x.name === 'pod exp-job-x1');
  t.is(exp?.endNs, ns(40), 'the experiment pod ends with its container, not at the restart');
  t.is(new Set(spans.map((x) => x.spanId)).size, spans.length, 'nothing twice');
  t.true(r.kubelet.requests > 0, '/pods was polled while the stream was down');
  t.true((r.podsApi?.calls.watchPods ?? 0) >= 3, 'the watch was opened again');
  await r.agent?.stop();
});

test('tracing disabled: neither the socket nor /pods is touched', async (t) => {
  const r = await createRig({ nodeName: NODE, podsApi: true, env: { TRACING_ENABLED: 'false' } });
  rigs.push(r);
  r.podsApi?.setPods([podAt(helper, sec(30))]);
  const agent = r.start();
  await agent.waitForLog((l) => l.msg?.startsWith('started with tracing disabled') ?? false);
  // give a watcher or poller every chance to connect before checking nothing happened
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.deepEqual(r.podsApi?.calls, { watchPods: 0, listPods: 0, getPod: 0 });
  t.is(r.kubelet.requests, 0);
  t.is(await agent.stop(), 0);
});

test('SIGKILL twice on the stream, restarted on the same STATE_DIR: every span of the uninterrupted run arrives, at most 3 duplicates per kill', async (t) => {
  const reference = await play('stream', LITMUS);
  const r = await startRig('stream');
  const api = r.podsApi;
  if (!api) return t.fail('no Pods API');
  let kills = 0;
  for (const [i, step] of LITMUS.steps.entries()) {
    api.setPods(step);
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (i === 1 || i === 3) {
      const opened = api.calls.watchPods;
      await r.agent?.stop('SIGKILL');
      kills++;
      r.start();
      const deadline = Date.now() + 20_000;
      while (api.calls.watchPods === opened && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
  await r.receiver.waitFor((s) => s.some((x) => x.name === LITMUS.last));
  await r.agent?.stop();
  const got = r.receiver.spans.map((s) => s.spanId);
  const missing = reference.spans.filter((s) => !got.includes(s.spanId)).map((s) => s.name);
  t.deepEqual(missing, [], 'nothing lost');
  const duplicates = got.length - new Set(got).size;
  t.true(duplicates <= kills * 3, `${duplicates} duplicated`);
  t.is(r.kubelet.requests, 0);
  t.log(
    `${kills} kills: ${reference.spans.length} spans expected, 0 lost, ${duplicates} duplicated`,
  );
});

test('collector down while the stream delivers, then back: every span of the uninterrupted run, once', async (t) => {
  const reference = await play('stream', LITMUS);
  const expected = reference.spans.map((s) => s.spanId);
  const r = await createRig({
    nodeName: NODE,
    podsApi: true,
    env: { EXPORT_RETRY_MAX_BACKOFF: '400ms' },
  });
  rigs.push(r);
  const port = r.receiver.port;
  await r.receiver.close();
  const agent = r.start();
  await r.podsApi?.waitForWatches(1);
  for (const step of LITMUS.steps) r.podsApi?.setPods(step);
  await agent.waitForLog((l) => l.msg === 'span export failed; retrying');
  r.receiver = await startOtlpReceiver({ port });
  await r.receiver.waitFor((s) => expected.every((id) => s.some((x) => x.spanId === id)), 30_000);
  const got = r.receiver.spans.map((s) => s.spanId);
  t.is(got.length - new Set(got).size, 0, 'no duplicates');
  t.is(new Set(got).size, expected.length);
  t.is(r.kubelet.requests, 0);
  await agent.stop();
});
