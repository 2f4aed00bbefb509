/**
 * `takeChanges`: what changed per observation. Applied to the previous snapshot (pods upserted by
 * uid, removed uids deleted), the changes must give `snapshot()`, after any sequence of polls,
 * single-pod changes and deletions over the scenario pods and the fixtures.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import { decodePodList } from '../../src/core/decodePodList.js';
import type { KubeletPod } from '../../src/core/kubeletPod.js';
import { PodTracker } from '../../src/core/podTracker.js';
import { addMillis } from '../../src/core/time.js';
import type { PodSnapshot } from '../../src/core/trackerSnapshot.js';
import {
  newTracker,
  PARENT_ID,
  pod,
  running,
  scheduledConds,
  sha256,
  TRACE_ID,
  tAt,
  terminated,
} from '../support/trackerInput.js';

const CONTEXT = `{"traceparent":"00-${TRACE_ID}-${PARENT_ID}-01"}`;

type State = 'starting' | 'running' | 'restarted' | 'done' | 'failed' | 'deleting';

const helper = (uid: string, state: State): KubeletPod =>
  pod({
    uid,
    name: `helper-${uid}`,
    generateName: 'helper-',
    phase: state === 'done' ? 'Succeeded' : state === 'failed' ? 'Failed' : 'Running',
    ...(state === 'deleting' ? { deletionTimestamp: '2026-11-23T10:00:20Z' } : {}),
    conditions: scheduledConds,
    init: [{ name: 'setup', state: terminated(2, 3, 0, 'Completed', `containerd://${uid}-i`) }],
    containers: [
      state === 'starting'
        ? { name: 'main' }
        : state === 'running' || state === 'deleting'
          ? { name: 'main', state: running(4), containerID: `containerd://${uid}-m` }
          : state === 'restarted'
            ? {
                name: 'main',
                state: running(12),
                lastState: terminated(4, 10, 137, 'OOMKilled', `containerd://${uid}-m`),
                restartCount: 1,
                containerID: `containerd://${uid}-m2`,
              }
            : {
                name: 'main',
                state: terminated(
                  4,
                  9,
                  state === 'done' ? 0 : 2,
                  undefined,
                  `containerd://${uid}-m`,
                ),
                containerID: `containerd://${uid}-m`,
              },
    ],
  });

/** The fixture pods, made traceable (the first container of each gets a trace context). */
function fixturePods(): KubeletPod[] {
  const out: KubeletPod[] = [];
  for (const file of [
    'podlist-init-and-restart.json',
    'podlist-short-lived-succeeded.json',
    'podlist-node-1.35.json',
    'podlist-docker-1.18.json',
  ]) {
    const list = JSON.parse(
      readFileSync(new URL(`../fixtures/kubelet/${file}`, import.meta.url), 'utf8'),
    );
    for (const item of list.items) {
      const first = item.spec?.containers?.[0];
      if (first) first.env = [{ name: 'TRACE_PARENT', value: CONTEXT }, ...(first.env ?? [])];
    }
    const decoded = decodePodList(list, { envNames: ['TRACEPARENT', 'TRACE_PARENT'] });
    if (!decoded.ok) throw new Error(`${file}: ${decoded.error}`);
    out.push(...decoded.pods);
  }
  return out;
}

const STATES: State[] = ['starting', 'running', 'restarted', 'done', 'failed', 'deleting'];
const variants: KubeletPod[] = [
  ...['a', 'b', 'c'].flatMap((uid) => STATES.map((s) => helper(uid, s))),
  ...fixturePods(),
];
const uids = [...new Set(variants.map((p) => p.uid))];

const byUid = (pods: readonly PodSnapshot[]) =>
  Object.fromEntries(
    [...pods].sort((x, y) => (x.ref.uid < y.ref.uid ? -1 : 1)).map((p) => [p.ref.uid, p]),
  );

