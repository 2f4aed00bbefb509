import { readFileSync } from 'node:fs';
import test from 'ava';
import { type IPod, Pod } from 'kubernetes-models/v1/Pod';
import {
  buildPod,
  buildPodList,
  containerId,
  deterministicUid,
  litmusTraceParentValue,
  type PodScript,
  type PodSpecInput,
  plusSeconds,
  podAt,
  podListBody,
  type RawObject,
  SECRET_MARKER,
  unrelatedPod,
} from '../../sim/podBuilder.js';
import { decodePodList } from '../../src/core/decodePodList.js';
import type { KubeletPod } from '../../src/core/kubeletPod.js';

const FIXTURES = new URL('../fixtures/kubelet/', import.meta.url);
const T0 = '2025-06-01T10:00:00Z';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

function fixturePods(): RawObject[] {
  return ['podlist-init-and-restart.json', 'podlist-short-lived-succeeded.json'].flatMap(
    (name) =>
      (JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as { items: RawObject[] }).items,
  );
}

function section(pod: RawObject, key: string): RawObject {
  return pod[key] as RawObject;
}

function conditionsOf(pod: RawObject): Record<string, RawObject> {
  const list = section(pod, 'status').conditions as RawObject[];
  return Object.fromEntries(list.map((c) => [c.type as string, c]));
}

function statusOf(pod: RawObject, name: string, key = 'containerStatuses'): RawObject {
  const list = section(pod, 'status')[key] as RawObject[];
  const found = list.find((s) => s.name === name);
  if (!found) throw new Error(`no status for ${name}`);
  return found;
}

function decodeOne(raw: RawObject): KubeletPod {
  const result = decodePodList(JSON.parse(podListBody([raw])), {
    envNames: ['TRACEPARENT', 'TRACE_PARENT'],
  });
  if (!result.ok) throw new Error(result.error);
  if (result.malformed.length > 0) throw new Error(JSON.stringify(result.malformed));
  const [pod] = result.pods;
  if (!pod) throw new Error('no pod');
  return pod;
}

/** Validates against the Kubernetes OpenAPI schema (types, enums, required fields). */
function assertValidPod(raw: RawObject): void {
  new Pod({ apiVersion: 'v1', kind: 'Pod', ...raw } as unknown as IPod).validate();
}

/** A Litmus helper pod with a native sidecar and a regular init container. */
const HELPER: PodSpecInput = {
  name: 'container-kill-helper-x7k2q',
  generateName: 'container-kill-helper-',
  namespace: 'litmus',
  labels: { chaosUID: 'c-1', app: 'container-kill-helper-abc12' },
  owner: { kind: 'Job', name: 'container-kill-abc12' },
  creationTimestamp: T0,
  phase: 'Running',
  restartPolicy: 'Never',
  nodeName: 'worker-2',
  initContainers: [
    {
      name: 'setup',
      state: 'terminated',
      startedAt: plusSeconds(T0, 2),
      finishedAt: plusSeconds(T0, 3),
    },
    {
      name: 'proxy',
      restartPolicy: 'Always',
      image: 'envoyproxy/envoy:v1.31.0',
      state: 'running',
      startedAt: plusSeconds(T0, 4),
    },
  ],
  containers: [
    {
      name: 'container-kill',
      image: 'litmuschaos/go-runner:3.10.0',
      env: { TRACE_PARENT: litmusTraceParentValue(TRACE_ID, SPAN_ID), DB_PASSWORD: 'x-secret' },
      state: 'running',
      startedAt: plusSeconds(T0, 6),
      restartCount: 1,
      lastTerminated: {
        exitCode: 137,
        reason: 'OOMKilled',
        startedAt: plusSeconds(T0, 5),
        finishedAt: plusSeconds(T0, 5),
      },
    },
  ],
};

