import test from 'ava';
import {
  type ContainerStepContext,
  closeOpenRun,
  stepContainer,
} from '../../src/core/containerRuns.js';
import type { ContainerStatus } from '../../src/core/kubeletPod.js';
import { pollEdge } from '../../src/core/timeEdge.js';
import { running, T, tAt, terminated } from '../support/trackerInput.js';

const status = (s: Partial<ContainerStatus>): ContainerStatus => ({
  name: 'main',
  state: { waiting: { reason: 'ContainerCreating' } },
  lastState: {},
  restartCount: 0,
  image: 'docker.io/litmuschaos/go-runner:3.12.0',
  ...s,
});
const ctx = (sec: number, over: Partial<ContainerStepContext> = {}): ContainerStepContext => ({
  role: 'container',
  now: tAt(sec),
  lastSeenAt: tAt(sec - 1),
  deleting: false,
  podSpanDone: false,
  sidecar: false,
  shuttingDown: false,
  ...over,
});

test('first sight of a running container opens its run; nothing to build', (t) => {
  const step = stepContainer(
    undefined,
    status({ state: running(2), containerID: 'containerd://a' }),
    undefined,
    ctx(3),
  );
  t.deepEqual(step.effects, []);
  t.is(step.changes, 3, 'new track, restart count, open run');
  t.like(step.track.open, {
    runKey: 'containerd://a',
    index: 0,
    firstSeenAt: tAt(3),
    start: tAt(2),
    containerId: 'containerd://a',
  });
});

test('a run shown terminated is built once, from its first sight; the step leaves its input alone', (t) => {
  const opened = stepContainer(
    undefined,
    status({ state: running(2), containerID: 'containerd://a' }),
    undefined,
    ctx(3),
  ).track;
  const before = structuredClone(opened);
  const done = status({ state: terminated(2, 6, 1, 'Error'), containerID: 'containerd://a' });
  const step = stepContainer(opened, done, undefined, ctx(7));
  t.deepEqual(opened, before, 'the previous track is not modified');
  t.is(step.track.open, undefined);
  t.is(step.effects.length, 1);
  const effect = step.effects[0];
  if (effect?.kind !== 'run') return t.fail('expected a run');
  t.is(effect.failure, 'container main: Error (exit 1)');
  t.like(effect.run, { runKey: 'containerd://a', index: 0, exitCode: 1, reason: 'Error' });
  t.deepEqual(effect.run.start, { time: tAt(2), source: 'kubelet', laterByMs: 1000 });
  t.deepEqual(effect.run.end, { time: tAt(6), source: 'kubelet', laterByMs: 1000 });
  // Seen again: nothing more to build.
  t.deepEqual(stepContainer(step.track, done, undefined, ctx(8)).effects, []);
});

test('a run lost between observations ends where the next one began, as a poll edge', (t) => {
  const opened = stepContainer(
    undefined,
    status({ state: running(2), containerID: 'containerd://a' }),
    undefined,
    ctx(3),
  ).track;
  const next = status({ state: running(9), restartCount: 2, containerID: 'containerd://c' });
  const step = stepContainer(opened, next, undefined, ctx(10, { lastSeenAt: tAt(4) }));
  const [lost] = step.effects;
  if (lost?.kind !== 'run') return t.fail('expected the lost run');
  t.like(lost.run, { runKey: 'containerd://a', index: 0 });
  t.deepEqual(lost.run.end, pollEdge(tAt(9), tAt(4)));
  t.like(step.track.open, { runKey: 'containerd://c', index: 2, unobservedRuns: 1 });
});

test('an older status is stale: a lower restart count changes nothing', (t) => {
  const track = stepContainer(
    undefined,
    status({ state: running(2), restartCount: 3, containerID: 'containerd://d' }),
    undefined,
    ctx(3),
  ).track;
  const step = stepContainer(track, status({ restartCount: 1 }), undefined, ctx(4));
  t.deepEqual(step.effects, [{ kind: 'stale', stale: 'restart_count_decreased' }]);
  t.deepEqual(step.track, track);
  t.is(step.changes, 0);
});

test('an unusual waiting reason is reported once per restart count, never after the pod span', (t) => {
  const waiting = status({ state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 1 });
  const first = stepContainer(undefined, waiting, undefined, ctx(3));
  t.deepEqual(
    first.effects.filter((e) => e.kind === 'waiting'),
    [{ kind: 'waiting', reason: 'CrashLoopBackOff', restartCount: 1 }],
  );
  t.deepEqual(stepContainer(first.track, waiting, undefined, ctx(4)).effects, []);
  const later = status({ state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 2 });
  t.is(stepContainer(first.track, later, undefined, ctx(5)).effects.length, 1);
  t.deepEqual(
    stepContainer(undefined, waiting, undefined, ctx(3, { podSpanDone: true })).effects,
    [],
  );
});

test('a run ended by the pod deletion or a sidecar shutdown is expected: no failure', (t) => {
  const killed = status({
    state: { terminated: { exitCode: 137, reason: 'Error', startedAt: T(2), finishedAt: T(6) } },
    containerID: 'containerd://e',
  });
  const [deleted] = stepContainer(undefined, killed, undefined, ctx(7, { deleting: true })).effects;
  t.like(deleted, { kind: 'run', run: { expectedStop: 'pod_deletion' } });
  t.false(deleted !== undefined && 'failure' in deleted);
  const [sidecar] = stepContainer(
    undefined,
    { ...killed, state: { waiting: {} }, lastState: killed.state },
    undefined,
    ctx(7, { role: 'init-container', sidecar: true, shuttingDown: true }),
  ).effects;
  t.like(sidecar, { kind: 'run', run: { expectedStop: 'sidecar_shutdown', sidecar: true } });
});

test('closeOpenRun builds the open run once, marked expected when the pod is being deleted', (t) => {
  const track = stepContainer(
    undefined,
    status({ state: running(2), containerID: 'containerd://f' }),
    undefined,
    ctx(3),
  ).track;
  const end = pollEdge(tAt(8), tAt(7));
  const container = { role: 'container' as const, name: 'main', deleting: true };
  const run = closeOpenRun(track, container, end);
  t.like(run, { runKey: 'containerd://f', end, expectedStop: 'pod_deletion' });
  t.is(track.open, undefined);
  t.is(closeOpenRun(track, container, end), undefined);
});
