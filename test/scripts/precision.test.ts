/**
 * The pure parts of `scripts/precision.ts`: the seeded ground truth and its kubelet and runtime
 * views, matching spans to true runs, the interval check, distributions and outcomes. No agent.
 */
import test from 'ava';
import {
  captureByDelay,
  distribution,
  edgeSample,
  formatJson,
  formatMs,
  formatShare,
  matchRuns,
  outcomeOf,
  summarizeEdge,
  withinStated,
} from '../../scripts/lib/precisionAnalysis.js';
import {
  criContainerAt,
  generateTimeline,
  KubeletView,
  kubeletTime,
  podVisibility,
  renderKubeletPod,
  type Timeline,
  type TruthPod,
  timelineActions,
} from '../../scripts/lib/precisionTimeline.js';
import type { ReceivedSpan } from '../../sim/otlpReceiver.js';
import { seededRandom } from '../../sim/timeline/seededRandom.js';

const MS = 1_000_000n;
const ANCHOR = 1_795_000_000_123_456_789n;

const small = (seed = 7): Timeline =>
  generateTimeline({
    seed,
    anchorNs: ANCHOR,
    durationS: 40,
    precisionPods: 12,
    racePodsPerDelay: 3,
    deleteDelaysMs: [500, 1000, 2000],
  });

function span(id: string, startNs: bigint, endNs: bigint, attributes: Record<string, unknown>) {
  return {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentSpanId: 'c'.repeat(16),
    traceState: '',
    name: 'container stress',
    kind: 1,
    startNs,
    endNs,
    attributes: { 'container.id': id, ...attributes },
    events: [],
    status: { code: 0, message: '' },
    resource: {},
    scope: { name: 'kubelet-span-exporter', version: '0.1.0' },
  } as ReceivedSpan;
}

const kubeletAttrs = (startUnc: number, endUnc: number) => ({
  'kse.start.source': 'kubelet',
  'kse.start.uncertainty_ms': startUnc,
  'kse.end.source': 'kubelet',
  'kse.end.uncertainty_ms': endUnc,
});

test('distribution: nearest-rank percentiles and the maximum', (t) => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted input
  t.deepEqual(distribution(values), { n: 100, p50: 50, p90: 90, p99: 99, max: 100 });
  t.deepEqual(distribution([3]), { n: 1, p50: 3, p90: 3, p99: 3, max: 3 });
  const empty = distribution([]);
  t.is(empty.n, 0);
  t.true(Number.isNaN(empty.p50) && Number.isNaN(empty.max));
});

test('withinStated: reported times are lower bounds, poll ends upper bounds', (t) => {
  const r = 10_000n * MS;
  // kubelet: truth in [r, r + 1000 ms]
  t.true(withinStated(r, r + 999n * MS, 'kubelet', 1000));
  t.true(withinStated(r, r, 'kubelet', 1000));
  t.false(withinStated(r, r + 1001n * MS, 'kubelet', 1000));
  t.false(withinStated(r, r - 1n * MS, 'kubelet', 1000));
  // the wire rounds uncertainty to the microsecond
  t.true(withinStated(r, r + 250_000_400n, 'kubelet', 250));
  // cri: exact
  t.true(withinStated(r, r, 'cri', 0));
  t.false(withinStated(r, r + 2n * MS, 'cri', 0));
  // poll: truth in [r - 400 ms, r]
  t.true(withinStated(r, r - 400n * MS, 'poll', 400));
  t.false(withinStated(r, r - 401n * MS, 'poll', 400));
  t.false(withinStated(r, r + 1n * MS, 'poll', 400));
});

test('edgeSample: signed error and the attributes of the edge', (t) => {
  const s = span('x', 5_000n * MS, 9_000n * MS, kubeletAttrs(300, 1000));
  t.deepEqual(edgeSample(s, 'start', 5_250n * MS), {
    errorMs: -250,
    source: 'kubelet',
    uncertaintyMs: 300,
    within: true,
  });
  t.false(edgeSample(s, 'start', 5_301n * MS).within);
  const noAttrs = span('x', 5_000n * MS, 9_000n * MS, {});
  t.false(edgeSample(noAttrs, 'end', 9_000n * MS).within);
});

