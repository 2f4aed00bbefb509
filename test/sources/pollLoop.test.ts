import test from 'ava';
import {
  MAX_BACKOFF_MS,
  MAX_CONNECTION_BACKOFF_MS,
  type PollFailureKind,
  PollLoop,
  type PollOutcome,
} from '../../src/sources/pollLoop.js';
import { FakeTimers, settle } from '../support/fakeTimers.js';

const failed = (kind: PollFailureKind): PollOutcome => ({ failed: kind });
const other = failed('other');
const connection = failed('connection');

/**
 * Runs a loop whose polls answer `outcomes` in turn (instantly, in fake time) and returns the
 * waits between the starts of consecutive polls.
 */
async function waitsFor(
  outcomes: readonly PollOutcome[],
  options: { intervalMs?: number; random?: number } = {},
): Promise<number[]> {
  const timers = new FakeTimers();
  const starts: number[] = [];
  const loop = new PollLoop({
    poll: async () => {
      starts.push(timers.now());
      return outcomes[starts.length - 1] ?? 'ok';
    },
    intervalMs: () => options.intervalMs ?? 250,
    random: () => options.random ?? 0.5,
    timers,
  });
  loop.start();
  while (starts.length < outcomes.length + 1) {
    if ((await timers.next()) === undefined) throw new Error('the loop stopped scheduling polls');
  }
  await loop.stop();
  assertNothingScheduled(timers);
  return starts.slice(1).map((at, i) => at - (starts[i] as number));
}

/** After stop() nothing is left scheduled. */
function assertNothingScheduled(timers: FakeTimers): void {
  if (timers.pending.length > 0) throw new Error(`timers left after stop: ${timers.pending}`);
}

test('the interval is asked before every wait: switching between active and idle takes effect', (t) => {
  let live = true;
  const loop = new PollLoop({
    poll: async () => 'ok',
    intervalMs: () => (live ? 250 : 1000),
  });
  t.is(loop.nextDelayMs(40), 210, 'fixed rate: the poll time is subtracted');
  live = false;
  t.is(loop.nextDelayMs(40), 960);
  t.is(loop.nextDelayMs(5000), 0, 'a poll longer than the interval: the next starts at once');
});

test('fixed rate in fake time: a poll that takes 100 ms is followed by a 150 ms wait', async (t) => {
  const timers = new FakeTimers();
  const starts: number[] = [];
  const loop = new PollLoop({
    poll: () =>
      new Promise<PollOutcome>((resolve) => {
        starts.push(timers.now());
        timers.setTimeout(() => resolve('ok'), 100);
      }),
    intervalMs: () => 250,
    timers,
  });
  loop.start();
  // the fifth poll (at 1000) ends at 1100; stop() before the sixth is due at 1250
  await timers.advance(1150);
  await loop.stop();
  t.deepEqual(
    starts,
    [0, 250, 500, 750, 1000].map((ms) => (starts[0] as number) + ms),
  );
});

test('one or two failures in a row are retried at the normal interval', async (t) => {
  t.deepEqual(await waitsFor([other]), [250]);
  t.deepEqual(await waitsFor([other, other]), [250, 250]);
  t.deepEqual(
    await waitsFor([connection, connection, 'ok', other, 'ok']),
    [250, 250, 250, 250, 250],
  );
});

test('from the third failure in a row the wait doubles, with ±20 % jitter, up to 30 s', async (t) => {
  const tenFailures = Array.from({ length: 10 }, () => other);
  // the top of the jitter band: 2·250·1.2, 4·250·1.2, … capped at 30 s
  t.deepEqual(
    await waitsFor([...tenFailures, 'ok'], { random: 1 }),
    [250, 250, 600, 1200, 2400, 4800, 9600, 19_200, 30_000, 30_000, 250],
  );
  // the bottom of the band: 2·250·0.8, …; the cap itself is jittered downwards too
  t.deepEqual(
    await waitsFor(tenFailures, { random: 0 }),
    [250, 250, 400, 800, 1600, 3200, 6400, 12_800, 24_000, 24_000],
  );
  // no jitter in the middle of the band
  t.deepEqual(
    await waitsFor(tenFailures, { random: 0.5 }),
    [250, 250, 500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000],
  );
  t.is(MAX_BACKOFF_MS, 30_000);
});

