import test from 'ava';
import type { ContainerState, KubeletPod } from '../../src/core/kubeletPod.js';
import { PodTracker } from '../../src/core/podTracker.js';
import type { SpanData } from '../../src/core/spanData.js';
import type { Time } from '../../src/core/time.js';
import {
  at,
  newTracker,
  one,
  PARENT_ID,
  pod,
  running,
  scheduledConds,
  sha256,
  T,
  TRACE_ID,
  tAt,
  terminated,
} from '../support/trackerInput.js';

test('helper pod lifecycle: phases, container run at exit, pod span at Succeeded, tree and ids', (t) => {
  const tracker = newTracker();
  const pending = tracker.observe(
    [pod({ phase: 'Pending', conditions: [['PodScheduled', 1]], containers: [{}] })],
    tAt(1),
  );
  t.deepEqual(
    pending.spans.map((s) => s.name),
    ['scheduling'],
  );
  t.is(pending.notices[0]?.kind, 'podTracked');

  const run = tracker.observe(
    [
      pod({
        conditions: scheduledConds,
        containers: [{ state: running(4), containerID: 'containerd://aaa' }],
      }),
    ],
    tAt(5),
  );
  t.deepEqual(
    run.spans.map((s) => s.name),
    ['sandbox'],
    'a running container is not final yet',
  );

  const done = tracker.observe(
    [
      pod({
        phase: 'Succeeded',
        conditions: scheduledConds,
        containers: [
          {
            state: terminated(4, 9, 0, 'Completed', 'containerd://aaa'),
            containerID: 'containerd://aaa',
          },
        ],
      }),
    ],
    tAt(10),
  );
  t.deepEqual(
    done.spans.map((s) => s.name),
    ['container main', 'pod container-kill-helper'],
  );
  const container = one(done.spans, 'container main');
  const podSpan = one(done.spans, 'pod container-kill-helper');
  const scheduling = one(pending.spans, 'scheduling');
  const sandbox = one(run.spans, 'sandbox');

  // tree: pod span under the pod's context; everything else under the pod span
  t.is(podSpan.traceId, TRACE_ID);
  t.is(podSpan.parentSpanId, PARENT_ID);
  for (const child of [container, scheduling, sandbox]) {
    t.is(child.traceId, TRACE_ID);
    t.is(child.parentSpanId, podSpan.spanId);
  }
  const ids = new Set([podSpan, container, scheduling, sandbox].map((s) => s.spanId));
  t.is(ids.size, 4);
  for (const id of ids) t.regex(id, /^[0-9a-f]{16}$/);

  // times (kubelet seconds)
  t.deepEqual([scheduling.start, scheduling.end], [tAt(0), tAt(1)]);
  t.deepEqual([sandbox.start, sandbox.end], [tAt(1), tAt(3)]);
  t.deepEqual([container.start, container.end], [tAt(4), tAt(9)]);
  t.deepEqual([podSpan.start, podSpan.end], [tAt(0), tAt(9)]);

  // attributes
  t.like(container.attributes, {
    'k8s.namespace.name': 'litmus',
    'k8s.pod.name': 'container-kill-helper-x7k2p',
    'k8s.pod.uid': 'uid-1',
    'k8s.node.name': 'node-a',
    'k8s.container.name': 'main',
    'k8s.container.restart_count': 0,
    'container.id': 'aaa',
    'container.runtime.name': 'containerd',
    'container.image.name': 'docker.io/litmuschaos/go-runner',
    'process.exit.code': 0,
    'k8s.container.status.reason': 'Completed',
  });
  t.deepEqual(container.attributes['container.image.tags'], ['3.12.0']);
  t.is(container.status.code, 'unset');
  t.is(podSpan.status.code, 'unset');
  t.like(podSpan.attributes, { 'k8s.pod.status.phase': 'Succeeded' });
  t.deepEqual(podSpan.resource, {
    'k8s.namespace.name': 'litmus',
    'k8s.pod.name': 'container-kill-helper-x7k2p',
    'k8s.pod.uid': 'uid-1',
    'k8s.node.name': 'node-a',
  });
  // the kubelet's first sight of the pod, to the nanosecond
  const seen = podSpan.events.find((e) => e.name === 'kubelet saw pod');
  t.deepEqual(seen?.time, [tAt(0)[0], 250_000_001]);

  // nothing more once final, even while the pod stays listed
  t.deepEqual(
    tracker.observe(
      [
        pod({
          phase: 'Succeeded',
          conditions: scheduledConds,
          containers: [{ state: terminated(4, 9, 0, 'Completed', 'containerd://aaa') }],
        }),
      ],
      tAt(11),
    ).spans,
    [],
  );
});

