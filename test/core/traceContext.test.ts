import test from 'ava';
import fc from 'fast-check';
import type { ContainerSpec, EnvSource, KubeletPod } from '../../src/core/kubeletPod.js';
import {
  findPodTraceContext,
  MAX_CONTEXT_VALUE_LENGTH,
  parseContextValue,
  parseTraceparent,
  parseTraceState,
  type TraceContext,
} from '../../src/core/traceContext.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;
const OTHER_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const OTHER_SPAN_ID = 'b7ad6b7169203331';
const OTHER_VALID = `00-${OTHER_TRACE_ID}-${OTHER_SPAN_ID}-01`;

function ok(value: string): TraceContext {
  const result = parseTraceparent(value);
  if (!result.ok) {
    throw new Error(`expected ${JSON.stringify(value)} to be valid, got: ${result.error}`);
  }
  return result.context;
}

function error(result: { ok: true } | { ok: false; error: string }): string {
  if (result.ok) {
    throw new Error('expected an error');
  }
  return result.error;
}

// --- traceparent: W3C Trace Context test vectors ---

test('a valid version 00 traceparent', (t) => {
  t.deepEqual(ok(VALID), { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, sampled: true });
});

test('trace-flags: sampled is bit 0, other bits are kept but ignored', (t) => {
  const flags = (hex: string) => ok(`00-${TRACE_ID}-${SPAN_ID}-${hex}`);
  t.like(flags('00'), { traceFlags: 0, sampled: false });
  t.like(flags('01'), { traceFlags: 1, sampled: true });
  t.like(flags('02'), { traceFlags: 2, sampled: false });
  t.like(flags('03'), { traceFlags: 3, sampled: true });
  t.like(flags('09'), { traceFlags: 9, sampled: true });
  t.like(flags('fe'), { traceFlags: 254, sampled: false });
  t.like(flags('ff'), { traceFlags: 255, sampled: true });
});

test('surrounding spaces, tabs and line breaks are ignored', (t) => {
  t.is(ok(` \t${VALID}\t \n`).traceId, TRACE_ID);
  t.is(ok(`${VALID}\r\n`).spanId, SPAN_ID);
});

const invalidTraceparents: ReadonlyArray<readonly [string, string, string]> = [
  ['empty', '', 'traceparent is empty'],
  ['blank', ' \t ', 'traceparent is empty'],
  ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`, 'version ff is invalid'],
  ['uppercase version', `0A-${TRACE_ID}-${SPAN_ID}-01`, 'version has uppercase hex digits'],
  ['non-hex version', `0x-${TRACE_ID}-${SPAN_ID}-01`, 'version is not 2 lowercase hex digits'],
  ['one-digit version', `0-${TRACE_ID}-${SPAN_ID}-01`, 'version is not 2 lowercase hex digits'],
  ['single character', '0', 'version is not 2 lowercase hex digits'],
  [
    'version 00 with an extra field',
    `${VALID}-what-the-future-will-be-like`,
    'version 00 must be exactly 55 characters, got 84',
  ],
  [
    'version 00 with a trailing dash',
    `${VALID}-`,
    'version 00 must be exactly 55 characters, got 56',
  ],
  [
    'version 00 too short',
    `00-${TRACE_ID}-${SPAN_ID}-1`,
    'version 00 must be exactly 55 characters, got 54',
  ],
  [
    'short trace-id',
    `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`,
    'version 00 must be exactly 55 characters, got 54',
  ],
  [
    'long parent-id',
    `00-${TRACE_ID}-${SPAN_ID}0-01`,
    'version 00 must be exactly 55 characters, got 56',
  ],
  ['shifted fields', `00-${TRACE_ID}0-${SPAN_ID.slice(1)}-01`, 'expected "-" after trace-id'],
  [
    'uppercase trace-id',
    `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`,
    'trace-id has uppercase hex digits',
  ],
  [
    'uppercase parent-id',
    `00-${TRACE_ID}-00F067AA0BA902B7-01`,
    'parent-id has uppercase hex digits',
  ],
  ['uppercase flags', `00-${TRACE_ID}-${SPAN_ID}-0A`, 'trace-flags has uppercase hex digits'],
  [
    'non-hex trace-id',
    `00-${TRACE_ID.slice(0, 31)}g-${SPAN_ID}-01`,
    'trace-id is not 32 lowercase hex digits',
  ],
  [
    'non-hex parent-id',
    `00-${TRACE_ID}-${SPAN_ID.slice(0, 15)}z-01`,
    'parent-id is not 16 lowercase hex digits',
  ],
  ['non-hex flags', `00-${TRACE_ID}-${SPAN_ID}-0g`, 'trace-flags is not 2 lowercase hex digits'],
  ['all-zero trace-id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`, 'trace-id is all zeros'],
  ['all-zero parent-id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`, 'parent-id is all zeros'],
  ['separator after version', `00_${TRACE_ID}-${SPAN_ID}-01`, 'expected "-" after version'],
  ['separator after trace-id', `00-${TRACE_ID}_${SPAN_ID}-01`, 'expected "-" after trace-id'],
  ['separator after parent-id', `00-${TRACE_ID}-${SPAN_ID}.01`, 'expected "-" after parent-id'],
  ['spaces as separators', `00 ${TRACE_ID} ${SPAN_ID} 01`, 'expected "-" after version'],
  [
    'space inside',
    `00-${TRACE_ID}- ${SPAN_ID.slice(1)}-01`,
    'parent-id is not 16 lowercase hex digits',
  ],
  [
    'future version without dash after flags',
    `cc-${TRACE_ID}-${SPAN_ID}-01.what-the-future-will-not-be-like`,
    'expected "-" after trace-flags of version cc',
  ],
  ['future version too short', `cc-${TRACE_ID}-${SPAN_ID}-1`, 'shorter than 55 characters (54)'],
  [
    'future version with uppercase trace-id',
    `01-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01-x`,
    'trace-id has uppercase hex digits',
  ],
  [
    'future version with zero parent-id',
    `01-${TRACE_ID}-${'0'.repeat(16)}-01`,
    'parent-id is all zeros',
  ],
  ['W3C carrier as JSON', `{"traceparent":"${VALID}"}`, 'version is not 2 lowercase hex digits'],
];

