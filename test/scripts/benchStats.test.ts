import test from 'ava';
import { processCpuMs, processRssMiB } from '../../scripts/lib/procStats.js';
import { median, percentile } from '../../scripts/lib/stats.js';

test('percentile by nearest rank, median of odd and even counts', (t) => {
  const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
  t.is(percentile(values, 50), 5);
  t.is(percentile(values, 99), 10);
  t.is(percentile(values, 0), 1);
  t.is(percentile([42], 99), 42);
  t.true(Number.isNaN(percentile([], 50)));
  t.is(median([3, 1, 2]), 2);
  t.is(median([4, 1, 3, 2]), 2.5);
  t.true(Number.isNaN(median([])));
});

test('/proc readings of this process: CPU grows with work, RSS is plausible', (t) => {
  const before = processCpuMs(process.pid);
  let x = 0;
  const until = process.cpuUsage().user + 50_000;
  for (let i = 0; i < 1e9 && process.cpuUsage().user < until; i++) x += Math.sqrt(i);
  t.true(x > 0);
  t.true(processCpuMs(process.pid) > before);
  const rss = processRssMiB(process.pid);
  t.true(rss > 10 && rss < 100_000);
  t.throws(() => processCpuMs(2 ** 30));
});
