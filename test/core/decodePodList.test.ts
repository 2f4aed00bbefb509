import { readFileSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import {
  buildPod,
  litmusTraceParentValue,
  type RawObject,
  SECRET_MARKER,
  unrelatedPod,
} from '../../sim/podBuilder.js';
import { type DecodeResult, decodePodList } from '../../src/core/decodePodList.js';
import type { ContainerState, EnvSource, KubeletPod } from '../../src/core/kubeletPod.js';

const FIXTURES = new URL('../fixtures/kubelet/', import.meta.url);
const ENV_NAMES = ['TRACEPARENT', 'TRACE_PARENT'] as const;
const OPTIONS = { envNames: ENV_NAMES };
const SECRET = 'hunter2-very-secret';
const CONFIG_SEEN = 'kubernetes.io/config.seen';

function fixture(name: string): RawObject {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as RawObject;
}

function fixtureItems(name: string): RawObject[] {
  return fixture(name).items as RawObject[];
}

function decodeOk(body: unknown, options = OPTIONS) {
  const result = decodePodList(body, options);
  if (!result.ok) throw new Error(`expected ok, got ${result.error}`);
  return result;
}

function list(items: unknown[]): RawObject {
  return { kind: 'PodList', apiVersion: 'v1', metadata: {}, items };
}

/** A minimal valid raw pod, with whatever env and annotations the test needs. */
function rawPod(
  name: string,
  env: unknown[] = [],
  annotations: Record<string, unknown> = {},
): RawObject {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations },
    spec: { containers: [{ name: 'main', image: 'busybox', env }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'main',
          state: { running: { startedAt: '2025-01-01T00:00:01Z' } },
          restartCount: 0,
        },
      ],
    },
  };
}

/** JSON text of a decode result, Maps included, to search for leaked values. */
function stringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Map ? Object.fromEntries(v as Map<string, unknown>) : v,
  );
}

function onlyPod(result: DecodeResult): KubeletPod {
  if (!result.ok) throw new Error(result.error);
  const [pod] = result.pods;
  if (!pod || result.pods.length !== 1) throw new Error(`expected one pod`);
  return pod;
}

function mainEnv(pod: KubeletPod): ReadonlyMap<string, EnvSource> {
  const container = pod.containers[0];
  if (!container) throw new Error('no container');
  return container.env;
}

// ------------------------------------------------------------------ fixtures

test('decodes the init-and-restart fixture: restarts, last state, init container', (t) => {
  const result = decodeOk(fixture('podlist-init-and-restart.json'));
  t.deepEqual(result.malformed, []);
  t.is(result.pods.length, 2);
  const [shipper, web] = result.pods;
  t.deepEqual(shipper, {
    uid: 'a3c1e2f0-7b41-11e9-9d2a-0a58ac1f0b11',
    name: 'log-shipper-q7v4d',
    namespace: 'kube-system',
    generateName: 'log-shipper-',
    creationTimestamp: '2019-05-06T08:12:30Z',
    labels: {
      app: 'log-shipper',
      'controller-revision-hash': '5d9f8c7b64',
      'pod-template-generation': '2',
    },
    annotations: { [CONFIG_SEEN]: '2019-05-06T08:12:30.418263907Z' },
    nodeName: 'kse-worker-3',
    initContainers: [],
    containers: [
      {
        name: 'shipper',
        image: 'quay.io/kse-example/log-shipper:v0.4.2',
        env: new Map(),
      },
    ],
    phase: 'Running',
    conditions: [
      { type: 'Initialized', status: 'True', lastTransitionTime: '2019-05-06T08:12:30Z' },
      { type: 'Ready', status: 'True', lastTransitionTime: '2019-05-06T11:47:19Z' },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: '2019-05-06T08:12:30Z' },
    ],
    initContainerStatuses: [],
    containerStatuses: [
      {
        name: 'shipper',
        state: { running: { startedAt: '2019-05-06T11:47:12Z' } },
        lastState: {
          terminated: {
            exitCode: 137,
            reason: 'Error',
            startedAt: '2019-05-06T11:41:05Z',
            finishedAt: '2019-05-06T11:47:03Z',
            containerID:
              'containerd://b01effdd966978466680fddadeddbbab4bcc056c64ac6ee308ead98977873b4e',
          },
        },
        restartCount: 5,
        image: 'quay.io/kse-example/log-shipper:v0.4.2',
        imageID:
          'quay.io/kse-example/log-shipper@sha256:17e14fd7d4804b9e796e3be03b541fa15f8a9fcde2e1c97f6999ac20f9ac5c7d',
        containerID:
          'containerd://8d07936532ea573c0b5c05b8d83734a6dbe81db9ebce2ca236ac47f35ba9fc5a',
      },
    ],
  });

  if (!web) throw new Error('second pod missing');
  t.is(web.name, 'orders-web');
  t.is(web.generateName, undefined);
  // last-applied-configuration and config.source are dropped; only config.seen stays.
  t.deepEqual(web.annotations, { [CONFIG_SEEN]: '2019-05-10T14:20:41.077120384Z' });
  t.deepEqual(
    web.initContainers.map((c) => c.name),
    ['wait-for-db'],
  );
  t.deepEqual(web.initContainerStatuses[0], {
    name: 'wait-for-db',
    state: {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: '2019-05-10T14:20:44Z',
        finishedAt: '2019-05-10T14:23:17Z',
        containerID:
          'containerd://f29be8b1b9f7e850244a81ae636ff7aafac6fa0f6de323a4157eda7f91598018',
      },
    },
    lastState: {},
    restartCount: 0,
    image: 'docker.io/library/alpine:3.9',
    imageID:
      'docker.io/library/alpine@sha256:18c741e678d8a26960f119c60005dfef2fe343ab0539a79b0caf59a53587b4a6',
    containerID: 'containerd://f29be8b1b9f7e850244a81ae636ff7aafac6fa0f6de323a4157eda7f91598018',
  });
  t.deepEqual(web.containerStatuses[0]?.state, {
    running: { startedAt: '2019-05-10T14:23:19Z' },
  });
});

