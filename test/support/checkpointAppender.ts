/**
 * Child process of the SIGKILL recovery test: opens the journal checkpoint in `argv[2]` and records
 * polls from index `argv[3]` on, forever, compacting whenever due, until it is killed. Each line on
 * stdout is written (synchronously) only after the operation it names resolved:
 *
 * - `ok <i>`: the poll `i` (pod `c<i % 50>` at version `i`, spans `i<i>/a`, `i<i>/b`) is recorded;
 * - `ack <i>`: every span of poll `i` is settled (acknowledged);
 * - `settled <key>`: that one span is settled.
 *
 * Run with `node --import tsx test/support/checkpointAppender.ts DIR START`.
 */
import { writeSync } from 'node:fs';
import { JournalCheckpoint } from '../../src/checkpoint/journalCheckpoint.js';
import { podRecord, spanRecord } from './checkpointRecords.js';

const [dir, startText] = process.argv.slice(2);
if (!dir || !startText) throw new Error('usage: checkpointAppender DIR START');
const start = Number(startText);
const say = (line: string) => writeSync(1, `${line}\n`);

const { checkpoint } = await JournalCheckpoint.open(dir, {
  compactMinBytes: 64 * 1024,
  compactRatio: 0,
  chunkPods: 200,
});
const segments = new Map<number, number>();
const acked = new Set<number>();
say('ready');
for (let i = start; ; i++) {
  const spans = [spanRecord(`i${i}/a`, i * 2), spanRecord(`i${i}/b`, i * 2 + 1)];
  const { segment } = await checkpoint.recordPoll([podRecord(`c${i % 50}`, i)], [], spans);
  if (segment !== undefined) segments.set(i, segment);
  say(`ok ${i}`);
  void checkpoint.compactIfNeeded();
  const old = i - 4;
  const oldSegment = segments.get(old);
  if (i % 3 === 0 && oldSegment !== undefined) {
    await checkpoint.acknowledge(oldSegment);
    acked.add(old);
    say(`ack ${old}`);
  }
  if (i % 5 === 0 && segments.has(i - 2) && !acked.has(i - 2)) {
    await checkpoint.settle([`i${i - 2}/a`]);
    say(`settled i${i - 2}/a`);
  }
}
