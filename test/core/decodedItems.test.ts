/**
 * The memo of decoded candidates: a poll parses only the items whose bytes changed since the last
 * poll, and gets the same selection as parsing them all.
 */
import test from 'ava';
import { buildPod, podListBody, type RawObject, unrelatedPod } from '../../sim/podBuilder.js';
import { seededRandom } from '../../sim/timeline/seededRandom.js';
import { DecodedItems, DecodedItemsBuilder } from '../../src/core/decodedItems.js';
import { parseLabelSelector } from '../../src/core/labelSelector.js';
import {
  type PodListSelectionOptions,
  selectFromPodList,
} from '../../src/core/selectFromPodList.js';

const T0 = '2026-11-23T10:00:00Z';
const encode = (text: string) => new TextEncoder().encode(text);

function options(more: Partial<PodListSelectionOptions> = {}): PodListSelectionOptions {
  const parsed = parseLabelSelector('chaosUID');
  if (!parsed.ok) throw new Error(parsed.error);
  return {
    selectors: [parsed.selector],
    namespaces: undefined,
    envNames: ['TRACEPARENT', 'TRACE_PARENT'],
    trackedUids: [],
    ...more,
  };
}

const helper = (name: string, state: 'running' | 'terminated' = 'running'): RawObject =>
  buildPod({
    name,
    namespace: 'litmus',
    labels: { chaosUID: 'c1' },
    creationTimestamp: T0,
    phase: 'Running',
    containers: [
      state === 'running'
        ? { name: 'main', state: 'running' }
        : { name: 'main', state: 'terminated', exitCode: 0 },
    ],
  });

/** `pods` in a fresh order per call, as a kubelet lists them. */
function shuffled(pods: readonly RawObject[], seed: number): Uint8Array {
  const next = seededRandom(seed);
  const copy = [...pods];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as RawObject, copy[i] as RawObject];
  }
  return encode(podListBody(copy));
}

function select(body: Uint8Array, opts: PodListSelectionOptions) {
  const result = selectFromPodList(body, opts);
  if (!result.ok) throw result.error;
  return result;
}

const names = (pods: readonly { name: string }[]) => pods.map((p) => p.name).sort();

test('an unchanged item is not parsed again, whatever its place in the list', (t) => {
  const pods = [
    ...Array.from({ length: 40 }, (_, i) => unrelatedPod(i, 'w')),
    helper('a'),
    helper('b'),
    helper('c'),
  ];
  const first = select(shuffled(pods, 1), options());
  t.is(first.decoded, 3);
  t.is(first.reused, 0);
  t.is(first.memo.size, 3);
  const second = select(shuffled(pods, 2), options({ previous: first.memo }));
  t.is(second.decoded, 0);
  t.is(second.reused, 3);
  t.deepEqual(names(second.selected), ['a', 'b', 'c']);
  // the same decoded values as a poll without memo
  const plain = select(shuffled(pods, 2), options());
  t.deepEqual(second.selected, plain.selected);
});

test('a changed item is parsed again and its new state is what is selected', (t) => {
  const before = [unrelatedPod(1, 'w'), helper('a'), helper('b')];
  const first = select(shuffled(before, 3), options());
  const after = [unrelatedPod(1, 'w'), helper('a', 'terminated'), helper('b')];
  const second = select(shuffled(after, 4), options({ previous: first.memo }));
  t.is(second.decoded, 1);
  t.is(second.reused, 1);
  const a = second.selected.find((p) => p.name === 'a');
  t.truthy(a?.containerStatuses[0]?.state.terminated);
  t.deepEqual(second.selected, select(shuffled(after, 4), options()).selected);
});

test('only the last poll is remembered: a pod gone from the list is forgotten', (t) => {
  const first = select(encode(podListBody([helper('a'), helper('b')])), options());
  t.is(first.memo.size, 2);
  const second = select(encode(podListBody([helper('b')])), options({ previous: first.memo }));
  t.is(second.memo.size, 1);
  const third = select(
    encode(podListBody([helper('a'), helper('b')])),
    options({ previous: second.memo }),
  );
  t.is(third.decoded, 1, 'a was forgotten, so it is parsed again');
  t.is(third.reused, 1);
});

test('a reused malformed item is reported at its index in the new body', (t) => {
  const bad = helper('bad');
  (bad.metadata as RawObject).uid = 42;
  const first = select(encode(podListBody([bad, unrelatedPod(1, 'w'), helper('ok')])), options());
  t.is(first.malformed[0]?.index, 0);
  const second = select(
    encode(podListBody([unrelatedPod(1, 'w'), helper('ok'), bad])),
    options({ previous: first.memo }),
  );
  t.is(second.reused, 2);
  t.deepEqual(second.malformed, [{ ...first.malformed[0], index: 2 }]);
});

test('a whole-body parse leaves no memo; nothing selected leaves none either', (t) => {
  const body = encode(` ${podListBody([helper('a')]).replace('"items"', '"\\u0069tems"')}`);
  const full = select(body, options());
  t.is(full.fullParse, 'ambiguous');
  t.is(full.memo, DecodedItems.EMPTY);
  const idle = select(encode(podListBody([unrelatedPod(1, 'w')])), options());
  t.is(idle.memo.size, 0);
});

test('the memo holds copies: the body buffer may be reused for the next fetch', (t) => {
  const text = podListBody([helper('a')]);
  const body = Buffer.from(text);
  const first = select(body, options());
  body.fill(0x20); // the transport's reused buffer, overwritten by the next response
  const again = Buffer.from(text);
  const second = select(again, options({ previous: first.memo }));
  t.is(second.reused, 1);
  t.deepEqual(names(second.selected), ['a']);
});

test('the builder keeps one copy of an item listed twice; find matches bytes exactly', (t) => {
  const bytes = encode('{"a":1}{"a":1}{"a":2}');
  const builder = new DecodedItemsBuilder();
  const outcome = { malformed: { error: 'x' } };
  builder.add(bytes, 0, 7, outcome);
  builder.add(bytes, 7, 14, outcome);
  const memo = builder.build();
  t.is(memo.size, 1);
  t.is(memo.find(bytes, 7, 14), outcome);
  t.is(memo.find(bytes, 14, 21), undefined, 'same length, other bytes');
  t.is(memo.find(bytes, 0, 6), undefined, 'other length');
});