test('span ids are deterministic: same observations give byte-identical spans', (t) => {
  const polls: [KubeletPod[], Time][] = [
    [
      [
        pod({
          conditions: scheduledConds,
          containers: [{ state: running(4), containerID: 'containerd://a' }],
        }),
      ],
      tAt(5),
    ],
    [
      [
        pod({
          phase: 'Failed',
          conditions: scheduledConds,
          containers: [
            {
              state: terminated(4, 8, 137, 'OOMKilled', 'containerd://a'),
              containerID: 'containerd://a',
            },
          ],
        }),
      ],
      tAt(9),
    ],
  ];
  const run = () => {
    const tracker = newTracker();
    return polls.flatMap(([pods, now]) => tracker.observe(pods, now).spans);
  };
  const a = run();
  const b = run();
  t.true(a.length >= 4);
  t.is(JSON.stringify(a), JSON.stringify(b));
  // the pod span id depends only on (trace id, pod uid): a restarted agent derives the same one
  const other = new PodTracker({ nodeName: 'node-a', envNames: ['TRACE_PARENT'], hash: sha256 });
  const catchUp = other.observe(polls[1]?.[0] ?? [], tAt(30)).spans;
  t.is(
    one(catchUp, 'pod container-kill-helper').spanId,
    one(a, 'pod container-kill-helper').spanId,
  );
  t.is(one(catchUp, 'container main').spanId, one(a, 'container main').spanId);
});

test('OOM kill then restart: the killed run is its own ERROR span, emitted at once, never twice', (t) => {
  const tracker = newTracker();
  const base = { name: 'stress-runner-0', generateName: '', conditions: scheduledConds };
  tracker.observe(
    [pod({ ...base, containers: [{ state: running(4), containerID: 'containerd://r0' }] })],
    tAt(5),
  );
  const backoff = tracker.observe(
    [
      pod({
        ...base,
        containers: [
          {
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: terminated(4, 20, 137, 'OOMKilled', 'containerd://r0'),
            restartCount: 0,
            containerID: 'containerd://r0',
          },
        ],
      }),
    ],
    tAt(21),
  );
  const oom = one(backoff.spans, 'container main');
  t.deepEqual([oom.start, oom.end], [tAt(4), tAt(20)]);
  t.deepEqual(oom.status, { code: 'error', message: 'OOMKilled' });
  t.like(oom.attributes, { 'process.exit.code': 137, 'k8s.container.restart_count': 0 });

  const restarted = tracker.observe(
    [
      pod({
        ...base,
        containers: [
          {
            state: running(31),
            lastState: terminated(4, 20, 137, 'OOMKilled', 'containerd://r0'),
            restartCount: 1,
            containerID: 'containerd://r1',
          },
        ],
      }),
    ],
    tAt(32),
  );
  t.deepEqual(restarted.spans, [], 'the OOM-killed run is not emitted again from lastState');

  const deleted1 = tracker.observe([], tAt(40));
  t.deepEqual(deleted1.spans, [], 'one missing poll is not "gone"');
  t.deepEqual(
    tracker.observe([], tAt(41)).spans,
    [],
    'two polls, but missing for 1 s < GONE_AFTER',
  );
  const gone = tracker.observe([], tAt(45));
  const second = one(gone.spans, 'container main');
  t.not(second.spanId, oom.spanId);
  t.deepEqual([second.start, second.end], [tAt(31), tAt(40)], 'ends at the poll that noticed');
  t.is(second.attributes['kse.end.estimated'], true);
  t.is(second.attributes['k8s.container.restart_count'], 1);
  const podSpan = one(gone.spans, 'pod stress-runner-0');
  t.deepEqual(podSpan.end, tAt(40));
  t.is(podSpan.attributes['kse.end.estimated'], true);
  const backoffEvent = podSpan.events.find((e) => e.name === 'CrashLoopBackOff');
  t.deepEqual(backoffEvent?.time, tAt(21));
  t.like(backoffEvent?.attributes, {
    'k8s.container.name': 'main',
    'kse.event.source': 'container.waiting',
  });
  t.is(tracker.trackedPods, 0);
});

