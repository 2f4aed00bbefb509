/**
 * The tracker's context decision (see `resolvePodContext`): group-origin pods as roots of their
 * run's trace, origin attributes, no fallback for invalid or unsampled contexts, one decision per
 * pod for its whole life, checkpoint included.
 */
import { createHash } from 'node:crypto';
import test from 'ava';
import type { ContainerState, EnvSource, KubeletPod } from '../../src/core/kubeletPod.js';
import { PodTracker, type PodTrackerOptions } from '../../src/core/podTracker.js';
import { isSpanData, type SpanData } from '../../src/core/spanData.js';
import { parseTime, type Time } from '../../src/core/time.js';
import { isTrackerSnapshot } from '../../src/core/trackerSnapshot.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const ENGINE_UID = '3e4b8f2a-6c1d-4a9e-b7f0-2d5c8e1a9b46';
/** Golden: sha256("kse.group.v1\0litmus\0chaosUID\0" + ENGINE_UID), first 16 bytes. */
const GROUP_TRACE = '268c6e9ce3d0d5021e570acce159219c';
const OPTIONS: PodTrackerOptions = {
  nodeName: 'node-a',
  envNames: ['TRACEPARENT', 'TRACE_PARENT'],
  hash: sha256,
  groupLabel: 'chaosUID',
};

const T = (sec: number) =>
  new Date(Date.parse('2026-11-23T10:00:00Z') + sec * 1000).toISOString().replace('.000Z', 'Z');
const tAt = (sec: number): Time => parseTime(T(sec)) as Time;

interface Input {
  uid?: string;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  state: ContainerState;
  phase?: string;
}

function pod(input: Input): KubeletPod {
  const env = new Map<string, EnvSource>(
    Object.entries(input.env ?? {}).map(([k, value]) => [k, { kind: 'value', value }]),
  );
  return {
    uid: input.uid ?? 'uid-runner',
    name: 'engine-runner',
    namespace: 'litmus',
    creationTimestamp: T(0),
    labels: input.labels ?? { chaosUID: ENGINE_UID },
    annotations: {},
    initContainers: [],
    containers: [{ name: 'chaos-runner', env }],
    phase: input.phase ?? 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: T(0) },
      { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: T(1) },
    ],
    initContainerStatuses: [],
    containerStatuses: [
      {
        name: 'chaos-runner',
        state: input.state,
        lastState: {},
        restartCount: 0,
        containerID: 'containerd://r0',
      },
    ],
  };
}

const running: ContainerState = { running: { startedAt: T(2) } };
const done: ContainerState = {
  terminated: { exitCode: 0, reason: 'Completed', startedAt: T(2), finishedAt: T(9) },
};

/** Runs a pod from running to succeeded; returns every span. */
function lifecycle(tracker: PodTracker, input: Omit<Input, 'state'>): SpanData[] {
  return [
    ...tracker.observe([pod({ ...input, state: running })], tAt(3)).spans,
    ...tracker.observe([pod({ ...input, state: done, phase: 'Succeeded' })], tAt(10)).spans,
  ];
}

const podSpanOf = (spans: readonly SpanData[]) => {
  const found = spans.filter((s) => s.name.startsWith('pod '));
  if (found.length !== 1) throw new Error(`expected one pod span, got ${found.length}`);
  return found[0] as SpanData;
};

test('no context + group label: the pod span is a root of the run trace, children under it', (t) => {
  const tracker = new PodTracker(OPTIONS);
  const spans = lifecycle(tracker, {});
  t.deepEqual(spans.map((s) => s.name).sort(), [
    'container chaos-runner',
    'pod engine-runner',
    'sandbox',
    'scheduling',
  ]);
  t.true(spans.every((s) => s.traceId === GROUP_TRACE));
  const podSpan = podSpanOf(spans);
  t.is(podSpan.parentSpanId, '', 'a root: no parent id that nobody emits');
  t.false(podSpan.parentIsRemote);
  t.true(isSpanData(podSpan), 'a root passes the checkpoint validation');
  for (const child of spans.filter((s) => s !== podSpan)) {
    t.is(child.parentSpanId, podSpan.spanId);
    t.false(child.parentIsRemote);
    t.is(child.attributes['kse.trace.origin'], undefined, 'origin is on the pod span');
  }
  t.like(podSpan.attributes, {
    'kse.trace.origin': 'group',
    'kse.group.key': 'chaosUID',
    'kse.group.value': ENGINE_UID,
  });
  t.is(podSpan.attributes['kse.group.trace_id'], undefined, 'the group trace is this trace');
  // deterministic: another tracker (another agent) builds byte-identical spans
  t.deepEqual(lifecycle(new PodTracker(OPTIONS), {}), spans);
});

