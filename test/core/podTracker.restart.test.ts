/**
 * The tracker through what real kubelets do: restarts with empty and partial lists, statuses
 * that go backwards, pods that come back, runtime times, long crash loops (issue 9).
 */
import test from 'ava';
import type { RuntimeContainer } from '../../src/core/criTimes.js';
import type { KubeletPod } from '../../src/core/kubeletPod.js';
import { PodTracker, type TrackerNotice } from '../../src/core/podTracker.js';
import type { RuntimeView } from '../../src/core/runtimeView.js';
import type { SpanData } from '../../src/core/spanData.js';
import { addMillis, compareTime, type Time } from '../../src/core/time.js';
import { RECENT_RUNS } from '../../src/core/trackedPod.js';
import {
  newTracker,
  one,
  pod,
  running,
  scheduledConds,
  sha256,
  tAt,
  terminated,
} from '../support/trackerInput.js';

const ms = (sec: number, millis: number): Time => addMillis(tAt(sec), millis);

const experiment = (state: 'running' | 'done') =>
  pod({
    uid: 'exp',
    name: 'container-kill-x2k9qp-abcde',
    generateName: 'container-kill-x2k9qp-',
    conditions: scheduledConds,
    ...(state === 'done' ? { phase: 'Succeeded' } : {}),
    containers: [
      {
        state:
          state === 'running' ? running(4) : terminated(4, 30, 0, 'Completed', 'containerd://exp0'),
        containerID: 'containerd://exp0',
      },
    ],
  });
const helper = (state: 'running' | 'done') =>
  pod({
    uid: 'helper',
    conditions: scheduledConds,
    ...(state === 'done' ? { phase: 'Succeeded' } : {}),
    containers: [
      {
        state:
          state === 'running' ? running(8) : terminated(8, 11, 0, 'Completed', 'containerd://h0'),
        containerID: 'containerd://h0',
      },
    ],
  });
const kinds = (notices: readonly TrackerNotice[]) => notices.map((n) => n.kind);

test('a kubelet restart (refused, then empty and partial lists) ends no pod early; every reported end arrives', (t) => {
  const tracker = newTracker();
  const spans: SpanData[] = [];
  const notices: TrackerNotice[] = [];
  const poll = (pods: KubeletPod[], now: Time, ctx = {}) => {
    const out = tracker.observe(pods, now, { ownPodListed: true, ...ctx });
    spans.push(...out.spans);
    notices.push(...out.notices);
  };
  poll([experiment('running'), helper('running')], tAt(9));
  poll([experiment('running'), helper('running')], ms(9, 250));
  // connections refused for 0.6 s (failed polls: the tracker is not called), then
  // empty lists for 1.6 s with the agent's own pod missing too, then a partial list
  poll([], ms(10, 0), { afterConnectFailure: true, ownPodListed: false });
  for (let m = 250; m <= 1500; m += 250) poll([], ms(10, m), { ownPodListed: false });
  for (let m = 0; m < 5000; m += 250) poll([experiment('running')], ms(12, m));
  // the whole list again: the helper finished while the kubelet was down
  for (let m = 0; m < 6000; m += 250) poll([experiment('running'), helper('done')], ms(17, m));
  t.deepEqual(
    spans.filter((s) => s.name.startsWith('pod ')).map((s) => s.name),
    ['pod container-kill-helper'],
    'only the helper finished; the experiment pod was never ended',
  );
  const helperRun = one(
    spans.filter((s) => s.podUid === 'helper'),
    'container main',
  );
  t.deepEqual([helperRun.start, helperRun.end], [tAt(8), tAt(11)], 'its reported times');
  t.is(helperRun.attributes['kse.end.source'], 'kubelet');
  t.is(helperRun.attributes['process.exit.code'], 0);
  t.deepEqual(
    notices.filter((n) => n.kind === 'kubeletRestart'),
    [{ kind: 'kubeletRestart', signs: ['connection_refused', 'own_pod_missing'] }],
    'one notice for the restart',
  );
  t.false(kinds(notices).includes('podGone'));
  // the experiment finishes later: its span with its exit code
  poll([experiment('done'), helper('done')], tAt(31));
  const expRun = one(
    spans.filter((s) => s.podUid === 'exp'),
    'container main',
  );
  t.deepEqual(expRun.end, tAt(30));
  t.is(expRun.attributes['process.exit.code'], 0);
  const keys = spans.map((s) => s.key);
  t.is(new Set(keys).size, keys.length, 'nothing twice');
});

