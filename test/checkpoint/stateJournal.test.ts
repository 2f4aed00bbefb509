import {
  copyFileSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { type SeededRandom, seededRandom } from '../../sim/timeline/seededRandom.js';
import { encodeJsonFrame } from '../../src/checkpoint/recordFrame.js';
import {
  type JournalRecord,
  SNAPSHOT_FILE,
  StateJournal,
} from '../../src/checkpoint/stateJournal.js';
import type { PodSnapshot } from '../../src/core/trackerSnapshot.js';
import { podRecord, removeStateDirs, tempStateDir } from '../support/checkpointRecords.js';

const dir = tempStateDir;
test.after.always(removeStateDirs);

/** Random upserts (versions = record number) and tombstones over a pool of uids. */
function records(random: SeededRandom, count: number, from = 0): JournalRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const uid = () => `uid-${Math.floor(random() * 30)}`;
    if (random() < 0.2) return { pods: [], removed: [uid()] };
    const pods = Array.from({ length: 1 + Math.floor(random() * 3) }, () => podRecord(uid(), n));
    return { pods, removed: random() < 0.1 ? [uid()] : [] };
  });
}

function replayModel(list: readonly JournalRecord[], base = new Map<string, PodSnapshot>()) {
  const pods = new Map(base);
  for (const r of list) {
    for (const p of r.pods) pods.set(p.ref.uid, p);
    for (const uid of r.removed) pods.delete(uid);
  }
  return pods;
}

const sorted = (pods: ReadonlyMap<string, PodSnapshot>) =>
  [...pods.entries()].sort(([a], [b]) => a.localeCompare(b));

async function write(d: string, list: readonly JournalRecord[]) {
  const { journal } = await StateJournal.open(d, { sync: 'none' });
  for (const r of list) await journal.append(r);
  await journal.close();
}

const journalFile = (d: string) =>
  join(
    d,
    readdirSync(d)
      .filter((n) => n.startsWith('journal-'))
      .sort()
      .at(-1) as string,
  );

test('upserts and tombstones replay: last record per uid wins, tombstones remove', async (t) => {
  const d = dir();
  const list = records(seededRandom(1), 200);
  await write(d, list);
  const { journal, replay } = await StateJournal.open(d, { sync: 'none' });
  t.deepEqual(sorted(replay.pods), sorted(replayModel(list)));
  t.is(replay.stats.records, 200);
  t.is(replay.stats.tornTailBytes, 0);
  t.deepEqual(sorted(journal.pods), sorted(replayModel(list)));
  await journal.close();
});

test('a torn tail at seeded random offsets is cut and counted: the state up to the last intact record', async (t) => {
  const random = seededRandom(2);
  for (let round = 0; round < 25; round++) {
    const d = dir();
    const list = records(random, 40);
    await write(d, list);
    const path = journalFile(d);
    const full = readFileSync(path);
    const ends: number[] = [];
    for (let i = 0, at = 0; i < list.length; i++) {
      at += encodeJsonFrame(list[i]).length;
      ends.push(at);
    }
    const cut = Math.floor(random() * full.length);
    truncateSync(path, cut);
    const intact = ends.filter((e) => e <= cut).length;
    const { journal, replay } = await StateJournal.open(d, { sync: 'none' });
    t.deepEqual(sorted(replay.pods), sorted(replayModel(list.slice(0, intact))), `cut ${cut}`);
    t.is(replay.stats.records, intact);
    t.is(replay.stats.tornTailBytes, cut - (ends[intact - 1] ?? 0));
    // Appends after a cut tail land right after the last intact record.
    await journal.append({ pods: [podRecord('after', 1)], removed: [] });
    await journal.close();
    const again = await StateJournal.open(d, { sync: 'none' });
    t.is(again.replay.stats.tornTailBytes, 0);
    t.is(again.replay.stats.records, intact + 1);
    t.deepEqual(again.replay.pods.get('after'), podRecord('after', 1));
    await again.journal.close();
  }
});

test('a flipped byte in the middle drops only the damaged record, nothing invented', async (t) => {
  const random = seededRandom(3);
  for (let round = 0; round < 40; round++) {
    const d = dir();
    const list = records(random, 30);
    await write(d, list);
    const path = journalFile(d);
    const data = readFileSync(path);
    const at = Math.floor(random() * data.length);
    data[at] = (data[at] as number) ^ (1 + Math.floor(random() * 255));
    writeFileSync(path, data);
    let end = 0;
    const hit = list.findIndex((r) => {
      end += encodeJsonFrame(r).length;
      return at < end;
    });
    const { journal, replay } = await StateJournal.open(d, { sync: 'none' });
    const expected = replayModel(list.filter((_, i) => i !== hit));
    t.deepEqual(sorted(replay.pods), sorted(expected), `flip at ${at} (record ${hit})`);
    t.is(replay.stats.records, list.length - 1);
    if (hit === list.length - 1) t.true(replay.stats.tornTailBytes > 0);
    else t.is(replay.stats.damagedRegions, 1);
    await journal.close();
  }
});