test('a pod with its own context and the label keeps its trace and names the run trace', (t) => {
  const spans = lifecycle(new PodTracker(OPTIONS), {
    env: { TRACE_PARENT: `{"traceparent":"00-${TRACE}-${SPAN}-01"}` },
  });
  t.true(spans.every((s) => s.traceId === TRACE));
  const podSpan = podSpanOf(spans);
  t.is(podSpan.parentSpanId, SPAN);
  t.true(podSpan.parentIsRemote);
  t.like(podSpan.attributes, {
    'kse.trace.origin': 'context',
    'kse.group.key': 'chaosUID',
    'kse.group.value': ENGINE_UID,
    'kse.group.trace_id': GROUP_TRACE,
  });
});

test('a context and no label: origin context, no group attributes', (t) => {
  const podSpan = podSpanOf(
    lifecycle(new PodTracker(OPTIONS), {
      labels: { 'workflows.argoproj.io/workflow': 'wf-1' },
      env: { TRACEPARENT: `00-${TRACE}-${SPAN}-01` },
    }),
  );
  t.is(podSpan.attributes['kse.trace.origin'], 'context');
  for (const key of ['kse.group.key', 'kse.group.value', 'kse.group.trace_id']) {
    t.false(key in podSpan.attributes, key);
  }
});

test('not sampled and invalid contexts never fall back to the group trace', (t) => {
  const tracker = new PodTracker(OPTIONS);
  const unsampled = pod({
    uid: 'u-00',
    env: { TRACEPARENT: `00-${TRACE}-${SPAN}-00` },
    state: done,
  });
  const invalid = pod({ uid: 'u-bad', env: { TRACE_PARENT: 'garbage' }, state: done });
  const { spans, notices } = tracker.observe([unsampled, invalid], tAt(10));
  tracker.observe([], tAt(11));
  t.deepEqual(spans, []);
  t.deepEqual(
    notices.map((n) => n.kind),
    ['notSampled', 'invalidContext'],
  );
  t.deepEqual(tracker.observe([], tAt(12)).spans, [], 'and nothing when they are gone');
  t.deepEqual(tracker.tracedPodsByOrigin(), { context: 0, group: 0 });
});

test('an empty or invalid group label value: "no context", no spans, the problem named', (t) => {
  const tracker = new PodTracker(OPTIONS);
  const empty = pod({ uid: 'u-empty', labels: { chaosUID: '' }, state: running });
  const bad = pod({ uid: 'u-bad', labels: { chaosUID: 'not valid!' }, state: running });
  const { spans, notices } = tracker.observe([empty, bad], tAt(3));
  t.deepEqual(spans, []);
  t.deepEqual(notices, [
    {
      kind: 'noContext',
      pod: { uid: 'u-empty', namespace: 'litmus', name: 'engine-runner' },
      unresolvable: 0,
      groupProblem: 'label chaosUID: empty value',
    },
    {
      kind: 'noContext',
      pod: { uid: 'u-bad', namespace: 'litmus', name: 'engine-runner' },
      unresolvable: 0,
      groupProblem: 'label chaosUID: not a valid label value',
    },
  ]);
  t.false(JSON.stringify(notices).includes('not valid!'), 'the value itself is not echoed');
});

test('without groupLabel a pod with no context is only counted', (t) => {
  const { groupLabel: _off, ...off } = OPTIONS;
  const tracker = new PodTracker(off);
  t.deepEqual(lifecycle(tracker, {}), []);
});

test('the decision is made at first sight and kept: later label changes change nothing', (t) => {
  const tracker = new PodTracker(OPTIONS);
  // first seen without the label: untraced for life, even when the label appears
  const late = lifecycle(tracker, { uid: 'u-late', labels: {} });
  t.deepEqual(late, []);
  // first seen in one run: stays in that run's trace when the label value changes
  const moved = new PodTracker(OPTIONS);
  const spans = [
    ...moved.observe([pod({ state: running })], tAt(3)).spans,
    ...moved.observe(
      [pod({ state: done, phase: 'Succeeded', labels: { chaosUID: 'another-run' } })],
      tAt(10),
    ).spans,
  ];
  t.true(spans.length > 0);
  t.true(spans.every((s) => s.traceId === GROUP_TRACE));
  t.is(podSpanOf(spans).attributes['kse.group.value'], ENGINE_UID);
});