test('without a restart sign, a pod counts as gone after 2 misses and GONE_AFTER; its end is the first miss', (t) => {
  const tracker = newTracker();
  tracker.observe([helper('running')], tAt(9));
  t.deepEqual(tracker.observe([], ms(9, 250)).spans, []);
  for (let m = 500; m < 5250; m += 250) {
    t.deepEqual(tracker.observe([], ms(9, m)).spans, [], `${m} ms after the first miss - 250`);
  }
  const gone = tracker.observe([], ms(14, 250));
  const run = one(gone.spans, 'container main');
  t.deepEqual(run.end, ms(9, 250), 'the first poll that missed it');
  t.is(run.attributes['kse.end.estimated'], true);
  t.deepEqual(kinds(gone.notices), ['podGone']);
});

test('a changed config.seen is a restart sign: a missing pod is held until the list is stable', (t) => {
  const tracker = newTracker({ goneAfterMs: 2000 });
  const seenAgain = (p: KubeletPod): KubeletPod => ({
    ...p,
    annotations: { 'kubernetes.io/config.seen': '2026-11-23T10:00:20.123456789+02:00' },
  });
  tracker.observe([experiment('running'), helper('running')], tAt(9));
  const first = tracker.observe([seenAgain(experiment('running'))], tAt(20));
  t.deepEqual(first.notices, [{ kind: 'kubeletRestart', signs: ['config_seen_changed'] }]);
  // the helper is still missing, the list changes (pods come back) for a while
  const noise = pod({ uid: 'noise', conditions: scheduledConds });
  t.deepEqual(tracker.observe([seenAgain(experiment('running')), noise], tAt(21)).spans, []);
  t.deepEqual(tracker.observe([seenAgain(experiment('running'))], tAt(22)).spans, []);
  t.true(tracker.holdingForRestart);
  t.deepEqual(tracker.observe([seenAgain(experiment('running'))], tAt(23)).spans, []);
  // stable since 22 for 2 s: the hold ends, and the helper (missing since 20) is gone
  const released = tracker.observe([seenAgain(experiment('running'))], tAt(24));
  t.false(tracker.holdingForRestart);
  t.deepEqual(
    released.spans.map((s) => `${s.podUid} ${s.name}`),
    ['helper container main', 'helper pod container-kill-helper'],
  );
  t.deepEqual(one(released.spans, 'container main').end, tAt(20));
});

test('a pod that comes back after it was ended continues under its pod span; nothing is sent twice', (t) => {
  const tracker = newTracker({ goneAfterMs: 1000 });
  const crash = (restart: number, state: 'running' | 'waiting') =>
    pod({
      uid: 'crashy',
      name: 'crashy',
      generateName: '',
      conditions: scheduledConds,
      containers: [
        {
          state:
            state === 'running'
              ? running(10 * restart + 5)
              : { waiting: { reason: 'CrashLoopBackOff' } },
          ...(restart > 0
            ? {
                lastState: terminated(
                  10 * restart - 5,
                  10 * restart,
                  1,
                  'Error',
                  `containerd://c${restart - 1}`,
                ),
              }
            : {}),
          restartCount: restart,
          containerID: `containerd://c${restart}`,
        },
      ],
    });
  const first = tracker.observe([crash(0, 'running')], tAt(6)).spans;
  tracker.observe([], tAt(7));
  const ended = tracker.observe([], tAt(8));
  t.is(ended.spans.filter((s) => s.name.startsWith('pod ')).length, 1, 'ended: pod span sent');
  const podSpanId = one(ended.spans, 'pod crashy').spanId;
  const lost = one(ended.spans, 'container main');
  t.is(lost.attributes['kse.end.estimated'], true);
  // back, and the run seen running then is shown still running (older than what was sent)
  const back = tracker.observe([crash(0, 'running')], tAt(9));
  t.deepEqual(back.spans, []);
  t.deepEqual(kinds(back.notices), ['podReappeared', 'staleStatus']);
  // its next runs are built, under the pod span already sent
  const later = tracker.observe([crash(2, 'running')], tAt(26)).spans;
  t.deepEqual(
    later.map((s) => s.name),
    ['container main'],
    'run 1 (shown in lastState) is built; run 0 is not sent again',
  );
  t.is(later[0]?.parentSpanId, podSpanId);
  t.is(later[0]?.attributes['k8s.container.restart_count'], 1);
  const all = [...first, ...ended.spans, ...later];
  const keys = all.map((s) => s.key);
  t.is(new Set(keys).size, keys.length);
});