test('decodes the short-lived Succeeded fixture with startedAt == finishedAt', (t) => {
  const pod = onlyPod(decodePodList(fixture('podlist-short-lived-succeeded.json'), OPTIONS));
  t.is(pod.phase, 'Succeeded');
  const terminated = pod.containerStatuses[0]?.state.terminated;
  t.is(terminated?.exitCode, 0);
  t.is(terminated?.reason, 'Completed');
  t.is(terminated?.startedAt, '2019-05-10T15:02:12Z');
  t.is(terminated?.finishedAt, terminated?.startedAt);
  t.deepEqual(
    pod.conditions.map((c) => `${c.type}=${c.status}`),
    ['Initialized=True', 'Ready=False', 'PodScheduled=True'],
  );
  t.deepEqual(Object.keys(pod.annotations), [CONFIG_SEEN]);
});

test('decodes the current-node fixture: static pods, managedFields, lost and crash-looping containers', (t) => {
  const result = decodeOk(fixture('podlist-node-1.35.json'));
  t.deepEqual(result.malformed, []);
  t.is(result.pods.length, 9);
  const byName = new Map(result.pods.map((p) => [p.name, p]));
  const pod = (name: string) => {
    const found = byName.get(name);
    if (!found) throw new Error(`no pod ${name}`);
    return found;
  };
  // Static pods: uid is the config hash, no creationTimestamp (absent, or null as 1.33 wrote it);
  // config.hash, config.mirror and config.source are dropped, config.seen stays.
  for (const name of ['kube-scheduler-kse-node-1', 'etcd-kse-node-1']) {
    const staticPod = pod(name);
    t.regex(staticPod.uid, /^[0-9a-f]{32}$/);
    t.is(staticPod.creationTimestamp, undefined);
    t.deepEqual(Object.keys(staticPod.annotations), [CONFIG_SEEN]);
    t.regex(staticPod.annotations[CONFIG_SEEN] ?? '', /^2026-09-14T07:30:02\.\d{9}Z$/);
  }
  const migrate = pod('db-migrate-8kq2v');
  t.is(migrate.phase, 'Failed');
  t.like(migrate.containerStatuses[0]?.state.terminated, { exitCode: 42, reason: 'Error' });
  const worker = pod('flaky-worker-5f8b9c6d7-m4t9r').containerStatuses[0];
  t.is(worker?.state.waiting?.reason, 'CrashLoopBackOff');
  t.is(worker?.restartCount, 3);
  t.like(worker?.lastState.terminated, { exitCode: 1, reason: 'Error' });
  t.is(worker?.lastState.terminated?.containerID, worker?.containerID);
  const evicted = pod('report-builder-4mz8k');
  t.is(evicted.reason, 'Evicted');
  t.deepEqual(evicted.containerStatuses[0]?.state.terminated, {
    exitCode: 137,
    reason: 'ContainerStatusUnknown',
    startedAt: null,
    finishedAt: null,
  });
  t.is(evicted.containerStatuses[0]?.containerID, undefined);
  const checkout = pod('checkout-6b7f9d8c5-r8wz2');
  t.deepEqual(
    checkout.initContainers.map((c) => [c.name, c.restartPolicy]),
    [
      ['migrate-schema', undefined],
      ['mesh-proxy', 'Always'],
    ],
  );
  t.like(checkout.containerStatuses[0]?.lastState.terminated, { exitCode: 137, reason: 'Error' });
  const echo = pod('one-shot-echo').containerStatuses[0]?.state.terminated;
  t.is(echo?.startedAt, echo?.finishedAt);
  // Secret-backed env values are never kept: only the trace-context names are looked up.
  t.deepEqual(pod('api-gateway-7c9d5b8f4d-x2kqp').containers[0]?.env, new Map());
});

