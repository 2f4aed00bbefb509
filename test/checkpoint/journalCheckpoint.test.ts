import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { seededRandom } from '../../sim/timeline/seededRandom.js';
import { JournalCheckpoint } from '../../src/checkpoint/journalCheckpoint.js';
import { SegmentStore } from '../../src/checkpoint/segmentStore.js';
import type { SpanData } from '../../src/core/spanData.js';
import type { PodSnapshot } from '../../src/core/trackerSnapshot.js';
import {
  podRecord,
  removeStateDirs,
  spanRecord,
  tempStateDir,
} from '../support/checkpointRecords.js';
import { FakeTimers } from '../support/fakeTimers.js';

const dir = tempStateDir;
test.after.always(removeStateDirs);

const spans = (poll: number, n: number) =>
  Array.from({ length: n }, (_, i) => spanRecord(`p${poll}/s${i}`, poll * 100 + i));
const byUid = (pods: readonly PodSnapshot[]) =>
  [...pods].sort((a, b) => a.ref.uid.localeCompare(b.ref.uid));
const keys = (list: readonly SpanData[]) => list.map((s) => s.key);
const segmentFiles = (d: string) => readdirSync(d).filter((n) => n.startsWith('segment-'));
const journalFile = (d: string) =>
  join(
    d,
    readdirSync(d)
      .filter((n) => n.startsWith('journal-'))
      .sort()
      .at(-1) as string,
  );

const open = (d: string, options = {}) => JournalCheckpoint.open(d, { sync: 'none', ...options });

test('polls round trip: tracker changes and their spans, segments in creation order', async (t) => {
  const d = dir();
  const { checkpoint, loaded } = await open(d);
  t.deepEqual(loaded.tracker.pods, []);
  t.deepEqual(loaded.pending, []);
  const first = await checkpoint.recordPoll(
    [podRecord('a', 1), podRecord('b', 1)],
    [],
    spans(1, 3),
  );
  const quiet = await checkpoint.recordPoll([podRecord('a', 2)], [], []);
  const third = await checkpoint.recordPoll([podRecord('c', 3)], ['b'], spans(3, 2));
  t.is(quiet.segment, undefined);
  t.deepEqual(first.dropped, []);
  await checkpoint.close();
  const again = await open(d);
  t.deepEqual(byUid(again.loaded.tracker.pods), [podRecord('a', 2), podRecord('c', 3)]);
  t.deepEqual(
    again.loaded.pending.map((p) => p.segment),
    [first.segment, third.segment],
  );
  t.deepEqual(again.loaded.pending[0]?.spans, spans(1, 3));
  t.deepEqual(again.loaded.pending[1]?.spans, spans(3, 2));
  t.is(again.loaded.stats.pendingSpans, 5);
  await again.checkpoint.close();
});

test('a settled segment is deleted; a partly settled one comes back without its settled spans', async (t) => {
  const d = dir();
  const { checkpoint } = await open(d);
  const one = await checkpoint.recordPoll([podRecord('a', 1)], [], spans(1, 3));
  const two = await checkpoint.recordPoll([], [], spans(2, 3));
  const three = await checkpoint.recordPoll([], [], spans(3, 2));
  await checkpoint.settle([...keys(spans(1, 3)), 'p2/s0', 'unknown']);
  await checkpoint.acknowledge(three.segment as number);
  t.is(segmentFiles(d).length, 1);
  await checkpoint.close();
  const again = await open(d);
  t.deepEqual(
    again.loaded.pending.map((p) => [p.segment, keys(p.spans)]),
    [[two.segment, ['p2/s1', 'p2/s2']]],
  );
  t.not(one.segment, two.segment);
  // The rest of the partly settled segment, settled after the restart, deletes it.
  await again.checkpoint.settle(['p2/s1', 'p2/s2']);
  t.is(segmentFiles(d).length, 0);
  await again.checkpoint.close();
});

test('segment ids are never reused, even after the newest segment was settled', async (t) => {
  const d = dir();
  const { checkpoint } = await open(d);
  await checkpoint.recordPoll([], [], spans(1, 1));
  const second = await checkpoint.recordPoll([], [], spans(2, 2));
  await checkpoint.settle(['p2/s0']);
  await checkpoint.acknowledge(second.segment as number);
  await checkpoint.close();
  const again = await open(d);
  const third = await again.checkpoint.recordPoll([], [], spans(3, 1));
  t.true((third.segment as number) > (second.segment as number));
  await again.checkpoint.close();
  const last = await open(d);
  t.deepEqual(
    last.loaded.pending.map((p) => keys(p.spans)),
    [['p1/s0'], ['p3/s0']],
  );
  await last.checkpoint.close();
});

test('a segment whose journal record was torn off is uncommitted: deleted with its tracker change', async (t) => {
  const d = dir();
  const { checkpoint } = await open(d);
  await checkpoint.recordPoll([podRecord('a', 1)], [], spans(1, 2));
  await checkpoint.recordPoll([podRecord('a', 2), podRecord('b', 2)], [], spans(2, 2));
  await checkpoint.close();
  const path = journalFile(d);
  truncateSync(path, readFileSync(path).length - 5);
  const again = await open(d);
  t.deepEqual(again.loaded.tracker.pods, [podRecord('a', 1)]);
  t.deepEqual(
    again.loaded.pending.map((p) => keys(p.spans)),
    [['p1/s0', 'p1/s1']],
  );
  t.is(again.loaded.stats.uncommittedSegments, 1);
  t.true(again.loaded.stats.tornTailBytes > 0);
  t.is(segmentFiles(d).length, 1);
  await again.checkpoint.close();
});

