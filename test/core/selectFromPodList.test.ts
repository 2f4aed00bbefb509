/**
 * The item-level path against the full parse it replaces: `JSON.parse` of the whole body (as the
 * agent did, through `Buffer#toString`), `decodePodList`, then the selector alternatives. Same
 * selected pods for every body, the same error for every body the full parse rejects.
 */
import { isDeepStrictEqual } from 'node:util';
import test from 'ava';
import fc from 'fast-check';
import {
  buildPod,
  litmusTraceParentValue,
  podListBody,
  type RawObject,
  unrelatedPod,
} from '../../sim/podBuilder.js';
import { seededRandom } from '../../sim/timeline/seededRandom.js';
import { DecodedItems } from '../../src/core/decodedItems.js';
import { decodePodList } from '../../src/core/decodePodList.js';
import type { KubeletPod } from '../../src/core/kubeletPod.js';
import {
  type LabelSelector,
  matchesLabels,
  parseLabelSelector,
} from '../../src/core/labelSelector.js';
import {
  type PodListSelectionOptions,
  selectFromPodList,
} from '../../src/core/selectFromPodList.js';

const T0 = '2026-11-23T10:00:00Z';
const ENV_NAMES = ['TRACEPARENT', 'TRACE_PARENT'];
const encode = (text: string) => new TextEncoder().encode(text);