for (const [name, value, expected] of invalidTraceparents) {
  test(`traceparent invalid: ${name}`, (t) => {
    t.is(error(parseTraceparent(value)), expected);
  });
}

test('future versions: the first 55 characters are read, extra fields after a dash are ignored', (t) => {
  const expected = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, sampled: true };
  t.deepEqual(ok(`cc-${TRACE_ID}-${SPAN_ID}-01`), expected);
  t.deepEqual(ok(`cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-will-be-like`), expected);
  t.deepEqual(ok(`01-${TRACE_ID}-${SPAN_ID}-01-`), expected);
  t.deepEqual(ok(`fe-${TRACE_ID}-${SPAN_ID}-01-x-y-z`), expected);
});

test('values longer than 4096 characters are rejected before parsing', (t) => {
  const long = `${VALID}${' '.repeat(MAX_CONTEXT_VALUE_LENGTH - VALID.length + 1)}`;
  t.is(error(parseTraceparent(long)), 'value is longer than 4096 characters');
  t.is(ok(long.slice(0, MAX_CONTEXT_VALUE_LENGTH)).traceId, TRACE_ID);
  t.is(error(parseContextValue(long)), 'value is longer than 4096 characters');
});

test('property: any non-zero lowercase ids round-trip, and changing a hex digit to uppercase is rejected', (t) => {
  const hex = (length: number) =>
    fc
      .string({
        unit: fc.constantFrom(...'0123456789abcdef'),
        minLength: length,
        maxLength: length,
      })
      .filter((s) => /[^0]/.test(s));
  fc.assert(
    fc.property(hex(32), hex(16), fc.integer({ min: 0, max: 255 }), (traceId, spanId, flags) => {
      const flagsHex = flags.toString(16).padStart(2, '0');
      const value = `00-${traceId}-${spanId}-${flagsHex}`;
      const parsed = parseTraceparent(value);
      const upper = value.replace(/[a-f]/, (c) => c.toUpperCase());
      return (
        parsed.ok &&
        parsed.context.traceId === traceId &&
        parsed.context.spanId === spanId &&
        parsed.context.traceFlags === flags &&
        parsed.context.sampled === ((flags & 1) === 1) &&
        (upper === value || !parseTraceparent(upper).ok)
      );
    }),
  );
  t.pass();
});

// --- tracestate ---

