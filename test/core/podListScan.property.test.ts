/**
 * The scan against `JSON.parse`, on bodies built to be hard on its word-at-a-time string skip
 * (strings of every short length, `"`, `\\`, `#`, `]` and control characters next to quotes, the
 * last `"` near the end of the body, views into larger buffers): every valid PodList body is
 * accepted with each item found exactly and flagged as its parsed value says, and no body that
 * `JSON.parse` rejects, or that is no PodList, is accepted.
 */
import test from 'ava';
import fc from 'fast-check';
import { seededRandom } from '../../sim/timeline/seededRandom.js';
import {
  type PodListScan,
  type ScannedItem,
  type ScanTargets,
  scanPodList,
} from '../../src/core/podListScan.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const encode = (text: string) => new TextEncoder().encode(text);
/** As the agent decodes a body: a byte order mark is kept (and `JSON.parse` rejects it). */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const decode = (bytes: Uint8Array) => utf8.decode(bytes);

const KEYS = ['chaosUID', 'app', 'a.b-c_d', 'example.com/tier'];
const VALUES = ['uid-1', 'c1', '#', 'web'];
const TARGETS: ScanTargets = { keys: KEYS, values: VALUES };

/** Pieces of strings: what ends a plain run, what looks like it, bytes above 0x7f. */
const PIECES = [
  '"',
  '\\',
  '#',
  ']',
  '!',
  ' ',
  '/',
  'a',
  'abcd',
  '\u0000',
  '\u0001',
  '\u001f',
  '\t',
  '\n',
  '\u007f',
  'é',
  '😀',
  '\ud800',
  '\u2028',
  ...KEYS,
  ...VALUES,
];
const text: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...PIECES), { maxLength: 5 })
  .map((parts) => parts.join(''));

const { value: json } = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.constantFrom(null, true, false, 0, -1.5e-7, 123456789),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
}));

/** A PodList body: items, top-level keys in any order, the last `"` somewhere near the end. */
const podList = fc
  .record({
    items: fc.array(json, { maxLength: 5 }),
    kind: fc.boolean(),
    tail: fc.option(text, { nil: undefined }),
    space: fc.constantFrom(undefined, undefined, 1, '\t', '\r\n'),
    newline: fc.boolean(),
    seed: fc.integer(),
  })
  .map(({ items, kind, tail, space, newline, seed }) => {
    const list: { [key: string]: Json } = { apiVersion: 'v1', metadata: {}, items };
    if (kind) list.kind = 'PodList';
    const keys = Object.keys(list);
    const next = seededRandom(seed);
    keys.sort(() => next() - 0.5);
    const ordered: { [key: string]: Json } = {};
    for (const key of keys) ordered[key] = list[key] as Json;
    if (tail !== undefined) ordered.z = tail; // a string value last: the last `"` near the end
    return `${JSON.stringify(ordered, null, space)}${newline ? '\n' : ''}`;
  });

/** The keys (at any depth), string values and escaped keys of a parsed item. */
function expected(item: Json): Omit<ScannedItem, 'start' | 'end'> {
  let keyMask = 0;
  let valueHit = false;
  let escapedKey = false;
  const walk = (v: Json): void => {
    if (typeof v === 'string') {
      if (VALUES.includes(v)) valueHit = true;
    } else if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v !== null && typeof v === 'object') {
      for (const [key, inner] of Object.entries(v)) {
        const index = KEYS.indexOf(key);
        if (index >= 0) keyMask |= 1 << (index % 32);
        // JSON.stringify spells control characters without a short escape, and lone
        // surrogates, with `\u`
        const escapes = JSON.stringify(key).match(/\\(?:u[0-9a-f]{4}|.)/g) ?? [];
        if (escapes.some((spelt) => spelt[1] === 'u')) escapedKey = true;
        walk(inner);
      }
    }
  };
  walk(item);
  return { keyMask, valueHit, escapedKey };
}