test('a built pod decodes without malformed entries and with the expected values', (t) => {
  const raw = buildPod(HELPER);
  const pod = decodeOne(raw);
  const uid = deterministicUid('litmus/container-kill-helper-x7k2q');
  t.is(pod.uid, uid);
  t.is(pod.name, 'container-kill-helper-x7k2q');
  t.is(pod.generateName, 'container-kill-helper-');
  t.is(pod.namespace, 'litmus');
  t.is(pod.nodeName, 'worker-2');
  t.is(pod.phase, 'Running');
  t.is(pod.creationTimestamp, T0);
  t.deepEqual(pod.labels, { chaosUID: 'c-1', app: 'container-kill-helper-abc12' });
  t.deepEqual(Object.keys(pod.annotations), ['kubernetes.io/config.seen']);
  t.regex(
    pod.annotations['kubernetes.io/config.seen'] ?? '',
    /^2025-06-01T12:00:00\.\d{9}\+02:00$/,
  );
  t.deepEqual(
    pod.initContainers.map((c) => [c.name, c.restartPolicy]),
    [
      ['setup', undefined],
      ['proxy', 'Always'],
    ],
  );
  t.deepEqual(
    pod.containers[0]?.env,
    new Map([
      ['TRACE_PARENT', { kind: 'value', value: `{"traceparent":"00-${TRACE_ID}-${SPAN_ID}-01"}` }],
    ]),
  );
  t.deepEqual(pod.containerStatuses[0], {
    name: 'container-kill',
    state: { running: { startedAt: '2025-06-01T10:00:06Z' } },
    lastState: {
      terminated: {
        exitCode: 137,
        reason: 'OOMKilled',
        startedAt: '2025-06-01T10:00:05Z',
        finishedAt: '2025-06-01T10:00:05Z',
        containerID: `containerd://${containerId(`${uid}/container-kill/0`)}`,
      },
    },
    restartCount: 1,
    image: 'docker.io/litmuschaos/go-runner:3.10.0',
    imageID: pod.containerStatuses[0]?.imageID,
    containerID: `containerd://${containerId(`${uid}/container-kill/1`)}`,
  });
  t.regex(
    pod.containerStatuses[0]?.imageID ?? '',
    /^docker\.io\/litmuschaos\/go-runner@sha256:[0-9a-f]{64}$/,
  );
  t.deepEqual(pod.initContainerStatuses[0]?.state.terminated, {
    exitCode: 0,
    reason: 'Completed',
    startedAt: '2025-06-01T10:00:02Z',
    finishedAt: '2025-06-01T10:00:03Z',
    containerID: `containerd://${containerId(`${uid}/setup/0`)}`,
  });
  t.deepEqual(
    pod.conditions.map((c) => [c.type, c.status, c.lastTransitionTime]),
    [
      ['PodReadyToStartContainers', 'True', '2025-06-01T10:00:01Z'],
      ['Initialized', 'True', '2025-06-01T10:00:05Z'],
      ['Ready', 'True', '2025-06-01T10:00:07Z'],
      ['ContainersReady', 'True', '2025-06-01T10:00:07Z'],
      ['PodScheduled', 'True', T0],
    ],
  );
  assertValidPod(raw);
});