test('tracestate: valid lists are normalised', (t) => {
  t.is(parseTraceState('rojo=00f067aa0ba902b7'), 'rojo=00f067aa0ba902b7');
  t.is(
    parseTraceState('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'),
    'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
  );
  t.is(parseTraceState(' rojo=1 ,\tcongo=2\t, , ,'), 'rojo=1,congo=2');
  t.is(parseTraceState('tenant1@vendor=x,a_b-c*d/e=v a l'), 'tenant1@vendor=x,a_b-c*d/e=v a l');
  t.is(parseTraceState('k= leading-space-is-allowed'), 'k= leading-space-is-allowed');
  t.is(parseTraceState(`k=${'~'.repeat(256)}`), `k=${'~'.repeat(256)}`);
  t.is(parseTraceState(`${'k'.repeat(256)}=v`), `${'k'.repeat(256)}=v`);
  t.is(
    parseTraceState(`${'t'.repeat(241)}@${'s'.repeat(14)}=v`),
    `${'t'.repeat(241)}@${'s'.repeat(14)}=v`,
  );
  const thirtyTwo = Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(',');
  t.is(parseTraceState(thirtyTwo), thirtyTwo);
});

test('tracestate: empty or invalid lists are dropped', (t) => {
  const invalid = [
    '',
    ' , ,',
    'novalue',
    '=v',
    'k=',
    'Upper=v',
    '1digitfirst=v',
    'k=v=w',
    'k=v,x',
    'k =v',
    'k=v\u00e9',
    'k=tab\tinside',
    'dup=1,dup=2',
    '@vendor=v',
    'tenant@=v',
    'tenant@1vendor=v',
    `tenant@${'s'.repeat(15)}=v`,
    `${'t'.repeat(242)}@s=v`,
    `${'k'.repeat(257)}=v`,
    `k=${'v'.repeat(257)}`,
    Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(','),
    `k=${'v'.repeat(MAX_CONTEXT_VALUE_LENGTH)}`,
  ];
  for (const value of invalid) {
    t.is(parseTraceState(value), undefined, value.slice(0, 40));
  }
});

// --- env values: JSON carrier (Litmus TRACE_PARENT) and bare values ---

test('Litmus JSON carrier with traceparent only', (t) => {
  const result = parseContextValue(`{"traceparent":"${VALID}"}`);
  t.deepEqual(result, {
    ok: true,
    context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, sampled: true },
  });
});

test('JSON carrier with tracestate and baggage, and whitespace', (t) => {
  const value = ` \n{ "baggage": "user=alice", "tracestate" : "rojo=1,congo=2",\n  "traceparent": " ${VALID} " }\n`;
  t.deepEqual(parseContextValue(value, 'ignored=1'), {
    ok: true,
    context: {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      sampled: true,
      traceState: 'rojo=1,congo=2',
    },
  });
});

test('JSON carrier: an invalid or non-string tracestate is dropped, the context kept', (t) => {
  const bad = parseContextValue(`{"traceparent":"${VALID}","tracestate":"BAD"}`);
  t.true(bad.ok);
  t.false(bad.ok && 'traceState' in bad.context);
  const number = parseContextValue(`{"traceparent":"${VALID}","tracestate":5}`);
  t.true(number.ok && number.context.traceState === undefined);
});

test('JSON carrier errors', (t) => {
  t.is(error(parseContextValue('{"traceparent":')), 'not valid JSON');
  t.is(error(parseContextValue(`{traceparent: "${VALID}"}`)), 'not valid JSON');
  t.is(error(parseContextValue('{}')), 'JSON carrier has no "traceparent" string');
  t.is(
    error(parseContextValue(`{"Traceparent":"${VALID}"}`)),
    'JSON carrier has no "traceparent" string',
  );
  t.is(error(parseContextValue('{"traceparent":1}')), 'JSON carrier has no "traceparent" string');
  t.is(
    error(parseContextValue('{"traceparent":null}')),
    'JSON carrier has no "traceparent" string',
  );
  t.is(
    error(parseContextValue(`{"traceparent":"00-${'0'.repeat(32)}-${SPAN_ID}-01"}`)),
    'JSON carrier "traceparent": trace-id is all zeros',
  );
  t.is(
    error(parseContextValue('{"traceparent":""}')),
    'JSON carrier "traceparent": traceparent is empty',
  );
});

test('JSON that is not an object is read as a bare value and rejected', (t) => {
  t.is(error(parseContextValue(`["${VALID}"]`)), 'version is not 2 lowercase hex digits');
  t.is(error(parseContextValue(`"${VALID}"`)), 'version is not 2 lowercase hex digits');
  t.is(error(parseContextValue('null')), 'version is not 2 lowercase hex digits');
});

