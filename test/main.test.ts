/**
 * End-to-end: the real entry point (`node dist/main.js`, configured by env) against a real HTTPS
 * kubelet stand-in and a real OTLP/gRPC receiver on 127.0.0.1. Assertions are on the spans as
 * decoded from the wire. `npm test` builds dist/ first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { createRig, polled, type Rig, startAgent } from '../sim/agentRig.js';
import { startFakeCriServer } from '../sim/fakeCriServer.js';
import { startKubeletStandIn } from '../sim/kubeletStandIn.js';
import { type ReceivedSpan, startOtlpReceiver } from '../sim/otlpReceiver.js';
import {
  containerId,
  deterministicUid,
  type PodScript,
  podAt,
  podListBody,
  type RawObject,
  unrelatedPod,
} from '../sim/podBuilder.js';
import { agentHttp } from './support/agentHttp.js';
import { e2ePods, HELPER_PARENT, NODE, RUNNER_SPAN, TRACE } from './support/e2ePods.js';
import { experimentClock } from './support/experimentClock.js';

// Experiment times start two minutes ago: inside the default catch-up window, never in the future.
const { sec, ns } = experimentClock(120);
const { runner, experiment, helper, notSelected, stress, withInit, bad, none, good } = e2ePods({
  sec,
});

const rigs: Rig[] = [];
/** The agent a test started (fails loudly when there is none). */
const agentOf = (r: Rig) => {
  if (!r.agent) throw new Error('start the agent first');
  return r.agent;
};

/** A kubelet stand-in and a receiver for one test; the agent is started by the test. */
async function rig(extraEnv: Record<string, string> = {}): Promise<Rig> {
  const r = await createRig({ nodeName: NODE, env: { LOG_LEVEL: 'debug', ...extraEnv } });
  rigs.push(r);
  return r;
}

test.after.always(async () => {
  for (const r of rigs) await r.close();
});

/** Serves `pods` and waits until the agent has polled them at least twice. */
async function serve(r: Rig, pods: RawObject[]): Promise<void> {
  r.kubelet.setBody(podListBody(pods));
  await polled(r.kubelet, 2);
}

const named = (spans: readonly ReceivedSpan[], name: string) =>
  spans.filter((s) => s.name === name);
function only(spans: readonly ReceivedSpan[], name: string): ReceivedSpan {
  const found = named(spans, name);
  if (found.length !== 1) {
    throw new Error(`expected one "${name}", got ${found.length}: ${spans.map((s) => s.name)}`);
  }
  return found[0] as ReceivedSpan;
}

// ------------------------------------------------------------------ a Litmus-shaped experiment