test('first sight of a restarted container counts the runs the agent never saw', (t) => {
  const tracker = newTracker();
  const { spans } = tracker.observe(
    [
      pod({
        conditions: scheduledConds,
        containers: [
          {
            state: running(50),
            lastState: terminated(30, 45, 1, 'Error', 'containerd://r4'),
            restartCount: 5,
            containerID: 'containerd://r5',
          },
        ],
      }),
    ],
    tAt(51),
  );
  const run4 = one(spans, 'container main');
  t.is(run4.attributes['k8s.container.restart_count'], 4);
  t.is(run4.attributes['kse.container.unobserved_runs'], 4);
  t.deepEqual(run4.status, { code: 'error', message: 'Error' });

  // a jump between two polls: run 6 was never seen (run 7 shows as lastState)
  const later = tracker.observe(
    [
      pod({
        conditions: scheduledConds,
        containers: [
          {
            state: running(58),
            lastState: terminated(56, 57, 2, 'Error', 'containerd://r7'),
            restartCount: 8,
            containerID: 'containerd://r8',
          },
        ],
      }),
    ],
    tAt(59),
  );
  const names = later.spans.map((s) => [
    s.attributes['k8s.container.restart_count'],
    s.attributes['kse.end.estimated'] ?? false,
  ]);
  // run 5 (seen running, its end never reported) ends where the next known run began; run 7 is reported
  t.deepEqual(names, [
    [7, false],
    [5, true],
  ]);
  t.is(later.spans[0]?.attributes['kse.container.unobserved_runs'], 1);
  t.deepEqual(later.spans[1]?.end, tAt(58));
});

test('init containers: one span per init run and an initialization phase', (t) => {
  const tracker = newTracker();
  const { spans } = tracker.observe(
    [
      pod({
        conditions: [
          ['PodScheduled', 1],
          ['PodReadyToStartContainers', 2],
          ['Initialized', 8],
        ],
        init: [
          {
            name: 'wait-for-db',
            state: terminated(2, 5, 0, 'Completed', 'containerd://i1'),
            containerID: 'containerd://i1',
          },
          {
            name: 'migrate',
            state: terminated(5, 7, 0, 'Completed', 'containerd://i2'),
            containerID: 'containerd://i2',
          },
        ],
        containers: [{ state: running(9), containerID: 'containerd://m' }],
      }),
    ],
    tAt(10),
  );
  t.deepEqual(
    spans.map((s) => s.name),
    [
      'scheduling',
      'sandbox',
      'initialization',
      'init-container wait-for-db',
      'init-container migrate',
    ],
  );
  const init = one(spans, 'initialization');
  t.deepEqual([init.start, init.end], [tAt(2), tAt(8)]);
  t.deepEqual(one(spans, 'init-container migrate').end, tAt(7));
});

test('catch-up: a pod that finished before the agent started is emitted whole on the first poll', (t) => {
  const tracker = newTracker();
  const { spans } = tracker.observe(
    [
      pod({
        phase: 'Succeeded',
        conditions: [
          ['PodScheduled', 1],
          ['PodReadyToStartContainers', 9, 'False'],
          ['Initialized', 1],
        ],
        containers: [{ state: terminated(3, 3, 0, 'Completed', 'containerd://c') }],
      }),
    ],
    at('2026-11-23T12:00:00Z'),
  );
  t.deepEqual(
    spans.map((s) => s.name),
    ['scheduling', 'container main', 'pod container-kill-helper'],
    'no sandbox span: its condition is False after completion, so its end is unknown',
  );
  const c = one(spans, 'container main');
  t.deepEqual(
    c.start,
    c.end,
    'whole-second kubelet times: a short container is zero-length, not negative',
  );
});

