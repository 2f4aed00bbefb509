/**
 * End to end through `node dist/main.js`, two agents on two simulated nodes and one receiver, with
 * the agent's default selection (POD_SELECTOR `chaosUID; workflows.argoproj.io/workflow`,
 * TRACE_GROUP_LABEL `chaosUID`): a stock Litmus install (no pod carries a context), Litmus with
 * tracing on (mixed), and Argo Workflows 4.1 step pods with TRACEPARENT. Timelines from
 * `timelines/`; assertions on the spans as decoded from the wire. `npm test` builds dist/ first.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import test from 'ava';
import { createRig, type Rig } from '../sim/agentRig.js';
import type { ReceivedSpan } from '../sim/otlpReceiver.js';
import { readScriptedDocument } from '../sim/timeline/loadTimeline.js';
import { createNodeSimulator, type NodeSimulator } from '../sim/timeline/nodeSimulator.js';
import { timelineForNode, timelineNodes } from '../sim/timeline/nodeTimeline.js';
import { scriptedTimeline } from '../sim/timeline/scriptedTimeline.js';
import type { PodEntry, ScriptedTimelineDocument } from '../sim/timeline/timeline.js';
import { groupTraceId } from '../src/core/groupTraceId.js';

const TIMELINES = new URL('../timelines/', import.meta.url).pathname;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Timeline seconds per wall second: at 100 ms polling, ≥ 2 polls per timeline second. */
const SPEED = 4;

interface Played {
  readonly doc: ScriptedTimelineDocument;
  readonly spans: readonly ReceivedSpan[];
  readonly nodes: readonly string[];
}

/** Plays a timeline of `timelines/` on one agent per node; returns what the receiver got. */
async function play(name: string): Promise<Played> {
  const doc = readScriptedDocument(join(TIMELINES, `${name}.yaml`));
  const timeline = scriptedTimeline(doc);
  const nodes = timelineNodes(timeline);
  const rigs: Rig[] = [];
  try {
    for (const node of nodes) {
      const first = rigs[0];
      rigs.push(
        await createRig({
          nodeName: node,
          env: {
            STATE_DIR: 'none',
            ...(first ? { OTEL_EXPORTER_OTLP_ENDPOINT: first.receiver.url } : {}),
          },
        }),
      );
    }
    const receiver = (rigs[0] as Rig).receiver;
    for (const r of rigs) r.start();
    for (const r of rigs) await r.agent?.waitForLog((l) => l.msg === 'started');
    const simulators: NodeSimulator[] = [];
    nodes.forEach((node, i) => {
      const first = simulators[0];
      simulators.push(
        createNodeSimulator({
          timeline: timelineForNode(timeline, node),
          standIn: (rigs[i] as Rig).kubelet,
          speed: SPEED,
          ...(first ? { shiftSeconds: first.shiftSeconds } : { rebase: true }),
        }),
      );
    });
    await Promise.all(simulators.map((s) => s.play()));
    // Every pod of these timelines is removed before the end: each agent saw each pod leave,
    // so SIGTERM flushes everything there is.
    for (const r of rigs) exitedCleanly(await r.agent?.stop('SIGTERM'));
    return { doc, spans: [...receiver.spans], nodes };
  } finally {
    for (const r of rigs) await r.close();
  }
}

function exitedCleanly(code: number | string | undefined): void {
  if (code !== 0) throw new Error(`agent exited with ${String(code)}`);
}

const podName = (s: ReceivedSpan) => String(s.resource['k8s.pod.name']);
const podSpans = (spans: readonly ReceivedSpan[]) => spans.filter((s) => s.name.startsWith('pod '));

/** Every pod of `pods`: its pod span, and one span per container run, under the pod span. */
function assertPodsComplete(
  t: import('ava').ExecutionContext,
  spans: readonly ReceivedSpan[],
  pods: readonly PodEntry[],
): void {
  for (const pod of pods) {
    const own = spans.filter((s) => podName(s) === pod.name);
    const podSpan = own.filter((s) => s.name.startsWith('pod '));
    t.is(podSpan.length, 1, `${pod.name}: one pod span`);
    const expected = [
      ...(pod.initContainers ?? []).flatMap((c) => c.runs.map(() => `init-container ${c.name}`)),
      ...pod.containers.flatMap((c) => c.runs.map(() => `container ${c.name}`)),
    ].sort();
    const runs = own
      .filter((s) => s.name.startsWith('container ') || s.name.startsWith('init-container '))
      .map((s) => s.name)
      .sort();
    t.deepEqual(runs, expected, `${pod.name}: its container spans`);
    const parent = podSpan[0];
    if (!parent) continue;
    for (const child of own.filter((s) => s !== parent)) {
      t.is(child.parentSpanId, parent.spanId, `${pod.name}/${child.name} under the pod span`);
      t.is(child.traceId, parent.traceId);
    }
  }
}

/** No duplicate span ids; every parent emitted (or one of the tool's own spans of the timeline). */
function assertWellFormed(
  t: import('ava').ExecutionContext,
  spans: readonly ReceivedSpan[],
  doc: ScriptedTimelineDocument,
): void {
  const ids = spans.map((s) => s.spanId);
  t.is(new Set(ids).size, ids.length, '0 duplicate span ids');
  const known = new Set([...ids, ...(doc.traceSpans ?? []).map((s) => s.spanId)]);
  const orphans = spans.filter((s) => s.parentSpanId !== '' && !known.has(s.parentSpanId));
  t.deepEqual(
    orphans.map((s) => `${podName(s)}/${s.name}`),
    [],
    '0 spans whose parent nobody emits',
  );
}