/** Applies the changes to `previous`; asserts the result is the tracker's snapshot; returns it. */
function checkChanges(
  t: { deepEqual: (a: unknown, b: unknown, m?: string) => void },
  tracker: PodTracker,
  previous: Map<string, PodSnapshot>,
  label: string,
) {
  const changes = tracker.takeChanges();
  const next = new Map(previous);
  for (const p of changes.pods) next.set(p.ref.uid, p);
  for (const uid of changes.removed) next.delete(uid);
  const expected = JSON.parse(JSON.stringify(byUid(tracker.snapshot().pods)));
  t.deepEqual(JSON.parse(JSON.stringify(byUid([...next.values()]))), expected, label);
  return next;
}

const step = fc.oneof(
  fc.record({
    kind: fc.constant('poll' as const),
    pods: fc.uniqueArray(fc.nat(variants.length - 1), {
      maxLength: 6,
      selector: (i) => variants[i]?.uid,
    }),
    ms: fc.integer({ min: 100, max: 4000 }),
  }),
  fc.record({
    kind: fc.constant('pod' as const),
    pod: fc.nat(variants.length - 1),
    ms: fc.integer({ min: 100, max: 4000 }),
  }),
  fc.record({
    kind: fc.constant('deleted' as const),
    uid: fc.nat(uids.length - 1),
    ms: fc.integer({ min: 100, max: 4000 }),
  }),
  fc.record({ kind: fc.constant('take' as const) }),
);

test('changes applied to the previous snapshot give the snapshot, after any observation sequence', (t) => {
  let changedPods = 0;
  let removed = 0;
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
      const tracker = newTracker({ goneAfterMs: 1000, rememberGonePods: 2 });
      let previous = new Map<string, PodSnapshot>();
      let now = tAt(5);
      steps.forEach((s, i) => {
        if (s.kind === 'take') {
          previous = checkChanges(t, tracker, previous, `step ${i}`);
          return;
        }
        now = addMillis(now, s.ms);
        if (s.kind === 'poll') {
          tracker.observe(
            s.pods.map((j) => variants[j] as KubeletPod),
            now,
          );
        } else if (s.kind === 'pod') tracker.observePod(variants[s.pod] as KubeletPod, now);
        else tracker.observeDeleted(uids[s.uid] as string, now);
      });
      const before = tracker.snapshot().pods.length;
      const last = tracker.takeChanges();
      changedPods += last.pods.length;
      removed += last.removed.length;
      // taken again, nothing changed in between: nothing to report
      t.deepEqual(tracker.takeChanges(), { pods: [], removed: [] });
      const next = new Map(previous);
      for (const p of last.pods) next.set(p.ref.uid, p);
      for (const uid of last.removed) next.delete(uid);
      t.is(next.size, before);
      t.deepEqual(
        JSON.parse(JSON.stringify(byUid([...next.values()]))),
        JSON.parse(JSON.stringify(byUid(tracker.snapshot().pods))),
      );
    }),
    { numRuns: 300, seed: 20261129 },
  );
  // the sequences exercised both kinds of change
  t.true(changedPods > 100 && removed > 20, `${changedPods} pods changed, ${removed} removed`);
});

test('a poll that changes nothing reports nothing; a restored tracker starts from its snapshot', (t) => {
  const tracker = newTracker();
  tracker.observe([helper('a', 'running'), helper('b', 'running')], tAt(5));
  const first = tracker.takeChanges();
  t.deepEqual(first.pods.map((p) => p.ref.uid).sort(), ['a', 'b']);
  t.deepEqual(first.removed, []);
  tracker.observe([helper('a', 'running'), helper('b', 'running')], tAt(6));
  t.deepEqual(tracker.takeChanges(), { pods: [], removed: [] });
  // only the pod whose state moved is reported
  tracker.observe([helper('a', 'done'), helper('b', 'running')], tAt(10));
  t.deepEqual(
    tracker.takeChanges().pods.map((p) => p.ref.uid),
    ['a'],
  );
  tracker.observeDeleted('b', tAt(11));
  t.deepEqual(tracker.takeChanges(), { pods: [], removed: ['b'] });

  const restored = new PodTracker(
    { nodeName: 'node-a', envNames: ['TRACE_PARENT'], hash: sha256 },
    tracker.snapshot(),
  );
  t.deepEqual(restored.takeChanges(), { pods: [], removed: [] });
  restored.observeDeleted('a', tAt(12));
  t.deepEqual(restored.takeChanges(), { pods: [], removed: ['a'] });
});