test('pods without a usable context produce no spans, with one notice each', (t) => {
  const tracker = newTracker();
  const pods = [
    pod({
      uid: 'none',
      env: { OTHER: 'x' },
      phase: 'Succeeded',
      containers: [{ state: terminated(1, 2) }],
    }),
    pod({
      uid: 'unsampled',
      env: { TRACEPARENT: `00-${TRACE_ID}-${PARENT_ID}-00` },
      phase: 'Succeeded',
      containers: [{ state: terminated(1, 2) }],
    }),
    pod({
      uid: 'bad',
      env: { TRACE_PARENT: '{"traceparent":"00-zz"}' },
      phase: 'Succeeded',
      containers: [{ state: terminated(1, 2) }],
    }),
  ];
  const first = tracker.observe(pods, tAt(3));
  t.deepEqual(first.spans, []);
  t.deepEqual(first.notices.map((n) => n.kind).sort(), [
    'invalidContext',
    'noContext',
    'notSampled',
  ]);
  const second = tracker.observe(pods, tAt(4));
  t.deepEqual(second.notices, [], 'warned once per pod, not per poll');
  t.is(tracker.tracedPods, 0);
  t.is(tracker.trackedPods, 3);
});

test('a container killed because its pod is being deleted is not an error', (t) => {
  const tracker = newTracker();
  tracker.observe(
    [
      pod({
        conditions: scheduledConds,
        containers: [{ state: running(4), containerID: 'containerd://k' }],
      }),
    ],
    tAt(5),
  );
  const { spans } = tracker.observe(
    [
      pod({
        deletionTimestamp: T(40),
        conditions: scheduledConds,
        containers: [
          {
            state: terminated(4, 12, 143, 'Error', 'containerd://k'),
            containerID: 'containerd://k',
          },
        ],
      }),
    ],
    tAt(13),
  );
  const c = one(spans, 'container main');
  t.is(c.status.code, 'unset');
  t.is(c.attributes['kse.container.expected_stop'], 'pod_deletion');
  t.is(c.attributes['process.exit.code'], 143);
});

test('a native sidecar stopped after the main container finished is not an error; a crashing one is', (t) => {
  const tracker = newTracker();
  const common = {
    conditions: scheduledConds,
    initSpecs: [{ name: 'proxy', restartPolicy: 'Always' }],
  };
  const crashed = tracker.observe(
    [
      pod({
        ...common,
        init: [
          {
            name: 'proxy',
            state: running(9),
            lastState: terminated(3, 8, 1, 'Error', 'containerd://p0'),
            restartCount: 1,
            containerID: 'containerd://p1',
          },
        ],
        containers: [{ state: running(4), containerID: 'containerd://m' }],
      }),
    ],
    tAt(10),
  );
  t.is(one(crashed.spans, 'init-container proxy').status.code, 'error');

  const shutdown = tracker.observe(
    [
      pod({
        ...common,
        phase: 'Succeeded',
        init: [
          {
            name: 'proxy',
            state: terminated(9, 21, 137, 'Error', 'containerd://p1'),
            restartCount: 1,
            containerID: 'containerd://p1',
          },
        ],
        containers: [
          {
            state: terminated(4, 20, 0, 'Completed', 'containerd://m'),
            containerID: 'containerd://m',
          },
        ],
      }),
    ],
    tAt(22),
  );
  const stopped = one(shutdown.spans, 'init-container proxy');
  t.is(stopped.status.code, 'unset');
  t.is(stopped.attributes['kse.container.expected_stop'], 'sidecar_shutdown');
  t.is(stopped.attributes['kse.container.sidecar'], true);
});

