import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import test from 'ava';
import { type KubeletStandIn, startKubeletStandIn } from '../../../sim/kubeletStandIn.js';
import type { RawObject } from '../../../sim/podBuilder.js';
import { churnTimelineDocument } from '../../../sim/timeline/churnTimeline.js';
import { loadTimeline } from '../../../sim/timeline/loadTimeline.js';
import { createNodeSimulator } from '../../../sim/timeline/nodeSimulator.js';
import { recordedTimeline } from '../../../sim/timeline/recordedTimeline.js';
import { scriptedTimeline } from '../../../sim/timeline/scriptedTimeline.js';
import { shiftTime, shiftTimes } from '../../../sim/timeline/shiftTimes.js';
import { type ScriptedTimelineDocument, TimelineError } from '../../../sim/timeline/timeline.js';

const LITMUS = new URL('../../../timelines/litmus-container-kill.yaml', import.meta.url).pathname;
const BUSY = new URL('../../../timelines/busy-node.yaml', import.meta.url).pathname;
const T0 = Date.parse('2026-11-23T10:00:00Z');
const at = (s: number) => `${new Date(T0 + s * 1000).toISOString().slice(0, 19)}Z`;
const WHOLE_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

interface Listed {
  items: RawObject[];
}

/** GET /pods from the stand-in, as the agent does (CA, bearer token). */
function getPods(kubelet: KubeletStandIn): Promise<Listed> {
  return getText(kubelet).then((text) => JSON.parse(text) as Listed);
}

/** The raw body of GET /pods. */
function getText(kubelet: KubeletStandIn): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${kubelet.url}/pods`,
      { ca: kubelet.caPem, agent: false, headers: { Authorization: `Bearer ${kubelet.token}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const podNamed = (list: Listed, name: string) =>
  list.items.find((p) => (p.metadata as { name: string }).name === name) as
    | {
        metadata: RawObject & { name: string; deletionTimestamp?: string };
        status: RawObject & { phase: string; containerStatuses: RawObject[] };
      }
    | undefined;

const standIns: KubeletStandIn[] = [];
test.after.always(async () => {
  for (const s of standIns) await s.close();
});

test('serves through the stand-in what the Litmus timeline says at each second', async (t) => {
  const kubelet = await startKubeletStandIn();
  standIns.push(kubelet);
  const timeline = loadTimeline(LITMUS);
  const sim = createNodeSimulator({ timeline, standIn: kubelet });

  sim.seek(0);
  t.deepEqual((await getPods(kubelet)).items, [], 'nothing exists at second 0');

  sim.seek(12);
  let list = await getPods(kubelet);
  t.is(podNamed(list, 'container-kill-helper-hzv7c')?.status.phase, 'Pending');
  t.is(podNamed(list, 'container-kill-7hq2vk-4xbnm')?.status.phase, 'Running');
  t.is(list.items.length, 4);

  sim.seek(24);
  list = await getPods(kubelet);
  const helper = podNamed(list, 'container-kill-helper-hzv7c');
  t.is(helper?.status.phase, 'Succeeded');
  const state = helper?.status.containerStatuses[0]?.state as
    | { terminated?: RawObject }
    | undefined;
  const terminated = state?.terminated;
  t.like(terminated, { exitCode: 0, reason: 'Completed', startedAt: at(14), finishedAt: at(24) });

  // deleted by the experiment a second after it completed: gone from the list
  sim.seek(25);
  list = await getPods(kubelet);
  t.is(podNamed(list, 'container-kill-helper-hzv7c'), undefined);
  t.is(list.items.length, 3);

  // the target's container killed (137), backing off, then restarted
  sim.seek(22);
  let target = podNamed(await getPods(kubelet), 'podtato-head-entry-6c8f7d9b5-xk2lp');
  let status = target?.status.containerStatuses[0] as RawObject;
  t.like(status, { restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } });
  t.like(status.lastState, { terminated: { exitCode: 137, finishedAt: at(22) } });
  sim.seek(30);
  target = podNamed(await getPods(kubelet), 'podtato-head-entry-6c8f7d9b5-xk2lp');
  status = target?.status.containerStatuses[0] as RawObject;
  t.like(status, { restartCount: 1, state: { running: { startedAt: at(23) } } });

  // deletion requested at 55: deletionTimestamp = 55 + 30 s grace; removed at 57
  sim.seek(56);
  target = podNamed(await getPods(kubelet), 'podtato-head-entry-6c8f7d9b5-xk2lp');
  t.is(target?.metadata.deletionTimestamp, at(85));
  sim.seek(57);
  t.is(podNamed(await getPods(kubelet), 'podtato-head-entry-6c8f7d9b5-xk2lp'), undefined);

  // the failed run: second helper exits 1, pod Failed
  sim.seek(36);
  const failed = podNamed(await getPods(kubelet), 'container-kill-helper-w8q4t');
  t.is(failed?.status.phase, 'Failed');

  // every time the kubelet reports has whole seconds (config.seen aside)
  const times = JSON.stringify((await getPods(kubelet)).items).match(
    /"(startedAt|finishedAt|creationTimestamp|lastTransitionTime)":"[^"]*"/g,
  );
  t.true((times?.length ?? 0) > 10);
  for (const m of times ?? []) t.regex(m.split('":"')[1]?.slice(0, -1) ?? '', WHOLE_SECONDS);
});