test('tracedPodsByOrigin counts live traced pods by origin', (t) => {
  const tracker = new PodTracker(OPTIONS);
  tracker.observe(
    [
      pod({ uid: 'g', state: running }),
      pod({ uid: 'c', env: { TRACEPARENT: `00-${TRACE}-${SPAN}-01` }, state: running }),
      pod({ uid: 'n', labels: {}, state: running }),
    ],
    tAt(3),
  );
  t.deepEqual(tracker.tracedPodsByOrigin(), { context: 1, group: 1 });
  t.is(tracker.tracedPods, 2);
  t.true(tracker.hasLivePods);
});

test('a snapshot round trip keeps the decision: same spans as an uninterrupted tracker', (t) => {
  const straight = lifecycle(new PodTracker(OPTIONS), {});
  const first = new PodTracker(OPTIONS);
  const before = first.observe([pod({ state: running })], tAt(3)).spans;
  const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
  t.true(isTrackerSnapshot(snapshot));
  t.like(snapshot.pods[0].identity, {
    origin: 'group',
    contextSpanId: '',
    groupKey: 'chaosUID',
    groupValue: ENGINE_UID,
    groupTraceId: GROUP_TRACE,
  });
  // restored by an agent whose group label is now off: the pod keeps its group decision
  const { groupLabel: _off, ...off } = OPTIONS;
  const resumed = new PodTracker(off, snapshot);
  const after = resumed.observe([pod({ state: done, phase: 'Succeeded' })], tAt(10)).spans;
  t.deepEqual([...before, ...after], straight);
});

test('an untraced pod stays untraced across a restart, even if the label now qualifies', (t) => {
  const first = new PodTracker({ ...OPTIONS, groupLabel: 'other-label' });
  t.deepEqual(first.observe([pod({ state: running })], tAt(3)).spans, []);
  const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
  const resumed = new PodTracker(OPTIONS, snapshot);
  t.deepEqual(resumed.observe([pod({ state: done, phase: 'Succeeded' })], tAt(10)).spans, []);
});

test('an old snapshot (before groups) loads its pods as origin context', (t) => {
  const first = new PodTracker(OPTIONS);
  const env = { TRACE_PARENT: `{"traceparent":"00-${TRACE}-${SPAN}-01"}` };
  first.observe([pod({ env, state: running })], tAt(3));
  const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
  const identity = snapshot.pods[0].identity;
  for (const key of ['origin', 'groupKey', 'groupValue', 'groupTraceId']) delete identity[key];
  t.true(isTrackerSnapshot(snapshot));
  const resumed = new PodTracker(OPTIONS, snapshot);
  const podSpan = podSpanOf(
    resumed.observe([pod({ env, state: done, phase: 'Succeeded' })], tAt(10)).spans,
  );
  t.is(podSpan.parentSpanId, SPAN);
  t.is(podSpan.attributes['kse.trace.origin'], 'context');
  t.false('kse.group.trace_id' in podSpan.attributes);
});

test('snapshot validation: a group identity needs an empty context span and its label', (t) => {
  const first = new PodTracker(OPTIONS);
  first.observe([pod({ state: running })], tAt(3));
  const good = JSON.parse(JSON.stringify(first.snapshot()));
  const broken = (change: (identity: Record<string, unknown>) => void) => {
    const copy = JSON.parse(JSON.stringify(good));
    change(copy.pods[0].identity);
    return isTrackerSnapshot(copy);
  };
  t.true(broken(() => {}));
  t.false(
    broken((i) => {
      i.contextSpanId = SPAN;
    }),
  );
  t.false(
    broken((i) => {
      i.origin = 'label';
    }),
  );
  t.false(
    broken((i) => {
      delete i.groupValue;
    }),
  );
  t.false(
    broken((i) => {
      i.groupTraceId = 'xyz';
    }),
  );
  t.false(
    broken((i) => {
      i.origin = 'context';
    }),
    'a context pod needs a context span id',
  );
});

test('span validation: a root has no remote parent', (t) => {
  const spans = lifecycle(new PodTracker(OPTIONS), {});
  const root = podSpanOf(spans);
  t.true(isSpanData(root));
  t.false(isSpanData({ ...root, parentIsRemote: true }));
  t.false(isSpanData({ ...root, parentSpanId: '0123' }));
});