test('a failed pod is an ERROR pod span with the pod reason as description and event', (t) => {
  const tracker = newTracker();
  const { spans } = tracker.observe(
    [
      pod({
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        conditions: scheduledConds,
        containers: [{ state: terminated(4, 30, 137, 'Error', 'containerd://d') }],
      }),
    ],
    tAt(31),
  );
  const p = one(spans, 'pod container-kill-helper');
  t.deepEqual(p.status, { code: 'error', message: 'DeadlineExceeded' });
  t.is(p.attributes['k8s.pod.status.reason'], 'DeadlineExceeded');
  t.true(
    p.events.some(
      (e) =>
        e.name === 'DeadlineExceeded' && e.attributes['kse.event.source'] === 'pod.status.reason',
    ),
  );
});

test('null times (ContainerStatusUnknown) never give a span that ends before it starts', (t) => {
  const tracker = newTracker();
  tracker.observe(
    [
      pod({
        conditions: scheduledConds,
        containers: [{ state: running(4), containerID: 'containerd://u' }],
      }),
    ],
    tAt(5),
  );
  const { spans } = tracker.observe(
    [
      pod({
        phase: 'Failed',
        conditions: scheduledConds,
        containers: [
          {
            state: {
              terminated: {
                exitCode: 137,
                reason: 'ContainerStatusUnknown',
                startedAt: null,
                finishedAt: null,
              },
            },
          },
        ],
      }),
    ],
    tAt(50),
  );
  for (const s of spans)
    t.true(s.end[0] > s.start[0] || (s.end[0] === s.start[0] && s.end[1] >= s.start[1]), s.name);
  const unknown = spans.filter((s) => s.name === 'container main');
  t.is(unknown.length, 1, 'one run, one span: the lost run is the one seen running');
  const run = unknown[0] as SpanData;
  t.deepEqual(run.start, tAt(4), 'its start as seen while running');
  t.is(run.attributes['container.id'], 'u', 'the id of the run seen running');
  t.is(run.attributes['k8s.container.status.reason'], 'ContainerStatusUnknown');
  t.is(run.attributes['process.exit.code'], 137);
  t.is(run.attributes['kse.end.estimated'], true);
});

test('finishedAt before startedAt is clamped and marked', (t) => {
  const tracker = newTracker();
  const { spans } = tracker.observe(
    [
      pod({
        phase: 'Succeeded',
        conditions: scheduledConds,
        containers: [{ state: terminated(9, 4, 0) }],
      }),
    ],
    tAt(10),
  );
  const c = one(spans, 'container main');
  t.deepEqual([c.start, c.end], [tAt(9), tAt(9)]);
  t.is(c.attributes['kse.time.clamped'], true);
});

test('a stale (out-of-order) poll neither re-emits nor reopens a finished run', (t) => {
  const tracker = newTracker();
  const runningPod = pod({
    conditions: scheduledConds,
    containers: [{ state: running(4), containerID: 'containerd://s' }],
  });
  const exited = pod({
    conditions: scheduledConds,
    containers: [
      {
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: terminated(4, 6, 1, 'Error', 'containerd://s'),
        containerID: 'containerd://s',
      },
    ],
  });
  tracker.observe([runningPod], tAt(5));
  t.is(tracker.observe([exited], tAt(7)).spans.length, 1);
  t.deepEqual(
    tracker.observe([runningPod], tAt(8)).spans,
    [],
    'stale list showing it running again',
  );
  t.deepEqual(tracker.observe([exited], tAt(9)).spans, []);
});

test('a pod missing from one poll and back is not ended; one that reappears after it was gone is not emitted twice', (t) => {
  const tracker = newTracker();
  const done = pod({
    phase: 'Succeeded',
    conditions: scheduledConds,
    containers: [{ state: terminated(4, 6, 0, 'Completed', 'containerd://z') }],
  });
  const live = pod({
    uid: 'live',
    conditions: scheduledConds,
    containers: [{ state: running(4), containerID: 'containerd://l' }],
  });
  t.is(tracker.observe([done, live], tAt(7)).spans.length, 6, 'done: 4 spans; live: 2 phases');
  t.deepEqual(tracker.observe([done], tAt(8)).spans, [], 'partial list: live is missing once');
  t.deepEqual(tracker.observe([done, live], tAt(9)).spans, []);
  t.deepEqual(tracker.observe([], tAt(10)).spans, []);
  t.deepEqual(tracker.observe([], tAt(11)).spans, [], 'missing from 2 polls but only for 1 s');
  const gone = tracker.observe([], tAt(15));
  t.deepEqual(gone.spans.map((s) => s.name).sort(), [
    'container main',
    'pod container-kill-helper',
  ]);
  t.is(tracker.trackedPods, 0);
  t.deepEqual(
    tracker.observe([done], tAt(16)).spans,
    [],
    'same uid back: its spans were already emitted',
  );
});