test('decodes the Docker-era fixture: docker:// ids, 54 restarts, config.seen with an offset', (t) => {
  const result = decodeOk(fixture('podlist-docker-1.18.json'));
  t.deepEqual(result.malformed, []);
  t.deepEqual(
    result.pods.map((p) => p.name),
    ['node-agent-9fzq7', 'tools-shell-zq4rm', 'cni-node-t5w8k', 'dashboard-6d8f7b9c4-h2vxn'],
  );
  const [agent, shell, cni] = result.pods;
  t.is(agent?.containerStatuses[0]?.restartCount, 54);
  t.like(agent?.containerStatuses[0]?.lastState.terminated, { exitCode: 1, reason: 'Error' });
  t.regex(agent?.containerStatuses[0]?.containerID ?? '', /^docker:\/\/[0-9a-f]{64}$/);
  t.regex(agent?.annotations[CONFIG_SEEN] ?? '', /^2020-10-02T21:14:08\.\d{9}-05:00$/);
  t.is(shell?.containerStatuses[0]?.restartCount, 33);
  t.deepEqual(shell?.containerStatuses[0]?.lastState, {});
  t.deepEqual(
    cni?.initContainerStatuses.map((s) => [s.name, s.restartCount]),
    [
      ['upgrade-ipam', 28],
      ['install-cni', 0],
      ['flexvol-driver', 0],
    ],
  );
  t.like(cni?.containerStatuses[0]?.lastState.terminated, { exitCode: 255, reason: 'Error' });
});

test('does not modify the body it decodes', (t) => {
  const body = fixture('podlist-init-and-restart.json');
  const before = structuredClone(body);
  decodeOk(body);
  t.deepEqual(body, before);
});

// ------------------------------------------------------------------ whole-body errors

test('rejects bodies that are not a JSON object', (t) => {
  for (const body of [null, undefined, 'not json', 42, true, [], [rawPod('a')]]) {
    const result = decodePodList(body, OPTIONS);
    t.false(result.ok, String(body));
    if (!result.ok) t.regex(result.error, /expected a PodList object/);
  }
});

