import test from 'ava';
import type { KubeletPod } from '../../src/core/kubeletPod.js';
import type { SpanData } from '../../src/core/spanData.js';
import { addMillis } from '../../src/core/time.js';
import {
  newTracker,
  one,
  pod,
  running,
  scheduledConds,
  tAt,
  terminated,
} from '../support/trackerInput.js';

const helper = (uid: string, state: 'starting' | 'running' | 'done'): KubeletPod =>
  pod({
    uid,
    name: `helper-${uid}`,
    generateName: 'helper-',
    phase: state === 'done' ? 'Succeeded' : 'Running',
    conditions: scheduledConds,
    init: [{ name: 'setup', state: terminated(2, 3, 0, 'Completed', `containerd://${uid}-i`) }],
    containers: [
      state === 'starting'
        ? { name: 'main' }
        : state === 'running'
          ? { name: 'main', state: running(4), containerID: `containerd://${uid}-m` }
          : {
              name: 'main',
              state: terminated(4, 9, 0, 'Completed', `containerd://${uid}-m`),
              containerID: `containerd://${uid}-m`,
            },
    ],
  });

const timeline: [sec: number, pods: KubeletPod[]][] = [
  [3, [helper('a', 'starting'), helper('b', 'starting')]],
  [5, [helper('a', 'running'), helper('b', 'running')]],
  [8, [helper('a', 'running'), helper('b', 'done')]],
  [10, [helper('a', 'done'), helper('b', 'done')]],
];

test('single-pod upserts build the same spans and state as the equivalent list observations', (t) => {
  const byList = newTracker();
  const byPod = newTracker();
  const listSpans: SpanData[] = [];
  const podSpans: SpanData[] = [];
  for (const [sec, pods] of timeline) {
    listSpans.push(...byList.observe(pods, tAt(sec)).spans);
    for (const p of pods) podSpans.push(...byPod.observePod(p, tAt(sec)).spans);
    t.deepEqual(byPod.snapshot(), byList.snapshot(), `state after ${sec} s`);
    t.is(byPod.revision, byList.revision);
  }
  t.true(listSpans.length >= 8, 'pods, phases, init and main runs of both pods');
  t.deepEqual(podSpans, listSpans);
  t.deepEqual(
    podSpans.filter((s) => s.subject.role === 'pod').map((s) => s.subject.podUid),
    ['b', 'a'],
  );
});

test('a deletion ends the pod at once: open runs at the deletion as a poll edge, then the pod span', (t) => {
  const tracker = newTracker();
  tracker.observePod(helper('a', 'starting'), tAt(3));
  tracker.observePod(helper('a', 'running'), tAt(5));
  const deletedAt = addMillis(tAt(6), 500);
  const ended = tracker.observeDeleted('a', deletedAt);
  t.deepEqual(
    ended.spans.map((s) => s.name),
    ['container main', 'pod helper'],
  );
  const main = one(ended.spans, 'container main');
  t.deepEqual(main.end, deletedAt);
  t.is(main.attributes['kse.end.source'], 'poll');
  t.is(main.attributes['kse.end.uncertainty_ms'], 1500, 'back to the last observation of it');
  t.is(main.attributes['kse.end.estimated'], true);
  t.deepEqual(main.subject, {
    podUid: 'a',
    role: 'container',
    name: 'main',
    run: 'containerd://a-m',
    containerId: 'containerd://a-m',
  });
  t.deepEqual(one(ended.spans, 'pod helper').end, deletedAt);
  t.deepEqual(ended.notices, [
    { kind: 'podGone', pod: { uid: 'a', namespace: 'litmus', name: 'helper-a' }, traced: true },
  ]);
  t.is(tracker.trackedPods, 0);
  // Nothing is left to end: a later deletion or list builds nothing twice.
  t.deepEqual(tracker.observeDeleted('a', tAt(7)), { spans: [], notices: [] });
  t.deepEqual(tracker.observe([], tAt(8)).spans, []);
  t.deepEqual(tracker.observe([], tAt(20)).spans, []);
});

test('a deletion of an unknown pod changes nothing; upserts beyond the pod cap are counted', (t) => {
  const tracker = newTracker({ maxTrackedPods: 1 });
  const revision = tracker.revision;
  t.deepEqual(tracker.observeDeleted('nobody', tAt(1)), { spans: [], notices: [] });
  t.is(tracker.revision, revision);
  tracker.observePod(helper('a', 'starting'), tAt(3));
  t.deepEqual(tracker.observePod(helper('b', 'starting'), tAt(3)).notices, [
    { kind: 'podCapReached', skipped: 1 },
  ]);
  t.is(tracker.trackedPods, 1);
});