/** `body` in a larger buffer at `offset`, with quotes and junk around it. */
function inside(body: Uint8Array, offset: number): Uint8Array {
  const buffer = new Uint8Array(offset + body.length + 7).fill(0x22);
  buffer.set(encode('x"}]\u0000 '), offset + body.length);
  buffer.set(body, offset);
  return buffer.subarray(offset, offset + body.length);
}

test('property: a valid PodList body is accepted, each item found and flagged exactly', (t) => {
  fc.assert(
    fc.property(podList, fc.integer({ min: 0, max: 7 }), (body, offset) => {
      const bytes = encode(body);
      const parsed = JSON.parse(body) as { items: Json[] };
      for (const view of [bytes, inside(bytes, offset), Buffer.from(bytes)]) {
        const result = scanPodList(view, TARGETS);
        if (!result.ok) throw new Error(`rejected (${result.reason}): ${JSON.stringify(body)}`);
        t.deepEqual(
          result.items.map((item) => JSON.parse(decode(view.subarray(item.start, item.end)))),
          parsed.items,
        );
        t.deepEqual(
          result.items.map(({ keyMask, valueHit, escapedKey }) => ({
            keyMask,
            valueHit,
            escapedKey,
          })),
          parsed.items.map(expected),
        );
      }
    }),
    { seed: 20261130, numRuns: 1000 },
  );
});

/** Bytes that end a plain run, look like one, or break a string. */
const EDIT_BYTES = [0x22, 0x5c, 0x23, 0x5d, 0x00, 0x01, 0x1f, 0x09, 0x0a, 0x20, 0x7f, 0x80, 0xff];

/** What `JSON.parse` makes of `bytes` as a PodList: its items, or why the scan must reject it. */
function asPodList(bytes: Uint8Array): Json[] | null | 'invalid' {
  let value: unknown;
  try {
    value = JSON.parse(decode(bytes));
  } catch {
    return 'invalid';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'invalid';
  const list = value as { kind?: unknown; items?: unknown };
  if (list.kind !== undefined && list.kind !== 'PodList') return 'invalid';
  if (list.items === null) return null;
  return Array.isArray(list.items) ? (list.items as Json[]) : 'invalid';
}

test('property: a body JSON.parse rejects, or that is no PodList, is never accepted', (t) => {
  let accepted = 0;
  let rejected = 0;
  fc.assert(
    fc.property(
      podList,
      fc.array(fc.tuple(fc.nat(), fc.constantFrom('truncate', 'replace', 'insert'), fc.nat()), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.integer({ min: 0, max: 7 }),
      (body, edits, offset) => {
        let bytes = encode(body);
        for (const [where, how, which] of edits) {
          const at = where % (bytes.length + 1);
          const byte = EDIT_BYTES[which % EDIT_BYTES.length] as number;
          if (how === 'truncate') bytes = bytes.subarray(0, at);
          else if (how === 'replace' && at < bytes.length) bytes = bytes.with(at, byte);
          else bytes = new Uint8Array([...bytes.subarray(0, at), byte, ...bytes.subarray(at)]);
        }
        const result: PodListScan = scanPodList(bytes, TARGETS);
        t.deepEqual(scanPodList(inside(bytes, offset), TARGETS), result);
        if (!result.ok) {
          rejected++;
          return;
        }
        accepted++;
        const items = asPodList(bytes);
        if (items === 'invalid') throw new Error(`accepted: ${JSON.stringify(decode(bytes))}`);
        t.deepEqual(
          result.items.map((item) => JSON.parse(decode(bytes.subarray(item.start, item.end)))),
          items ?? [],
        );
      },
    ),
    { seed: 20261130, numRuns: 3000 },
  );
  // the edits left some bodies valid, and broke most
  t.true(accepted > 100, `accepted ${accepted}`);
  t.true(rejected > 1500, `rejected ${rejected}`);
});
