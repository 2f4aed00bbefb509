import test from 'ava';
import {
  buildPod,
  deterministicUid,
  podListBody,
  type RawObject,
  unrelatedPod,
} from '../../sim/podBuilder.js';
import {
  type PodListScan,
  type ScannedItem,
  type ScanTargets,
  scanPodList,
} from '../../src/core/podListScan.js';

const T0 = '2026-11-23T10:00:00Z';
const encode = (text: string) => new TextEncoder().encode(text);
const NO_TARGETS: ScanTargets = { keys: [], values: [] };

function scanned(body: string, targets = NO_TARGETS): readonly ScannedItem[] {
  const result = scanPodList(encode(body), targets);
  if (!result.ok) throw new Error(`expected the scan to accept the body, got ${result.reason}`);
  return result.items;
}

function texts(body: string, targets = NO_TARGETS): string[] {
  const bytes = encode(body);
  return scanned(body, targets).map((item) =>
    new TextDecoder().decode(bytes.subarray(item.start, item.end)),
  );
}

const tracedPod = (name: string, labels: Record<string, string>): RawObject =>
  buildPod({
    name,
    namespace: 'litmus',
    labels,
    creationTimestamp: T0,
    phase: 'Running',
    containers: [{ name: 'main', state: 'running' }],
  });

test('the items of a real-shaped body are found exactly, in order', (t) => {
  const pods = [
    unrelatedPod(0, 'worker-1'),
    tracedPod('helper', { chaosUID: 'c1' }),
    unrelatedPod(1, 'worker-1'),
  ];
  const body = podListBody(pods);
  const found = texts(body);
  t.is(found.length, 3);
  t.deepEqual(
    found.map((text) => JSON.parse(text)),
    JSON.parse(body).items,
  );
  // each range is the item's text, not more: it starts with `{` and ends with `}`
  for (const text of found) t.regex(text, /^\{.*\}$/s);
});

test('an item has the bit of each target key it holds as an object key, at any depth', (t) => {
  const body = podListBody([
    tracedPod('a', { chaosUID: 'c1' }),
    tracedPod('b', { app: 'web' }),
    tracedPod('c', { chaosUID: 'c2', app: 'web' }),
    unrelatedPod(2, 'worker-1'),
  ]);
  const items = scanned(body, { keys: ['chaosUID', 'app'], values: [] });
  t.deepEqual(
    items.map((item) => item.keyMask),
    [0b01, 0b10, 0b11, 0b10], // unrelated pods carry an `app` label too
  );
  t.false(items.some((item) => item.escapedKey || item.valueHit));
});

test('a key seen only in values, annotations or managedFields spellings sets no bit', (t) => {
  const pod = tracedPod('x', { other: 'v' });
  const body = podListBody([
    {
      ...pod,
      metadata: {
        ...(pod.metadata as RawObject),
        annotations: { note: 'chaosUID', quoted: '"chaosUID"', json: '{"chaosUID":"1"}' },
        managedFields: [{ fieldsV1: { 'f:metadata': { 'f:labels': { 'f:chaosUID': {} } } } }],
      },
    },
  ]);
  t.is(scanned(body, { keys: ['chaosUID'], values: [] })[0]?.keyMask, 0);
});

test('whitespace around keys and colons does not hide a key', (t) => {
  const body = '{ "items" : [ { "metadata" : { "labels" : { "chaosUID"\t:\n"x" } } } ] }';
  t.is(scanned(body, { keys: ['chaosUID'], values: [] })[0]?.keyMask, 1);
});

test('a key spelt with \\u or \\/ escapes marks its item; other escapes do not', (t) => {
  const body =
    '{"items":[{"l":{"\\u0063haosUID":"x"}},{"l":{"chaos\\/UID":"x"}},{"l":{"a\\"b\\\\c\\n":"x"}},' +
    '{"l":"\\u0063haosUID"}]}';
  t.deepEqual(
    scanned(body, { keys: ['chaosUID', 'chaos/UID'], values: [] }).map((i) => i.escapedKey),
    [true, true, false, false],
  );
});

test('a target value marks the item holding it as a string value, not as a key', (t) => {
  const uid = deterministicUid('litmus/helper');
  const body = `{"items":[{"metadata":{"uid":"${uid}"}},{"${uid}":1},{"metadata":{"uid":"other"}}]}`;
  t.deepEqual(
    scanned(body, { keys: [], values: new Set([uid]) }).map((i) => i.valueHit),
    [true, false, false],
  );
});