function selector(text: string): LabelSelector {
  const parsed = parseLabelSelector(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.selector;
}

function options(
  selectors: readonly string[],
  more: Partial<PodListSelectionOptions> = {},
): PodListSelectionOptions {
  return {
    selectors: selectors.map(selector),
    namespaces: undefined,
    envNames: ENV_NAMES,
    trackedUids: [],
    ...more,
  };
}

type Outcome = { ok: true; selected: KubeletPod[] } | { ok: false; message: string };

/** The full path, as the agent had it before item-level parsing. */
function fullPath(body: Uint8Array, opts: PodListSelectionOptions): Outcome {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const decoded = decodePodList(json, { envNames: opts.envNames });
  if (!decoded.ok) return { ok: false, message: decoded.error };
  const allowed = opts.namespaces ? new Set(opts.namespaces) : undefined;
  return {
    ok: true,
    selected: decoded.pods.filter(
      (pod) =>
        (!allowed || allowed.has(pod.namespace)) &&
        opts.selectors.some((s) => matchesLabels(s, pod.labels)),
    ),
  };
}

function itemPath(body: Uint8Array, opts: PodListSelectionOptions): Outcome {
  const result = selectFromPodList(body, opts);
  return result.ok
    ? { ok: true, selected: result.selected }
    : { ok: false, message: result.error.message };
}

const tracedPod = (name: string, labels: Record<string, string>, namespace = 'litmus') =>
  buildPod({
    name,
    namespace,
    labels,
    creationTimestamp: T0,
    phase: 'Running',
    containers: [
      {
        name: 'main',
        state: 'running',
        env: {
          TRACE_PARENT: litmusTraceParentValue('4bf92f3577b34da6a3ce929d0e0e4736', 'a'.repeat(16)),
        },
      },
    ],
  });

const uidOf = (pod: RawObject) => (pod.metadata as RawObject).uid as string;

/** 110 real-shaped pods, three of them selected by `chaosUID`. */
const NODE_PODS = [
  ...Array.from({ length: 107 }, (_, i) => unrelatedPod(i, 'worker-1')),
  tracedPod('helper-a', { chaosUID: 'c1' }),
  tracedPod('helper-b', { chaosUID: 'c1', app: 'chaos' }),
  tracedPod('runner', { chaosUID: 'c2' }, 'other'),
];
const NODE_BODY = encode(podListBody(NODE_PODS));

test('on a busy node only the candidate items are decoded, with the full path selection', (t) => {
  const opts = options(['chaosUID']);
  const result = selectFromPodList(NODE_BODY, opts);
  if (!result.ok) throw result.error;
  t.is(result.items, 110);
  t.is(result.decoded, 3);
  t.is(result.fullParse, undefined);
  t.deepEqual(
    result.selected.map((pod) => pod.name),
    ['helper-a', 'helper-b', 'runner'],
  );
  t.deepEqual(itemPath(NODE_BODY, opts), fullPath(NODE_BODY, opts));
});

test('namespaces still filter the decoded candidates', (t) => {
  const opts = options(['chaosUID'], { namespaces: ['other'] });
  const result = selectFromPodList(NODE_BODY, opts);
  if (!result.ok) throw result.error;
  t.deepEqual(
    result.selected.map((pod) => pod.name),
    ['runner'],
  );
});

test('no candidate and nothing tracked: an empty selection, nothing decoded', (t) => {
  const result = selectFromPodList(NODE_BODY, options(['litmuschaos.io/experiment']));
  t.like(result, { ok: true, selected: [], malformed: [], items: 110, decoded: 0 });
});

test('a tracked pod is decoded even without the label; it is selected only if it matches', (t) => {
  const unrelated = NODE_PODS[5] as RawObject;
  const result = selectFromPodList(
    NODE_BODY,
    options(['chaosUID'], { trackedUids: new Set([uidOf(unrelated), 'gone-uid']) }),
  );
  if (!result.ok) throw result.error;
  t.is(result.decoded, 4);
  t.is(result.selected.length, 3);
});

test('an alternative needs all of its keys in an item; any alternative may select', (t) => {
  const opts = options(['app=chaos,chaosUID', 'app=web-7']);
  const result = selectFromPodList(NODE_BODY, opts);
  if (!result.ok) throw result.error;
  // the unrelated pods and helper-b have `app`, only helper-b has both; the second alternative
  // needs only `app`
  t.is(result.decoded, 108);
  t.deepEqual(itemPath(NODE_BODY, opts), fullPath(NODE_BODY, opts));
  const narrow = selectFromPodList(NODE_BODY, options(['app=chaos,chaosUID']));
  t.like(narrow, { ok: true, decoded: 1 });
});

for (const text of ['app!=web', 'chaosUID notin (x)', '!chaosUID', '']) {
  test(`a selector requiring no key parses the whole body: ${JSON.stringify(text)}`, (t) => {
    const opts = options(['chaosUID', text]);
    const result = selectFromPodList(NODE_BODY, opts);
    t.like(result, { ok: true, fullParse: 'selector', decoded: 110 });
    t.deepEqual(itemPath(NODE_BODY, opts), fullPath(NODE_BODY, opts));
  });
}

test('a required key JSON could spell otherwise (not a label key) parses the whole body', (t) => {
  const odd: LabelSelector = {
    text: 'built by hand',
    requirements: [{ key: 'a"b', operator: 'exists', values: [] }],
  };
  const body = encode(
    '{"items":[{"metadata":{"name":"p","namespace":"n","uid":"u","labels":{"a\\"b":""}}}]}',
  );
  const result = selectFromPodList(body, { ...options([]), selectors: [odd] });
  t.like(result, { ok: true, fullParse: 'selector' });
  t.deepEqual(result.ok && result.selected.map((p) => p.name), ['p']);
});

test('a label key spelt with escapes is still found', (t) => {
  const pod = tracedPod('hidden', { chaosUID: 'c1' });
  const body = podListBody([unrelatedPod(1, 'w'), pod]);
  for (const [key, spelt] of [
    ['chaosUID', '\\u0063haosUID'],
    ['chaosUID', 'chaos\\u0055ID'],
    ['chaos/UID', 'chaos\\/UID'],
  ] as const) {
    const escaped = encode(
      body.replace('"labels":{"chaosUID"', `"labels":{"${spelt}"`).replace(/\n$/, ''),
    );
    const opts = options([key]);
    const result = selectFromPodList(escaped, opts);
    if (!result.ok) throw result.error;
    t.deepEqual(
      result.selected.map((p) => p.name),
      ['hidden'],
    );
    t.deepEqual(itemPath(escaped, opts), fullPath(escaped, opts));
  }
  const slashed = encode(
    podListBody([tracedPod('s', { 'chaos/UID': 'x' })]).replace('"chaos/UID"', '"chaos\\/UID"'),
  );
  t.deepEqual(itemPath(slashed, options(['chaos/UID'])), fullPath(slashed, options(['chaos/UID'])));
  t.like(selectFromPodList(slashed, options(['chaos/UID'])), { ok: true, decoded: 1 });
});

test('a malformed candidate is reported with its index in the body; others are not decoded', (t) => {
  const bad = tracedPod('bad', { chaosUID: 'c1' });
  (bad.metadata as RawObject).uid = 42;
  const brokenOther = unrelatedPod(4, 'w');
  (brokenOther.metadata as RawObject).name = 7;
  const body = encode(
    podListBody([unrelatedPod(1, 'w'), brokenOther, bad, tracedPod('ok', { chaosUID: 'c' })]),
  );
  const result = selectFromPodList(body, options(['chaosUID']));
  if (!result.ok) throw result.error;
  t.deepEqual(result.malformed, [
    {
      index: 2,
      name: 'bad',
      namespace: 'litmus',
      error: 'metadata.uid: expected a non-empty string, got the number 42',
    },
  ]);
  t.deepEqual(
    result.selected.map((p) => p.name),
    ['ok'],
  );
});

test('a body the full path rejects is rejected with the same error', (t) => {
  const good = podListBody([tracedPod('p', { chaosUID: 'c' }), unrelatedPod(2, 'w')]);
  const broken = [
    '',
    '[]',
    'null',
    '\ufeff{"items":[]}',
    '{"items":[]}\u0000',
    '{"kind":"Pod","items":[]}',
    '{"kind":"PodList"}',
    '{"items":{}}',
    '{"kind":"PodList","items":[],"kind":"Pod"}',
    '{"\\u006bind":"Pod","items":[]}',
    good.slice(0, good.length / 2),
    good.slice(0, -3),
    `${good}x`,
    `${good}{}`,
    good.replace('"items":[', '"items":[,'),
    good.replace('}]}', '}}}'),
    good.replace('"phase":', '"phase" '),
    good.replace('"Running"', '"Run\tning"'),
    good.replace('"Running"', '"Run\\xning"'),
    good.replace('"restartCount":0', '"restartCount":00'),
    good.replace('"restartCount":0', '"restartCount":-'),
    good.replace('true', 'tru'),
  ];
  const opts = options(['chaosUID']);
  for (const text of broken) {
    const body = encode(text);
    const expected = fullPath(body, opts);
    t.false(expected.ok, text.slice(0, 60));
    t.deepEqual(itemPath(body, opts), expected, text.slice(0, 60));
  }
});

test('a body the scan declines but the full path accepts gives the full path result', (t) => {
  const opts = options(['chaosUID']);
  const body = encode(
    `{"kind":"P\\u006fdList","\\u0069tems":${JSON.stringify([tracedPod('p', { chaosUID: 'c' })])}}`,
  );
  const result = selectFromPodList(body, opts);
  t.like(result, { ok: true, fullParse: 'notPodList' });
  t.deepEqual(itemPath(body, opts), fullPath(body, opts));
  t.is(
    itemPath(body, opts).ok && (itemPath(body, opts) as { selected: unknown[] }).selected.length,
    1,
  );
});

// ------------------------------------------------------------------ property: same as the full path

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const LABEL_KEYS = ['chaosUID', 'app', 'chaos/UID', 'example.com/tier', 'a.b-c_d'];
const SELECTORS = [
  'chaosUID',
  'chaosUID=c1',
  'app in (web,db)',
  'chaos/UID',
  'example.com/tier=,app',
  'a.b-c_d',
  'app=web,chaosUID notin (c2)',
];
/** Selectors that require no key: the full parse. */
const NO_KEY_SELECTORS = ['app!=web', '!chaosUID'];
/** Strings that are hard on a scanner. */
const TRICKY = [
  '',
  '"',
  '\\',
  '{',
  '[',
  '}]',
  '":',
  '\\"chaosUID\\"',
  '"chaosUID"',
  'chaosUID',
  '{"chaosUID":"c1"}',
  'f:chaosUID',
  '\u2028\u2029',
  '😀 \ud83d\ude00',
  '\ud800',
  'é\u0000\u001f',
  '/',
  '</script>&',
];

const text: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 8 }),
);
const leaf: fc.Arbitrary<Json> = fc.oneof(
  text,
  fc.constantFrom(null, true, false, 0, -0, 1e21, -1.5e-7, 123456789012345680000, 0.1),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
/** Arbitrary JSON, keys drawn from the label keys too, nested up to `depth`. */
const { value: anyJson } = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(text, fc.constantFrom(...LABEL_KEYS)), tie('value'), { maxKeys: 4 }),
  ),
}));

