import test from 'ava';
import fc from 'fast-check';
import {
  buildPod,
  plusSeconds,
  type RawObject,
  SECRET_MARKER,
  unrelatedPod,
} from '../../sim/podBuilder.js';
import { podToProtoMessage } from '../../sim/podsapi/podToProtoMessage.js';
import { encodePodMessage } from '../../sim/podsapi/simPodsApiProto.js';
import { decodePodList } from '../../src/core/decodePodList.js';
import type { KubeletPod } from '../../src/core/kubeletPod.js';
import { decodePodBytes } from '../../src/podsapi/decodePodBytes.js';
import { podFromProto } from '../../src/podsapi/podFromProto.js';

const T0 = '2025-06-01T08:00:00Z';
const OPTIONS = { envNames: ['TRACEPARENT'] };
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Through the Pods API: encoded by the simulator, decoded by the agent. */
function viaProto(raw: RawObject, options = OPTIONS): KubeletPod {
  const result = decodePodBytes(encodePodMessage(podToProtoMessage(raw)), options);
  if (!result.ok) throw new Error(result.error);
  return result.pod;
}

/** Through `/pods` JSON. */
function viaJson(raw: RawObject, options = OPTIONS): KubeletPod {
  const result = decodePodList({ kind: 'PodList', items: [raw] }, options);
  if (!result.ok || result.pods.length !== 1) throw new Error('not decoded');
  return result.pods[0] as KubeletPod;
}

