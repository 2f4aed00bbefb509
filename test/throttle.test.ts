import test from 'ava';
import { Throttle } from '../src/throttle.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('the same key passes once per interval and counts what it held back', (t) => {
  const c = clock();
  const throttle = new Throttle(60_000, c.now);
  t.deepEqual(throttle.allow('timeout'), { suppressed: 0 });
  t.is(throttle.allow('timeout'), undefined);
  c.advance(59_999);
  t.is(throttle.allow('timeout'), undefined);
  c.advance(1);
  t.deepEqual(throttle.allow('timeout'), { suppressed: 2 });
  t.is(throttle.lastKey, 'timeout');
});

test('another key always passes and reports what the last one held back', (t) => {
  const c = clock();
  const throttle = new Throttle(60_000, c.now);
  throttle.allow('timeout');
  throttle.allow('timeout');
  t.deepEqual(throttle.allow('http'), { suppressed: 1 });
  t.deepEqual(throttle.allow('timeout'), { suppressed: 0 });
});

test('reset forgets the last key; an infinite interval lets exactly one call through', (t) => {
  const c = clock(0);
  const throttle = new Throttle(10_000, c.now);
  t.truthy(throttle.allow());
  throttle.reset();
  t.is(throttle.lastKey, undefined);
  t.truthy(throttle.allow(), 'passes right after a reset, even at the same instant');
  const once = new Throttle(Number.POSITIVE_INFINITY, c.now);
  t.truthy(once.allow());
  c.advance(1e12);
  t.is(once.allow(), undefined);
});