test('the shipped Litmus timeline is shaped like a real container-kill run', (t) => {
  const timeline = loadTimeline(LITMUS);
  const all = new Map<string, RawObject>();
  for (let s = 0; s <= timeline.endSeconds; s++) {
    for (const text of timeline.itemsAt(s, 0)) {
      const pod = JSON.parse(text) as RawObject & { metadata: { name: string } };
      all.set(pod.metadata.name, pod);
    }
  }
  const pod = (name: string) =>
    all.get(name) as {
      metadata: { labels: Record<string, string> };
      spec: { containers: { env?: unknown }[] };
    };
  const labels = (name: string) => pod(name).metadata.labels;
  const env = (name: string) => JSON.stringify(pod(name).spec.containers[0]?.env);
  t.is(all.size, 6);
  for (const name of all.keys()) t.truthy(labels(name).chaosUID, `${name} carries chaosUID`);
  t.false(env('podtato-head-chaos-runner').includes('TRACE'), 'runner: no context upstream');
  t.true(env('container-kill-7hq2vk-4xbnm').includes('TRACE_PARENT'));
  t.true(env('container-kill-probe-m4n8z').includes('TRACE_PARENT'));
  t.is(labels('container-kill-7hq2vk-4xbnm')['job-name'], 'container-kill-7hq2vk');
  t.regex(labels('container-kill-helper-hzv7c').app ?? '', /^container-kill-helper-/);

  // every pod's trace context points at a span the timeline's tool emits, in its trace
  const spanIds = new Set(timeline.traceSpans.map((s) => `${s.traceId}-${s.spanId}`));
  const contexts = [...all.values()].flatMap((pod) =>
    [...JSON.stringify(pod).matchAll(/00-([0-9a-f]{32})-([0-9a-f]{16})-01/g)].map(
      (m) => `${m[1]}-${m[2]}`,
    ),
  );
  t.true(contexts.length >= 5);
  for (const c of contexts) t.true(spanIds.has(c), `${c} is a tool span`);
  t.deepEqual(
    timeline.traceSpans.filter((s) => s.parentSpanId === undefined).map((s) => s.name),
    ['chaos run podtato-head container-kill'],
  );

  // exits: a kill (137), a failed helper (1), the short-lived helper seen before removal
  const exits = new Map(timeline.exits.map((e) => [e.key, e]));
  t.is(exits.get('podtato/podtato-head-entry-6c8f7d9b5-xk2lp/server/0')?.exitCode, 137);
  t.is(exits.get('litmus/container-kill-helper-w8q4t/container-kill/0')?.exitCode, 1);
  t.like(exits.get('litmus/container-kill-helper-hzv7c/container-kill/0'), {
    atSeconds: 24,
    removedSeconds: 25,
  });
});

test('busy-node: the same experiment amid 120 unrelated pods', (t) => {
  const busy = loadTimeline(BUSY);
  const plain = loadTimeline(LITMUS);
  t.is(busy.itemsAt(0, 0).length, 120);
  t.is(busy.itemsAt(24, 0).length, 120 + plain.itemsAt(24, 0).length);
  t.deepEqual(busy.itemsAt(24, 0).slice(120), plain.itemsAt(24, 0));
  t.is(busy.traceSpans.length, plain.traceSpans.length);
  // sized like the real 1.31-1.35 captures: 3.0-7.8 KB a pod, about 5 KB on average
  const sizes = busy.itemsAt(0, 0).map((p) => Buffer.byteLength(p));
  t.true(Math.min(...sizes) > 3000, `smallest ${Math.min(...sizes)} bytes`);
  t.true(Math.max(...sizes) < 10_000, `largest ${Math.max(...sizes)} bytes`);
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  t.true(mean > 4500 && mean < 6500, `mean ${Math.round(mean)} bytes a pod`);
});