test('rejects a body of another kind', (t) => {
  const result = decodePodList(
    { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden' },
    OPTIONS,
  );
  t.deepEqual(result, { ok: false, error: 'expected kind "PodList", got "Status"' });
  const numeric = decodePodList({ kind: 7, items: [] }, OPTIONS);
  t.deepEqual(numeric, { ok: false, error: 'expected kind "PodList", got the number 7' });
});

test('rejects items that are not an array, accepts null items as an empty list', (t) => {
  for (const items of [undefined, {}, 'pods', 3]) {
    const result = decodePodList({ kind: 'PodList', items }, OPTIONS);
    t.false(result.ok);
    if (!result.ok) t.regex(result.error, /"items" to be an array/);
  }
  // Go encodes an empty (nil) slice as null: a node without pods.
  t.deepEqual(decodePodList({ kind: 'PodList', items: null }, OPTIONS), {
    ok: true,
    pods: [],
    malformed: [],
  });
  // kind may be absent.
  t.true(decodePodList({ items: [] }, OPTIONS).ok);
});

// ------------------------------------------------------------------ malformed items

test('skips and counts malformed pods, keeps the others in order', (t) => {
  const noUid = rawPod('no-uid');
  (noUid.metadata as RawObject).uid = '';
  const negativeRestarts = rawPod('negative-restarts');
  const statuses = (negativeRestarts.status as RawObject).containerStatuses as RawObject[];
  (statuses[0] as RawObject).restartCount = -1;
  const envObject = rawPod('env-object');
  ((envObject.spec as RawObject).containers as RawObject[])[0] = {
    name: 'main',
    env: { TRACEPARENT: 'x' },
  };
  const badLabel = rawPod('bad-label');
  (badLabel.metadata as RawObject).labels = { app: 'x', replicas: 3 };
  const noMetadata = { spec: {}, status: {} };

  const result = decodeOk(
    list([
      rawPod('first'),
      noUid,
      'not a pod',
      negativeRestarts,
      rawPod('middle'),
      envObject,
      badLabel,
      noMetadata,
      rawPod('last'),
    ]),
  );
  t.deepEqual(
    result.pods.map((p) => p.name),
    ['first', 'middle', 'last'],
  );
  t.deepEqual(result.malformed, [
    {
      index: 1,
      name: 'no-uid',
      namespace: 'default',
      error: 'metadata.uid: expected a non-empty string, got an empty string',
    },
    { index: 2, error: 'item: expected an object, got a string' },
    {
      index: 3,
      name: 'negative-restarts',
      namespace: 'default',
      error:
        'status.containerStatuses[0].restartCount: expected a non-negative integer, got the number -1',
    },
    {
      index: 5,
      name: 'env-object',
      namespace: 'default',
      error: 'spec.containers[0].env: expected an array, got an object',
    },
    {
      index: 6,
      name: 'bad-label',
      namespace: 'default',
      error: "metadata.labels['replicas']: expected a string, got the number 3",
    },
    { index: 7, error: 'metadata: expected an object, got nothing' },
  ]);
});

test('restartCount must be a non-negative integer and is required', (t) => {
  for (const restartCount of [1.5, '1', null, undefined, Number.NaN]) {
    const pod = rawPod('p');
    const status = ((pod.status as RawObject).containerStatuses as RawObject[])[0] as RawObject;
    status.restartCount = restartCount;
    const result = decodeOk(list([pod]));
    t.is(result.pods.length, 0, String(restartCount));
    t.regex(result.malformed[0]?.error ?? '', /restartCount: expected a non-negative integer/);
  }
});

test('wrongly typed declared fields make the pod malformed, undeclared ones do not', (t) => {
  const cases: [string, (pod: RawObject) => void, RegExp | undefined][] = [
    ['phase number', (p) => Object.assign(p.status as RawObject, { phase: 1 }), /status\.phase/],
    [
      'condition without type',
      (p) => Object.assign(p.status as RawObject, { conditions: [{ status: 'True' }] }),
      /status\.conditions\[0\]\.type/,
    ],
    [
      'exit code not an integer',
      (p) =>
        Object.assign(((p.status as RawObject).containerStatuses as RawObject[])[0] as RawObject, {
          state: { terminated: { exitCode: '137' } },
        }),
      /state\.terminated\.exitCode: expected an integer/,
    ],
    [
      'container without name',
      (p) => Object.assign(p.spec as RawObject, { containers: [{ image: 'x' }] }),
      /spec\.containers\[0\]\.name/,
    ],
    [
      'image not a string',
      (p) => Object.assign(p.spec as RawObject, { containers: [{ name: 'x', image: 1 }] }),
      /spec\.containers\[0\]\.image/,
    ],
    ['spec not an object', (p) => Object.assign(p, { spec: [] }), /^spec: expected an object/],
    // Lenient: undeclared fields, ignored statuses, null for absent, unknown extras.
    [
      'unknown fields',
      (p) => Object.assign(p, { extra: [1, 2], metadata: { ...(p.metadata as RawObject), x: 1 } }),
      undefined,
    ],
    [
      'garbage ephemeralContainerStatuses',
      (p) => Object.assign(p.status as RawObject, { ephemeralContainerStatuses: 'garbage' }),
      undefined,
    ],
    ['null labels', (p) => Object.assign(p.metadata as RawObject, { labels: null }), undefined],
    [
      'non-string annotation that is not kept',
      (p) => Object.assign(p.metadata as RawObject, { annotations: { other: 5 } }),
      undefined,
    ],
    [
      'qosClass and podIP of any type',
      (p) => Object.assign(p.status as RawObject, { qosClass: 1, podIP: {} }),
      undefined,
    ],
  ];
  for (const [label, mutate, expected] of cases) {
    const pod = rawPod('p');
    mutate(pod);
    const result = decodeOk(list([pod]));
    if (expected) {
      t.is(result.pods.length, 0, label);
      t.regex(result.malformed[0]?.error ?? '', expected, label);
    } else {
      t.deepEqual(result.malformed, [], label);
      t.is(result.pods.length, 1, label);
    }
  }
});

test('kept annotation values must be strings', (t) => {
  const pod = rawPod('p', [], { [CONFIG_SEEN]: 12 });
  const result = decodeOk(list([pod]));
  t.is(
    result.malformed[0]?.error,
    "metadata.annotations['kubernetes.io/config.seen']: expected a string, got the number 12",
  );
});

// ------------------------------------------------------------------ env filtering

test('keeps only the configured env names and TRACESTATE; no other value survives', (t) => {
  const traceParent = litmusTraceParentValue(
    '4bf92f3577b34da6a3ce929d0e0e4736',
    '00f067aa0ba902b7',
  );
  const pod = rawPod(
    'litmus-helper',
    [
      { name: 'DB_PASSWORD', value: SECRET },
      { name: 'TRACE_PARENT', value: traceParent },
      { name: 'TRACESTATE', value: 'vendor=abc' },
      { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 's', key: SECRET } } },
      { name: 'OTHER', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['secret']" } } },
      { name: 'BAGGAGE', value: `user=${SECRET}` },
    ],
    {
      'kubectl.kubernetes.io/last-applied-configuration': `{"env":"${SECRET}"}`,
      secret: SECRET,
      [CONFIG_SEEN]: '2025-01-01T00:00:00.123456789Z',
    },
  );
  (pod.spec as RawObject).initContainers = [
    { name: 'init', env: [{ name: 'INIT_SECRET', value: SECRET }] },
  ];
  const result = decodeOk(list([pod]));
  const decoded = onlyPod(result);
  t.deepEqual(
    mainEnv(decoded),
    new Map<string, EnvSource>([
      ['TRACE_PARENT', { kind: 'value', value: traceParent }],
      ['TRACESTATE', { kind: 'value', value: 'vendor=abc' }],
    ]),
  );
  t.deepEqual(decoded.initContainers[0]?.env, new Map());
  t.deepEqual(decoded.annotations, { [CONFIG_SEEN]: '2025-01-01T00:00:00.123456789Z' });
  t.false(stringify(result).includes(SECRET));
  t.false(stringify(result).includes('hunter2'));
});