test('built pods have the fixture keys plus what newer clusters add', (t) => {
  const keysOf = (pods: RawObject[], pick: (p: RawObject) => unknown) =>
    new Set(pods.flatMap((p) => Object.keys(pick(p) as RawObject)));
  const fixtures = fixturePods();
  const built = buildPod({
    ...HELPER,
    owner: { kind: 'DaemonSet', name: 'kube-scheduler' },
    hostNetwork: true,
    containers: [
      {
        name: 'scheduler',
        specExtras: {
          resources: { limits: { cpu: '100m' }, requests: { cpu: '50m' } },
          livenessProbe: { httpGet: { path: '/healthz', port: 10251, scheme: 'HTTP' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 10251, scheme: 'HTTP' } },
        },
        command: ['/scheduler'],
        state: 'running',
        startedAt: plusSeconds(T0, 6),
      },
    ],
  });
  /** Gone since 1.24 (RemoveSelfLink). */
  const removed = new Set(['selfLink']);
  const added: Record<string, string[]> = {
    top: [],
    metadata: ['generation', 'managedFields'],
    spec: ['priority', 'enableServiceLinks', 'preemptionPolicy'],
    status: ['observedGeneration', 'hostIPs', 'podIPs'],
    container: [],
    containerStatus: ['started', 'allocatedResources', 'resources', 'volumeMounts', 'user'],
  };
  const picks: Record<string, (p: RawObject) => unknown> = {
    top: (p) => p,
    metadata: (p) => p.metadata,
    spec: (p) => p.spec,
    status: (p) => p.status,
    container: (p) => (section(p, 'spec').containers as unknown[])[0],
    containerStatus: (p) => (section(p, 'status').containerStatuses as unknown[])[0],
  };
  for (const [name, pick] of Object.entries(picks)) {
    const expected = [...keysOf(fixtures, pick)].filter((k) => !removed.has(k));
    expected.push(...(added[name] ?? []));
    t.deepEqual([...keysOf([built], pick)].sort(), expected.sort(), name);
  }
  assertValidPod(built);
});

test('unrelated pods are sized and shaped like the real 1.31-1.35 captures', (t) => {
  // The captures' pods are 3.0-7.8 KB of compact JSON, 5.0-5.4 KB on average: about 600 KB for a
  // full node of 110 pods (the notes). Only the creator's managedFields entry, as there.
  const pods = Array.from({ length: 110 }, (_, i) => unrelatedPod(i, 'worker-1'));
  const bytes = Buffer.byteLength(podListBody(pods));
  t.true(bytes > 500_000 && bytes < 700_000, `110 pods: ${bytes} bytes`);
  for (const [i, pod] of pods.entries()) {
    const size = Buffer.byteLength(JSON.stringify(pod));
    t.true(size > 3000 && size < 10_000, `pod ${i}: ${size} bytes`);
    t.is(section(pod, 'spec').nodeName, 'worker-1');
    const metadata = section(pod, 'metadata');
    const annotations = metadata.annotations as Record<string, string>;
    t.regex(annotations['kubernetes.io/config.seen'] ?? '', /^[-\dT:]+\.\d{9}\+02:00$/);
    if (annotations['kubernetes.io/config.source'] === 'file') {
      t.is(metadata.managedFields, undefined, `static pod ${i}`);
      t.is(annotations['kubernetes.io/config.hash'], metadata.uid as string);
    } else {
      const managers = (metadata.managedFields as RawObject[]).map((m) => m.manager);
      t.is(managers.length, 1, `pod ${i}: ${managers.join(', ')}`);
    }
  }
  const sources = pods.map((p) => {
    const annotations = section(p, 'metadata').annotations as Record<string, string>;
    return annotations['kubernetes.io/config.source'];
  });
  t.true(sources.filter((s) => s === 'file').length >= 5, 'static pods among them');
  const owners = new Set(
    pods.flatMap((p) =>
      ((section(p, 'metadata').ownerReferences ?? []) as RawObject[]).map((o) => o.kind),
    ),
  );
  t.deepEqual([...owners].sort(), ['DaemonSet', 'Job', 'ReplicaSet', 'StatefulSet']);
  // secrets the agent must drop: literal env values, and kubectl's last-applied-configuration
  for (let i = 0; i < 10; i++) {
    const pod = pods[i] as RawObject;
    if (i % 2 === 0) t.true(JSON.stringify(section(pod, 'spec')).includes(SECRET_MARKER));
    assertValidPod(pod);
  }
  const applied = section(pods[9] as RawObject, 'metadata').annotations as Record<string, string>;
  t.true(applied['kubectl.kubernetes.io/last-applied-configuration']?.includes(SECRET_MARKER));
  t.notDeepEqual(unrelatedPod(1, 'n'), unrelatedPod(2, 'n'));
});