test('items null or empty, scalar items, other top-level keys in any order', (t) => {
  t.deepEqual(scanned('{"kind":"PodList","items":null}'), []);
  t.deepEqual(scanned(' {"items":[]}\n'), []);
  t.deepEqual(texts('{"metadata":{"items":[1]},"items":[1,"s",[],{},null,true,-0.5e+3],"x":[]}'), [
    '1',
    '"s"',
    '[]',
    '{}',
    'null',
    'true',
    '-0.5e+3',
  ]);
});

test('more than 32 keys share bits: never a key missed', (t) => {
  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
  const item = scanned('{"items":[{"k35":1}]}', { keys, values: [] })[0];
  t.not(((item?.keyMask ?? 0) >>> (35 % 32)) & 1, 0);
});

const rejections: [string, string, Extract<PodListScan, { ok: false }>['reason']][] = [
  ['empty body', '', 'notPodList'],
  ['not an object', '[]', 'notPodList'],
  ['a string', '"PodList"', 'notPodList'],
  ['truncated', '{"items":[{"a":1}', 'syntax'],
  ['truncated in a string', '{"items":[{"a":"x', 'syntax'],
  ['truncated in an escape', '{"items":[{"a":"\\u00', 'syntax'],
  ['garbage after the end', '{"items":[]}x', 'syntax'],
  ['a second value', '{"items":[]}{}', 'syntax'],
  ['a NUL after the end', '{"items":[]}\u0000', 'syntax'],
  ['unbalanced: ] for }', '{"items":[{"a":1]]}', 'syntax'],
  ['unbalanced: } for ]', '{"items":[{"a":1}}}', 'syntax'],
  ['trailing comma in an array', '{"items":[1,]}', 'syntax'],
  ['trailing comma in an object', '{"items":[{"a":1,}]}', 'syntax'],
  ['missing colon', '{"items":[{"a" 1}]}', 'syntax'],
  ['missing comma', '{"items":[{"a":1 "b":2}]}', 'syntax'],
  ['unquoted key', '{"items":[{a:1}]}', 'syntax'],
  ['single quotes', '{"items":[{\'a\':1}]}', 'syntax'],
  ['a raw control character in a string', '{"items":[{"a":"x\ty"}]}', 'syntax'],
  ['a raw newline in a key', '{"items":[{"a\nb":1}]}', 'syntax'],
  ['a bad escape', '{"items":[{"a":"\\x"}]}', 'syntax'],
  ['a short \\u escape', '{"items":[{"a":"\\u12g4"}]}', 'syntax'],
  ['a leading zero', '{"items":[01]}', 'syntax'],
  ['a bare minus', '{"items":[-]}', 'syntax'],
  ['a dot without digits', '{"items":[1.]}', 'syntax'],
  ['a leading dot', '{"items":[.5]}', 'syntax'],
  ['an exponent without digits', '{"items":[1e+]}', 'syntax'],
  ['a plus sign', '{"items":[+1]}', 'syntax'],
  ['a misspelt literal', '{"items":[tru]}', 'syntax'],
  ['a literal run on', '{"items":[nulll]}', 'syntax'],
  ['NaN', '{"items":[NaN]}', 'syntax'],
  ['a byte order mark', '\ufeff{"items":[]}', 'notPodList'],
  ['non-ASCII outside strings', '{"items":[1\u00a0]}', 'syntax'],
  ['a vertical tab as whitespace', '{"items":[1,\u000b2]}', 'syntax'],
  ['no items', '{"kind":"PodList"}', 'notPodList'],
  ['items an object', '{"items":{}}', 'notPodList'],
  ['items a string', '{"items":"[]"}', 'notPodList'],
  ['another kind', '{"kind":"Pod","items":[]}', 'notPodList'],
  ['kind null', '{"kind":null,"items":[]}', 'notPodList'],
  ['kind spelt with an escape', '{"kind":"P\\u006fdList","items":[]}', 'notPodList'],
  ['items twice', '{"items":[],"items":null}', 'ambiguous'],
  ['kind twice', '{"kind":"PodList","kind":"Pod","items":[]}', 'ambiguous'],
  ['a top-level key with an escape', '{"\\u0069tems":[],"items":[]}', 'ambiguous'],
];

for (const [what, body, reason] of rejections) {
  test(`rejected (${reason}): ${what}`, (t) => {
    t.deepEqual(scanPodList(encode(body), NO_TARGETS), { ok: false, reason });
  });
}

test('every strict prefix of a valid body is rejected', (t) => {
  const body = encode(podListBody([tracedPod('p', { chaosUID: 'c' }), unrelatedPod(3, 'w')]));
  t.true(scanPodList(body, NO_TARGETS).ok);
  // the trailing newline may go; anything more is a truncation
  for (let end = 0; end < body.length - 1; end++) {
    if (scanPodList(body.subarray(0, end), NO_TARGETS).ok) t.fail(`prefix of ${end} accepted`);
  }
  t.pass();
});