test('secret values of a busy node never reach the decoded result', (t) => {
  const pods = Array.from({ length: 12 }, (_, i) => unrelatedPod(i, 'worker-1'));
  const body = list(pods);
  t.true(JSON.stringify(body).includes(SECRET_MARKER));
  const result = decodeOk(body);
  t.is(result.pods.length, 12);
  t.deepEqual(result.malformed, []);
  t.false(stringify(result).includes(SECRET_MARKER));
  for (const pod of result.pods) {
    t.deepEqual(Object.keys(pod.annotations), [CONFIG_SEEN]);
    for (const c of [...pod.initContainers, ...pod.containers]) t.is(c.env.size, 0);
  }
});

test('a fieldRef to an annotation keeps that annotation', (t) => {
  const pod = rawPod(
    'p',
    [
      {
        name: 'TRACEPARENT',
        valueFrom: {
          fieldRef: {
            apiVersion: 'v1',
            fieldPath: "metadata.annotations['example.com/traceparent']",
          },
        },
      },
      { name: 'TRACESTATE', valueFrom: { fieldRef: { fieldPath: "metadata.labels['ts']" } } },
      { name: 'NOT_KEPT', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['other']" } } },
    ],
    {
      'example.com/traceparent': '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      other: SECRET,
      [CONFIG_SEEN]: '2025-01-01T00:00:00.5Z',
    },
  );
  const decoded = onlyPod(decodePodList(list([pod]), OPTIONS));
  t.deepEqual(
    mainEnv(decoded),
    new Map<string, EnvSource>([
      [
        'TRACEPARENT',
        { kind: 'fieldRef', fieldPath: "metadata.annotations['example.com/traceparent']" },
      ],
      ['TRACESTATE', { kind: 'fieldRef', fieldPath: "metadata.labels['ts']" }],
    ]),
  );
  t.deepEqual(decoded.annotations, {
    [CONFIG_SEEN]: '2025-01-01T00:00:00.5Z',
    'example.com/traceparent': '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
});

test('a fieldRef to an annotation that does not exist keeps nothing', (t) => {
  const pod = rawPod('p', [
    {
      name: 'TRACEPARENT',
      valueFrom: { fieldRef: { fieldPath: "metadata.annotations['toString']" } },
    },
  ]);
  const decoded = onlyPod(decodePodList(list([pod]), OPTIONS));
  t.deepEqual(decoded.annotations, {});
  t.false(Object.hasOwn(decoded.annotations, 'toString'));
});

test('other valueFrom sources are unresolvable and named', (t) => {
  const env = [
    ['secretKeyRef', { name: 's', key: 'k' }],
    ['configMapKeyRef', { name: 'c', key: 'k' }],
    ['resourceFieldRef', { resource: 'limits.cpu' }],
    ['fileKeyRef', { path: 'env.txt', key: 'k', volumeName: 'v' }],
  ].map(([source, ref], i) => ({
    name: i % 2 === 0 ? 'TRACEPARENT' : 'TRACE_PARENT',
    valueFrom: { [source as string]: ref },
  }));
  for (const entry of env) {
    const decoded = onlyPod(decodePodList(list([rawPod('p', [entry])]), OPTIONS));
    const source = Object.keys(entry.valueFrom)[0];
    t.deepEqual(mainEnv(decoded).get(entry.name), { kind: 'unresolvable', source });
  }
});

test('literal value rules follow the kubelet: empty default, value beats valueFrom, last wins', (t) => {
  const decoded = onlyPod(
    decodePodList(
      list([
        rawPod('p', [
          { name: 'TRACEPARENT' },
          { name: 'TRACE_PARENT', value: 'first' },
          { name: 'TRACE_PARENT', value: 'second' },
          { name: 'TRACESTATE', value: '', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        ]),
      ]),
      OPTIONS,
    ),
  );
  t.deepEqual(
    mainEnv(decoded),
    new Map<string, EnvSource>([
      ['TRACEPARENT', { kind: 'value', value: '' }],
      ['TRACE_PARENT', { kind: 'value', value: 'second' }],
      ['TRACESTATE', { kind: 'unresolvable', source: 'secretKeyRef' }],
    ]),
  );
  const both = onlyPod(
    decodePodList(
      list([
        rawPod('q', [
          { name: 'TRACEPARENT', value: 'v', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        ]),
      ]),
      OPTIONS,
    ),
  );
  t.deepEqual(mainEnv(both).get('TRACEPARENT'), { kind: 'value', value: 'v' });
});

test('kept env entries are type-checked, others are not even looked at', (t) => {
  const bad = decodeOk(
    list([
      rawPod('a', [{ name: 'TRACEPARENT', value: 5 }]),
      rawPod('b', [{ name: 'TRACEPARENT', valueFrom: {} }]),
      rawPod('c', [{ name: 'TRACEPARENT', valueFrom: { fieldRef: { fieldPath: 3 } } }]),
      rawPod('e', [{ name: 'TRACEPARENT', valueFrom: { '': 'x', secretKeyRef: null } }]),
      rawPod('d', [{ name: 'OTHER', value: 5, valueFrom: 'x' }, 'junk', { name: 7 }]),
    ]),
  );
  t.deepEqual(
    bad.malformed.map((m) => m.error),
    [
      'spec.containers[0].env[0].value: expected a string, got the number 5',
      'spec.containers[0].env[0].valueFrom: expected one source (fieldRef, secretKeyRef, ...)',
      'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: expected a non-empty string, got the number 3',
      'spec.containers[0].env[0].valueFrom: expected one source (fieldRef, secretKeyRef, ...)',
    ],
  );
  t.deepEqual(
    bad.pods.map((p) => p.name),
    ['d'],
  );
});

test('configured env names replace the defaults', (t) => {
  const pod = rawPod('p', [
    { name: 'TRACEPARENT', value: 'a' },
    { name: 'MY_CONTEXT', value: 'b' },
  ]);
  const decoded = onlyPod(decodePodList(list([pod]), { envNames: ['MY_CONTEXT'] }));
  t.deepEqual([...mainEnv(decoded).keys()], ['MY_CONTEXT']);
});

// ------------------------------------------------------------------ nulls and the rest

test('null times are kept as null (ContainerStatusUnknown)', (t) => {
  const pod = rawPod('p');
  const status = pod.status as RawObject;
  status.conditions = [
    { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: null },
  ];
  status.containerStatuses = [
    {
      name: 'main',
      state: {
        terminated: {
          exitCode: 137,
          reason: 'ContainerStatusUnknown',
          message: 'The container could not be located when the pod was terminated',
          startedAt: null,
          finishedAt: null,
        },
      },
      lastState: { running: { startedAt: null } },
      ready: false,
      restartCount: 0,
      image: 'busybox',
      imageID: '',
      started: false,
    },
  ];
  const decoded = onlyPod(decodePodList(list([pod]), OPTIONS));
  t.deepEqual(decoded.conditions, [{ type: 'Ready', status: 'False', lastTransitionTime: null }]);
  const expectedState: ContainerState = {
    terminated: {
      exitCode: 137,
      reason: 'ContainerStatusUnknown',
      startedAt: null,
      finishedAt: null,
    },
  };
  t.deepEqual(decoded.containerStatuses[0]?.state, expectedState);
  t.deepEqual(decoded.containerStatuses[0]?.lastState, { running: { startedAt: null } });
  t.is(decoded.containerStatuses[0]?.imageID, '');
});

test('keeps deletion, reason, nodeName, waiting state and sidecar restartPolicy', (t) => {
  const pod = rawPod('p');
  Object.assign(pod.metadata as RawObject, {
    deletionTimestamp: '2025-01-01T00:01:00Z',
    deletionGracePeriodSeconds: 30,
  });
  Object.assign(pod.spec as RawObject, {
    nodeName: 'worker-1',
    initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }],
  });
  Object.assign(pod.status as RawObject, {
    phase: 'Failed',
    reason: 'Evicted',
    initContainerStatuses: [
      {
        name: 'proxy',
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
        lastState: { terminated: { exitCode: 1, signal: 9, reason: 'Error' } },
        restartCount: 2,
      },
    ],
  });
  const decoded = onlyPod(decodePodList(list([pod]), OPTIONS));
  t.is(decoded.deletionTimestamp, '2025-01-01T00:01:00Z');
  t.is(decoded.nodeName, 'worker-1');
  t.is(decoded.phase, 'Failed');
  t.is(decoded.reason, 'Evicted');
  t.deepEqual(decoded.initContainers, [
    { name: 'proxy', image: 'envoy', restartPolicy: 'Always', env: new Map() },
  ]);
  t.deepEqual(decoded.initContainerStatuses[0], {
    name: 'proxy',
    state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
    lastState: { terminated: { exitCode: 1, signal: 9, reason: 'Error' } },
    restartCount: 2,
  });
});

test('decodes a built Litmus helper pod with managedFields and ephemeral containers', (t) => {
  const traceParent = litmusTraceParentValue(
    '4bf92f3577b34da6a3ce929d0e0e4736',
    '00f067aa0ba902b7',
  );
  const pod = buildPod({
    name: 'container-kill-helper-x7k2q',
    generateName: 'container-kill-helper-',
    namespace: 'litmus',
    labels: { chaosUID: 'c-1', app: 'container-kill-helper' },
    creationTimestamp: '2025-06-01T10:00:00Z',
    phase: 'Running',
    restartPolicy: 'Never',
    containers: [
      {
        name: 'container-kill',
        env: { TRACE_PARENT: traceParent, CHAOS_SECRET: SECRET },
        state: 'running',
        startedAt: '2025-06-01T10:00:04Z',
      },
    ],
    ephemeralContainers: [
      { name: 'debugger', state: 'running', startedAt: '2025-06-01T10:00:09Z' },
    ],
  });
  const result = decodeOk(list([pod]));
  const decoded = onlyPod(result);
  t.deepEqual(decoded.labels, { chaosUID: 'c-1', app: 'container-kill-helper' });
  t.deepEqual(mainEnv(decoded).get('TRACE_PARENT'), { kind: 'value', value: traceParent });
  t.is(decoded.containerStatuses.length, 1);
  t.false(stringify(result).includes(SECRET));
});

// ------------------------------------------------------------------ property

/** Every invariant the KubeletPod type promises, checked on one decoded pod. */
function invariantProblem(pod: KubeletPod, keep: ReadonlySet<string>): string | undefined {
  const isString = (v: unknown) => typeof v === 'string';
  const isNonEmpty = (v: unknown) => typeof v === 'string' && v !== '';
  const optionalString = (v: unknown) => v === undefined || typeof v === 'string';
  const time = (v: unknown) => v === undefined || v === null || typeof v === 'string';
  const int = (v: unknown) => v === undefined || Number.isSafeInteger(v);
  if (!isNonEmpty(pod.uid) || !isNonEmpty(pod.name) || !isNonEmpty(pod.namespace))
    return 'identity';
  for (const [key, value] of Object.entries(pod)) {
    if (value === undefined) return `key ${key} present but undefined`;
  }
  for (const key of [
    'generateName',
    'creationTimestamp',
    'deletionTimestamp',
    'nodeName',
    'phase',
    'reason',
  ] as const) {
    if (!optionalString(pod[key])) return key;
  }
  if (!Object.values(pod.labels).every(isString)) return 'labels';
  const annotationRefs = new Set([CONFIG_SEEN]);
  for (const c of [...pod.initContainers, ...pod.containers]) {
    if (!isNonEmpty(c.name) || !optionalString(c.image) || !optionalString(c.restartPolicy)) {
      return 'container';
    }
    if (!(c.env instanceof Map)) return 'env map';
    for (const [name, source] of c.env) {
      if (!keep.has(name)) return `env ${name} kept`;
      if (source.kind === 'value' && !isString(source.value)) return 'env value';
      if (source.kind === 'fieldRef') {
        if (!isNonEmpty(source.fieldPath)) return 'fieldPath';
        const m = /^metadata\.annotations\['(.*)'\]$/s.exec(source.fieldPath);
        if (m?.[1] !== undefined) annotationRefs.add(m[1]);
      }
      if (source.kind === 'unresolvable' && !isNonEmpty(source.source)) return 'source';
    }
  }
  for (const [key, value] of Object.entries(pod.annotations)) {
    if (!annotationRefs.has(key)) return `annotation ${key} kept`;
    if (!isString(value)) return 'annotation value';
  }
  for (const c of pod.conditions) {
    if (!isString(c.type) || !isString(c.status) || !time(c.lastTransitionTime)) return 'condition';
  }
  const stateOk = (s: ContainerState) =>
    typeof s === 'object' &&
    (s.waiting === undefined ||
      (optionalString(s.waiting.reason) && optionalString(s.waiting.message))) &&
    (s.running === undefined || time(s.running.startedAt)) &&
    (s.terminated === undefined ||
      (int(s.terminated.exitCode) &&
        int(s.terminated.signal) &&
        optionalString(s.terminated.reason) &&
        optionalString(s.terminated.containerID) &&
        time(s.terminated.startedAt) &&
        time(s.terminated.finishedAt)));
  for (const s of [...pod.initContainerStatuses, ...pod.containerStatuses]) {
    if (!isNonEmpty(s.name)) return 'status name';
    if (!Number.isSafeInteger(s.restartCount) || s.restartCount < 0) return 'restartCount';
    if (!stateOk(s.state) || !stateOk(s.lastState)) return 'state';
    if (!optionalString(s.image) || !optionalString(s.imageID) || !optionalString(s.containerID)) {
      return 'status strings';
    }
  }
  return undefined;
}

/** Every path inside `value` (object keys and array indexes), the root included. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push(...pathsOf(v, [...prefix, i]));
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  }
  return out;
}

type Mutation = { target: number; replacement?: unknown };

/**
 * Deletes (no replacement) or replaces the value at the `target`-th path; returns the root. The
 * replacement is copied: fast-check reuses generated values, and a later mutation must not write
 * into one (that could make it cyclic).
 */
function mutate(root: unknown, { target, replacement: generated }: Mutation): unknown {
  const replacement = structuredClone(generated);
  const paths = pathsOf(root);
  const path = paths[target % paths.length] ?? [];
  if (path.length === 0) return replacement === undefined ? root : replacement;
  let parent = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (replacement !== undefined) parent[last] = replacement;
  else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return root;
}

const TRACED_POD = rawPod(
  'traced',
  [
    {
      name: 'TRACE_PARENT',
      value: litmusTraceParentValue('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'),
    },
    { name: 'TRACEPARENT', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['tp']" } } },
    { name: 'TRACESTATE', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    { name: 'DB_PASSWORD', value: SECRET },
  ],
  { tp: 'x', [CONFIG_SEEN]: '2025-01-01T00:00:00.1Z', other: SECRET },
);

const BASE_PODS: readonly RawObject[] = [
  ...fixtureItems('podlist-init-and-restart.json'),
  ...fixtureItems('podlist-short-lived-succeeded.json'),
  TRACED_POD,
  unrelatedPod(3, 'worker-1'),
];

const INTERESTING = fc.constantFrom<unknown>(
  null,
  '',
  'x',
  -1,
  0,
  1.5,
  2 ** 53,
  true,
  [],
  {},
  [null],
  { name: 'x' },
);

test('property: random mutations of real pods never throw and keep the type invariants', (t) => {
  const keep = new Set<string>([...ENV_NAMES, 'TRACESTATE']);
  const mutation = fc.record({
    target: fc.nat(),
    replacement: fc.option(fc.oneof(INTERESTING, fc.jsonValue({ maxDepth: 3 })), {
      nil: undefined,
    }),
  });
  t.notThrows(() =>
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...BASE_PODS), fc.array(mutation, { maxLength: 6 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (specs) => {
          const items = specs.map(([base, mutations]) =>
            mutations.reduce<unknown>((pod, m) => mutate(pod, m), structuredClone(base)),
          );
          const result = decodePodList(JSON.parse(JSON.stringify(list(items))), OPTIONS);
          if (!result.ok) throw new Error(`list rejected: ${result.error}`);
          if (result.pods.length + result.malformed.length !== items.length) {
            throw new Error('pods + malformed != items');
          }
          for (const m of result.malformed) {
            if (!Number.isInteger(m.index) || m.index < 0 || m.index >= items.length) {
              throw new Error(`bad index ${m.index}`);
            }
            if (m.error.includes(SECRET) || m.error.includes(SECRET_MARKER)) {
              throw new Error('secret in error');
            }
          }
          for (const pod of result.pods) {
            const problem = invariantProblem(pod, keep);
            if (problem) throw new Error(`invariant broken: ${problem}`);
          }
          const text = stringify(result);
          if (text.includes(SECRET) || text.includes(SECRET_MARKER))
            throw new Error('secret leaked');
        },
      ),
      { numRuns: 400 },
    ),
  );
});