test('a static pod is the kubelet copy: config.hash uid, no API-server fields', (t) => {
  const pod = buildPod({ ...HELPER, source: 'file', utcOffset: '-04:00' });
  const metadata = section(pod, 'metadata');
  t.regex(metadata.uid as string, /^[0-9a-f]{32}$/);
  t.deepEqual(metadata.annotations, {
    'kubernetes.io/config.hash': metadata.uid,
    'kubernetes.io/config.seen': (metadata.annotations as RawObject)['kubernetes.io/config.seen'],
    'kubernetes.io/config.source': 'file',
  });
  t.regex(
    (metadata.annotations as Record<string, string>)['kubernetes.io/config.seen'] ?? '',
    /^2025-06-01T06:00:00\.\d{9}-04:00$/,
  );
  for (const key of ['creationTimestamp', 'managedFields', 'resourceVersion', 'generation']) {
    t.false(key in metadata, key);
  }
  const text = JSON.stringify(pod);
  t.false(text.includes('kube-api-access-'));
  t.false(text.includes('observedGeneration'));
  t.is(section(pod, 'spec').priorityClassName, 'system-node-critical');
  t.is(decodeOne(pod).name, HELPER.name);
});

test('everything is deterministic from the inputs', (t) => {
  t.deepEqual(buildPod(HELPER), buildPod(HELPER));
  t.deepEqual(unrelatedPod(7, 'n'), unrelatedPod(7, 'n'));
  t.is(deterministicUid('a'), deterministicUid('a'));
  t.not(deterministicUid('a'), deterministicUid('b'));
  t.regex(
    deterministicUid('a'),
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  t.regex(containerId('a'), /^[0-9a-f]{64}$/);
  t.not(containerId('a'), containerId('b'));
  t.is(
    litmusTraceParentValue(TRACE_ID, SPAN_ID),
    '{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}',
  );
  t.is(plusSeconds('2025-06-01T23:59:59Z', 2), '2025-06-02T00:00:01Z');
});

test('times are whole seconds, except the nanosecond config.seen', (t) => {
  const text = JSON.stringify([buildPod(HELPER), unrelatedPod(4, 'n')]);
  const times = text.match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[^"]*"/g) ?? [];
  t.true(times.length > 20);
  for (const time of times) t.regex(time, /^[^.]*Z"$|^[^.]*\.\d{9}(Z|[+-]\d\d:\d\d)"$/);
  t.is(times.filter((time) => time.includes('.')).length, 2);
});

test('podListBody is a compact PodList as the kubelet sends it', (t) => {
  const pods = [buildPod(HELPER), unrelatedPod(0, 'n')];
  const body = podListBody(pods);
  t.true(body.endsWith('}\n'));
  t.false(body.includes('\n  '));
  t.deepEqual(JSON.parse(body), buildPodList(pods));
  t.deepEqual(Object.keys(buildPodList([])), ['kind', 'apiVersion', 'metadata', 'items']);
});

test('conditions follow the phase: Pending behind init, Succeeded with PodCompleted', (t) => {
  const pending = buildPod({
    name: 'p',
    creationTimestamp: T0,
    phase: 'Pending',
    initContainers: [{ name: 'init', state: 'running', startedAt: plusSeconds(T0, 2) }],
    containers: [{ name: 'main', state: 'waiting' }],
  });
  const pc = conditionsOf(pending);
  t.is(pc.PodReadyToStartContainers?.status, 'True');
  t.is(pc.Initialized?.status, 'False');
  t.is(pc.Initialized?.reason, 'ContainersNotInitialized');
  t.is(pc.Initialized?.message, 'containers with incomplete status: [init]');
  t.is(pc.Ready?.status, 'False');
  t.deepEqual(statusOf(pending, 'main').state, { waiting: { reason: 'PodInitializing' } });
  t.is(statusOf(pending, 'main').imageID, '');
  t.false('containerID' in statusOf(pending, 'main'));

  const fresh = buildPod({
    name: 'q',
    creationTimestamp: T0,
    phase: 'Pending',
    containers: [{ name: 'main', state: 'waiting' }],
  });
  t.is(conditionsOf(fresh).PodReadyToStartContainers?.status, 'False');
  t.false('podIP' in section(fresh, 'status'));
  t.deepEqual(statusOf(fresh, 'main').state, { waiting: { reason: 'ContainerCreating' } });

  const succeeded = buildPod({
    name: 's',
    creationTimestamp: T0,
    phase: 'Succeeded',
    restartPolicy: 'Never',
    containers: [
      {
        name: 'main',
        state: 'terminated',
        startedAt: plusSeconds(T0, 3),
        finishedAt: plusSeconds(T0, 3),
      },
    ],
  });
  const sc = conditionsOf(succeeded);
  t.is(sc.PodReadyToStartContainers?.status, 'False');
  t.is(sc.PodReadyToStartContainers?.lastTransitionTime, plusSeconds(T0, 4));
  t.is(sc.Ready?.status, 'False');
  t.is(sc.Ready?.reason, 'PodCompleted');
  t.is(sc.ContainersReady?.reason, 'PodCompleted');
  t.is(sc.Initialized?.status, 'True');
  t.deepEqual(statusOf(succeeded, 'main').state, {
    terminated: {
      exitCode: 0,
      reason: 'Completed',
      startedAt: '2025-06-01T10:00:03Z',
      finishedAt: '2025-06-01T10:00:03Z',
      containerID: statusOf(succeeded, 'main').containerID,
    },
  });
  for (const pod of [pending, fresh, succeeded]) assertValidPod(pod);
});

test('a lost container reports ContainerStatusUnknown with null times and no id', (t) => {
  const raw = buildPod({
    name: 'lost',
    creationTimestamp: T0,
    phase: 'Failed',
    restartPolicy: 'Never',
    containers: [
      {
        name: 'main',
        state: 'terminated',
        exitCode: 137,
        reason: 'ContainerStatusUnknown',
        message: 'The container could not be located when the pod was terminated',
        startedAt: null,
        finishedAt: null,
        containerID: '',
      },
    ],
  });
  const terminated = (statusOf(raw, 'main').state as RawObject).terminated as RawObject;
  t.deepEqual(terminated, {
    exitCode: 137,
    reason: 'ContainerStatusUnknown',
    message: 'The container could not be located when the pod was terminated',
    startedAt: null,
    finishedAt: null,
  });
  const pod = decodeOne(raw);
  t.is(pod.containerStatuses[0]?.state.terminated?.startedAt, null);
  t.is(conditionsOf(raw).Ready?.reason, 'ContainersNotReady');
  assertValidPod(raw);
});

test('podAt derives phase, states and restarts from a script of runs', (t) => {
  const script: PodScript = {
    name: 'pod-delete-abc12-xyz',
    namespace: 'litmus',
    labels: { chaosUID: 'c-2' },
    creationTimestamp: T0,
    restartPolicy: 'OnFailure',
    initContainers: [
      { name: 'init', runs: [{ startedAt: plusSeconds(T0, 2), finishedAt: plusSeconds(T0, 4) }] },
    ],
    containers: [
      {
        name: 'experiment',
        env: { TRACE_PARENT: litmusTraceParentValue(TRACE_ID, SPAN_ID) },
        runs: [
          { startedAt: plusSeconds(T0, 5), finishedAt: plusSeconds(T0, 9), exitCode: 1 },
          { startedAt: plusSeconds(T0, 20), finishedAt: plusSeconds(T0, 30) },
        ],
      },
    ],
    deletedAt: plusSeconds(T0, 40),
  };
  const at = (s: number) => podAt(script, plusSeconds(T0, s));
  const phase = (pod: RawObject) => section(pod, 'status').phase;
  const experiment = (pod: RawObject) => statusOf(pod, 'experiment');

  t.throws(() => podAt(script, plusSeconds(T0, -1)), { instanceOf: RangeError });
  t.is(phase(at(0)), 'Pending');
  t.deepEqual(experiment(at(0)).state, { waiting: { reason: 'PodInitializing' } });
  t.deepEqual(statusOf(at(0), 'init', 'initContainerStatuses').state, {
    waiting: { reason: 'ContainerCreating' },
  });
  t.is(phase(at(3)), 'Pending');
  t.is(phase(at(6)), 'Running');
  t.deepEqual(experiment(at(6)).state, { running: { startedAt: plusSeconds(T0, 5) } });
  t.is(conditionsOf(at(6)).Initialized?.lastTransitionTime, plusSeconds(T0, 5));

  // Between the runs: back-off, the exited run counted and reported as lastState.
  const backoff = experiment(at(12));
  t.is(phase(at(12)), 'Running');
  t.deepEqual(backoff.state, { waiting: { reason: 'CrashLoopBackOff' } });
  t.is(backoff.restartCount, 0);
  t.is(((backoff.lastState as RawObject).terminated as RawObject).exitCode, 1);
  t.is(backoff.containerID, ((backoff.lastState as RawObject).terminated as RawObject).containerID);

  const second = experiment(at(25));
  t.is(second.restartCount, 1);
  t.deepEqual(second.state, { running: { startedAt: plusSeconds(T0, 20) } });
  t.is(((second.lastState as RawObject).terminated as RawObject).containerID, backoff.containerID);
  t.not(second.containerID, backoff.containerID);

  const done = at(35);
  t.is(phase(done), 'Succeeded');
  t.is(conditionsOf(done).Ready?.reason, 'PodCompleted');
  t.false('deletionTimestamp' in section(done, 'metadata'));
  t.is(section(at(41), 'metadata').deletionTimestamp, plusSeconds(T0, 70));

  for (const s of [0, 3, 6, 12, 25, 35, 41]) {
    const raw = at(s);
    assertValidPod(raw);
    const pod = decodeOne(raw);
    t.is(pod.uid, deterministicUid('litmus/pod-delete-abc12-xyz'), `t+${s}`);
  }
});

test('podAt: Failed when a Never pod ends with a non-zero exit', (t) => {
  const script: PodScript = {
    name: 'f',
    creationTimestamp: T0,
    restartPolicy: 'Never',
    containers: [
      {
        name: 'main',
        runs: [{ startedAt: plusSeconds(T0, 1), finishedAt: plusSeconds(T0, 2), exitCode: 2 }],
      },
    ],
  };
  const pod = podAt(script, plusSeconds(T0, 5));
  t.is(section(pod, 'status').phase, 'Failed');
  t.is(((statusOf(pod, 'main').state as RawObject).terminated as RawObject).reason, 'Error');
  t.is(conditionsOf(pod).Ready?.reason, 'ContainersNotReady');
});

test('ephemeral containers appear in spec and status only when present', (t) => {
  const without = buildPod(HELPER);
  t.false('ephemeralContainerStatuses' in section(without, 'status'));
  const withDebug = buildPod({
    ...HELPER,
    ephemeralContainers: [
      { name: 'debugger-abcde', state: 'running', startedAt: plusSeconds(T0, 9) },
    ],
  });
  const statuses = section(withDebug, 'status').ephemeralContainerStatuses as RawObject[];
  t.deepEqual(
    statuses.map((s) => s.name),
    ['debugger-abcde'],
  );
  t.is((section(withDebug, 'spec').ephemeralContainers as RawObject[]).length, 1);
  assertValidPod(withDebug);
});