/** `[[[[…]]]]` or `{"a":{"a":…}}` around a value. */
const deep: fc.Arbitrary<Json> = fc
  .tuple(fc.integer({ min: 1, max: 300 }), fc.boolean(), anyJson)
  .map(([depth, arrays, inner]) => {
    let v: Json = inner;
    for (let i = 0; i < depth; i++) v = arrays ? [v] : { chaosUID: v };
    return v;
  });

/** Mostly valid label values; now and then a number (the pod is then malformed). */
const labelValue = fc.oneof(
  { arbitrary: fc.constantFrom('', 'c1', 'c2', 'web', 'db'), weight: 12 },
  { arbitrary: fc.integer(), weight: 1 },
);

const pod = (index: number): fc.Arbitrary<Json> =>
  fc
    .record({
      labels: fc.dictionary(fc.constantFrom(...LABEL_KEYS), labelValue, { maxKeys: 4 }),
      annotations: fc.dictionary(fc.oneof(text, fc.constantFrom(...LABEL_KEYS)), text, {
        maxKeys: 3,
      }),
      managed: fc.subarray(LABEL_KEYS),
      namespace: fc.constantFrom('a', 'b'),
      extra: fc.option(fc.oneof(anyJson, deep), { nil: undefined }),
      shape: fc.constantFrom('pod', 'pod', 'pod', 'pod', 'noMetadata', 'scalar'),
    })
    .map(({ labels, annotations, managed, namespace, extra, shape }): Json => {
      if (shape === 'scalar') return extra ?? index;
      const metadata: { [key: string]: Json } = {
        name: `pod-${index}`,
        namespace,
        uid: `uid-${index}`,
        labels,
        annotations,
        managedFields: [
          {
            manager: 'kubectl',
            fieldsV1: {
              'f:metadata': { 'f:labels': Object.fromEntries(managed.map((k) => [`f:${k}`, {}])) },
            },
          },
        ],
      };
      const item: { [key: string]: Json } = {
        spec: {
          containers: [{ name: 'main', env: [{ name: 'X', value: 'chaosUID' }] }],
          priority: -index * 100,
          ratio: index / 3,
          enableServiceLinks: index % 2 === 0,
          nodeSelector: null,
        },
        status: { phase: 'Running', containerStatuses: [{ name: 'main', restartCount: index }] },
      };
      if (shape === 'pod') item.metadata = metadata;
      if (extra !== undefined) item.extra = extra;
      return item;
    });