test('a Litmus container-kill experiment: helper and experiment pods appear inside the experiment trace', async (t) => {
  const r = await rig();
  r.start();
  await agentOf(r).waitForLog((l) => l.msg === 'started');
  const filler = [unrelatedPod(1, NODE), unrelatedPod(2, NODE), podAt(notSelected, sec(1))];

  await serve(r, [...filler, podAt(runner, sec(5)), podAt(experiment, sec(8))]);
  await serve(r, [
    ...filler,
    podAt(runner, sec(14)),
    podAt(experiment, sec(14)),
    podAt(helper, sec(14)),
  ]);
  await serve(r, [
    ...filler,
    podAt(runner, sec(21)),
    podAt(experiment, sec(21)),
    podAt(helper, sec(21)),
  ]);
  // the experiment deletes its helper pod a moment after it completes
  await serve(r, [...filler, podAt(runner, sec(22)), podAt(experiment, sec(22))]);
  await serve(r, [...filler, podAt(runner, sec(31)), podAt(experiment, sec(31))]);

  await r.receiver.waitFor((s) => s.some((x) => x.name === 'pod container-kill-x2k9qp'));
  const spans = r.receiver.spans;

  // every span belongs to the experiment's trace, except the runner's (no context: its run's
  // group trace, TRACE_GROUP_LABEL=chaosUID by default); nothing from web-0 (not selected)
  const runnerOf = (s: ReceivedSpan) => s.resource['k8s.pod.name'] === 'engine-nginx-runner';
  t.true(spans.filter((s) => !runnerOf(s)).every((s) => s.traceId === TRACE));
  t.true(spans.filter(runnerOf).every((s) => s.traceId !== TRACE));
  t.false(spans.some((s) => s.resource['k8s.pod.name'] === 'web-0'));

  // helper pod: under litmus-go's CreateContainerKillFaultHelperPod span
  const helperPod = only(spans, 'pod container-kill-helper');
  t.is(helperPod.parentSpanId, HELPER_PARENT);
  t.is(helperPod.startNs, ns(10));
  t.is(helperPod.endNs, ns(20));
  t.is(helperPod.status.code, 0);
  t.is(helperPod.kind, 1, 'INTERNAL');
  t.like(helperPod.resource, {
    'service.name': 'kubelet-span-exporter',
    'k8s.node.name': NODE,
    'k8s.namespace.name': 'litmus',
    'k8s.pod.name': 'container-kill-helper-hzv7c',
  });
  const helperChildren = spans.filter((s) => s.parentSpanId === helperPod.spanId);
  t.deepEqual(helperChildren.map((s) => s.name).sort(), [
    'container container-kill',
    'sandbox',
    'scheduling',
  ]);
  const helperRun = only(helperChildren, 'container container-kill');
  t.is(helperRun.startNs, ns(12));
  t.is(helperRun.endNs, ns(20));
  t.like(helperRun.attributes, {
    'k8s.container.name': 'container-kill',
    'k8s.container.restart_count': 0,
    'process.exit.code': 0,
    'container.image.name': 'docker.io/litmuschaos/go-runner', // as the kubelet reports it
    'container.id': containerId(`${helperPod.resource['k8s.pod.uid']}/container-kill/0`),
  });
  t.deepEqual(helperRun.attributes['container.image.tags'], ['3.12.0']);
  t.is(helperRun.scope.name, 'kubelet-span-exporter');

  // experiment Job pod: under the runner's span, container run emitted when it exited
  const experimentPod = only(spans, 'pod container-kill-x2k9qp');
  t.is(experimentPod.parentSpanId, RUNNER_SPAN);
  t.is(experimentPod.startNs, ns(3));
  t.is(experimentPod.endNs, ns(30));
  const experimentRun = only(spans, 'container container-kill-x2k9qp');
  t.is(experimentRun.parentSpanId, experimentPod.spanId);
  t.is(experimentRun.startNs, ns(6));
  t.is(experimentRun.endNs, ns(30));

  // each span exactly once; ids unique
  t.is(new Set(spans.map((s) => s.spanId)).size, spans.length);
  // no env value other than the trace context ever leaves the agent
  t.false(JSON.stringify(agentOf(r).logs).includes('do-not-leak'));
  t.false(
    JSON.stringify(spans, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(
      'do-not-leak',
    ),
  );
  t.true(agentOf(r).logs.some((l) => l.msg === 'tracing pod' && l.traceId === TRACE));
  t.is(await agentOf(r).stop(), 0);
});

test('a container OOM-killed and restarted: one ERROR span per run, the restart counted', async (t) => {
  const r = await rig();
  r.start();
  await serve(r, [podAt(stress, sec(5))]);
  await serve(r, [podAt(stress, sec(12))]); // CrashLoopBackOff after the OOM kill
  await r.receiver.waitFor((s) => s.some((x) => x.name === 'container stress'));
  await serve(r, [podAt(stress, sec(25))]); // restarted
  await serve(r, []);
  await serve(r, []);
  await r.receiver.waitFor((s) => s.some((x) => x.name === 'pod stress-7c9d'));
  const runs = named(r.receiver.spans, 'container stress').sort((a, b) =>
    a.startNs < b.startNs ? -1 : 1,
  );
  t.is(runs.length, 2);
  const [oom, second] = runs as [ReceivedSpan, ReceivedSpan];
  t.is(oom.startNs, ns(2));
  t.is(oom.endNs, ns(9));
  t.deepEqual(oom.status, { code: 2, message: 'OOMKilled' });
  t.like(oom.attributes, { 'process.exit.code': 137, 'k8s.container.restart_count': 0 });
  t.is(second.startNs, ns(20));
  t.is(second.attributes['k8s.container.restart_count'], 1);
  t.is(second.attributes['kse.end.estimated'], true, 'still running when the pod vanished');
  const pod = only(r.receiver.spans, 'pod stress-7c9d');
  t.true(pod.events.some((e) => e.name === 'CrashLoopBackOff'));
  t.true(pod.events.some((e) => e.name === 'kubelet saw pod'));
  t.is(await agentOf(r).stop(), 0);
});

test('init containers: a span per init container and an initialization phase', async (t) => {
  const r = await rig();
  r.start();
  await serve(r, [podAt(withInit, sec(7))]);
  await serve(r, [podAt(withInit, sec(12))]);
  await r.receiver.waitFor((s) => s.some((x) => x.name === 'pod db-migrate-job'));
  const spans = r.receiver.spans;
  const pod = only(spans, 'pod db-migrate-job');
  t.is(pod.traceState, 'ci=build42');
  const init1 = only(spans, 'init-container wait-for-db');
  const init2 = only(spans, 'init-container fetch-schema');
  const phase = only(spans, 'initialization');
  for (const s of [init1, init2, phase, only(spans, 'container migrate')]) {
    t.is(s.parentSpanId, pod.spanId);
  }
  t.deepEqual([init1.startNs, init1.endNs], [ns(2), ns(4)]);
  t.deepEqual([init2.startNs, init2.endNs], [ns(5), ns(6)]);
  t.true(phase.startNs <= ns(2) && phase.endNs >= ns(6));
  t.is(await agentOf(r).stop(), 0);
});

test('invalid and missing contexts: no spans, one warning per invalid pod', async (t) => {
  const r = await rig();
  r.start();
  await serve(r, [podAt(bad, sec(3)), podAt(none, sec(3)), podAt(good, sec(3))]);
  await serve(r, [podAt(bad, sec(4)), podAt(none, sec(4)), podAt(good, sec(4))]);
  await r.receiver.waitFor((s) => s.some((x) => x.name === 'pod good-ctx'));
  await r.receiver.waitFor((s) => s.some((x) => x.name === 'pod no-ctx'));
  // the pod without a context is traced in its run's group trace (TRACE_GROUP_LABEL=chaosUID by
  // default, a root pod span); the invalid one never falls back to it
  t.deepEqual([...new Set(r.receiver.spans.map((s) => s.resource['k8s.pod.name']))].sort(), [
    'good-ctx',
    'no-ctx',
  ]);
  const noCtx = only(r.receiver.spans, 'pod no-ctx');
  t.is(noCtx.parentSpanId, '');
  t.is(noCtx.attributes['kse.trace.origin'], 'group');
  const warnings = agentOf(r).logs.filter((l) => l.msg?.startsWith('invalid trace context'));
  t.is(warnings.length, 1);
  t.like(warnings[0], { pod: 'litmus/bad-ctx', env: 'TRACE_PARENT', level: 'warn' });
  t.regex(String(warnings[0]?.error), /zero/);
  t.is(await agentOf(r).stop(), 0);
});

test('tracing disabled: no kubelet or collector traffic, clean shutdown', async (t) => {
  const r = await rig({ TRACING_ENABLED: 'false' });
  r.kubelet.setBody(podListBody([podAt(helper, sec(30))]));
  r.start();
  await agentOf(r).waitForLog((l) => l.msg?.startsWith('started with tracing disabled') ?? false);
  // give a poller every chance to poll (10 intervals) before checking nothing happened
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.is(r.kubelet.requests, 0);
  t.is(r.receiver.requests, 0);
  t.is(await agentOf(r).stop(), 0);
});

test('OTEL_SDK_DISABLED=true idles the same way', async (t) => {
  const r = await rig({ OTEL_SDK_DISABLED: 'true' });
  r.start();
  await agentOf(r).waitForLog((l) => l.msg?.startsWith('started with tracing disabled') ?? false);
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.is(r.kubelet.requests, 0);
  t.is(await agentOf(r).stop('SIGINT'), 0);
});

test('bad configuration: exit code 2 and one line per problem naming variable and value', async (t) => {
  const agent = startAgent({
    HOME: mkdtempSync(join(tmpdir(), 'kse-home-')), // no ~/.kube/config to fall back on
    POLL_INTERVAL: 'fast',
    POD_SELECTOR: 'env in dev',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    KUBELET_INSECURE_TLS: 'maybe',
  });
  t.is(await agent.exited, 2);
  const lines = agent.stderr().trim().split('\n');
  const errors = lines.filter((l) => l.startsWith('config error: '));
  t.is(errors.length, 6, lines.join('\n'));
  for (const [name, value] of [
    ['POLL_INTERVAL', 'fast'],
    ['POD_SELECTOR', 'env in dev'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf'],
    ['KUBELET_INSECURE_TLS', 'maybe'],
  ] as const) {
    t.true(
      errors.some((e) => e.includes(name) && e.includes(value)),
      name,
    );
  }
  t.true(errors.some((e) => e.includes('NODE_NAME')));
  t.true(errors.some((e) => e.includes('KUBELET_URL') && e.includes('NODE_IP')));
  t.deepEqual(agent.logs, [], 'nothing on stdout');
});

test('SIGTERM flushes pending spans to the collector and exits 0', async (t) => {
  // spans wait up to 60 s for a batch to fill: only the shutdown flush can deliver them in time
  const r = await rig({ OTEL_BSP_SCHEDULE_DELAY: '60000' });
  r.start();
  await serve(r, [podAt(helper, sec(21))]);
  await agentOf(r).waitForLog((l) => l.msg === 'tracing pod');
  t.is(r.receiver.spans.length, 0);
  t.is(await agentOf(r).stop('SIGTERM'), 0);
  // first seen finished: no sandbox span (its condition is False once the pod completed)
  t.deepEqual(r.receiver.spans.map((s) => s.name).sort(), [
    'container container-kill',
    'pod container-kill-helper',
    'scheduling',
  ]);
  t.true(agentOf(r).logs.some((l) => l.msg === 'shutdown complete' && l.delivered === 3));
});

test('kubelet refusing the token: the poll fails with an RBAC hint and the agent keeps going', async (t) => {
  const r = await rig();
  writeFileSync(join(r.dir, 'token'), 'wrong-token');
  r.start();
  const warning = await agentOf(r).waitForLog((l) => l.kind === 'unauthorized');
  t.regex(String(warning.hint), /nodes\/pods/);
  t.false(JSON.stringify(agentOf(r).logs).includes('wrong-token'));
  // the token rotates: the next poll succeeds without a restart
  writeFileSync(join(r.dir, 'token'), r.kubelet.token);
  await agentOf(r).waitForLog((l) => l.msg === 'first kubelet poll succeeded', 40_000);
  t.is(await agentOf(r).stop(), 0);
});

test('HTTP endpoints: readiness follows the kubelet, /metrics moves as spans are exported', async (t) => {
  const r = await rig();
  r.kubelet.injectFault({ status: 503 });
  r.start();
  const started = await agentOf(r).waitForLog((l) => l.msg === 'started');
  const { get, metric: read, metricsWhen } = agentHttp(started.httpPort);
  const metric = (body: string, name: string) =>
    read(body, name.replace(/^kubelet_span_exporter_/, ''));
  const m = (name: string) => `kubelet_span_exporter_${name}`;
  t.is((await get('/healthz')).status, 200);
  await agentOf(r).waitForLog((l) => l.kind === 'http');
  const before = await metricsWhen(
    (body) => metric(body, `${m('kubelet_errors_total')}{kind="http"}`) === 1,
  );
  t.is(metric(before, m('spans_exported_total')), 0);
  t.is(metric(before, `${m('kubelet_errors_total')}{kind="http"}`), 1);
  t.regex(before, /kubelet_span_exporter_build_info\{version="0\.1\.0",nodejs_version="[^"]+"\} 1/);

  await serve(r, [podAt(helper, sec(21))]);
  await r.receiver.waitFor((s) => s.length === 3);
  t.is((await get('/readyz')).status, 200);
  // The ack reaches the agent just after the receiver stored the spans, and serve() returns
  // once the second poll of the body was requested, not handled: wait for all of it.
  const settled = (body: string) =>
    metric(body, m('spans_exported_total')) === 3 &&
    (metric(body, `${m('polls_total')}{outcome="ok"}`) ?? 0) >= 2;
  const after = await metricsWhen(settled);
  t.is(metric(after, m('spans_exported_total')), 3);
  t.is(metric(after, m('spans_built_total')), 3);
  t.is(metric(after, `${m('pods_traced')}{origin="context"}`), 1);
  t.is(metric(after, `${m('pods_traced')}{origin="group"}`), 0);
  t.true((metric(after, `${m('polls_total')}{outcome="ok"}`) ?? 0) >= 2);
  // the default selector requires keys: every body was parsed item by item
  t.is(metric(after, m('unchanged_bodies_total')), undefined);
  t.false(after.includes(`${m('pod_list_full_parses_total')}{`));
  t.is((await get('/nope')).status, 404);
  t.is(await agentOf(r).stop(), 0);
});

test('readiness is false until a kubelet poll succeeds', async (t) => {
  const r = await rig({ KUBELET_URL: 'https://127.0.0.1:1' });
  r.start();
  const started = await agentOf(r).waitForLog((l) => l.msg === 'started');
  await agentOf(r).waitForLog((l) => l.kind === 'connection');
  const res = await fetch(`http://127.0.0.1:${started.httpPort}/readyz`);
  t.is(res.status, 503);
  t.like(await res.json(), { status: 'unavailable', kubeletPollSucceeded: false });
  t.is((await fetch(`http://127.0.0.1:${started.httpPort}/healthz`)).status, 200);
  t.is(await agentOf(r).stop(), 0);
});

test('CRI_ENDPOINT: container and sandbox spans carry the runtime nanoseconds; fallbacks keep kubelet seconds', async (t) => {
  const cri = await startFakeCriServer();
  const r = await rig({ CRI_ENDPOINT: cri.endpoint });
  const nsAt = (s: number, frac: bigint) => ns(s) + frac;
  const helperUid = deterministicUid(`litmus/${helper.name}`);
  cri.setSandbox({ id: 'sb-helper', podUid: helperUid, createdAtNs: nsAt(11, 123_456_789n) });
  cri.setContainer({
    id: containerId(`${helperUid}/container-kill/0`),
    state: 'exited',
    createdAtNs: nsAt(12, 100_000_001n),
    startedAtNs: nsAt(12, 250_000_002n),
    finishedAtNs: nsAt(20, 400_000_003n),
    exitCode: 0,
    reason: 'Completed',
  });
  // a pod that vanishes while its container runs: the runtime still knows how it ended
  const vanishing: PodScript = {
    name: 'stress-vanish',
    namespace: 'litmus',
    labels: { chaosUID: 'x' },
    creationTimestamp: sec(0),
    nodeName: NODE,
    containers: [
      {
        name: 'stress',
        env: { TRACEPARENT: `00-${TRACE}-${HELPER_PARENT}-01` },
        runs: [{ startedAt: sec(2) }],
      },
    ],
  };
  const vanishUid = deterministicUid(`litmus/${vanishing.name}`);
  cri.setContainer({
    id: containerId(`${vanishUid}/stress/0`),
    state: 'exited',
    createdAtNs: nsAt(1, 900_000_000n),
    startedAtNs: nsAt(2, 5n),
    finishedAtNs: nsAt(24, 777n),
    exitCode: 137,
    reason: 'OOMKilled',
  });
  // and one the runtime has already forgotten: kubelet times, counted as a fallback
  const forgotten: PodScript = { ...helper, name: 'container-kill-helper-q8x2m' };

  r.start();
  await serve(r, [podAt(helper, sec(14)), podAt(vanishing, sec(14)), podAt(forgotten, sec(14))]);
  await serve(r, [podAt(helper, sec(21)), podAt(vanishing, sec(21)), podAt(forgotten, sec(21))]);
  await serve(r, [podAt(helper, sec(25))]);
  await serve(r, [podAt(helper, sec(26))]);
  await r.receiver.waitFor((s) => s.filter((x) => x.name.startsWith('pod ')).length === 3);
  const spans = r.receiver.spans;
  const ofPod = (uid: string) => spans.filter((s) => s.resource['k8s.pod.uid'] === uid);

  const run = only(ofPod(helperUid), 'container container-kill');
  t.is(run.startNs, nsAt(12, 250_000_002n));
  t.is(run.endNs, nsAt(20, 400_000_003n));
  t.like(run.attributes, {
    'kse.start.source': 'cri',
    'kse.start.uncertainty_ms': 0,
    'kse.end.source': 'cri',
  });
  t.deepEqual(
    run.events.map((e) => [e.name, e.timeNs]),
    [
      ['container created', nsAt(12, 100_000_001n)],
      ['container started', nsAt(12, 250_000_002n)],
    ],
  );
  const sandbox = only(ofPod(helperUid), 'sandbox');
  t.is(sandbox.startNs, nsAt(11, 123_456_789n));

  const vanished = only(ofPod(vanishUid), 'container stress');
  t.is(vanished.endNs, nsAt(24, 777n));
  t.deepEqual(vanished.status, { code: 2, message: 'OOMKilled' });
  t.is(vanished.attributes['kse.end.estimated'], undefined);

  const fallback = only(
    ofPod(deterministicUid(`litmus/${forgotten.name}`)),
    'container container-kill',
  );
  t.is(fallback.startNs, ns(12));
  t.is(fallback.attributes['kse.start.source'], 'kubelet');
  // Parents enclose children whatever the time source: the runtime's 20.4 s end of the helper
  // container lies past the kubelet's whole-second 20 s, and its pod span still encloses it.
  for (const child of spans) {
    const parent = spans.find((p) => p.spanId === child.parentSpanId);
    if (!parent) continue;
    t.true(child.startNs >= parent.startNs, `${child.name} starts within ${parent.name}`);
    t.true(child.endNs <= parent.endNs, `${child.name} ends within ${parent.name}`);
  }
  t.is(only(ofPod(helperUid), 'pod container-kill-helper').endNs, nsAt(20, 400_000_003n));
  t.is(await agentOf(r).stop(), 0);
  await cri.close();
});

test('from a laptop: no KUBELET_URL or NODE_IP, the kubeconfig reaches the kubelet through the API server', async (t) => {
  const apiServer = await startKubeletStandIn({ pathPrefix: `/api/v1/nodes/${NODE}/proxy` });
  const receiver = await startOtlpReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'kse-laptop-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: lab',
      'clusters:',
      '- name: lab',
      '  cluster:',
      `    server: ${apiServer.url}`,
      `    certificate-authority-data: ${Buffer.from(apiServer.caPem).toString('base64')}`,
      'users:',
      '- name: me',
      '  user:',
      `    token: ${apiServer.token}`,
      'contexts:',
      '- name: lab',
      '  context: {cluster: lab, user: me}',
      '',
    ].join('\n'),
  );
  apiServer.setBody(podListBody([podAt(helper, sec(21))]));
  const agent = startAgent({
    NODE_NAME: NODE,
    KUBECONFIG: kubeconfig,
    HOME: dir,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    POLL_INTERVAL: '100ms',
    HTTP_PORT: '0',
    STATE_DIR: 'none',
  });
  try {
    const line = await agent.waitForLog((l) => l.msg?.startsWith('no KUBELET_URL') ?? false);
    t.like(line, { context: 'lab', server: apiServer.url });
    await receiver.waitFor((s) => s.some((x) => x.name === 'pod container-kill-helper'));
    t.false(JSON.stringify(agent.logs).includes(apiServer.token));
    t.is(await agent.stop(), 0);
  } finally {
    await agent.stop('SIGKILL');
    await apiServer.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('STATE_DIR that cannot be written: the agent says so and runs without a checkpoint', async (t) => {
  const r = await rig();
  writeFileSync(join(r.dir, 'a-file'), 'x');
  r.start({ STATE_DIR: join(r.dir, 'a-file', 'state') });
  const warning = await agentOf(r).waitForLog(
    (l) => l.msg?.startsWith('running without a checkpoint') ?? false,
  );
  t.regex(String(warning.reason), /ENOTDIR/);
  await serve(r, [podAt(helper, sec(21))]);
  await r.receiver.waitFor((s) => s.some((x) => x.name === 'pod container-kill-helper'));
  t.is(await agentOf(r).stop(), 0);
});