test('a restored snapshot resumes exactly: the same spans as an uninterrupted tracker, none twice', (t) => {
  const base = { name: 'crash-0', generateName: '', conditions: scheduledConds };
  const polls: [KubeletPod[], Time][] = [
    [
      [pod({ ...base, containers: [{ state: running(4), containerID: 'containerd://a0' }] })],
      tAt(5),
    ],
    [
      [
        pod({
          ...base,
          containers: [
            {
              state: running(12),
              lastState: terminated(4, 10, 1, 'Error', 'containerd://a0'),
              restartCount: 1,
              containerID: 'containerd://a1',
            },
          ],
        }),
      ],
      tAt(13),
    ],
    [[], tAt(20)],
    [[], tAt(21)],
    [[], tAt(25)],
  ];
  const straight = newTracker();
  const expected = polls.flatMap(([p, now]) => straight.observe(p, now).spans);
  for (let cut = 1; cut < polls.length; cut++) {
    const first = newTracker();
    const before = polls.slice(0, cut).flatMap(([p, now]) => first.observe(p, now).spans);
    // through JSON, as the checkpoint stores it
    const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
    const resumed = new PodTracker(
      { nodeName: 'node-a', envNames: ['TRACEPARENT', 'TRACE_PARENT'], hash: sha256 },
      snapshot,
    );
    const after = polls.slice(cut).flatMap(([p, now]) => resumed.observe(p, now).spans);
    t.deepEqual([...before, ...after], expected, `cut after poll ${cut}`);
  }
});

test('catch-up cutoff: a pod finished before it is tracked silently; later ones are emitted', (t) => {
  const tracker = new PodTracker({
    nodeName: 'node-a',
    envNames: ['TRACE_PARENT'],
    hash: sha256,
    catchUpCutoff: tAt(30),
  });
  const old = pod({ uid: 'old', phase: 'Succeeded', containers: [{ state: terminated(2, 20) }] });
  const recent = pod({
    uid: 'recent',
    phase: 'Succeeded',
    containers: [{ state: terminated(2, 40) }],
  });
  const live = pod({
    uid: 'live',
    containers: [{ state: running(2), containerID: 'containerd://l' }],
  });
  const { spans, notices } = tracker.observe([old, recent, live], tAt(50));
  t.deepEqual(
    [...new Set(spans.map((s) => s.resource['k8s.pod.uid']))],
    ['recent'],
    'live has no final span yet; old is before the cutoff',
  );
  t.true(notices.some((n) => n.kind === 'catchUpSkipped' && n.pod.uid === 'old'));
  t.deepEqual(tracker.observe([old, recent, live], tAt(51)).spans, []);
});

