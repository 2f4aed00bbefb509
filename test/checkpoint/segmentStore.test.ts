import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { seededRandom } from '../../sim/timeline/seededRandom.js';
import { SegmentStore } from '../../src/checkpoint/segmentStore.js';
import { removeStateDirs, spanRecord, tempStateDir } from '../support/checkpointRecords.js';

const dir = tempStateDir;
test.after.always(removeStateDirs);

const batch = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => spanRecord(`k${from + i}`, from + i));

async function writeBatches(d: string, count: number) {
  const { store } = await SegmentStore.open(d, 'none');
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(await store.write(store.encode(batch(i * 10, 3))));
  return { store, ids };
}

test('segments load in creation order with their spans; bytes are the files', async (t) => {
  const d = dir();
  const { store, ids } = await writeBatches(d, 12);
  t.deepEqual(
    ids,
    Array.from({ length: 12 }, (_, i) => i + 1),
  );
  const onDisk = readdirSync(d).reduce((sum, f) => sum + readFileSync(join(d, f)).length, 0);
  t.is(store.bytes, onDisk);
  const { load, store: again } = await SegmentStore.open(d, 'none');
  t.deepEqual(
    load.segments.map((s) => s.id),
    ids,
  );
  t.deepEqual(load.segments[11]?.spans, batch(110, 3));
  t.is(load.corrupt, 0);
  t.is(again.nextId, 13);
});

test('a removed segment is gone; a written one is never rewritten', async (t) => {
  const d = dir();
  const { store } = await writeBatches(d, 3);
  const before = readFileSync(join(d, readdirSync(d).sort()[2] as string));
  await store.remove(2);
  await store.write(store.encode(batch(500, 2)));
  const names = readdirSync(d).sort();
  t.is(names.length, 3);
  t.deepEqual(readFileSync(join(d, names[1] as string)), before);
  const { load } = await SegmentStore.open(d, 'none');
  t.deepEqual(
    load.segments.map((s) => s.id),
    [1, 3, 4],
  );
});

test('torn and flipped segments at seeded random offsets are dropped and counted, the others kept', async (t) => {
  const random = seededRandom(7);
  for (let round = 0; round < 20; round++) {
    const d = dir();
    await writeBatches(d, 5);
    const names = readdirSync(d).sort();
    const victim = Math.floor(random() * names.length);
    const path = join(d, names[victim] as string);
    const size = readFileSync(path).length;
    if (round % 2 === 0) {
      truncateSync(path, Math.floor(random() * size));
    } else {
      const data = readFileSync(path);
      const at = Math.floor(random() * size);
      data[at] = (data[at] as number) ^ 0x20;
      writeFileSync(path, data);
    }
    const { load } = await SegmentStore.open(d, 'none');
    t.is(load.corrupt, 1);
    t.deepEqual(
      load.segments.map((s) => s.id),
      [1, 2, 3, 4, 5].filter((id) => id !== victim + 1),
    );
    for (const s of load.segments) t.deepEqual(s.spans, batch((s.id - 1) * 10, 3));
    t.is(readdirSync(d).length, 4);
  }
});