interface Style {
  /** Probability of whitespace between tokens. */
  readonly space: number;
  /** Probability that a key character is spelt `\u00XX` (or `/` as `\/`). */
  readonly escapeKeys: number;
  /** Probability that a value character is spelt that way. */
  readonly escapeValues: number;
  /** Whether keys of the top-level object are escaped too (the scan declines those bodies). */
  readonly escapeTop: boolean;
}

/**
 * `JSON.stringify(s)`, with each ASCII character spelt `\u00XX` (hex digits in either case), or a
 * `/` spelt `\/`, with probability `p`.
 */
function quote(s: string, p: number, next: () => number): string {
  if (p === 0) return JSON.stringify(s);
  let out = '"';
  // the JSON text's units: an escape as it stands, or one code point
  for (const unit of JSON.stringify(s)
    .slice(1, -1)
    .match(/\\u[0-9a-fA-F]{4}|\\.|[\s\S]/gu) ?? []) {
    const code = unit.charCodeAt(0);
    if (unit.length !== 1 || code >= 0x80 || next() >= p) {
      out += unit;
    } else if (unit === '/' && next() < 0.5) {
      out += '\\/';
    } else {
      const hex = code.toString(16).padStart(4, '0');
      out += `\\u${next() < 0.5 ? hex.toUpperCase() : hex}`;
    }
  }
  return `${out}"`;
}