const EDGE_PODS: Record<string, RawObject> = {
  'deleting, annotation fieldRef, sidecar, signal, restarts': buildPod({
    name: 'edge',
    creationTimestamp: T0,
    deletionTimestamp: plusSeconds(T0, 120),
    phase: 'Running',
    annotations: { 'trace.example/parent': TRACEPARENT, other: `${SECRET_MARKER}-annotation` },
    initContainers: [
      {
        name: 'sidecar',
        restartPolicy: 'Always',
        state: 'running',
        startedAt: plusSeconds(T0, 2),
        rawEnv: [
          {
            name: 'TRACEPARENT',
            valueFrom: { fieldRef: { fieldPath: "metadata.annotations['trace.example/parent']" } },
          },
        ],
      },
    ],
    containers: [
      {
        name: 'main',
        env: { TRACEPARENT, TRACESTATE: 'vendor=1', TOKEN: SECRET_MARKER },
        state: 'terminated',
        startedAt: plusSeconds(T0, 5),
        finishedAt: plusSeconds(T0, 9),
        exitCode: 137,
        reason: 'Error',
        signal: 9,
        restartCount: 2,
        lastTerminated: {
          exitCode: 1,
          startedAt: plusSeconds(T0, 3),
          finishedAt: plusSeconds(T0, 4),
        },
      },
    ],
  }),
  'env from secret, configMap and resource': buildPod({
    name: 'sources',
    creationTimestamp: T0,
    phase: 'Pending',
    containers: [
      {
        name: 'c',
        state: 'waiting',
        waitingReason: 'CrashLoopBackOff',
        message: 'back-off 10s restarting failed container',
        rawEnv: [
          { name: 'TRACEPARENT', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
          { name: 'TRACESTATE', valueFrom: { configMapKeyRef: { name: 'm', key: 'k' } } },
          { name: 'OTHER', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        ],
      },
    ],
  }),
  'lost container (ContainerStatusUnknown, null times)': buildPod({
    name: 'lost',
    creationTimestamp: T0,
    phase: 'Failed',
    containers: [
      {
        name: 'c',
        state: 'terminated',
        reason: 'ContainerStatusUnknown',
        exitCode: 137,
        startedAt: null,
        finishedAt: null,
        containerID: '',
      },
    ],
  }),
  'static pod': buildPod({
    name: 'etcd',
    namespace: 'kube-system',
    creationTimestamp: T0,
    phase: 'Running',
    source: 'file',
    containers: [{ name: 'etcd', state: 'running', startedAt: plusSeconds(T0, 1) }],
  }),
};

for (const [name, raw] of Object.entries(EDGE_PODS)) {
  test(`${name}: the Pods API path equals the JSON path`, (t) => {
    t.deepEqual(viaProto(raw), viaJson(raw));
  });
}

test('20 pods of other workloads (secrets, probes, sidecars, static, OOM restarts): equal on both paths', (t) => {
  for (let i = 0; i < 20; i++) {
    const raw = unrelatedPod(i, 'worker-1');
    t.deepEqual(viaProto(raw), viaJson(raw), `unrelatedPod(${i})`);
  }
});

test('the edge pods do exercise what they are named after', (t) => {
  const edge = viaProto(
    EDGE_PODS['deleting, annotation fieldRef, sidecar, signal, restarts'] as RawObject,
  );
  t.is(edge.deletionTimestamp, '2025-06-01T08:02:00Z');
  t.deepEqual(edge.initContainers[0]?.env.get('TRACEPARENT'), {
    kind: 'fieldRef',
    fieldPath: "metadata.annotations['trace.example/parent']",
  });
  t.is(edge.annotations['trace.example/parent'], TRACEPARENT);
  t.is(edge.initContainers[0]?.restartPolicy, 'Always');
  t.like(edge.containerStatuses[0]?.state.terminated, { exitCode: 137, signal: 9 });
  t.is(edge.containerStatuses[0]?.restartCount, 2);
  const lost = viaProto(
    EDGE_PODS['lost container (ContainerStatusUnknown, null times)'] as RawObject,
  );
  t.like(lost.containerStatuses[0]?.state.terminated, { startedAt: null, finishedAt: null });
  const sources = viaProto(EDGE_PODS['env from secret, configMap and resource'] as RawObject);
  t.deepEqual(
    [...(sources.containers[0]?.env.values() ?? [])],
    [
      { kind: 'unresolvable', source: 'secretKeyRef' },
      { kind: 'unresolvable', source: 'configMapKeyRef' },
    ],
  );
});

test('env values other than the trace context, and other annotations, never reach the result', (t) => {
  for (const raw of [...Object.values(EDGE_PODS), unrelatedPod(0, 'n'), unrelatedPod(9, 'n')]) {
    const pod = viaProto(raw);
    const text = JSON.stringify(pod, (_k, v) => (v instanceof Map ? [...v] : v));
    t.false(text.includes(SECRET_MARKER));
  }
});

/** A minimal valid message (agent-side field names), to vary by hand. */
function message(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u-1' },
    spec: { containers: [{ name: 'c' }] },
    status: {},
    ...overrides,
  };
}

test("Go's zero values: empty omitempty strings are absent, empty or missing times are null", (t) => {
  const result = podFromProto(
    message({
      metadata: {
        name: 'p',
        namespace: 'ns',
        uid: 'u-1',
        generateName: '',
        creationTimestamp: {},
        labels: {},
      },
      spec: { containers: [{ name: 'c', image: '' }], nodeName: '' },
      status: {
        phase: '',
        reason: '',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [
          {
            name: 'c',
            state: { running: {}, terminated: { startedAt: { seconds: '0' } } },
            containerID: '',
          },
        ],
      },
    }),
    OPTIONS,
  );
  if (!result.ok) return t.fail(result.error);
  const pod = result.pod;
  for (const key of ['generateName', 'creationTimestamp', 'nodeName', 'phase', 'reason'] as const) {
    t.false(key in pod, key);
  }
  t.false('image' in (pod.containers[0] ?? {}));
  t.deepEqual(pod.labels, {});
  t.deepEqual(pod.conditions, [{ type: 'Ready', status: 'True', lastTransitionTime: null }]);
  t.deepEqual(pod.containerStatuses[0], {
    name: 'c',
    restartCount: 0,
    image: '',
    imageID: '',
    lastState: {},
    state: {
      running: { startedAt: null },
      terminated: { exitCode: 0, startedAt: '1970-01-01T00:00:00Z', finishedAt: null },
    },
  });
});

test('times are RFC 3339 in UTC with whole seconds; non-zero nanos are kept as a fraction', (t) => {
  const at = (seconds: string, nanos?: number) =>
    podFromProto(
      message({
        metadata: { name: 'p', namespace: 'ns', uid: 'u', creationTimestamp: { seconds, nanos } },
      }),
      OPTIONS,
    );
  const whole = at('1556012476');
  t.true(whole.ok && whole.pod.creationTimestamp === '2019-04-23T09:41:16Z');
  const fraction = at('1556012476', 120_000_000);
  t.true(fraction.ok && fraction.pod.creationTimestamp === '2019-04-23T09:41:16.12Z');
  const tooLate = at('253402300800');
  t.false(tooLate.ok);
  t.like(tooLate, {
    ok: false,
    error: 'metadata.creationTimestamp.seconds: expected a time between years 1 and 9999',
  });
  t.false(at('1', -1).ok);
});

test('a message that cannot be a pod is a typed result with the field path and identity', (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [
      message({ metadata: { name: 'p', namespace: 'ns' } }),
      'metadata.uid: expected a non-empty string, got nothing',
    ],
    [
      message({ metadata: { name: '', namespace: 'ns', uid: 'u' } }),
      'metadata.name: expected a non-empty string, got an empty string',
    ],
    [message({ metadata: undefined }), 'metadata: expected a message, got nothing'],
    [
      message({ spec: { containers: [{ image: 'x' }] } }),
      'spec.containers[0].name: expected a non-empty string, got nothing',
    ],
    [
      message({ status: { containerStatuses: [{ name: 'c', restartCount: -1 }] } }),
      'status.containerStatuses[0].restartCount: expected a non-negative integer, got the number -1',
    ],
    [message({ status: { phase: 7 } }), 'status.phase: expected a string, got the number 7'],
    [message({ spec: { containers: 'x' } }), 'spec.containers: expected a list, got a string'],
    [
      message({ metadata: { name: 'p', namespace: 'ns', uid: 'u', labels: { a: 1 } } }),
      "metadata.labels['a']: expected a string, got the number 1",
    ],
    [
      message({
        status: { conditions: [{ type: 'Ready', lastTransitionTime: { seconds: 'x' } }] },
      }),
      'status.conditions[0].lastTransitionTime.seconds: expected an int64, got a string',
    ],
  ];
  for (const [input, error] of cases) {
    const result = podFromProto(input, OPTIONS);
    t.false(result.ok, error);
    if (!result.ok) t.is(result.error, error);
  }
  t.like(podFromProto(message({ status: { phase: 7 } }), OPTIONS), {
    ok: false,
    name: 'p',
    namespace: 'ns',
    uid: 'u-1',
  });
  t.like(podFromProto(null, OPTIONS), {
    ok: false,
    error: 'pod: expected a Pod message, got null',
  });
  t.like(podFromProto([], OPTIONS), { ok: false });
});