test('play: every second in order at the given speed, exits recorded when first served', async (t) => {
  const bodies: string[] = [];
  const steps: number[] = [];
  const timeline = loadTimeline(LITMUS);
  const sim = createNodeSimulator({
    timeline,
    standIn: { setBody: (b) => bodies.push(b) },
    speed: 500,
    offsetSeconds: 20,
    onStep: (s) => steps.push(s),
  });
  await sim.play(26);
  t.deepEqual(steps, [20, 21, 22, 23, 24, 25, 26]);
  t.is(bodies.length, 7);
  t.is(sim.current, 26);
  t.true(bodies.every((b) => b.startsWith('{"kind":"PodList"') && b.endsWith(']}\n')));
  // the probe exited at 17 and was removed at 18, before play started: never served
  t.deepEqual([...sim.servedExits.keys()].sort(), [
    'litmus/container-kill-helper-hzv7c/container-kill/0',
    'podtato/podtato-head-entry-6c8f7d9b5-xk2lp/server/0',
  ]);
  // play continues from the current second
  await sim.play(27);
  t.deepEqual(steps.slice(-1), [27]);
});

test('stop ends a play early', async (t) => {
  const sim = createNodeSimulator({
    timeline: loadTimeline(LITMUS),
    standIn: { setBody: () => {} },
    speed: 1,
  });
  const done = sim.play();
  sim.stop();
  await done;
  t.is(sim.current, 0);
});

test('rebase: served times follow the wall clock and never run ahead of it', (t) => {
  const now = Date.parse('2030-01-01T12:00:00.400Z');
  const timeline = loadTimeline(LITMUS);
  const realTime = createNodeSimulator({
    timeline,
    standIn: { setBody: () => {} },
    rebase: true,
    offsetSeconds: 10,
    now: () => now,
  });
  t.is(realTime.isoAt(10), '2030-01-01T12:00:00Z');
  t.is(realTime.isoAt(60), '2030-01-01T12:00:50Z');
  const fast = createNodeSimulator({
    timeline,
    standIn: { setBody: () => {} },
    rebase: true,
    speed: 4,
    now: () => now,
  });
  // 60 s of node time in 15 s of wall time: starts 45 s in the past, ends at the wall clock
  t.is(fast.isoAt(0), '2030-01-01T11:59:15Z');
  t.is(fast.isoAt(60), '2030-01-01T12:00:15Z');
  const body = fast.bodyAt(24);
  t.true(body.includes('"finishedAt":"2030-01-01T11:59:39Z"'));
  t.false(body.includes('2026-11-23T'), 'every scripted time moved');
});

test('recorded timelines replay the latest snapshot, times moved with their precision', (t) => {
  const pod = (phase: string) => ({
    metadata: {
      name: 'p',
      creationTimestamp: '2025-01-01T00:00:00Z',
      annotations: { 'kubernetes.io/config.seen': '2025-01-01T00:00:00.123456789Z' },
    },
    status: { phase },
  });
  const text = [
    '{"kind":"RecordedTimeline","version":1,"node":"n1","intervalSeconds":5}',
    JSON.stringify({ at: '2025-01-01T00:00:00Z', podList: { items: [pod('Pending')] } }),
    JSON.stringify({ at: '2025-01-01T00:00:05Z', podList: { items: [pod('Running')] } }),
    JSON.stringify({ at: '2025-01-01T00:00:10Z', podList: { items: [] } }),
  ].join('\n');
  const timeline = recordedTimeline(text);
  t.is(timeline.nodeName, 'n1');
  t.is(timeline.endSeconds, 10);
  const phase = (s: number) => timeline.itemsAt(s, 0).map((i) => JSON.parse(i).status.phase);
  t.deepEqual(phase(0), ['Pending']);
  t.deepEqual(phase(4), ['Pending']);
  t.deepEqual(phase(5), ['Running']);
  t.deepEqual(phase(10), []);
  const moved = JSON.parse(timeline.itemsAt(0, 3600)[0] ?? '{}');
  t.is(moved.metadata.creationTimestamp, '2025-01-01T01:00:00Z');
  t.is(moved.metadata.annotations['kubernetes.io/config.seen'], '2025-01-01T01:00:00.123456789Z');
  t.throws(() => recordedTimeline('{"kind":"Other"}\n'), { instanceOf: TimelineError });
  t.throws(() => recordedTimeline(`${text}\nnot json`), { message: /line 5/ });
});

