import test from 'ava';
import { seededRandom } from '../../sim/timeline/seededRandom.js';
import {
  decodeFrames,
  encodeFrame,
  encodeJsonFrame,
  FRAME_HEADER_BYTES,
  parseJsonPayload,
} from '../../src/checkpoint/recordFrame.js';

const payloads = Array.from({ length: 20 }, (_, i) =>
  Buffer.from(JSON.stringify({ n: i, text: 'x'.repeat(i * 7) })),
);
const joined = Buffer.concat(payloads.map(encodeFrame));
const starts = [0];
for (const [i, p] of payloads.entries()) {
  starts.push((starts[i] as number) + FRAME_HEADER_BYTES + p.length);
}

test('frames round trip in order, clean end', (t) => {
  const d = decodeFrames(joined);
  t.deepEqual(
    d.payloads.map((p) => p.toString()),
    payloads.map((p) => p.toString()),
  );
  t.is(d.tailBytes, 0);
  t.is(d.damagedRegions, 0);
  t.is(d.intactEnd, joined.length);
});

test('an empty buffer holds no record', (t) => {
  t.deepEqual(decodeFrames(Buffer.alloc(0)), {
    payloads: [],
    damagedRegions: 0,
    tailBytes: 0,
    intactEnd: 0,
  });
});

test('a torn tail at any offset keeps exactly the records before it', (t) => {
  for (let cut = 0; cut < joined.length; cut++) {
    const d = decodeFrames(joined.subarray(0, cut));
    const whole = starts.filter((s, i) => i > 0 && s <= cut).length;
    t.is(d.payloads.length, whole, `cut at ${cut}`);
    t.is(d.intactEnd, starts[whole] as number);
    t.is(d.tailBytes, cut - (starts[whole] as number));
  }
});

test('a flipped byte at seeded random offsets drops only the record holding it', (t) => {
  const random = seededRandom(12);
  for (let round = 0; round < 300; round++) {
    const offset = Math.floor(random() * joined.length);
    const damaged = Buffer.from(joined);
    damaged[offset] = (damaged[offset] as number) ^ (1 + Math.floor(random() * 255));
    const hit = starts.findIndex((s, i) => offset >= s && offset < (starts[i + 1] ?? Infinity));
    const expected = payloads.filter((_, i) => i !== hit).map((p) => p.toString());
    const d = decodeFrames(damaged);
    t.deepEqual(
      d.payloads.map((p) => p.toString()),
      expected,
      `offset ${offset}`,
    );
    if (hit === payloads.length - 1) t.true(d.tailBytes > 0);
    else t.is(d.damagedRegions, 1);
  }
});

test('JSON frames round trip compressed; garbage between records is skipped', (t) => {
  const value = { a: 1, s: 'ÿ\u0000', long: 'pod '.repeat(500) };
  const a = encodeJsonFrame(value);
  t.true(a.length < JSON.stringify(value).length / 4);
  const b = encodeJsonFrame({ b: 2 });
  const d = decodeFrames(Buffer.concat([a, Buffer.from('garbage bytes'), b]));
  t.deepEqual(d.payloads.map(parseJsonPayload), [value, { b: 2 }]);
  t.is(d.damagedRegions, 1);
});

test('a payload that is not deflated JSON parses as undefined', (t) => {
  t.is(parseJsonPayload(Buffer.from('{"plain": true}')), undefined);
});
