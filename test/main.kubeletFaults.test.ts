/**
 * The real entry point (`node dist/main.js`) through what real kubelets do (issue 9): a restart
 * in the middle of an experiment (connections refused, then empty and partial lists), and faults
 * on a third of the polls while short-lived helpers come and go. Pod time runs at wall-clock
 * speed or faster; nothing here asserts a duration.
 */
import test from 'ava';
import { createRig, type Rig } from '../sim/agentRig.js';
import type { ReceivedSpan } from '../sim/otlpReceiver.js';
import { type PodScript, podAt, podListBody, type RawObject } from '../sim/podBuilder.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const NODE = 'worker-1';
const AGENT_UID = '6f0b3c1e-2d4a-4e8b-9c7d-5a1f0e2b3c4d';
const ctx = { TRACE_PARENT: `{"traceparent":"00-${TRACE}-${PARENT}-01"}` };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const rigs: Rig[] = [];
test.after.always(async () => {
  for (const r of rigs) await r.close();
});

/** Pod time `s` seconds after `t0` (RFC 3339; fractions allowed for `podAt`). */
const clock = (t0: number) => (s: number) => new Date(t0 + s * 1000).toISOString();
const nsOf = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

interface Scripted {
  readonly pod: PodScript;
  readonly removedAt?: number;
  readonly createdAt: number;
}

function listAt(scripts: readonly Scripted[], at: (s: number) => string, s: number): RawObject[] {
  return scripts
    .filter((x) => x.createdAt <= s && (x.removedAt === undefined || s < x.removedAt))
    .map((x) => podAt(x.pod, at(s)));
}

const containerSpans = (spans: readonly ReceivedSpan[], name: string) =>
  spans.filter((x) => x.name === name);

test('a kubelet restart mid-experiment (refused, empty, partial lists): no pod ended early, every reported end and exit code arrives once', async (t) => {
  const r = await createRig({ nodeName: NODE, env: { POD_UID: AGENT_UID } });
  rigs.push(r);
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 120_000;
  const at = clock(t0);
  const own: Scripted = {
    createdAt: 0,
    pod: {
      name: 'kubelet-span-exporter-7xk2p',
      uid: AGENT_UID,
      namespace: 'kubelet-span-exporter',
      creationTimestamp: at(0),
      nodeName: NODE,
      containers: [{ name: 'agent', runs: [{ startedAt: at(0) }] }],
    },
  };
  const pod = (name: string, created: number, start: number, end: number): PodScript => ({
    name,
    namespace: 'litmus',
    labels: { chaosUID: 'run-1' },
    creationTimestamp: at(created),
    restartPolicy: 'Never',
    nodeName: NODE,
    containers: [{ name: 'main', env: ctx, runs: [{ startedAt: at(start), finishedAt: at(end) }] }],
  });
  const scripts: Scripted[] = [
    own,
    { createdAt: 0, pod: pod('exp-job-x1', 0, 1, 40), removedAt: 44 },
    { createdAt: 2, pod: pod('helper-a', 2, 3, 24), removedAt: 26 },
    { createdAt: 27, pod: pod('helper-b', 27, 28, 30), removedAt: 32 },
  ];
  r.start();
  const STEP_MS = 250;
  let restart: Promise<void> | undefined;
  for (let s = 0; s <= 48; s++) {
    r.kubelet.setBody(podListBody(listAt(scripts, at, s)));
    if (s === 6) restart = r.kubelet.restart({ refusedMs: 600, emptyMs: 1600, partialMs: 1200 });
    await sleep(STEP_MS);
  }
  await restart;
  await r.receiver.waitFor((spans) => containerSpans(spans, 'container main').length >= 3, 30_000);
  const spans = r.receiver.spans;
  const runOf = (podName: string) =>
    spans.filter((x) => x.name === 'container main' && x.resource['k8s.pod.name'] === podName);
  const expected: [string, number, number][] = [
    ['exp-job-x1', 1, 40],
    ['helper-a', 3, 24],
    ['helper-b', 28, 30],
  ];
  for (const [name, start, end] of expected) {
    const runs = runOf(name);
    t.is(runs.length, 1, `${name}: one container span`);
    t.is(runs[0]?.startNs, nsOf(at(start)), `${name}: reported start`);
    t.is(runs[0]?.endNs, nsOf(at(end)), `${name}: reported end, not an estimate`);
    t.is(runs[0]?.attributes['process.exit.code'], 0, `${name}: exit code`);
    t.is(runs[0]?.attributes['kse.end.estimated'], undefined);
  }
  await r.receiver.waitFor((s) => s.filter((x) => x.name.startsWith('pod ')).length >= 3, 30_000);
  const exp = r.receiver.spans.find((x) => x.name === 'pod exp-job-x1');
  t.is(exp?.endNs, nsOf(at(40)), 'the experiment pod ends with its container, not at the restart');
  const ids = r.receiver.spans.map((x) => x.spanId);
  t.is(new Set(ids).size, ids.length, 'nothing twice');
  const agent = r.agent;
  t.truthy(agent);
  const restarts = agent?.logs.filter((l) => l.msg?.toString().startsWith('kubelet restart seen'));
  t.is(restarts?.length, 1, 'the restart is logged once');
  // the first poll after the refused connections carries the signs (the own pod missing too
  // when that poll already got an empty list)
  const signs = (restarts?.[0] as { signs?: string[] } | undefined)?.signs ?? [];
  t.true(signs.includes('connection_refused'), signs.join());
  t.true(
    signs.every((x) => ['connection_refused', 'own_pod_missing'].includes(x)),
    signs.join(),
  );
  t.false(
    agent?.logs.some(
      (l) =>
        l.msg === 'pod listed again after it was ended: later runs continue under its pod span',
    ) ?? true,
  );
  t.log(
    `restart: 3 container runs expected, ${runOf('exp-job-x1').length + runOf('helper-a').length + runOf('helper-b').length} delivered with reported times, 0 lost, ${ids.length - new Set(ids).size} duplicated`,
  );
  await agent?.stop();
});

