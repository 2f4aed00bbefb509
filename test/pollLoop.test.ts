import test from 'ava';
import { PollLoop, type PollOutcome } from '../src/pollLoop.js';

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

test('consecutive failures back off exponentially with jitter up to the bound, success resets', async (t) => {
  const outcomes: PollOutcome[] = [
    'failed',
    'failed',
    'failed',
    'failed',
    'failed',
    'failed',
    'ok',
  ];
  const delays: number[] = [];
  let calls = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  // the loop's timers are unref'd: keep the test process alive while it runs
  const keepAlive = setInterval(() => {}, 1000);
  const loop: PollLoop = new PollLoop({
    poll: async () => {
      if (calls > 0) delays.push(loop.nextDelayMs(0));
      const outcome = outcomes[calls++] ?? 'ok';
      if (calls === outcomes.length + 1) finished();
      return outcome;
    },
    intervalMs: () => 1,
    maxBackoffMs: 20,
    random: () => 1, // the top of the ±20 % jitter band
  });
  loop.start();
  await done;
  await loop.stop();
  clearInterval(keepAlive);
  // after 1..6 failures: 1·2^n·1.2, capped at 20; after the success: the plain interval
  t.deepEqual(delays, [2, 5, 10, 19, 20, 20, 1]);
});

test('never two polls at once, and stop() aborts the poll in flight and waits for it', async (t) => {
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
          setTimeout(finish, 5);
        }
      }),
    intervalMs: () => 1,
  });
  const keepAlive = setInterval(() => {}, 1000);
  loop.start();
  while (polls < 5) await new Promise((resolve) => setTimeout(resolve, 5));
  await loop.stop();
  clearInterval(keepAlive);
  t.is(maxRunning, 1);
  t.true(aborted);
  t.is(running, 0);
  t.false(loop.running);
});

test('a poll that rejects counts as a failure, never an unhandled rejection', async (t) => {
  let calls = 0;
  const loop = new PollLoop({
    poll: async () => {
      calls++;
      throw new Error('boom');
    },
    intervalMs: () => 1,
    maxBackoffMs: 5,
  });
  const keepAlive = setInterval(() => {}, 1000);
  loop.start();
  while (calls < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  t.true(loop.consecutiveFailures >= 2);
  await loop.stop();
  clearInterval(keepAlive);
});