test('compaction keeps only live pods in the snapshot and deletes the journal it covers', async (t) => {
  const d = dir();
  const list = records(seededRandom(4), 300);
  const { journal } = await StateJournal.open(d, { sync: 'none', chunkPods: 4 });
  for (const r of list) await journal.append(r);
  const journalBefore = journal.journalBytes;
  await journal.compact(() => ({ segmentsThrough: 9, settled: [{ segment: 9, keys: ['a'] }] }));
  t.is(journal.journalBytes, 0);
  t.true(journal.snapshotBytes > 0 && journal.snapshotBytes < journalBefore);
  t.is(journal.tempBytes, 0);
  await journal.close();
  t.deepEqual(readdirSync(d).sort(), [SNAPSHOT_FILE, 'journal-0000000000000001.log'].sort());
  const { journal: again, replay } = await StateJournal.open(d, { sync: 'none' });
  t.deepEqual(sorted(replay.pods), sorted(replayModel(list)));
  t.is(replay.stats.snapshotPods, replayModel(list).size);
  t.is(replay.stats.records, 0);
  t.is(replay.meta.segmentsThrough, 9);
  t.deepEqual(replay.settled.get(9), new Set(['a']));
  await again.close();
});

test('compaction under load: appends interleaved with a chunked compaction replay equal', async (t) => {
  const random = seededRandom(5);
  const d = dir();
  const { journal } = await StateJournal.open(d, { sync: 'none', chunkPods: 2 });
  const all = records(random, 600);
  for (const r of all.slice(0, 200)) await journal.append(r);
  const appends: Promise<number>[] = [];
  for (const [i, r] of all.slice(200).entries()) {
    appends.push(journal.append(r));
    if (i % 97 === 0) {
      void journal.compact(() => ({ segmentsThrough: -1, settled: [] }));
    }
    if (i % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(appends);
  await journal.close();
  const { journal: again, replay } = await StateJournal.open(d, { sync: 'none' });
  t.deepEqual(sorted(replay.pods), sorted(replayModel(all)));
  // A compaction ran during the appends: part of them is in the snapshot, the rest replayed.
  t.true(replay.stats.snapshotPods > 0);
  t.true(replay.stats.records < 400);
  await again.close();
});

test('a journal left behind by a crash after the snapshot rename replays to the same state', async (t) => {
  const d = dir();
  const list = records(seededRandom(6), 100);
  await write(d, list);
  const kept = join(d, 'kept.bak');
  copyFileSync(journalFile(d), kept);
  const { journal } = await StateJournal.open(d, { sync: 'none' });
  await journal.compact(() => ({ segmentsThrough: -1, settled: [] }));
  await journal.close();
  copyFileSync(kept, join(d, 'journal-0000000000000000.log'));
  rmSync(kept);
  const { journal: again, replay } = await StateJournal.open(d, { sync: 'none' });
  t.deepEqual(sorted(replay.pods), sorted(replayModel(list)));
  // It is covered by the snapshot: deleted, not replayed.
  t.is(replay.stats.records, 0);
  t.false(readdirSync(d).includes('journal-0000000000000000.log'));
  await again.close();
});

test('a damaged snapshot chunk loses only its pods and is counted', async (t) => {
  const d = dir();
  const list = Array.from({ length: 40 }, (_, i) => ({
    pods: [podRecord(`p${i}`, i)],
    removed: [],
  }));
  const { journal } = await StateJournal.open(d, { sync: 'none', chunkPods: 10 });
  for (const r of list) await journal.append(r);
  await journal.compact(() => ({ segmentsThrough: 3, settled: [] }));
  await journal.close();
  const path = join(d, SNAPSHOT_FILE);
  const data = readFileSync(path);
  const at = Math.floor(data.length * 0.6);
  data.writeUInt8(data.readUInt8(at) ^ 0x01, at);
  writeFileSync(path, data);
  const { journal: again, replay } = await StateJournal.open(d, { sync: 'none' });
  t.is(replay.pods.size, 30);
  t.is(replay.stats.damagedRegions, 1);
  for (const [uid, pod] of replay.pods) t.deepEqual(pod, podRecord(uid, Number(uid.slice(1))));
  t.is(replay.meta.segmentsThrough, 3);
  await again.close();
});