test('faults on a third of the polls: 20 helpers each living 2 s and listed 1 s after they exit all arrive with their reported times', async (t) => {
  const r = await createRig({
    nodeName: NODE,
    env: { KUBELET_TIMEOUT: '1s' },
    kubelet: {
      seed: 9,
      randomFaults: { share: 1 / 3, slowMs: 300, seed: 20261129 },
    },
  });
  rigs.push(r);
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  const at = clock(t0);
  const HELPERS = 20;
  const scripts: Scripted[] = Array.from({ length: HELPERS }, (_, i) => ({
    createdAt: i,
    removedAt: i + 4,
    pod: {
      name: `helper-${i}`,
      generateName: 'helper-',
      namespace: 'litmus',
      labels: { chaosUID: 'run-2' },
      creationTimestamp: at(i),
      restartPolicy: 'Never',
      nodeName: NODE,
      containers: [
        {
          name: 'kill',
          env: ctx,
          runs: [{ startedAt: at(i + 1), finishedAt: at(i + 3), exitCode: i % 5 === 0 ? 1 : 0 }],
        },
      ],
    },
  }));
  r.start();
  const started = Date.now();
  // pod time follows the wall clock; the body is refreshed every 50 ms
  while (Date.now() - started < (HELPERS + 5) * 1000) {
    const s = (Date.now() - started) / 1000;
    r.kubelet.setBody(podListBody(listAt(scripts, at, s)));
    await sleep(50);
  }
  await r.receiver.waitFor(
    (spans) => containerSpans(spans, 'container kill').length >= HELPERS,
    30_000,
  );
  const runs = containerSpans(r.receiver.spans, 'container kill');
  const byPod = new Map(runs.map((x) => [String(x.resource['k8s.pod.name']), x]));
  for (let i = 0; i < HELPERS; i++) {
    const run = byPod.get(`helper-${i}`);
    t.truthy(run, `helper-${i}: container span arrived`);
    t.is(run?.startNs, nsOf(at(i + 1)), `helper-${i}: reported start`);
    t.is(run?.endNs, nsOf(at(i + 3)), `helper-${i}: reported end`);
    t.is(run?.attributes['process.exit.code'], i % 5 === 0 ? 1 : 0);
  }
  const ids = r.receiver.spans.map((x) => x.spanId);
  t.is(new Set(ids).size, ids.length, 'nothing twice');
  const faults = r.kubelet.faultsServed;
  const served = Object.values(faults).reduce((a, b) => a + b, 0);
  t.true(served > 0, 'faults were served');
  t.log(
    `faults: ${served} of ${r.kubelet.requests} requests (${JSON.stringify(faults)}); ` +
      `${HELPERS} container spans expected, ${byPod.size} delivered, ${HELPERS - byPod.size} lost, ` +
      `${ids.length - new Set(ids).size} duplicated`,
  );
  await r.agent?.stop();
});
