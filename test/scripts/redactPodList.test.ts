import { spawnSync } from 'node:child_process';
import test from 'ava';
import {
  REDACTED,
  redactPod,
  redactPodList,
  traceContextNames,
} from '../../scripts/lib/podListRedaction.js';
import {
  buildPodList,
  litmusTraceParentValue,
  type PodScript,
  podAt,
  type RawObject,
  SECRET_MARKER,
  unrelatedPod,
} from '../../sim/podBuilder.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const REDACTOR = new URL('../../scripts/redactPodList.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;

const helper: PodScript = {
  name: 'container-kill-helper-hzv7c',
  namespace: 'litmus',
  labels: { chaosUID: 'abc', app: 'container-kill-helper-x9k2m' },
  annotations: {
    'kubectl.kubernetes.io/last-applied-configuration': `{"token":"${SECRET_MARKER}"}`,
  },
  creationTimestamp: '2026-11-23T10:00:00Z',
  restartPolicy: 'Never',
  containers: [
    {
      name: 'container-kill',
      command: ['/bin/sh', '-c', `login --password ${SECRET_MARKER}`],
      env: {
        TRACE_PARENT: JSON.stringify({
          traceparent: `00-${TRACE}-${SPAN}-01`,
          baggage: `user=${SECRET_MARKER}`,
        }),
        TRACEPARENT: `00-${TRACE}-${SPAN}-01`,
        TRACESTATE: 'litmus=1',
        MY_CONTEXT: litmusTraceParentValue(TRACE, SPAN),
        BAGGAGE: `user=${SECRET_MARKER}`,
        EMPTY: '',
      },
      rawEnv: [
        {
          name: 'FROM_SECRET',
          valueFrom: { secretKeyRef: { name: 'creds', key: 'password', extra: SECRET_MARKER } },
        },
      ],
      runs: [
        { startedAt: '2026-11-23T10:00:02Z', finishedAt: '2026-11-23T10:00:05Z', exitCode: 1 },
      ],
    },
  ],
};

const podList = () =>
  buildPodList([
    unrelatedPod(0, 'n1'),
    unrelatedPod(3, 'n1'),
    unrelatedPod(4, 'n1'),
    podAt(helper, '2026-11-23T10:00:06Z'),
  ]);

type Env = { name: string; value?: string; valueFrom?: RawObject };
const envOf = (pod: RawObject, container = 0): Env[] =>
  ((pod.spec as { containers: { env?: Env[] }[] }).containers[container]?.env ?? []) as Env[];

test('unrelated pods: no secret-looking value survives, names and references do', (t) => {
  const input = podList();
  const before = JSON.stringify(input);
  t.true(before.includes(SECRET_MARKER), 'the filler carries secrets to begin with');
  const out = redactPodList(input, traceContextNames(undefined));
  const text = JSON.stringify(out);
  t.false(text.includes(SECRET_MARKER));
  t.is(JSON.stringify(input), before, 'input not modified');
  const pod = (out.items as RawObject[])[0] as RawObject;
  const env = envOf(pod);
  t.deepEqual(
    env.map((e) => e.name),
    envOf((input.items as RawObject[])[0] as RawObject).map((e) => e.name),
  );
  t.like(
    env.find((e) => e.name === 'DATABASE_URL'),
    { value: REDACTED },
  );
  t.like(
    env.find((e) => e.name === 'LOG_LEVEL'),
    { value: REDACTED },
  );
  t.deepEqual(env.find((e) => e.name === 'SESSION_SECRET')?.valueFrom, {
    secretKeyRef: { name: 'checkout-secrets', key: 'session-secret' },
  });
  t.deepEqual(env.find((e) => e.name === 'POD_NAME')?.valueFrom, {
    fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' },
  });
  const meta = pod.metadata as RawObject;
  t.deepEqual(Object.keys(meta.annotations as RawObject).sort(), [
    'kubernetes.io/config.seen',
    'kubernetes.io/config.source',
  ]);
  t.truthy(meta.managedFields, 'shape kept for realistic replays');
  t.deepEqual(meta.labels, (input.items as { metadata: RawObject }[])[0]?.metadata.labels);
  // the OOM-killed filler keeps its restart history (what the agent reads)
  const restarted = (out.items as RawObject[])[2] as { status: { containerStatuses: RawObject[] } };
  t.like(restarted.status.containerStatuses[0], {
    restartCount: 3,
    lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
  });
});