test('invalid UTF-8 inside strings is accepted, as decoding replaces it', (t) => {
  const body = new Uint8Array([...encode('{"items":[{"a":"'), 0xff, 0xc0, 0xe2, ...encode('"}]}')]);
  t.true(scanPodList(body, NO_TARGETS).ok);
  t.notThrows(() => JSON.parse(new TextDecoder().decode(body)));
});

// ------------------------------------------------------------- strings, read four bytes at a time

/** `{"items":[{"k":"…"}]}` and `{"items":[{"…":1}]}` around `inner`, as bytes. */
const inString = (inner: number[]) => [
  new Uint8Array([...encode('{"items":[{"k":"'), ...inner, ...encode('"}]}')]),
  new Uint8Array([...encode('{"items":[{"'), ...inner, ...encode('":1}]}')]),
];

test('a control character in a string is rejected wherever it falls in a word, in keys too', (t) => {
  for (let length = 1; length <= 9; length++) {
    for (let at = 0; at < length; at++) {
      for (const control of [0x00, 0x01, 0x09, 0x0a, 0x1f]) {
        const inner = Array.from({ length }, (_, k) => (k === at ? control : 0x61 + k));
        for (const body of inString(inner)) {
          t.deepEqual(scanPodList(body, NO_TARGETS), { ok: false, reason: 'syntax' });
        }
      }
    }
  }
});

test('a control character right after a backslash, or after an escape, is rejected', (t) => {
  for (const inner of ['\\\u0001', 'a\\\u001f', '\\n\u0000', '\\u0041\u0001', '\\\\\u000a']) {
    for (const body of inString([...encode(inner)])) {
      t.deepEqual(scanPodList(body, NO_TARGETS), { ok: false, reason: 'syntax' });
    }
  }
});

test('bytes next to a quote or a backslash that look like them do not end a string', (t) => {
  // `#` and `]` are one above `"` and `\`: a scan of a word borrowing from the byte before
  // them would take them for one
  const strings = ['#', '##', ']', '\\\\]', '\\"#', '!', ' #]', '#\\\\#', 'é#', '\u007f#'];
  for (const s of strings) {
    for (const tail of ['', '\n', ' \r\n\t']) {
      for (const text of [
        `{"items":[{"k":"${s}"}],"z":"${s}"}${tail}`,
        `{"z":"${s}","items":[{"${s}":"${s}"}]}${tail}`,
        `{"items":["${s}"]}${tail}`,
      ]) {
        const bytes = encode(text);
        const result = scanPodList(bytes, { keys: [], values: [s] });
        t.true(result.ok, text);
        if (result.ok) {
          t.deepEqual(
            result.items.map((item) =>
              JSON.parse(new TextDecoder().decode(bytes.subarray(item.start, item.end))),
            ),
            JSON.parse(text).items,
          );
        }
      }
    }
  }
});

test('a body that ends in a string, or right after one, is rejected', (t) => {
  for (const text of [
    '{"items":[],"k":"',
    '{"items":[],"k":"a',
    '{"items":[],"k":"ab\\',
    '{"items":[],"k":"ab\\"',
    '{"items":[],"k":"ab\\u00',
    '{"items":[],"k":"abcdefg',
    '{"items":[],"k":"a"',
    '{"items":[],"k":"abcdefgh"',
    '{"items":[],"k"',
    '{"items":["a"',
  ]) {
    t.deepEqual(scanPodList(encode(text), NO_TARGETS), { ok: false, reason: 'syntax' }, text);
  }
});

test('a body inside a larger buffer: nothing past its end is read', (t) => {
  const around = (text: string, after: string) => {
    const bytes = encode(`${text}${after}`);
    return bytes.subarray(0, bytes.length - encode(after).length);
  };
  // what follows in the buffer would close the string and the object
  t.deepEqual(scanPodList(around('{"items":[],"k":"ab', '"}'), NO_TARGETS), {
    ok: false,
    reason: 'syntax',
  });
  t.deepEqual(scanPodList(around('{"items":["a', 'bcdefgh"]}'), NO_TARGETS), {
    ok: false,
    reason: 'syntax',
  });
  const valid = '{"items":[{"k":"v"}],"z":"#"}';
  t.deepEqual(
    scanPodList(around(valid, '"\\"x'), NO_TARGETS),
    scanPodList(encode(valid), NO_TARGETS),
  );
});