test('errors never echo other parts of a JSON carrier', (t) => {
  const message = error(
    parseContextValue('{"traceparent":"00-zz","baggage":"password=hunter2","tracestate":"s=x"}'),
  );
  t.false(message.includes('hunter2'));
  t.false(message.includes('s=x'));
});

test('bare value takes the tracestate passed separately', (t) => {
  t.deepEqual(parseContextValue(VALID, ' rojo=1 , congo=2'), {
    ok: true,
    context: {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      sampled: true,
      traceState: 'rojo=1,congo=2',
    },
  });
  const invalidState = parseContextValue(VALID, 'Not Valid');
  t.true(invalidState.ok && invalidState.context.traceState === undefined);
  t.is(
    error(parseContextValue(`${VALID}x`, 'rojo=1')),
    'version 00 must be exactly 55 characters, got 56',
  );
});

// --- finding a pod's context ---

function container(name: string, env: Record<string, EnvSource> = {}): ContainerSpec {
  return { name, env: new Map(Object.entries(env)) };
}

function pod(
  parts: Partial<Pick<KubeletPod, 'labels' | 'annotations' | 'initContainers' | 'containers'>>,
): KubeletPod {
  return {
    uid: '6f1a4c2e-8d3b-4e5f-9a7b-1c2d3e4f5a6b',
    name: 'pod-delete-helper-abc12',
    namespace: 'litmus',
    labels: {},
    annotations: {},
    initContainers: [],
    containers: [],
    conditions: [],
    initContainerStatuses: [],
    containerStatuses: [],
    ...parts,
  };
}

const value = (v: string): EnvSource => ({ kind: 'value', value: v });
const fieldRef = (fieldPath: string): EnvSource => ({ kind: 'fieldRef', fieldPath });
const unresolvable = (source: string): EnvSource => ({ kind: 'unresolvable', source });
const NAMES = ['TRACEPARENT', 'TRACE_PARENT'] as const;

test('Litmus helper pod: TRACE_PARENT JSON carrier in the only container', (t) => {
  const found = findPodTraceContext(
    pod({
      containers: [container('helper', { TRACE_PARENT: value(`{"traceparent":"${VALID}"}`) })],
    }),
    NAMES,
  );
  t.deepEqual(found, {
    kind: 'found',
    context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, sampled: true },
    container: 'helper',
    envName: 'TRACE_PARENT',
  });
});

test('bare TRACEPARENT with TRACESTATE from the same container', (t) => {
  const found = findPodTraceContext(
    pod({
      containers: [
        container('sidecar', { TRACESTATE: value('other=1') }),
        container('main', { TRACEPARENT: value(VALID), TRACESTATE: value('rojo=1') }),
      ],
    }),
    NAMES,
  );
  t.is(found.kind, 'found');
  t.like(found, { container: 'main', envName: 'TRACEPARENT', context: { traceState: 'rojo=1' } });
});

test('TRACESTATE of another container is not used, and a JSON carrier ignores TRACESTATE', (t) => {
  const bare = findPodTraceContext(
    pod({
      initContainers: [container('init', { TRACESTATE: value('rojo=1') })],
      containers: [container('main', { TRACEPARENT: value(VALID) })],
    }),
    NAMES,
  );
  t.true(bare.kind === 'found' && bare.context.traceState === undefined);
  const json = findPodTraceContext(
    pod({
      containers: [
        container('main', {
          TRACE_PARENT: value(`{"traceparent":"${VALID}"}`),
          TRACESTATE: value('rojo=1'),
        }),
      ],
    }),
    NAMES,
  );
  t.true(json.kind === 'found' && json.context.traceState === undefined);
});

test('TRACESTATE may come from a fieldRef', (t) => {
  const found = findPodTraceContext(
    pod({
      annotations: { 'example.com/tracestate': 'rojo=2' },
      containers: [
        container('main', {
          TRACEPARENT: value(VALID),
          TRACESTATE: fieldRef("metadata.annotations['example.com/tracestate']"),
        }),
      ],
    }),
    NAMES,
  );
  t.true(found.kind === 'found' && found.context.traceState === 'rojo=2');
});

test('fieldRef to an annotation and to a label resolve from the pod', (t) => {
  const fromAnnotation = findPodTraceContext(
    pod({
      annotations: { 'example.com/traceparent': VALID },
      containers: [
        container('main', {
          TRACEPARENT: fieldRef("metadata.annotations['example.com/traceparent']"),
        }),
      ],
    }),
    NAMES,
  );
  t.like(fromAnnotation, { kind: 'found', context: { traceId: TRACE_ID } });
  const fromLabel = findPodTraceContext(
    pod({
      labels: { tp: `00-${OTHER_TRACE_ID}-${OTHER_SPAN_ID}-00` },
      containers: [container('main', { TRACEPARENT: fieldRef("metadata.labels['tp']") })],
    }),
    NAMES,
  );
  t.like(fromLabel, { kind: 'notSampled', context: { traceId: OTHER_TRACE_ID } });
});