function serialise(value: Json, style: Style, next: () => number): string {
  const ws = () =>
    next() < style.space ? [' ', '\t', '\n', '\r\n', '  '][Math.floor(next() * 5)] : '';
  const go = (v: Json, top = false): string => {
    if (Array.isArray(v)) return `[${ws()}${v.map((x) => `${go(x)}${ws()}`).join(`,${ws()}`)}]`;
    if (v !== null && typeof v === 'object') {
      const p = top && !style.escapeTop ? 0 : style.escapeKeys;
      const entries = Object.entries(v).map(
        ([k, x]) => `${quote(k, p, next)}${ws()}:${ws()}${go(x)}${ws()}`,
      );
      return `{${ws()}${entries.join(`,${ws()}`)}}`;
    }
    if (typeof v === 'string') return quote(v, style.escapeValues, next);
    return JSON.stringify(v);
  };
  return `${ws()}${go(value, true)}${ws()}`;
}

const STRUCTURAL = new Set([...'{}[],:"\\'].map((c) => c.charCodeAt(0)));
const STRUCTURAL_BYTES = [...STRUCTURAL, 0x20, 0x78];
const INTERESTING_BYTES = [
  0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x20, 0x00, 0x1f, 0x09, 0x0b, 0x80, 0xff, 0x78,
  0x30, 0x2d, 0x2e, 0x65, 0x75, 0x2f, 0x6e,
];

const latin1 = new TextDecoder('latin1');
const pick = <T>(list: readonly T[], next: () => number): T | undefined =>
  list[Math.floor(next() * list.length)];
/** Offsets just after each match of `pattern` in the body (read as Latin-1). */
const offsets = (body: Uint8Array, pattern: RegExp) =>
  [...latin1.decode(body).matchAll(pattern)].map((m) => m.index + m[0].length);

function splice(body: Uint8Array, at: number, remove: number, insert: number[]): Uint8Array {
  return new Uint8Array([...body.subarray(0, at), ...insert, ...body.subarray(at + remove)]);
}

/**
 * A body changed where the grammar is: a number given a leading zero, a dangling dot or exponent;
 * a literal misspelt; a bracket, quote, comma or colon replaced, removed or doubled; an escape
 * broken; garbage after the end; or anywhere: truncation, a byte replaced, removed or inserted.
 */
