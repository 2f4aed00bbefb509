/**
 * The agent's side of the journal checkpoint: a real tracker's changes and spans recorded poll
 * after poll come back whole; a failed record's change is written with the next; what the old
 * whole-state checkpoint promised still holds (an unusable directory is a reason, not a crash;
 * damaged files are dropped, not fatal).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { AgentCheckpoint, type CheckpointResume } from '../../src/checkpoint/agentCheckpoint.js';
import type { SpanData } from '../../src/core/spanData.js';
import { compareTime } from '../../src/core/time.js';
import type { PodSnapshot } from '../../src/core/trackerSnapshot.js';
import {
  podRecord,
  removeStateDirs,
  spanRecord,
  tempStateDir,
} from '../support/checkpointRecords.js';
import {
  newTracker,
  pod,
  running,
  scheduledConds,
  tAt,
  terminated,
} from '../support/trackerInput.js';

test.after.always(removeStateDirs);

const open = async (dir: string, maxBytes?: number) => {
  const failures: unknown[] = [];
  const opened = await AgentCheckpoint.open(dir, {
    sync: 'none',
    ...(maxBytes ? { maxBytes } : {}),
    onWriteFailed: (error) => failures.push(error),
  });
  if (!opened.ok) throw new Error(opened.reason);
  return { ...opened, failures };
};
const byUid = (pods: readonly PodSnapshot[]) =>
  JSON.parse(JSON.stringify([...pods].sort((a, b) => a.ref.uid.localeCompare(b.ref.uid))));
const keys = (spans: readonly SpanData[]) => spans.map((s) => s.key);

const helper = (uid: string, state: 'running' | 'done') =>
  pod({
    uid,
    name: `helper-${uid}`,
    phase: state === 'done' ? 'Succeeded' : 'Running',
    conditions: scheduledConds,
    containers: [
      state === 'running'
        ? { state: running(4), containerID: `containerd://${uid}` }
        : { state: terminated(4, 9, 0, 'Completed', `containerd://${uid}`) },
    ],
  });

test("a tracker's changes and spans, recorded poll after poll, resume whole; settled spans stay out", async (t) => {
  const dir = tempStateDir();
  const { checkpoint, resume } = await open(dir);
  t.deepEqual(resume.tracker.pods, []);
  t.deepEqual(resume.pending, []);
  t.is(resume.lastPollAt, undefined);
  const tracker = newTracker({ goneAfterMs: 1000 });
  const frames = [
    [helper('a', 'running'), helper('b', 'running')],
    [helper('a', 'done'), helper('b', 'running')],
    [helper('b', 'running')],
    [helper('b', 'done')],
    [helper('b', 'done')],
  ];
  const built: SpanData[] = [];
  let second = 10;
  for (const frame of frames) {
    const { spans } = tracker.observe(frame, tAt(second));
    second += 2;
    built.push(...spans);
    t.deepEqual(await checkpoint.recordPoll(tracker.takeChanges(), spans), []);
  }
  t.true(built.length >= 4, `${built.length} spans built`);
  // the first two spans acknowledged
  await checkpoint.settle(built.slice(0, 2));
  await checkpoint.close();

  const again = await open(dir);
  t.deepEqual(byUid(again.resume.tracker.pods), byUid(tracker.snapshot().pods));
  t.deepEqual(keys(again.resume.pending), keys(built.slice(2)));
  // about when it was last written: the file times (the polls' times lie in the past)
  const last = again.resume.lastPollAt;
  t.true(last !== undefined && compareTime(last, tAt(second - 4)) >= 0);
  t.true(last !== undefined && Math.abs(last[0] - Date.now() / 1000) < 60, String(last));
  t.deepEqual(again.failures, []);
  await again.checkpoint.close();
});

test('a failed record is reported and its tracker change written with the next one', async (t) => {
  const dir = tempStateDir();
  const { checkpoint, failures } = await open(dir);
  await checkpoint.recordPoll({ pods: [podRecord('a', 1)], removed: [] }, [spanRecord('s0', 0)]);
  // the next segment's file name taken: its write fails (exclusive create)
  const taken = readdirSync(dir).find((n) => n.startsWith('segment-')) as string;
  const next = taken.replace(/\d{16}/, (id) => String(Number(id) + 1).padStart(16, '0'));
  writeFileSync(join(dir, next), 'in the way');
  const dropped = await checkpoint.recordPoll({ pods: [podRecord('b', 2)], removed: ['a'] }, [
    spanRecord('s1', 1),
  ]);
  t.deepEqual(dropped, []);
  t.is(failures.length, 1);
  t.true(checkpoint.behind);
  // the next record carries the failed change; a newer change of the same pod wins
  await checkpoint.recordPoll({ pods: [podRecord('c', 3)], removed: [] }, []);
  t.false(checkpoint.behind);
  await checkpoint.close();
  const again = await open(dir);
  t.deepEqual(again.resume.tracker.pods.map((p) => p.ref.uid).sort(), ['b', 'c']);
  // the failed record's spans were never on disk; the junk file is not a segment of ours
  t.deepEqual(keys(again.resume.pending), ['s0']);
  await again.checkpoint.close();
});

test('an unwritable state directory is a reason to run without, not a crash', async (t) => {
  const dir = tempStateDir();
  const file = join(dir, 'not-a-dir');
  writeFileSync(file, 'x');
  const opened = await AgentCheckpoint.open(join(file, 'state'), { sync: 'none' });
  t.false(opened.ok);
  if (!opened.ok) t.regex(opened.reason, /ENOTDIR|EEXIST/);
});

test('garbage in every file: opened, the damage counted, nothing invented', async (t) => {
  const dir = tempStateDir();
  const { checkpoint } = await open(dir);
  await checkpoint.recordPoll({ pods: [podRecord('a', 1)], removed: [] }, [spanRecord('s0', 0)]);
  await checkpoint.close();
  for (const name of readdirSync(dir)) writeFileSync(join(dir, name), 'garbage, not a checkpoint');
  const again = await open(dir);
  const resume: CheckpointResume = again.resume;
  t.deepEqual(resume.tracker.pods, []);
  t.deepEqual(resume.pending, []);
  t.true(
    resume.stats.tornTailBytes + resume.stats.damagedRegions + resume.stats.corruptSegments > 0,
    JSON.stringify(resume.stats),
  );
  // and it works from there
  await again.checkpoint.recordPoll({ pods: [podRecord('b', 2)], removed: [] }, []);
  await again.checkpoint.close();
  const third = await open(dir);
  t.deepEqual(
    third.resume.tracker.pods.map((p) => p.ref.uid),
    ['b'],
  );
  await third.checkpoint.close();
});

test('the bound hit: the keys of the oldest pending spans come back to be dropped from the queue', async (t) => {
  const dir = tempStateDir();
  const { checkpoint } = await open(dir, 16 * 1024);
  const dropped: string[] = [];
  const written: string[] = [];
  for (let poll = 0; poll < 60; poll++) {
    const spans = [0, 1, 2].map((i) => spanRecord(`p${poll}/s${i}`, poll * 10 + i));
    written.push(...keys(spans));
    dropped.push(
      ...(await checkpoint.recordPoll({ pods: [podRecord('a', poll)], removed: [] }, spans)),
    );
  }
  t.true(dropped.length > 0);
  // the oldest, in order
  t.deepEqual(dropped, written.slice(0, dropped.length));
  t.is(checkpoint.stats.droppedSpans, dropped.length);
  await checkpoint.close();
  const again = await open(dir);
  t.deepEqual(keys(again.resume.pending), written.slice(dropped.length));
  await again.checkpoint.close();
});

test('a well-formed segment holding an invalid span id is dropped, not exported', async (t) => {
  const dir = tempStateDir();
  const { checkpoint } = await open(dir);
  await checkpoint.recordPoll({ pods: [podRecord('a', 1)], removed: [] }, [
    { ...spanRecord('bad', 0), spanId: '0000000000000000' },
  ]);
  await checkpoint.recordPoll({ pods: [], removed: [] }, [spanRecord('good', 1)]);
  await checkpoint.close();
  const again = await open(dir);
  t.deepEqual(keys(again.resume.pending), ['good']);
  t.is(again.resume.stats.corruptSegments, 1);
  t.deepEqual(
    again.resume.tracker.pods.map((p) => p.ref.uid),
    ['a'],
  );
  await again.checkpoint.close();
});