test('a segment written by a crashed poll before its record is deleted at open', async (t) => {
  const d = dir();
  const { checkpoint } = await open(d);
  await checkpoint.recordPoll([podRecord('a', 1)], [], spans(1, 2));
  await checkpoint.close();
  const { store } = await SegmentStore.open(d, 'none');
  await store.write(store.encode(spans(2, 4)));
  const again = await open(d);
  t.is(again.loaded.stats.uncommittedSegments, 1);
  t.deepEqual(
    again.loaded.pending.map((p) => keys(p.spans)),
    [['p1/s0', 'p1/s1']],
  );
  await again.checkpoint.close();
});

test('a damaged segment is dropped and counted; the others and the tracker are kept', async (t) => {
  const d = dir();
  const { checkpoint } = await open(d);
  for (let poll = 1; poll <= 4; poll++) {
    await checkpoint.recordPoll([podRecord(`u${poll}`, poll)], [], spans(poll, 2));
  }
  await checkpoint.close();
  const victim = join(d, segmentFiles(d).sort()[1] as string);
  const data = readFileSync(victim);
  data.writeUInt8(data.readUInt8(data.length - 3) ^ 0x40, data.length - 3);
  writeFileSync(victim, data);
  const again = await open(d);
  t.is(again.loaded.stats.corruptSegments, 1);
  t.deepEqual(
    again.loaded.pending.map((p) => keys(p.spans)[0]),
    ['p1/s0', 'p3/s0', 'p4/s0'],
  );
  t.is(again.loaded.tracker.pods.length, 4);
  await again.checkpoint.close();
});

test('compaction keeps tracker, pending spans and partly settled keys', async (t) => {
  const d = dir();
  const timers = new FakeTimers();
  const { checkpoint } = await open(d, {
    compactMinBytes: 1,
    compactRatio: 0,
    timers,
    chunkPods: 3,
  });
  for (let poll = 1; poll <= 30; poll++) {
    await checkpoint.recordPoll(
      [podRecord(`u${poll % 7}`, poll)],
      poll % 10 === 0 ? ['u0'] : [],
      spans(poll, 2),
    );
  }
  await checkpoint.settle(['p5/s0', ...keys(spans(6, 2))]);
  t.true(checkpoint.compactionDue);
  t.true(await checkpoint.compactIfNeeded());
  t.is(checkpoint.stats.compactions, 1);
  t.is(checkpoint.stats.lastCompactionAt, timers.now());
  await checkpoint.recordPoll([podRecord('late', 31)], [], spans(31, 1));
  await checkpoint.close();
  const again = await open(d);
  const expectedPods = new Map<string, PodSnapshot>();
  for (let poll = 1; poll <= 30; poll++) {
    expectedPods.set(`u${poll % 7}`, podRecord(`u${poll % 7}`, poll));
    if (poll % 10 === 0) expectedPods.delete('u0');
  }
  expectedPods.set('late', podRecord('late', 31));
  t.deepEqual(byUid(again.loaded.tracker.pods), byUid([...expectedPods.values()]));
  const pending = again.loaded.pending.flatMap((p) => keys(p.spans));
  const expected = Array.from({ length: 31 }, (_, i) => i + 1)
    .filter((poll) => poll !== 6)
    .flatMap((poll) => keys(spans(poll, poll === 31 ? 1 : 2)))
    .filter((key) => key !== 'p5/s0');
  t.deepEqual(pending, expected);
  t.is(again.loaded.stats.snapshotPods, expectedPods.size - 1);
  await again.checkpoint.close();
});

test('the bound reached during a long outage: oldest segments dropped and counted, nothing else lost', async (t) => {
  const d = dir();
  const maxBytes = 96 * 1024;
  const random = seededRandom(21);
  const { checkpoint } = await open(d, { maxBytes, compactMinBytes: 4096, chunkPods: 5 });
  const dropped = new Set<string>();
  const written: string[] = [];
  const model = new Map<string, PodSnapshot>();
  for (let poll = 1; poll <= 400; poll++) {
    const pod = podRecord(`u${Math.floor(random() * 40)}`, poll);
    model.set(pod.ref.uid, pod);
    const batch = spans(poll, 1 + Math.floor(random() * 4));
    written.push(...keys(batch));
    const result = await checkpoint.recordPoll([pod], [], batch);
    for (const segment of result.dropped) for (const key of segment.keys) dropped.add(key);
    if (poll % 25 === 0) await checkpoint.compactIfNeeded();
  }
  const stats = checkpoint.stats;
  t.true(dropped.size > 0);
  t.is(stats.droppedSpans, dropped.size);
  t.true(stats.droppedSegments > 0);
  t.true(stats.compactions > 0);
  t.is(stats.overBudget, 0);
  t.true(stats.peakBytes <= maxBytes, `peak ${stats.peakBytes}`);
  await checkpoint.close();
  const again = await open(d);
  t.deepEqual(
    again.loaded.pending.flatMap((p) => keys(p.spans)),
    written.filter((key) => !dropped.has(key)),
  );
  t.deepEqual(byUid(again.loaded.tracker.pods), byUid([...model.values()]));
  await again.checkpoint.close();
});