function mutate(body: Uint8Array, next: () => number): Uint8Array {
  const choice = next();
  if (choice < 0.15) {
    const start = pick(offsets(body, /[:[,]-?(?=[0-9])/g), next);
    if (start !== undefined) {
      let end = start;
      while ((body[end] ?? 0) >= 0x30 && (body[end] ?? 0) <= 0x39) end++;
      const [where, byte] = pick(
        [
          [start, 0x30],
          [end, 0x2e],
          [end, 0x65],
          [end, 0x2d],
          [start, 0x2b],
        ],
        next,
      ) ?? [start, 0x30];
      return splice(body, where, 0, [byte]);
    }
  } else if (choice < 0.25) {
    const start = pick(offsets(body, /[:[,](?=true|false|null)/g), next);
    if (start !== undefined) {
      const at = start + Math.floor(next() * 4);
      return next() < 0.5 ? splice(body, at, 1, []) : splice(body, at, 1, [0x78]);
    }
  } else if (choice < 0.35) {
    const at = pick(offsets(body, /\\/g), next);
    if (at !== undefined) {
      // after a backslash: a letter that is no escape, or a \u with too few hex digits
      return next() < 0.5 ? splice(body, at, 1, [0x78]) : splice(body, at, 1, [0x75, 0x31, 0x22]);
    }
    const quote = pick(offsets(body, /"(?=[a-z])/g), next);
    if (quote !== undefined) return splice(body, quote, 0, [0x5c, 0x71]);
  } else if (choice < 0.4) {
    return next() < 0.5
      ? splice(body, body.length, 0, [pick(STRUCTURAL_BYTES, next) ?? 0x78])
      : splice(body, 0, 0, [pick(STRUCTURAL_BYTES, next) ?? 0x78]);
  } else if (choice < 0.5) {
    // a bracket of the other kind: `{…]`, `[…}`
    const at = pick(offsets(body, /(?=[{}[\]])/g), next);
    if (at !== undefined) {
      const swapped: Record<number, number> = { 123: 0x5b, 91: 0x7b, 125: 0x5d, 93: 0x7d };
      return splice(body, at, 1, [swapped[body[at] ?? 0] ?? 0x78]);
    }
  } else if (choice < 0.8) {
    const structural: number[] = [];
    body.forEach((c, i) => {
      if (STRUCTURAL.has(c)) structural.push(i);
    });
    const at = pick(structural, next);
    if (at !== undefined) {
      const byte = pick(STRUCTURAL_BYTES, next) ?? 0x78;
      switch (Math.floor(next() * 3)) {
        case 0:
          return splice(body, at, 1, [byte]);
        case 1:
          return splice(body, at, 1, []);
        default:
          return splice(body, at, 0, [body[at] ?? byte]);
      }
    }
  }
  const at = Math.floor(next() * body.length);
  const byte = pick(INTERESTING_BYTES, next) ?? 0;
  switch (Math.floor(next() * 4)) {
    case 0:
      return body.subarray(0, at);
    case 1:
      return splice(body, at, 1, [byte]);
    case 2:
      return splice(body, at, 1, []);
    default:
      return splice(body, at, 0, [byte]);
  }
}

const bodyArb = fc.integer({ min: 0, max: 8 }).chain((count) =>
  fc.record({
    pods: fc.tuple(...Array.from({ length: count }, (_, i) => pod(i))),
    kind: fc.constantFrom<Json | undefined>('PodList', 'PodList', 'PodList', undefined, 'Pod'),
    itemsFirst: fc.boolean(),
    nullItems: fc.boolean(),
    style: fc.record({
      space: fc.constantFrom(0, 0, 0.3, 1),
      escapeKeys: fc.constantFrom(0, 0, 0, 0.05, 0.5),
      escapeValues: fc.constantFrom(0, 0.1),
      escapeTop: fc.constantFrom(false, false, false, true),
    }),
    seed: fc.integer(),
  }),
);

const selectorsArb = fc.array(
  fc.oneof(
    { arbitrary: fc.constantFrom(...SELECTORS), weight: 12 },
    { arbitrary: fc.constantFrom(...NO_KEY_SELECTORS), weight: 1 },
  ),
  { minLength: 1, maxLength: 3 },
);

/** A top-level key repeated before the end of the body (`JSON.parse` keeps the last one). */
const REPEATS = ['', ',"items":null', ',"items":[]', ',"kind":"Pod"', ',"kind":"PodList"'];

test('property: the item-level path selects exactly what the full parse selects, and rejects what it rejects', (t) => {
  let accepted = 0;
  let rejected = 0;
  let itemLevel = 0;
  /** Unmutated bodies that select at least one pod. */
  let selecting = 0;
  /** Candidate items taken from the previous variant's memo. */
  let reusedTotal = 0;
  fc.assert(
    fc.property(
      bodyArb,
      fc.oneof(
        { arbitrary: fc.constantFrom(...REPEATS), weight: 1 },
        { arbitrary: fc.constant(''), weight: 5 },
      ),
      selectorsArb,
      fc.constantFrom(undefined, undefined, ['a'], ['a', 'b'], []),
      fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }),
      ({ pods, kind, itemsFirst, nullItems, style, seed }, repeat, texts, namespaces, tracked) => {
        const next = seededRandom(seed);
        const items: Json = nullItems && pods.length === 0 ? null : pods;
        const list: { [key: string]: Json } = itemsFirst ? { items } : {};
        if (kind !== undefined) list.kind = kind;
        list.apiVersion = 'v1';
        list.metadata = {};
        if (!itemsFirst) list.items = items;
        const text = serialise(list, style, next).replace(/\}(\s*)$/, `${repeat}}$1`);
        const body = encode(text);
        const opts = options(texts, {
          namespaces,
          trackedUids: new Set(tracked.map((i) => `uid-${i}`)),
        });
        const variants = [body, mutate(mutate(body, next), next)];
        for (let k = 0; k < 5; k++) variants.push(mutate(body, next));
        // The variants in turn, each with the memo of the last accepted one before it: what an
        // unchanged item reuses must be what parsing it gives.
        let memo = DecodedItems.EMPTY;
        for (const variant of variants) {
          const expected = fullPath(variant, opts);
          const result = selectFromPodList(variant, opts);
          const actual: Outcome = result.ok
            ? { ok: true, selected: result.selected }
            : { ok: false, message: result.error.message };
          const chained = selectFromPodList(variant, { ...opts, previous: memo });
          if (chained.ok) {
            memo = chained.memo;
            reusedTotal += chained.reused;
          }
          const actualChained: Outcome = chained.ok
            ? { ok: true, selected: chained.selected }
            : { ok: false, message: chained.error.message };
          if (!isDeepStrictEqual(actualChained, expected)) {
            throw new Error(
              `body ${JSON.stringify(latin1.decode(variant))}, selectors ${JSON.stringify(texts)}, ` +
                `with the previous memo: full path ${JSON.stringify(expected)}, ` +
                `item-level path ${JSON.stringify(actualChained)}`,
            );
          }
          if (expected.ok) accepted++;
          else rejected++;
          if (variant === body && expected.ok && expected.selected.length > 0) selecting++;
          if (result.ok && result.fullParse === undefined) itemLevel++;
          if (!isDeepStrictEqual(actual, expected)) {
            throw new Error(
              `body ${JSON.stringify(latin1.decode(variant))}, selectors ${JSON.stringify(texts)}: ` +
                `full path ${JSON.stringify(expected)}, item-level path ${JSON.stringify(actual)}`,
            );
          }
        }
      },
    ),
    // no shrinking: a counterexample is reported as found (the seed reproduces it)
    { seed: 20261129, numRuns: 1000, endOnFailure: true },
  );
  // the runs covered both sides, and mostly the item-level path itself
  t.log({ accepted, rejected, itemLevel, selecting, reusedTotal });
  t.true(reusedTotal > 300, `reused ${reusedTotal}`);
  t.true(accepted > 1000, `accepted ${accepted}`);
  t.true(rejected > 4000, `rejected ${rejected}`);
  t.true(itemLevel > 500, `item-level ${itemLevel}`);
  t.true(selecting > 200, `selecting ${selecting}`);
});

test('every single-byte edit of a small body: same outcome as the full path', (t) => {
  const pods: RawObject[] = [
    {
      metadata: {
        name: 'plain',
        namespace: 'a',
        uid: 'uid-1',
        labels: { app: 'web' },
        annotations: { note: '"chaosUID" \\ {[ é 😀 \u2028', n: 'x/y', c: '\u0001' },
      },
      spec: { containers: [{ name: 'c' }], priority: -10, ratio: 0.5e-3, ok: true, no: false },
      status: { phase: 'Running', list: [1, 2.5, null, [], {}] },
    },
    {
      metadata: { name: 'picked', namespace: 'a', uid: 'uid-2', labels: { chaosUID: 'c1' } },
      spec: { containers: [] },
      status: { phase: 'Pending', weird: 'tab\there \u0000' },
    },
  ];
  const text = `{"kind":"PodList","apiVersion":"v1","items":${JSON.stringify(pods).replace('x/y', 'x\\/y')},"metadata":{}}\n`;
  const body = encode(text);
  const replacements = [...STRUCTURAL_BYTES, 0x00, 0x1f, 0x30, 0x2e, 0x65, 0x2d, 0x75, 0x80, 0xff];
  const opts = [options(['chaosUID']), options(['app=web'], { trackedUids: new Set(['uid-2']) })];
  let compared = 0;
  let rejectedBodies = 0;
  for (let at = 0; at <= body.length; at++) {
    const variants = [body.subarray(0, at), splice(body, at, 1, [])];
    for (const byte of replacements) {
      variants.push(splice(body, at, 1, [byte]), splice(body, at, 0, [byte]));
    }
    for (const variant of variants) {
      for (const o of opts) {
        const expected = fullPath(variant, o);
        const actual = itemPath(variant, o);
        compared++;
        if (!expected.ok) rejectedBodies++;
        if (!isDeepStrictEqual(actual, expected)) {
          t.fail(`at ${at}: ${latin1.decode(variant)}: ${JSON.stringify([expected, actual])}`);
          return;
        }
      }
    }
  }
  t.true(rejectedBodies > compared / 2, `${rejectedBodies} of ${compared} rejected`);
});