test('a valueFrom with no source this proto knows is unresolvable, not a failure', (t) => {
  const result = podFromProto(
    message({
      spec: { containers: [{ name: 'c', env: [{ name: 'TRACEPARENT', valueFrom: {} }] }] },
    }),
    OPTIONS,
  );
  t.true(result.ok);
  if (result.ok) {
    t.deepEqual(result.pod.containers[0]?.env.get('TRACEPARENT'), {
      kind: 'unresolvable',
      source: 'unknown',
    });
  }
});

const VALID_BYTES = encodePodMessage(
  podToProtoMessage(
    EDGE_PODS['deleting, annotation fieldRef, sidecar, signal, restarts'] as RawObject,
  ),
);

test('fuzz: random bytes decode to a pod or a typed error, never a throw', (t) => {
  let failures = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      const result = decodePodBytes(bytes, OPTIONS);
      if (!result.ok) failures++;
      return typeof result.ok === 'boolean' && (result.ok || typeof result.error === 'string');
    }),
    { numRuns: 2000, seed: 14 },
  );
  t.true(failures > 0, 'some random inputs are rejected');
});

test('fuzz: every truncation and random byte changes of a real pod decode without throwing', (t) => {
  let rejected = 0;
  for (let length = 0; length < VALID_BYTES.length; length++) {
    const result = decodePodBytes(VALID_BYTES.subarray(0, length), OPTIONS);
    if (!result.ok) rejected++;
  }
  t.true(
    rejected > VALID_BYTES.length / 2,
    `${rejected} of ${VALID_BYTES.length} truncations rejected`,
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(VALID_BYTES.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      (changes) => {
        const bytes = Buffer.from(VALID_BYTES);
        for (const [at, value] of changes) bytes[at] = value;
        const result = decodePodBytes(bytes, OPTIONS);
        return result.ok ? typeof result.pod.uid === 'string' : typeof result.error === 'string';
      },
    ),
    { numRuns: 2000, seed: 14 },
  );
  t.true(decodePodBytes(VALID_BYTES, OPTIONS).ok);
});

test('undecodable bytes give a typed error that quotes nothing', (t) => {
  const result = decodePodBytes(Buffer.from([0x0a, 0x05, 0x01]), OPTIONS);
  t.deepEqual(result, { ok: false, error: 'pod: not a protobuf v1.Pod (3 bytes)' });
});