test('shiftTimes moves RFC 3339 strings only', (t) => {
  t.is(shiftTime('2025-01-01T00:00:59Z', 2), '2025-01-01T00:01:01Z');
  t.is(shiftTime('2025-01-01T02:00:00+02:00', 0), '2025-01-01T02:00:00+02:00');
  t.is(shiftTime('2025-01-01T23:59:59.123456789+02:00', 2), '2025-01-02T00:00:01.123456789+02:00');
  t.is(shiftTime('2025-01-01T00:00:00.5-04:30', -1), '2024-12-31T23:59:59.5-04:30');
  t.is(shiftTime('not a time', 5), undefined);
  const input = { a: ['2025-01-01T00:00:00.5Z', 'x', 3], b: { c: null } };
  t.deepEqual(shiftTimes(input, -1), {
    a: ['2024-12-31T23:59:59.5Z', 'x', 3],
    b: { c: null },
  });
  t.is(input.a[0], '2025-01-01T00:00:00.5Z', 'input untouched');
  t.throws(() => shiftTimes(input, 0.5), { instanceOf: RangeError });
});

test('a timeline that cannot be played is refused with the field at fault', (t) => {
  const base: ScriptedTimelineDocument = {
    kind: 'ScriptedTimeline',
    start: '2026-11-23T10:00:00Z',
    node: 'n1',
    pods: [
      {
        name: 'a',
        creationTimestamp: 0,
        containers: [{ name: 'c', runs: [{ startedAt: 2, finishedAt: 4 }] }],
      },
    ],
  };
  t.notThrows(() => scriptedTimeline(base));
  const bad = (doc: unknown, message: RegExp) =>
    t.throws(() => scriptedTimeline(doc as ScriptedTimelineDocument), {
      instanceOf: TimelineError,
      message,
    });
  bad({ ...base, start: 'yesterday' }, /start/);
  bad({ ...base, start: '2026-11-23T10:00:00.5Z' }, /start: whole seconds/);
  bad({ ...base, kind: 'Pod' }, /kind/);
  bad({ ...base, pods: [...(base.pods ?? []), ...(base.pods ?? [])] }, /appears twice/);
  bad(
    {
      ...base,
      pods: [
        { ...base.pods?.[0], containers: [{ name: 'c', runs: [{ startedAt: 5, finishedAt: 4 }] }] },
      ],
    },
    /pods\[0\] \(a\)\/c run 0: finishes before it starts/,
  );
  bad(
    {
      ...base,
      pods: [{ ...base.pods?.[0], containers: [{ name: 'c', runs: [{ startedAt: 1.5 }] }] }],
    },
    /whole seconds/,
  );
  bad({ ...base, pods: [{ ...base.pods?.[0], removedAt: 0 }] }, /removedAt/);
  bad(
    { ...base, traceSpans: [{ name: 'x', service: 's', spanId: 'zz', start: 0, end: 1 }] },
    /traceId/,
  );
  bad({ ...base, unrelatedPods: -1 }, /unrelatedPods/);
});

