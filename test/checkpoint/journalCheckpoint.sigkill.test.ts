import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { seededRandom } from '../../sim/timeline/seededRandom.js';
import { JournalCheckpoint } from '../../src/checkpoint/journalCheckpoint.js';
import type { SpanData } from '../../src/core/spanData.js';
import { podRecord, spanRecord, tempStateDir } from '../support/checkpointRecords.js';

const APPENDER = fileURLToPath(new URL('../support/checkpointAppender.ts', import.meta.url));
const PRELOAD_PODS = 5000;
const PRELOAD_SPANS = 15_000;

/** Runs the appender from `start` and SIGKILLs it once it has reported `killAfter` recorded polls. */
function runUntilKilled(dir: string, start: number, killAfter: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', APPENDER, dir, String(start)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let partial = '';
    let stderr = '';
    let oks = 0;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (line.startsWith('ok ') && ++oks === killAfter) child.kill('SIGKILL');
      }
    });
    // 'close': after the last stdout bytes were read, not just after the exit.
    child.once('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(lines);
      else reject(new Error(`appender exited with ${code}: ${stderr}`));
    });
  });
}

test('SIGKILL at seeded random points during an outage (5000 pods, 15 000 pending spans): 0 lost, duplicates only for records in flight', async (t) => {
  const dir = tempStateDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // The outage: 5000 tracked pods and 15 000 spans waiting for the collector.
  const preloadKeys: string[] = [];
  {
    const { checkpoint } = await JournalCheckpoint.open(dir, { sync: 'none' });
    for (let n = 0; n < PRELOAD_PODS / 50; n++) {
      const pods = Array.from({ length: 50 }, (_, i) => podRecord(`pre-${n * 50 + i}`, 0));
      const spans: SpanData[] = Array.from({ length: PRELOAD_SPANS / 100 }, (_, i) =>
        spanRecord(`pre/${n}/${i}`, 1_000_000 + n * 1000 + i),
      );
      preloadKeys.push(...spans.map((s) => s.key));
      await checkpoint.recordPoll(pods, [], spans);
    }
    await checkpoint.close();
  }
  // Kill points repeat for a seed; CHECKPOINT_SIGKILL_SEED replays or varies them.
  const random = seededRandom(Number(process.env.CHECKPOINT_SIGKILL_SEED ?? 20261129));
  /** Spans recorded and not acknowledged (must be pending), and acknowledged ones (must not). */
  const mustBePending = new Set(preloadKeys);
  const mustBeGone = new Set<string>();
  const latest = new Map<string, number>();
  let start = 0;
  let compactionsSeen = 0;
  for (let round = 0; round < 5; round++) {
    const killAfter = 5 + Math.floor(random() * 120);
    const lines = await runUntilKilled(dir, start, killAfter);
    let lastOk = start - 1;
    const printed = new Set<string>();
    for (const line of lines) {
      printed.add(line);
      const [kind, value] = line.split(' ') as [string, string];
      if (kind === 'ok') {
        const i = Number(value);
        lastOk = i;
        mustBePending.add(`i${i}/a`).add(`i${i}/b`);
        latest.set(`c${i % 50}`, i);
      } else if (kind === 'ack') {
        for (const key of [`i${value}/a`, `i${value}/b`]) {
          mustBePending.delete(key);
          mustBeGone.add(key);
        }
      } else if (kind === 'settled') {
        mustBePending.delete(value);
        mustBeGone.add(value);
      }
    }
    // What may have been in flight at the kill: the next poll, or (see the appender) the ack or
    // settle that follows the last recorded poll when its line is missing.
    const inFlight = lastOk + 1;
    const ackInFlight = new Set<string>();
    if (lastOk % 3 === 0 && lastOk - 4 >= start && !printed.has(`ack ${lastOk - 4}`)) {
      ackInFlight.add(`i${lastOk - 4}/a`).add(`i${lastOk - 4}/b`);
    }
    if (lastOk % 5 === 0 && lastOk - 2 >= start && !printed.has(`settled i${lastOk - 2}/a`)) {
      ackInFlight.add(`i${lastOk - 2}/a`);
    }
    for (const key of mustBeGone) ackInFlight.delete(key);
    t.true(lastOk >= start + killAfter - 1, `round ${round}: reported ${lastOk}`);

    const { checkpoint, loaded } = await JournalCheckpoint.open(dir, { sync: 'none' });
    const pending = loaded.pending.flatMap((p) => p.spans.map((s) => s.key));
    const pendingSet = new Set(pending);
    t.is(pendingSet.size, pending.length, 'no span twice');
    const lost = [...mustBePending].filter((key) => !pendingSet.has(key) && !ackInFlight.has(key));
    t.deepEqual(lost, [], `round ${round}: lost spans (last lines: ${lines.slice(-6).join(', ')})`);
    const resent = pending.filter((key) => mustBeGone.has(key));
    t.deepEqual(resent, [], `round ${round}: acknowledged spans pending again`);
    const extra = pending.filter(
      (key) => !mustBePending.has(key) && !key.startsWith(`i${inFlight}/`),
    );
    t.deepEqual(extra, [], `round ${round}: pending spans nobody recorded`);
    const pods = new Map(loaded.tracker.pods.map((p) => [p.ref.uid, p.childSpans]));
    t.is(pods.size, PRELOAD_PODS + Math.min(50, latest.size));
    for (const [uid, version] of latest) {
      const got = pods.get(uid) as number;
      t.true(
        got === version || got === inFlight,
        `round ${round}: ${uid} at ${got}, not ${version}`,
      );
    }
    t.is(pods.get('pre-4999'), 0);
    // A record that was in flight and made it is now durable: it must stay from here on.
    if (pendingSet.has(`i${inFlight}/a`)) {
      mustBePending.add(`i${inFlight}/a`).add(`i${inFlight}/b`);
      latest.set(`c${inFlight % 50}`, inFlight);
    }
    for (const key of ackInFlight) if (!pendingSet.has(key)) mustBePending.delete(key);
    compactionsSeen += loaded.stats.snapshotPods > 0 ? 1 : 0;
    await checkpoint.close();
    start = inFlight + 1;
  }
  t.true(compactionsSeen > 0, 'the appender compacted under load');
});