test('matchRuns: pairs runs by container.id, counts strays and duplicates', (t) => {
  const timeline = small();
  const oom = timeline.pods.find((p) => p.runs.length === 2) as TruthPod;
  t.truthy(oom, 'the seed makes a restarted OOM pod');
  const [first, second] = oom.runs as [TruthPod['runs'][0], TruthPod['runs'][0]];
  const truncated = (ns: bigint) => (ns / 1_000_000_000n) * 1_000_000_000n;
  const spans = [
    span(
      first.containerId,
      truncated(first.startNs),
      truncated(first.finishNs),
      kubeletAttrs(1000, 1000),
    ),
    span(first.containerId, first.startNs, first.finishNs, {}), // a duplicate
    span('f'.repeat(64), 0n, 1n, {}), // no such run
    { ...span(second.containerId, 0n, 1n, {}), name: 'sandbox' }, // not a container run
  ];
  const result = matchRuns(timeline.pods, spans);
  t.is(
    result.runs.length,
    timeline.pods.reduce((n, p) => n + p.runs.length, 0),
  );
  t.is(result.duplicateSpans, 1);
  t.is(result.unmatchedSpans, 1);
  const m1 = result.runs.find((m) => m.run === first);
  t.is(m1?.span, spans[0]);
  t.is(m1?.start?.errorMs, -Number(first.startNs % 1_000_000_000n) / 1e6);
  t.true(m1?.start?.within === true && m1.end?.within === true);
  t.is(result.runs.find((m) => m.run === second)?.span, undefined);
});

test('outcomeOf and captureByDelay: reported end, estimated end, no span', (t) => {
  const timeline = small(11);
  const race = timeline.pods.filter((p) => p.group === 'deletion');
  t.is(race.length, 9);
  const [a, b] = race.filter((p) => p.deleteAfterMs === 500) as [TruthPod, TruthPod];
  const c = race.find((p) => p.deleteAfterMs === 2000) as TruthPod;
  const runOf = (p: TruthPod) => p.runs[0] as TruthPod['runs'][0];
  const spans = [
    span(runOf(a).containerId, runOf(a).startNs, runOf(a).finishNs, {
      'kse.start.source': 'cri',
      'kse.start.uncertainty_ms': 0,
      'kse.end.source': 'cri',
      'kse.end.uncertainty_ms': 0,
    }),
    span(runOf(b).containerId, runOf(b).startNs, runOf(b).finishNs + 900n * MS, {
      'kse.end.source': 'poll',
      'kse.end.uncertainty_ms': 1000,
      'kse.end.estimated': true,
    }),
    span(runOf(c).containerId, runOf(c).startNs, runOf(c).finishNs, kubeletAttrs(0, 0)),
  ];
  const { runs } = matchRuns(timeline.pods, spans);
  const outcome = (p: TruthPod) => outcomeOf(runs.find((m) => m.pod === p) as (typeof runs)[0]);
  t.is(outcome(a), 'captured');
  t.is(outcome(b), 'estimatedEnd');
  t.is(outcome(c), 'captured');
  const byDelay = captureByDelay(runs);
  t.deepEqual([...byDelay.keys()], [500, 1000, 2000]);
  t.deepEqual(byDelay.get(500), { total: 3, captured: 1, estimatedEnd: 1, noSpan: 1 });
  t.deepEqual(byDelay.get(1000), { total: 3, captured: 0, estimatedEnd: 0, noSpan: 3 });
  t.deepEqual(byDelay.get(2000), { total: 3, captured: 1, estimatedEnd: 0, noSpan: 2 });
});

test('summarizeEdge: |error| distribution, sources and the interval shares', (t) => {
  const summary = summarizeEdge([
    { errorMs: -400, source: 'kubelet', uncertaintyMs: 1000, within: true },
    { errorMs: -100, source: 'kubelet', uncertaintyMs: 300, within: true },
    { errorMs: 0, source: 'cri', uncertaintyMs: 0, within: true },
    { errorMs: 700, source: 'poll', uncertaintyMs: 500, within: false },
  ]);
  t.like(summary, { n: 4, p50: 100, max: 700, within: 0.75, withinReported: 1, late: 1 });
  t.deepEqual(summary.sources, { kubelet: 2, cri: 1, poll: 1 });
  t.is(summary.medianUncertaintyMs, 400);
  t.is(formatMs(0), '0');
  t.is(formatMs(0.25), '0.250');
  t.is(formatMs(512.4), '512');
  t.is(formatShare(1), '100 %');
  t.is(formatShare(2 / 3), '66.7 %');
});

test('generateTimeline: seeded, and every pod is consistent and inside the timeline', (t) => {
  const timeline = small();
  t.deepEqual(small(), timeline);
  t.notDeepEqual(small(8).pods, timeline.pods);
  t.is(timeline.pods.filter((p) => p.kind === 'experiment').length, 1);
  t.is(timeline.pods.length, 1 + 12 + 9);
  const end = ANCHOR + 40_000n * MS;
  for (const pod of timeline.pods) {
    t.true(pod.createdNs >= ANCHOR && pod.vanishNs <= end, pod.name);
    let previous = pod.createdNs;
    for (const run of pod.runs) {
      t.true(previous < run.createdNs && run.createdNs < run.startNs && run.startNs < run.finishNs);
      t.true(run.startLagMs >= 50 && run.startLagMs <= 300);
      previous = run.finishNs;
    }
    t.true(pod.vanishNs > previous);
    if (pod.kind === 'race') {
      t.is(pod.vanishNs - previous, BigInt(pod.deleteAfterMs ?? 0) * MS);
      const ms = Number(previous - (pod.runs[0]?.startNs ?? 0n)) / 1e6;
      t.true(ms >= 300 && ms <= 900);
    }
  }
  const random = seededRandom(1);
  const xs = Array.from({ length: 1000 }, random);
  t.true(xs.every((x) => x >= 0 && x < 1));
  t.deepEqual(Array.from({ length: 1000 }, seededRandom(1)), xs);
});