test('trace context is kept: TRACEPARENT, TRACESTATE, TRACE_PARENT and TRACE_CONTEXT_ENV names', (t) => {
  const out = redactPodList(podList(), traceContextNames('MY_CONTEXT, OTHER'));
  t.false(JSON.stringify(out).includes(SECRET_MARKER));
  const env = envOf((out.items as RawObject[])[3] as RawObject);
  const value = (name: string) => env.find((e) => e.name === name)?.value;
  t.is(value('TRACEPARENT'), `00-${TRACE}-${SPAN}-01`);
  t.is(value('TRACESTATE'), 'litmus=1');
  t.is(value('MY_CONTEXT'), litmusTraceParentValue(TRACE, SPAN));
  t.is(
    value('TRACE_PARENT'),
    JSON.stringify({ traceparent: `00-${TRACE}-${SPAN}-01` }),
    'baggage dropped',
  );
  t.is(value('BAGGAGE'), REDACTED);
  t.deepEqual(
    env.find((e) => e.name === 'EMPTY'),
    { name: 'EMPTY' },
  );
  const fourth = (out.items as RawObject[])[3] as { spec: { containers: RawObject[] } };
  const container = fourth.spec.containers[0] as RawObject;
  t.deepEqual(container.command, [REDACTED, REDACTED, REDACTED]);
  t.is(container.image, 'busybox:1.36');
  // without the extra name, MY_CONTEXT is just another value
  const plain = envOf(redactPod(podAt(helper, '2026-11-23T10:00:06Z'), traceContextNames('')));
  t.is(plain.find((e) => e.name === 'MY_CONTEXT')?.value, REDACTED);
});

test('termination messages and probe commands are redacted, statuses kept', (t) => {
  const pod: RawObject = {
    metadata: { name: 'p', annotations: { other: SECRET_MARKER } },
    spec: {
      containers: [
        {
          name: 'c',
          args: [`--token=${SECRET_MARKER}`],
          livenessProbe: { exec: { command: ['check', SECRET_MARKER] }, periodSeconds: 10 },
          lifecycle: { preStop: { exec: { command: [SECRET_MARKER] } } },
        },
      ],
    },
    status: {
      phase: 'Failed',
      containerStatuses: [
        {
          name: 'c',
          state: { terminated: { exitCode: 2, reason: 'Error', message: SECRET_MARKER } },
          lastState: {},
        },
      ],
    },
  };
  const out = redactPod(pod, traceContextNames(undefined));
  t.false(JSON.stringify(out).includes(SECRET_MARKER));
  t.is((out.metadata as RawObject).annotations, undefined);
  const c = (out.spec as { containers: RawObject[] }).containers[0] as RawObject;
  t.deepEqual(c.livenessProbe, { exec: { command: [REDACTED, REDACTED] }, periodSeconds: 10 });
  t.like((out.status as { containerStatuses: RawObject[] }).containerStatuses[0], {
    state: { terminated: { exitCode: 2, reason: 'Error', message: REDACTED } },
  });
});

test('CLI: stdin to stdout, --at wraps a timeline line, bad input is never echoed', (t) => {
  const run = (input: string, args: string[] = [], env: Record<string, string> = {}) =>
    spawnSync(TSX, [REDACTOR, ...args], {
      input,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...env },
    });
  const body = JSON.stringify(podList());
  const plain = run(body);
  t.is(plain.status, 0, plain.stderr);
  t.false(plain.stdout.includes(SECRET_MARKER));
  t.is((JSON.parse(plain.stdout) as { items: unknown[] }).items.length, 4);

  const line = run(body, ['--at', '2026-11-23T10:00:00Z'], { TRACE_CONTEXT_ENV: 'MY_CONTEXT' });
  t.is(line.status, 0, line.stderr);
  t.is(line.stdout.trimEnd().split('\n').length, 1, 'one JSON line');
  const parsed = JSON.parse(line.stdout) as { at: string; podList: { items: RawObject[] } };
  t.is(parsed.at, '2026-11-23T10:00:00Z');
  t.is(
    envOf(parsed.podList.items[3] as RawObject).find((e) => e.name === 'MY_CONTEXT')?.value,
    litmusTraceParentValue(TRACE, SPAN),
  );

  const broken = run(`{"items":[{"secret":"${SECRET_MARKER}"`);
  t.is(broken.status, 1);
  t.is(broken.stdout, '');
  t.false(broken.stderr.includes(SECRET_MARKER));
  t.is(run('{"kind":"Status"}').status, 1);
  t.is(run(body, ['--at', 'yesterday']).status, 2);
  t.is(run(body, ['--bogus']).status, 2);
});