test('connection failures back off to at most 5 s: a kubelet coming back is seen within seconds', async (t) => {
  const failures = Array.from({ length: 9 }, () => connection);
  t.deepEqual(
    await waitsFor([...failures, 'ok'], { random: 1 }),
    [250, 250, 600, 1200, 2400, 4800, 5000, 5000, 5000, 250],
  );
  t.is(MAX_CONNECTION_BACKOFF_MS, 5000);
  // the cap follows the kind of the latest failure
  const mixed = [other, other, other, other, other, other, other, other, connection, other];
  t.deepEqual(
    await waitsFor(mixed, { random: 0.5 }),
    [250, 250, 500, 1000, 2000, 4000, 8000, 16_000, 5000, 30_000],
  );
});

test('the first success ends the back-off: the next failure is retried at the interval', async (t) => {
  const outcomes = [other, other, other, other, 'ok' as const, other, other, other];
  t.deepEqual(await waitsFor(outcomes, { random: 0.5 }), [250, 250, 500, 1000, 250, 250, 250, 500]);
});

test('an interval longer than the cap is not shortened by failures', async (t) => {
  const failures = Array.from({ length: 5 }, () => connection);
  t.deepEqual(
    await waitsFor(failures, { intervalMs: 60_000, random: 0.5 }),
    [60_000, 60_000, 60_000, 60_000, 60_000],
  );
});

test('never two polls at once, and stop() aborts the poll in flight and waits for it', async (t) => {
  const timers = new FakeTimers();
  let running = 0;
  let maxRunning = 0;
  let polls = 0;
  let aborted = false;
  const loop = new PollLoop({
    poll: (signal) =>
      new Promise<PollOutcome>((resolve) => {
        running++;
        polls++;
        maxRunning = Math.max(maxRunning, running);
        const finish = () => {
          running--;
          resolve('ok');
        };
        if (polls >= 5) {
          signal.addEventListener('abort', () => {
            aborted = true;
            finish();
          });
        } else {
          // longer than the interval: the next poll is due before this one ends
          timers.setTimeout(finish, 400);
        }
      }),
    intervalMs: () => 100,
    timers,
  });
  loop.start();
  while (polls < 5) await timers.next();
  t.is(running, 1, 'the fifth poll hangs');
  await timers.advance(60_000);
  t.is(polls, 5, 'no poll starts while one is in flight, however long it takes');
  await loop.stop();
  t.is(maxRunning, 1);
  t.true(aborted);
  t.is(running, 0);
  t.false(loop.running);
  t.deepEqual(timers.pending, []);
});

test('a poll that rejects counts as a failure, never an unhandled rejection', async (t) => {
  const timers = new FakeTimers();
  let calls = 0;
  const loop = new PollLoop({
    poll: async () => {
      calls++;
      throw new Error('boom');
    },
    intervalMs: () => 100,
    random: () => 0.5,
    timers,
  });
  loop.start();
  while (calls < 4) await timers.next();
  await settle();
  t.is(loop.consecutiveFailures, 4);
  t.is(loop.lastFailure, 'other');
  // treated as "other": the back-off goes past the connection cap
  t.is(loop.nextDelayMs(0), 400);
  await loop.stop();
});

test('stop() before the first poll: nothing runs', async (t) => {
  const timers = new FakeTimers();
  let calls = 0;
  const loop = new PollLoop({
    poll: async () => {
      calls++;
      return 'ok';
    },
    intervalMs: () => 100,
    timers,
  });
  loop.start();
  await loop.stop();
  await timers.advance(10_000);
  t.is(calls, 0);
  t.deepEqual(timers.pending, []);
});