test('the kubelet view: whole seconds, shown only after the lag, gone at deletion', (t) => {
  const timeline = small();
  const pod = timeline.pods.find((p) => p.kind === 'helper') as TruthPod;
  const run = pod.runs[0] as TruthPod['runs'][0];
  const lag = (ms: number) => BigInt(Math.round(ms * 1e6));
  t.is(kubeletTime(1_795_000_000_999_999_999n), '2026-11-18T11:06:40Z');
  t.is(podVisibility(pod, pod.createdNs), undefined);
  t.deepEqual(podVisibility(pod, pod.createdNs + lag(pod.appearLagMs)), {
    started: 0,
    finished: 0,
  });
  t.deepEqual(podVisibility(pod, run.startNs + lag(run.startLagMs) - 1n), {
    started: 0,
    finished: 0,
  });
  t.deepEqual(podVisibility(pod, run.finishNs), { started: 1, finished: 0 });
  t.deepEqual(podVisibility(pod, run.finishNs + lag(run.finishLagMs)), { started: 1, finished: 1 });
  t.is(podVisibility(pod, pod.vanishNs), undefined);

  const json = renderKubeletPod(pod, { started: 1, finished: 1 }, 'n1') as {
    metadata: { uid: string; creationTimestamp: string };
    status: {
      phase: string;
      containerStatuses: { state: { terminated?: Record<string, unknown> } }[];
    };
  };
  t.is(json.metadata.uid, pod.uid);
  t.is(json.metadata.creationTimestamp, kubeletTime(pod.createdNs));
  t.is(json.status.phase, 'Succeeded');
  t.like(json.status.containerStatuses[0]?.state.terminated, {
    startedAt: kubeletTime(run.startNs),
    finishedAt: kubeletTime(run.finishNs),
    containerID: `containerd://${run.containerId}`,
  });

  // an OOM kill awaiting its restart shows CrashLoopBackOff with the killed run as lastState
  const oom = timeline.pods.find((p) => p.runs.length === 2) as TruthPod;
  const waiting = renderKubeletPod(oom, { started: 1, finished: 1 }, 'n1') as {
    status: {
      containerStatuses: {
        state: { waiting?: { reason: string } };
        lastState: { terminated?: { reason: string } };
      }[];
    };
  };
  const status = waiting.status.containerStatuses[0];
  t.is(status?.state.waiting?.reason, 'CrashLoopBackOff');
  t.is(status?.lastState.terminated?.reason, 'OOMKilled');

  const view = new KubeletView(timeline, 'n1');
  const at = run.finishNs + lag(run.finishLagMs);
  const listed = view.podsAt(at);
  t.true(listed.some((p) => (p.metadata as { uid: string }).uid === pod.uid));
  t.is(view.podsAt(at)[0], listed[0], 'unchanged pods are reused');
});

test('the runtime view and the action list', (t) => {
  const timeline = small();
  const pod = timeline.pods.find((p) => p.kind === 'oom') as TruthPod;
  const run = pod.runs[0] as TruthPod['runs'][0];
  t.is(criContainerAt(pod, run, run.createdNs - 1n), undefined);
  t.like(criContainerAt(pod, run, run.createdNs), { state: 'created', id: run.containerId });
  t.like(criContainerAt(pod, run, run.startNs), { state: 'running', startedAtNs: run.startNs });
  t.like(criContainerAt(pod, run, run.finishNs), {
    state: 'exited',
    finishedAtNs: run.finishNs,
    exitCode: 137,
    reason: 'OOMKilled',
  });
  const actions = timelineActions(timeline);
  const runs = timeline.pods.reduce((n, p) => n + p.runs.length, 0);
  t.is(actions.length, timeline.pods.length * 2 + runs * 5);
  for (let i = 1; i < actions.length; i++) {
    const [a, b] = [actions[i - 1], actions[i]];
    t.true((a?.atNs ?? 0n) <= (b?.atNs ?? 0n));
  }
});

test('formatJson: scalar arrays on one line when they fit, valid JSON', (t) => {
  const value = { a: [1, 'x', null, true], b: { c: [] as number[], d: {} }, e: [[1, 2], { f: 3 }] };
  const text = formatJson(value, 40);
  t.deepEqual(JSON.parse(text), value);
  t.true(text.includes('"a": [1, "x", null, true]'));
  t.true(text.endsWith('}\n'));
  t.true(formatJson({ long: Array.from({ length: 30 }, (_, i) => i) }, 40).includes('[\n'));
});