test('fieldRef to metadata.name/namespace/uid resolves (and is then judged as a value)', (t) => {
  const found = findPodTraceContext(
    pod({ containers: [container('main', { TRACEPARENT: fieldRef('metadata.name') })] }),
    NAMES,
  );
  t.deepEqual(found, {
    kind: 'invalid',
    error: 'version is not 2 lowercase hex digits',
    container: 'main',
    envName: 'TRACEPARENT',
  });
  const namespaced = findPodTraceContext(
    {
      ...pod({ containers: [container('main', { TRACEPARENT: fieldRef('metadata.namespace') })] }),
      namespace: VALID,
    },
    NAMES,
  );
  t.is(namespaced.kind, 'found');
  const byUid = findPodTraceContext(
    {
      ...pod({ containers: [container('main', { TRACEPARENT: fieldRef('metadata.uid') })] }),
      uid: OTHER_VALID,
    },
    NAMES,
  );
  t.like(byUid, { kind: 'found', context: { spanId: OTHER_SPAN_ID } });
});

test('a fieldRef to a missing annotation or label is absent, not invalid', (t) => {
  const result = findPodTraceContext(
    pod({
      annotations: { other: 'x' },
      containers: [
        container('main', {
          TRACEPARENT: fieldRef("metadata.annotations['missing']"),
          TRACE_PARENT: fieldRef("metadata.labels['constructor']"),
        }),
      ],
    }),
    NAMES,
  );
  t.deepEqual(result, { kind: 'none', unresolvable: 0 });
});

test('unresolvable sources and unknown fieldRefs are counted and skipped', (t) => {
  const result = findPodTraceContext(
    pod({
      initContainers: [container('init', { TRACEPARENT: unresolvable('secretKeyRef') })],
      containers: [
        container('a', {
          TRACEPARENT: unresolvable('configMapKeyRef'),
          TRACE_PARENT: fieldRef('spec.nodeName'),
        }),
        container('b', { TRACE_PARENT: fieldRef('metadata.annotations') }),
        container('c', { TRACE_PARENT: fieldRef('metadata.annotations["k"]') }),
        container('d', { OTHER: unresolvable('secretKeyRef') }),
      ],
    }),
    NAMES,
  );
  t.deepEqual(result, { kind: 'none', unresolvable: 5 });
  const skippedThenFound = findPodTraceContext(
    pod({
      containers: [
        container('a', { TRACEPARENT: unresolvable('secretKeyRef'), TRACE_PARENT: value(VALID) }),
      ],
    }),
    NAMES,
  );
  t.like(skippedThenFound, { kind: 'found', container: 'a', envName: 'TRACE_PARENT' });
});

test('no containers, no env, empty or blank values: none', (t) => {
  t.deepEqual(findPodTraceContext(pod({}), NAMES), { kind: 'none', unresolvable: 0 });
  t.deepEqual(
    findPodTraceContext(
      pod({ containers: [container('a', { TRACEPARENT: value(''), TRACE_PARENT: value(' \n') })] }),
      NAMES,
    ),
    { kind: 'none', unresolvable: 0 },
  );
  t.deepEqual(
    findPodTraceContext(pod({ containers: [container('a', { TRACEPARENT: value(VALID) })] }), []),
    { kind: 'none', unresolvable: 0 },
  );
});

test('search order: init containers first, then containers, each in spec order', (t) => {
  const result = findPodTraceContext(
    pod({
      initContainers: [
        container('init-0'),
        container('init-1', { TRACE_PARENT: value(OTHER_VALID) }),
      ],
      containers: [container('main', { TRACEPARENT: value(VALID) })],
    }),
    NAMES,
  );
  t.like(result, { kind: 'found', container: 'init-1', context: { traceId: OTHER_TRACE_ID } });
  const containersInOrder = findPodTraceContext(
    pod({
      containers: [
        container('first', { TRACE_PARENT: value(OTHER_VALID) }),
        container('second', { TRACEPARENT: value(VALID) }),
      ],
    }),
    NAMES,
  );
  t.like(containersInOrder, { container: 'first', envName: 'TRACE_PARENT' });
});