test('bounded: tracked pods and spans per pod are capped and the overflow reported', (t) => {
  const tracker = new PodTracker({
    nodeName: 'node-a',
    envNames: ['TRACE_PARENT'],
    hash: sha256,
    maxTrackedPods: 2,
    maxSpansPerPod: 3,
  });
  const pods = ['a', 'b', 'c'].map((uid) =>
    pod({ uid, containers: [{ state: running(2), containerID: `containerd://${uid}0` }] }),
  );
  const first = tracker.observe(pods, tAt(3));
  t.is(tracker.trackedPods, 2);
  t.deepEqual(
    first.notices.filter((n) => n.kind === 'podCapReached'),
    [{ kind: 'podCapReached', skipped: 1 }],
  );
  // a crash loop on pod a: runs 0..5 all finished
  const looping = (restart: number) =>
    pod({
      uid: 'a',
      conditions: scheduledConds,
      containers: [
        {
          state: running(10 * restart + 5),
          lastState: terminated(
            10 * restart - 5,
            10 * restart,
            1,
            'Error',
            `containerd://a${restart - 1}`,
          ),
          restartCount: restart,
          containerID: `containerd://a${restart}`,
        },
      ],
    });
  const spans: SpanData[] = [];
  const notices = [];
  for (let r = 1; r <= 5; r++) {
    const out = tracker.observe([looping(r), pods[1] as KubeletPod], tAt(10 * r + 6));
    spans.push(...out.spans);
    notices.push(...out.notices);
  }
  const ofA = spans.filter((s) => s.resource['k8s.pod.uid'] === 'a');
  t.is(ofA.length, 3, '2 phases + 1 run, then the cap');
  t.is(notices.filter((n) => n.kind === 'spanCapReached').length, 1, 'reported once');
  tracker.observe([pods[1] as KubeletPod], tAt(70));
  const gone = tracker.observe([pods[1] as KubeletPod], tAt(75));
  const podA = gone.spans.find(
    (s) => s.name.startsWith('pod ') && s.resource['k8s.pod.uid'] === 'a',
  );
  t.is(podA?.attributes['kse.spans.dropped'], 5, 'runs 1-4 and the open run 5 were not emitted');
  // room freed: pod c is tracked now
  tracker.observe([pods[1] as KubeletPod, pods[2] as KubeletPod], tAt(72));
  t.is(tracker.trackedPods, 2);
});

test('times in the future are clamped to the poll and marked', (t) => {
  const tracker = newTracker();
  const future = '2026-11-23T11:00:00Z';
  const { spans } = tracker.observe(
    [
      pod({
        phase: 'Succeeded',
        containers: [
          {
            state: {
              terminated: {
                exitCode: 0,
                startedAt: T(2),
                finishedAt: future,
                containerID: 'containerd://f',
              },
            },
          },
        ],
      }),
    ],
    tAt(10),
  );
  const c = one(spans, 'container main');
  t.deepEqual([c.start, c.end], [tAt(2), tAt(10)]);
  t.is(c.attributes['kse.time.clamped'], true);
  const p = one(spans, 'pod container-kill-helper');
  t.deepEqual(p.end, tAt(10));
});

test('observation bounds narrow whole-second kubelet times; the truth always lies inside', (t) => {
  // Ground truth: created 0.200 s, seen by the kubelet 0.250000001 s, container 2.300 → 6.700 s.
  // The kubelet reports whole seconds; the agent polls every 250 ms.
  const truth = { start: 2.3, end: 6.7, creation: 0.2 };
  const tracker = newTracker();
  const ms = (s: number): Time => [tAt(0)[0] + Math.floor(s), Math.round((s % 1) * 1e9)];
  const spans: SpanData[] = [];
  for (let poll = 0.25; poll <= 8; poll += 0.25) {
    const state: ContainerState =
      poll < truth.start + 0.1 // the kubelet reports a little late
        ? { waiting: { reason: 'ContainerCreating' } }
        : poll < truth.end + 0.1
          ? running(Math.floor(truth.start))
          : terminated(
              Math.floor(truth.start),
              Math.floor(truth.end),
              0,
              'Completed',
              'containerd://n',
            );
    const phase = poll < truth.end + 0.1 ? 'Running' : 'Succeeded';
    spans.push(
      ...tracker.observe(
        [
          pod({
            phase,
            conditions: scheduledConds,
            containers: [{ state, containerID: 'containerd://n' }],
          }),
        ],
        ms(poll),
      ).spans,
    );
  }
  const c = one(spans, 'container main');
  const within = (reported: Time, uncertaintyMs: unknown, actual: number) => {
    const lo = reported[0] - tAt(0)[0] + reported[1] / 1e9;
    return actual >= lo - 1e-9 && actual <= lo + Number(uncertaintyMs) / 1000 + 1e-9;
  };
  t.is(c.attributes['kse.start.source'], 'kubelet');
  // first poll showing it running: 2.5 s → start in [2, 2.5]
  t.is(c.attributes['kse.start.uncertainty_ms'], 500);
  t.true(within(c.start, c.attributes['kse.start.uncertainty_ms'], truth.start));
  // first poll showing it terminated: 7.0 s → end in [6, 7]: a whole second, nothing narrower holds
  t.is(c.attributes['kse.end.uncertainty_ms'], 1000);
  t.true(within(c.end, c.attributes['kse.end.uncertainty_ms'], truth.end));
  // creation: the kubelet saw the pod 0.250000001 s after the second began
  const p = one(spans, 'pod container-kill-helper');
  t.is(p.attributes['kse.start.uncertainty_ms'], 250);
  t.true(within(p.start, p.attributes['kse.start.uncertainty_ms'], truth.creation));
});

