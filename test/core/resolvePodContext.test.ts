import { createHash } from 'node:crypto';
import test from 'ava';
import type { EnvSource, KubeletPod } from '../../src/core/kubeletPod.js';
import { isLabelKey, isNonEmptyLabelValue } from '../../src/core/labelSyntax.js';
import { resolvePodContext } from '../../src/core/resolvePodContext.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const ENGINE_UID = '3e4b8f2a-6c1d-4a9e-b7f0-2d5c8e1a9b46';
/** Golden: sha256("kse.group.v1\0litmus\0chaosUID\0" + ENGINE_UID), first 16 bytes. */
const GROUP_TRACE = '268c6e9ce3d0d5021e570acce159219c';
const OPTIONS = { envNames: ['TRACEPARENT', 'TRACE_PARENT'], groupLabel: 'chaosUID', hash: sha256 };

function pod(env: Record<string, string>, labels: Record<string, string>): KubeletPod {
  return {
    uid: 'uid-1',
    name: 'engine-runner',
    namespace: 'litmus',
    labels,
    annotations: {},
    initContainers: [],
    containers: [
      {
        name: 'main',
        env: new Map<string, EnvSource>(
          Object.entries(env).map(([k, value]) => [k, { kind: 'value', value }]),
        ),
      },
    ],
    conditions: [],
    initContainerStatuses: [],
    containerStatuses: [],
  };
}

test('no context + group label: the run trace, no parent (a root), origin group', (t) => {
  const decision = resolvePodContext(pod({}, { chaosUID: ENGINE_UID }), OPTIONS);
  t.deepEqual(decision, {
    kind: 'traced',
    identity: {
      origin: 'group',
      traceId: GROUP_TRACE,
      group: { key: 'chaosUID', value: ENGINE_UID, traceId: GROUP_TRACE },
    },
  });
});

test('a context wins over the label: its trace and parent, and the group trace id alongside', (t) => {
  const env = { TRACE_PARENT: `{"traceparent":"00-${TRACE}-${SPAN}-01","tracestate":"l=1"}` };
  const decision = resolvePodContext(pod(env, { chaosUID: ENGINE_UID }), OPTIONS);
  t.deepEqual(decision, {
    kind: 'traced',
    identity: {
      origin: 'context',
      traceId: TRACE,
      parentSpanId: SPAN,
      traceState: 'l=1',
      group: { key: 'chaosUID', value: ENGINE_UID, traceId: GROUP_TRACE },
      source: { container: 'main', envName: 'TRACE_PARENT' },
    },
  });
});

test('a context without the label: no group', (t) => {
  const decision = resolvePodContext(pod({ TRACEPARENT: `00-${TRACE}-${SPAN}-01` }, {}), OPTIONS);
  t.is(decision.kind, 'traced');
  if (decision.kind === 'traced') {
    t.is(decision.identity.origin, 'context');
    t.is(decision.identity.group, undefined);
  }
});

test('not sampled is respected: never a group fallback', (t) => {
  const decision = resolvePodContext(
    pod({ TRACEPARENT: `00-${TRACE}-${SPAN}-00` }, { chaosUID: ENGINE_UID }),
    OPTIONS,
  );
  t.deepEqual(decision, {
    kind: 'notSampled',
    traceId: TRACE,
    container: 'main',
    envName: 'TRACEPARENT',
  });
});

test('an invalid context stays invalid: never a group fallback', (t) => {
  for (const value of [
    'not-json-nor-w3c',
    '{"traceparent":"00-xyz"}',
    `00-${'0'.repeat(32)}-${SPAN}-01`,
  ]) {
    const decision = resolvePodContext(
      pod({ TRACE_PARENT: value }, { chaosUID: ENGINE_UID }),
      OPTIONS,
    );
    t.is(decision.kind, 'invalid', value);
  }
});

test('no context, no label (or the fallback off): none', (t) => {
  t.deepEqual(resolvePodContext(pod({}, { app: 'x' }), OPTIONS), { kind: 'none', unresolvable: 0 });
  const { groupLabel: _off, ...withoutGroup } = OPTIONS;
  t.deepEqual(resolvePodContext(pod({}, { chaosUID: ENGINE_UID }), withoutGroup), {
    kind: 'none',
    unresolvable: 0,
  });
});

test('an empty or invalid group label value is "no context" with the problem, never a trace', (t) => {
  t.deepEqual(resolvePodContext(pod({}, { chaosUID: '' }), OPTIONS), {
    kind: 'badGroupValue',
    unresolvable: 0,
    key: 'chaosUID',
    problem: 'empty value',
  });
  for (const value of ['has space', '-leading', 'x'.repeat(64), 'a,b', 'ü']) {
    const decision = resolvePodContext(pod({}, { chaosUID: value }), OPTIONS);
    t.is(decision.kind, 'badGroupValue', value);
    if (decision.kind === 'badGroupValue') t.is(decision.problem, 'not a valid label value');
  }
  // a pod with a context and a bad group value keeps its context, without a group
  const withContext = resolvePodContext(
    pod({ TRACEPARENT: `00-${TRACE}-${SPAN}-01` }, { chaosUID: '' }),
    OPTIONS,
  );
  t.true(withContext.kind === 'traced' && withContext.identity.group === undefined);
});

test('label syntax: keys and values as Kubernetes validates them', (t) => {
  for (const key of ['chaosUID', 'workflows.argoproj.io/workflow', 'a', 'A-b_c.d']) {
    t.true(isLabelKey(key), key);
  }
  for (const key of [
    '',
    'a b',
    '/x',
    'a/b/c',
    'Ex.com/x',
    '!x',
    'x=y',
    'x,y',
    `${'x'.repeat(64)}`,
  ]) {
    t.false(isLabelKey(key), key);
  }
  for (const value of ['u1', ENGINE_UID, 'A.b_c-d', 'x'.repeat(63), 'in', 'notin']) {
    t.true(isNonEmptyLabelValue(value), value);
  }
  for (const value of ['', ' u1', 'u1 ', 'a b', 'a=b', 'a,b', '(a)', '-a', 'a-', 'x'.repeat(64)]) {
    t.false(isNonEmptyLabelValue(value), value);
  }
});