test('stock Litmus (no pod carries a context), two nodes: exactly one trace per run, every pod with its containers', async (t) => {
  const { doc, spans, nodes } = await play('stock-litmus');
  t.deepEqual(nodes, ['worker-1', 'worker-2']);
  const litmusPods = (doc.pods ?? []).filter((p) => p.labels?.chaosUID !== undefined);
  const runs = [...new Set(litmusPods.map((p) => p.labels?.chaosUID as string))];
  t.is(runs.length, 2);
  t.is(litmusPods.length, 8);

  // exactly one trace per run, and it is the run's derived trace
  const traces = new Set(spans.map((s) => s.traceId));
  t.deepEqual(
    [...traces].sort(),
    runs.map((uid) => groupTraceId(sha256, 'litmus', 'chaosUID', uid)).sort(),
  );
  for (const uid of runs) {
    const trace = groupTraceId(sha256, 'litmus', 'chaosUID', uid);
    const inTrace = new Set(spans.filter((s) => s.traceId === trace).map(podName));
    const ofRun = litmusPods.filter((p) => p.labels?.chaosUID === uid).map((p) => p.name);
    t.deepEqual([...inTrace].sort(), [...ofRun].sort(), `run ${uid}: its pods, only its pods`);
  }
  // the pods ran on both nodes, and both agents contributed
  t.deepEqual([...new Set(spans.map((s) => String(s.resource['k8s.node.name'])))].sort(), [
    'worker-1',
    'worker-2',
  ]);

  assertPodsComplete(t, spans, litmusPods);
  assertWellFormed(t, spans, doc);
  for (const p of podSpans(spans)) {
    t.is(p.parentSpanId, '', `${podName(p)}: the pod span is a root`);
    t.like(p.attributes, {
      'kse.trace.origin': 'group',
      'kse.group.key': 'chaosUID',
      'kse.group.value': (doc.pods ?? []).find((x) => x.name === podName(p))?.labels?.chaosUID,
    });
  }
  // not seen: the target pods carry no chaosUID
  t.false(
    spans.some((s) => ['podtato', 'shop'].includes(String(s.resource['k8s.namespace.name']))),
  );
  t.is(spans.filter((s) => s.status.code === 2).length, 2, 'the failed helper and its container');
});

test('Litmus tracing on (mixed): runner, experiment and probe in the run trace; helpers in the experiment trace pointing at it', async (t) => {
  const { doc, spans } = await play('mixed-litmus');
  const pods = doc.pods ?? [];
  const uid = pods[0]?.labels?.chaosUID as string;
  const runTrace = groupTraceId(sha256, 'litmus', 'chaosUID', uid);
  const experimentTrace = doc.traceId as string;
  assertPodsComplete(t, spans, pods);
  assertWellFormed(t, spans, doc);

  const byPod = new Map(podSpans(spans).map((s) => [podName(s), s]));
  t.is(byPod.size, 5);
  for (const name of [
    'podtato-head-chaos-runner',
    'container-kill-7hq2vk-4xbnm',
    'container-kill-probe-m4n8z',
  ]) {
    const p = byPod.get(name);
    t.is(p?.traceId, runTrace, `${name} in the run trace`);
    t.is(p?.parentSpanId, '', `${name} a root`);
    t.is(p?.attributes['kse.trace.origin'], 'group');
  }
  const createSpans = (doc.traceSpans ?? [])
    .filter((s) => s.name === 'CreateContainerKillFaultHelperPod')
    .map((s) => s.spanId);
  for (const name of ['container-kill-helper-hzv7c', 'container-kill-helper-w8q4t']) {
    const p = byPod.get(name);
    t.is(p?.traceId, experimentTrace, `${name} in the experiment's trace`);
    t.true(createSpans.includes(p?.parentSpanId ?? ''), `${name} under its create span`);
    t.like(p?.attributes, {
      'kse.trace.origin': 'context',
      'kse.group.value': uid,
      'kse.group.trace_id': runTrace,
    });
  }
  t.deepEqual([...new Set(spans.map((s) => s.traceId))].sort(), [experimentTrace, runTrace].sort());
});

test('Argo Workflows 4.1 step pods (TRACEPARENT, no chaosUID) traced with the default configuration', async (t) => {
  const { doc, spans } = await play('argo-workflow');
  const pods = doc.pods ?? [];
  assertPodsComplete(t, spans, pods);
  assertWellFormed(t, spans, doc);
  t.true(
    spans.every((s) => s.traceId === doc.traceId),
    'all in the workflow trace',
  );
  const create = new Map(
    (doc.traceSpans ?? [])
      .filter((s) => s.name === 'create_workflow_pod')
      .map((s) => [s.spanId, s]),
  );
  for (const p of podSpans(spans)) {
    t.true(create.has(p.parentSpanId), `${podName(p)} under create_workflow_pod`);
    t.is(p.attributes['kse.trace.origin'], 'context');
    t.false('kse.group.key' in p.attributes);
  }
  t.is(podSpans(spans).length, 3);
  const failed = spans.filter((s) => s.status.code === 2).map((s) => `${podName(s)}/${s.name}`);
  t.deepEqual(failed.sort(), [
    'chaos-wf-x7k2q-cleanup-3312004857/container main',
    'chaos-wf-x7k2q-cleanup-3312004857/pod chaos-wf-x7k2q-cleanup-3312004857',
  ]);
});