test('search order within a container follows envNames, not the env map', (t) => {
  const both = pod({
    containers: [
      container('main', {
        TRACE_PARENT: value(`{"traceparent":"${OTHER_VALID}"}`),
        TRACEPARENT: value(VALID),
      }),
    ],
  });
  t.like(findPodTraceContext(both, ['TRACEPARENT', 'TRACE_PARENT']), {
    envName: 'TRACEPARENT',
    context: { traceId: TRACE_ID },
  });
  t.like(findPodTraceContext(both, ['TRACE_PARENT', 'TRACEPARENT']), {
    envName: 'TRACE_PARENT',
    context: { traceId: OTHER_TRACE_ID },
  });
  t.like(findPodTraceContext(both, ['CUSTOM', 'TRACE_PARENT']), { envName: 'TRACE_PARENT' });
});

test('either format is accepted under any of the names', (t) => {
  const result = findPodTraceContext(
    pod({
      initContainers: [container('init', { TRACE_PARENT: value(VALID) })],
      containers: [container('main', { TRACEPARENT: value(`{"traceparent":"${OTHER_VALID}"}`) })],
    }),
    ['TRACEPARENT'],
  );
  t.like(result, { kind: 'found', container: 'main', context: { traceId: OTHER_TRACE_ID } });
  t.like(
    findPodTraceContext(
      pod({ initContainers: [container('init', { TRACE_PARENT: value(VALID) })] }),
      NAMES,
    ),
    {
      kind: 'found',
      container: 'init',
    },
  );
});

test('invalid values are skipped while a valid one exists later', (t) => {
  const invalidThenValid = findPodTraceContext(
    pod({
      initContainers: [container('init', { TRACEPARENT: value('garbage') })],
      containers: [
        container('a', { TRACE_PARENT: value('{"nope":1}') }),
        container('b', { TRACE_PARENT: value(`{"traceparent":"${VALID}"}`) }),
      ],
    }),
    NAMES,
  );
  t.like(invalidThenValid, { kind: 'found', container: 'b', envName: 'TRACE_PARENT' });
});

test('only invalid values: the first one in search order is reported', (t) => {
  const result = findPodTraceContext(
    pod({
      initContainers: [container('init', { TRACE_PARENT: value('{"traceparent":"00-abc"}') })],
      containers: [
        container('main', { TRACEPARENT: value(`00-${TRACE_ID}-${'0'.repeat(16)}-01`) }),
      ],
    }),
    NAMES,
  );
  t.deepEqual(result, {
    kind: 'invalid',
    error: 'JSON carrier "traceparent": version 00 must be exactly 55 characters, got 6',
    container: 'init',
    envName: 'TRACE_PARENT',
  });
});

test('an invalid value wins over unresolvable ones', (t) => {
  const result = findPodTraceContext(
    pod({
      containers: [
        container('main', { TRACEPARENT: unresolvable('secretKeyRef'), TRACE_PARENT: value('x') }),
      ],
    }),
    NAMES,
  );
  t.like(result, { kind: 'invalid', container: 'main', envName: 'TRACE_PARENT' });
});

test('the first valid context decides: not sampled is reported even if a later one is sampled', (t) => {
  const notSampled = `00-${TRACE_ID}-${SPAN_ID}-00`;
  const result = findPodTraceContext(
    pod({
      containers: [
        container('a', { TRACEPARENT: value('bad') }),
        container('b', { TRACEPARENT: value(notSampled) }),
        container('c', { TRACEPARENT: value(OTHER_VALID) }),
      ],
    }),
    NAMES,
  );
  t.deepEqual(result, {
    kind: 'notSampled',
    context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0, sampled: false },
    container: 'b',
    envName: 'TRACEPARENT',
  });
});

test('the invalid error does not contain other env values', (t) => {
  const result = findPodTraceContext(
    pod({
      containers: [
        container('main', {
          TRACEPARENT: value('00-nothex'),
          TRACESTATE: value('secret=hunter2'),
          API_KEY: value('hunter2'),
        }),
      ],
    }),
    NAMES,
  );
  t.is(result.kind, 'invalid');
  t.false(JSON.stringify(result).includes('hunter2'));
});

test('oversized env values are invalid', (t) => {
  const result = findPodTraceContext(
    pod({ containers: [container('main', { TRACEPARENT: value(`${VALID}${' '.repeat(5000)}`) })] }),
    NAMES,
  );
  t.like(result, { kind: 'invalid', error: 'value is longer than 4096 characters' });
});