test('an end nobody reported is the poll that noticed, with the gap since the last poll', (t) => {
  const tracker = newTracker();
  tracker.observe(
    [
      pod({
        conditions: scheduledConds,
        containers: [{ state: running(4), containerID: 'containerd://v' }],
      }),
    ],
    tAt(5),
  );
  tracker.observe(
    [
      pod({
        conditions: scheduledConds,
        containers: [{ state: running(4), containerID: 'containerd://v' }],
      }),
    ],
    tAt(6),
  );
  tracker.observe([], tAt(8));
  t.deepEqual(tracker.observe([], tAt(9)).spans, [], 'missing for 1 s: not gone yet');
  const { spans } = tracker.observe([], tAt(13));
  const c = one(spans, 'container main');
  t.deepEqual(c.end, tAt(8));
  t.like(c.attributes, {
    'kse.end.source': 'poll',
    'kse.end.uncertainty_ms': 2000,
    'kse.end.estimated': true,
  });
});

test('hasLivePods is true while a traced pod is unfinished (the poll loop polls faster then)', (t) => {
  const tracker = newTracker();
  t.false(tracker.hasLivePods);
  tracker.observe([pod({ env: { OTHER: 'x' }, containers: [{ state: running(1) }] })], tAt(2));
  t.false(tracker.hasLivePods, 'a selected pod without a context does not count');
  tracker.observe(
    [pod({ uid: 'traced', containers: [{ state: running(1), containerID: 'containerd://t' }] })],
    tAt(3),
  );
  t.true(tracker.hasLivePods);
  tracker.observe(
    [
      pod({
        uid: 'traced',
        phase: 'Succeeded',
        containers: [{ state: terminated(1, 4, 0, 'Completed', 'containerd://t') }],
      }),
    ],
    tAt(5),
  );
  t.false(tracker.hasLivePods);
});

test('a failed pod without a status.reason is described by its first failed container', (t) => {
  const tracker = newTracker();
  const { spans } = tracker.observe(
    [
      pod({
        phase: 'Failed',
        conditions: scheduledConds,
        containers: [{ state: terminated(4, 6, 1, 'Error', 'containerd://e') }],
      }),
    ],
    tAt(7),
  );
  t.deepEqual(one(spans, 'pod container-kill-helper').status, {
    code: 'error',
    message: 'container main: Error (exit 1)',
  });
});

test('trackedUids lists the pods tracked, untraced ones too, until they are gone', (t) => {
  const tracker = newTracker();
  t.deepEqual([...tracker.trackedUids()], []);
  const traced = pod({ uid: 'uid-a', containers: [{ state: running(1) }] });
  const untraced = pod({ uid: 'uid-b', env: {}, containers: [{ state: running(1) }] });
  tracker.observe([traced, untraced], tAt(2));
  t.deepEqual([...tracker.trackedUids()].sort(), ['uid-a', 'uid-b']);
  tracker.observe([traced], tAt(3));
  t.deepEqual([...tracker.trackedUids()].sort(), ['uid-a', 'uid-b'], 'missing once: still tracked');
  tracker.observe([traced], tAt(4));
  t.deepEqual([...tracker.trackedUids()].sort(), ['uid-a', 'uid-b'], 'missing for 1 s: still');
  tracker.observe([traced], tAt(9));
  t.deepEqual([...tracker.trackedUids()], ['uid-a'], 'missing from 2 polls and for GONE_AFTER');
});