test('never backwards: lower restart counts and changed finish times are ignored and counted', (t) => {
  const tracker = newTracker();
  const status = (restartCount: number, finish: number) =>
    pod({
      conditions: scheduledConds,
      containers: [
        {
          state: running(finish + 1),
          lastState: terminated(4, finish, 1, 'Error', 'containerd://r0'),
          restartCount,
          containerID: 'containerd://r1',
        },
      ],
    });
  tracker.observe(
    [
      pod({
        conditions: scheduledConds,
        containers: [{ state: running(4), containerID: 'containerd://r0' }],
      }),
    ],
    tAt(5),
  );
  const built = tracker.observe([status(1, 9)], tAt(11));
  t.is(built.spans.filter((s) => s.name === 'container main').length, 1);
  const changed = tracker.observe([status(1, 8)], tAt(12));
  t.deepEqual(changed.spans, []);
  t.deepEqual(changed.notices, [
    {
      kind: 'staleStatus',
      pod: { uid: 'uid-1', namespace: 'litmus', name: 'container-kill-helper-x7k2p' },
      stale: 'finish_changed',
    },
  ]);
  const older = tracker.observe(
    [
      pod({
        conditions: scheduledConds,
        containers: [{ state: running(4), containerID: 'containerd://r0', restartCount: 0 }],
      }),
    ],
    tAt(13),
  );
  t.deepEqual(older.spans, [], 'the run that ended is not reopened');
  t.deepEqual(
    older.notices.map((n) => (n.kind === 'staleStatus' ? n.stale : n.kind)),
    ['restart_count_decreased'],
  );
  // the current run is still open and ends once
  tracker.observe([], tAt(20));
  const gone = tracker.observe([], tAt(26));
  const current = one(gone.spans, 'container main');
  t.is(current.attributes['container.id'], 'r1');
});