test('churn timelines: helpers come and go, each with its own trace parent', (t) => {
  const timeline = scriptedTimeline(
    churnTimelineDocument({ node: 'n1', unrelatedPods: 3, durationSeconds: 20 }),
  );
  const names = (s: number) =>
    timeline
      .itemsAt(s, 0)
      .map((i) => (JSON.parse(i) as { metadata: { name: string } }).metadata.name);
  t.is(names(0).length, 3 + 2 + 1);
  const helpersAt10 = names(10).filter((n) => n.startsWith('container-kill-helper-'));
  t.is(helpersAt10.length, 5, 'created every second, each listed for 5 s');
  t.true(timeline.exits.length >= 10);
  t.true(timeline.exits.some((e) => e.exitCode === 1));
  const parents = timeline.itemsAt(10, 0).flatMap((i) => {
    const pod = JSON.parse(i) as {
      spec: { containers: { env?: { name: string; value?: string }[] }[] };
    };
    return (pod.spec.containers[0]?.env ?? [])
      .filter((e) => e.name === 'TRACE_PARENT')
      .map((e) => JSON.parse(e.value ?? '{}').traceparent as string);
  });
  t.is(parents.length, 6, 'experiment pod and five helpers');
  t.is(new Set(parents).size, 6);
  for (const p of parents) t.regex(p, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  t.false(names(20).some((n) => names(0).includes(n) && n.startsWith('container-kill-helper-')));
});

test('loadTimeline reads YAML extends and reports the file at fault', (t) => {
  t.is(loadTimeline(BUSY).name, 'busy-node');
  const text = readFileSync(LITMUS, 'utf8');
  t.true(text.includes('kind: ScriptedTimeline'));
  t.throws(
    () => loadTimeline(new URL('../../../sim/timeline/nodeSimulator.ts', import.meta.url).pathname),
    {
      instanceOf: TimelineError,
    },
  );
});

/** A manual timer: scheduled callbacks run only when the test says so. */
function manualTimers() {
  const pending: { ms: number; run: () => void; cancelled: boolean }[] = [];
  return {
    schedule(run: () => void, ms: number) {
      const entry = { ms, run, cancelled: false };
      pending.push(entry);
      return () => {
        entry.cancelled = true;
      };
    },
    /** Runs every callback due so far; returns their delays. */
    runAll(): number[] {
      const due = pending.splice(0).filter((e) => !e.cancelled);
      for (const e of due) e.run();
      return due.map((e) => e.ms);
    },
    get size() {
      return pending.filter((e) => !e.cancelled).length;
    },
  };
}

const LAG_DOC: ScriptedTimelineDocument = {
  kind: 'ScriptedTimeline',
  start: '2026-11-23T10:00:00Z',
  node: 'n1',
  pods: [
    {
      name: 'app',
      creationTimestamp: 0,
      containers: [{ name: 'c', runs: [{ startedAt: 2, finishedAt: 5, exitCode: 3 }] }],
      restartPolicy: 'Never',
    },
    {
      name: 'etcd-n1',
      namespace: 'kube-system',
      source: 'file',
      creationTimestamp: 0,
      containers: [{ name: 'etcd', runs: [{ startedAt: 1, finishedAt: 5, exitCode: 1 }] }],
      restartPolicy: 'Never',
    },
  ],
};

/** name → phase of each pod. */
const phasesOf = (items: readonly RawObject[]) =>
  Object.fromEntries(
    items.map((p) => [
      (p.metadata as { name: string }).name,
      (p.status as { phase: string }).phase,
    ]),
  );

test('status lag: ordinary pods show a change that much later, static pods at once', (t) => {
  let body = '';
  const timers = manualTimers();
  let wall = 1000;
  const sim = createNodeSimulator({
    timeline: scriptedTimeline(LAG_DOC),
    standIn: { setBody: (b) => (body = b) },
    statusLagMs: 300,
    schedule: timers.schedule,
    now: () => wall,
  });
  const phases = () => phasesOf((JSON.parse(body) as Listed).items);
  sim.seek(4);
  t.deepEqual(phases(), { 'etcd-n1': 'Running', app: 'Running' }, 'the first second at once');
  t.is(timers.size, 0);
  sim.seek(6);
  // the static pod's exit is listed at once, the ordinary pod's only after the lag
  t.deepEqual(phases(), { 'etcd-n1': 'Failed', app: 'Running' });
  t.false(sim.servedExits.has('default/app/c/0'));
  t.is(sim.servedExits.get('kube-system/etcd-n1/etcd/0'), 1000);
  wall = 1300;
  t.deepEqual(timers.runAll(), [300]);
  t.deepEqual(phases(), { 'etcd-n1': 'Failed', app: 'Failed' });
  t.is(sim.servedExits.get('default/app/c/0'), 1300);

  // without a lag, every pod changes at once
  const direct = createNodeSimulator({
    timeline: scriptedTimeline(LAG_DOC),
    standIn: { setBody: (b) => (body = b) },
    schedule: timers.schedule,
  });
  direct.seek(4);
  direct.seek(6);
  t.deepEqual(phases(), { 'etcd-n1': 'Failed', app: 'Failed' });
  t.is(timers.size, 0);
});

test('restart through the simulator: phases in order, config.seen reset to the served second', async (t) => {
  const pending: (() => void)[] = [];
  const waiting: (() => void)[] = [];
  const kubelet = await startKubeletStandIn({
    schedule: (run) => {
      pending.push(run);
      waiting.shift()?.();
    },
  });
  standIns.push(kubelet);
  const sim = createNodeSimulator({ timeline: loadTimeline(LITMUS), standIn: kubelet });
  const nextPhase = async () => {
    if (pending.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    (pending.shift() as () => void)();
  };
  sim.seek(30);
  const before = await getPods(kubelet);
  t.true(before.items.length >= 3);
  const restarted = sim.restart({ refusedMs: 600, emptyMs: 1600, partialMs: 1000 });
  const phases: string[] = [];
  while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
  phases.push(kubelet.phase);
  await t.throwsAsync(getPods(kubelet), { code: 'ECONNREFUSED' });
  await nextPhase();
  while (kubelet.phase === 'refused') await new Promise((resolve) => setImmediate(resolve));
  phases.push(kubelet.phase);
  t.deepEqual((await getPods(kubelet)).items, []);
  await nextPhase();
  phases.push(kubelet.phase);
  const partial = (await getPods(kubelet)).items.length;
  t.true(partial > 0 && partial < before.items.length, `partial: ${partial}`);
  await nextPhase();
  await restarted;
  phases.push(kubelet.phase);
  t.deepEqual(phases, ['refused', 'empty', 'partial', 'up']);
  const after = await getPods(kubelet);
  t.is(after.items.length, before.items.length);
  // 10:00:30Z is second 30 of the Litmus timeline; the node shows it in its zone
  for (const pod of after.items) {
    const seen = ((pod.metadata as RawObject).annotations as Record<string, string>)[
      'kubernetes.io/config.seen'
    ];
    t.regex(seen ?? '', /^2026-11-23T12:00:30\.\d{9}\+02:00$/);
  }
});

test('podsApi: fed the pods `/pods` serves, at once, while `/pods` lags behind', (t) => {
  let body = '';
  const fed: RawObject[][] = [];
  const timers = manualTimers();
  const sim = createNodeSimulator({
    timeline: scriptedTimeline(LAG_DOC),
    standIn: { setBody: (b) => (body = b) },
    podsApi: { setPods: (pods) => fed.push([...pods]) },
    statusLagMs: 300,
    schedule: timers.schedule,
  });
  sim.seek(4);
  t.deepEqual(phasesOf(fed.at(-1) ?? []), { 'etcd-n1': 'Running', app: 'Running' });
  // the same objects as `/pods` (order aside)
  const sortByName = (items: readonly RawObject[]) =>
    [...items].sort((a, b) =>
      (a.metadata as { name: string }).name < (b.metadata as { name: string }).name ? -1 : 1,
    );
  t.deepEqual(sortByName(fed.at(-1) ?? []), sortByName((JSON.parse(body) as Listed).items));
  sim.seek(6);
  // the Pods API has the ordinary pod's exit now; `/pods` only after the lag
  t.deepEqual(phasesOf(fed.at(-1) ?? []), { 'etcd-n1': 'Failed', app: 'Failed' });
  t.deepEqual(phasesOf((JSON.parse(body) as Listed).items), {
    'etcd-n1': 'Failed',
    app: 'Running',
  });
  t.is(fed.length, 2, 'one feed per served second, none when the lag ends');
  timers.runAll();
  t.is(fed.length, 2);
});

test('podsApi: a restart drops the watches and refuses calls until the whole list is back', async (t) => {
  const events: string[] = [];
  let finishRestart: () => void = () => {};
  const podsApi = {
    initializing: false,
    setPods: () => {},
    dropWatches: (code?: number) => events.push(`drop ${code}`),
  };
  const sim = createNodeSimulator({
    timeline: loadTimeline(LITMUS),
    standIn: {
      setBody: () => {},
      restart: () => {
        events.push(`restart, initializing ${podsApi.initializing}`);
        return new Promise<void>((resolve) => {
          finishRestart = resolve;
        });
      },
    },
    podsApi,
  });
  sim.seek(30);
  const restarted = sim.restart({ refusedMs: 600, emptyMs: 1600, partialMs: 1000 });
  t.true(podsApi.initializing);
  finishRestart();
  await restarted;
  t.false(podsApi.initializing);
  t.deepEqual(events, ['drop 14', 'restart, initializing true']);
});