test('every per-pod structure is bounded: 2000 restarts with a span cap of 10', (t) => {
  const tracker = new PodTracker({
    nodeName: 'node-a',
    envNames: ['TRACE_PARENT'],
    hash: sha256,
    maxSpansPerPod: 10,
    maxEventsPerPod: 20,
  });
  const looping = (restart: number) =>
    pod({
      conditions: scheduledConds,
      containers: [
        {
          state:
            restart % 2 ? running(5 * restart + 3) : { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: terminated(
            5 * restart - 3,
            5 * restart,
            1,
            'Error',
            `containerd://a${restart - 1}`,
          ),
          restartCount: restart,
          containerID: `containerd://a${restart}`,
        },
      ],
    });
  let emitted = 0;
  for (let r = 1; r <= 2000; r++)
    emitted += tracker.observe([looping(r)], tAt(5 * r + 4)).spans.length;
  t.is(emitted, 10, '2 phases and 8 runs, then the cap');
  const snapshot = tracker.snapshot();
  const [state] = snapshot.pods;
  t.truthy(state);
  t.true((state?.containers[0]?.done.length ?? 99) <= RECENT_RUNS);
  t.true((state?.events.length ?? 99) <= 20);
  t.true((state?.reasonsSeen.length ?? 99) <= 16);
  const bytes = JSON.stringify(snapshot).length;
  t.true(bytes < 8000, `${bytes} bytes of checkpoint for one pod after 2000 restarts`);
  t.is(state?.droppedSpans, 1992, 'runs 8..1999 not emitted, counted once each');
  // a stale list from long ago does not re-emit anything
  t.deepEqual(tracker.observe([looping(1990)], tAt(5 * 2000 + 9)).spans, []);
});

const runtimeOf = (
  containers: Record<string, RuntimeContainer>,
  sandboxes: Record<string, Time> = {},
): RuntimeView => ({
  container: (id) => containers[id],
  sandboxCreated: (uid) => sandboxes[uid],
});

test('with runtime times, every child lies within its pod span', (t) => {
  const tracker = newTracker();
  tracker.observe(
    [
      pod({
        conditions: scheduledConds,
        containers: [{ state: running(4), containerID: 'containerd://n0' }],
      }),
    ],
    tAt(5),
  );
  const done = pod({
    phase: 'Succeeded',
    conditions: scheduledConds,
    containers: [
      {
        state: terminated(4, 10, 0, 'Completed', 'containerd://n0'),
        containerID: 'containerd://n0',
      },
    ],
  });
  const queries = tracker.runtimeQueries([done]);
  t.deepEqual(queries, { containerIds: ['containerd://n0'], sandboxPodUids: [] });
  const { spans } = tracker.observe([done], tAt(11), {
    runtime: runtimeOf({
      'containerd://n0': {
        startedAt: ms(4, 120),
        finishedAt: ms(10, 654),
        exited: true,
        exitCode: 0,
        reason: 'Completed',
      },
    }),
  });
  const run = one(spans, 'container main');
  const podSpan = one(spans, 'pod container-kill-helper');
  t.deepEqual(run.end, ms(10, 654), 'the runtime nanoseconds');
  t.is(run.attributes['kse.end.source'], 'cri');
  t.deepEqual(podSpan.end, ms(10, 654), 'the pod ends with its last child');
  t.is(podSpan.attributes['kse.end.source'], 'cri');
  for (const child of spans.filter((s) => s !== podSpan)) {
    t.true(compareTime(child.start, podSpan.start) >= 0, child.name);
    t.true(compareTime(child.end, podSpan.end) <= 0, child.name);
  }
});

test('a child timed by a node clock ahead of the agent still lies within its pod span', (t) => {
  const tracker = newTracker({ goneAfterMs: 1000 });
  tracker.observe(
    [
      pod({
        conditions: scheduledConds,
        containers: [{ state: running(4), containerID: 'containerd://k0' }],
      }),
    ],
    tAt(5),
  );
  // the pod vanishes; the runtime (node clock 2 s ahead) says the run ended after the first miss
  const runtime = runtimeOf({
    'containerd://k0': {
      startedAt: ms(6, 10),
      finishedAt: ms(7, 500),
      exited: true,
      exitCode: 0,
      reason: 'Completed',
    },
  });
  tracker.observe([], tAt(6), { runtime });
  const { spans } = tracker.observe([], tAt(8), { runtime });
  const run = one(spans, 'container main');
  const podSpan = one(spans, 'pod container-kill-helper');
  t.deepEqual(run.end, ms(7, 500));
  t.deepEqual(podSpan.end, ms(7, 500), 'widened from the first miss (6 s) to its child');
  t.is(podSpan.attributes['kse.time.encloses_children'], true);
  t.true(compareTime(podSpan.start, run.start) <= 0);
});

test('runtime queries: runs about to be built, the sandbox about to be built, and open runs of a missing pod from its first miss', (t) => {
  const tracker = newTracker();
  const fresh = pod({
    conditions: scheduledConds,
    containers: [{ state: running(4), containerID: 'containerd://o0' }],
  });
  t.deepEqual(tracker.runtimeQueries([fresh]), { containerIds: [], sandboxPodUids: ['uid-1'] });
  tracker.observe([fresh], tAt(5), { runtime: runtimeOf({}, { 'uid-1': ms(2, 500) }) });
  t.deepEqual(tracker.runtimeQueries([fresh]), { containerIds: [], sandboxPodUids: [] });
  t.deepEqual(tracker.runtimeQueries([]), {
    containerIds: ['containerd://o0'],
    sandboxPodUids: [],
  });
  tracker.observe([], tAt(6));
  // the runtime's answer at the first miss ends the run where it really ended
  const runtime = runtimeOf({
    'containerd://o0': {
      startedAt: ms(4, 1),
      finishedAt: ms(5, 900),
      exited: true,
      exitCode: 2,
      reason: 'Error',
    },
  });
  tracker.observe([], tAt(8), { runtime });
  const { spans } = tracker.observe([], tAt(12), { runtime });
  const run = one(spans, 'container main');
  t.deepEqual(run.end, ms(5, 900));
  t.is(run.attributes['process.exit.code'], 2);
  t.is(run.attributes['kse.end.estimated'], undefined);
});

test('equal revisions mean equal snapshots, poll after poll', (t) => {
  const tracker = newTracker();
  const frames: KubeletPod[][] = [
    [helper('running')],
    [helper('running')],
    [helper('running'), experiment('running')],
    [experiment('running')],
    [experiment('running')],
    [helper('done'), experiment('running')],
    [helper('done'), experiment('done')],
    [experiment('done')],
    [],
    [],
  ];
  let second = 9;
  for (let round = 0; round < 3; round++) {
    for (const frame of frames) {
      const before = tracker.revision;
      const snapshot = JSON.stringify(tracker.snapshot());
      tracker.observe(frame, tAt(second++));
      if (tracker.revision === before) {
        t.is(JSON.stringify(tracker.snapshot()), snapshot, `second ${second}`);
      } else {
        t.pass();
      }
    }
  }
});
