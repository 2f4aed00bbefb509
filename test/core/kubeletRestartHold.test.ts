import test from 'ava';
import { KubeletRestartHold } from '../../src/core/kubeletRestartHold.js';
import type { Time } from '../../src/core/time.js';

const at = (ms: number): Time => [1_800_000_000 + Math.floor(ms / 1000), (ms % 1000) * 1e6];

test('no signal, no hold, however the list changes', (t) => {
  const hold = new KubeletRestartHold({ stableForMs: 5000, graceMs: 60_000 });
  for (let ms = 0; ms < 3000; ms += 250) {
    t.deepEqual(hold.observe({ now: at(ms), listChanged: true, restartSignal: false }), {
      started: false,
      holding: false,
    });
  }
});

test('a signal holds until the list has been stable for stableForMs', (t) => {
  const hold = new KubeletRestartHold({ stableForMs: 5000, graceMs: 60_000 });
  t.deepEqual(hold.observe({ now: at(0), listChanged: true, restartSignal: true }), {
    started: true,
    holding: true,
  });
  // empty, then partial, then whole lists: each change restarts the stability clock
  t.true(hold.observe({ now: at(1000), listChanged: true, restartSignal: false }).holding);
  t.true(hold.observe({ now: at(2000), listChanged: true, restartSignal: false }).holding);
  t.true(hold.observe({ now: at(6999), listChanged: false, restartSignal: false }).holding);
  const released = hold.observe({ now: at(7000), listChanged: false, restartSignal: false });
  t.deepEqual(released, { started: false, holding: false }, 'stable since 2000 for 5 s');
  t.false(hold.holding);
});

test('a list that never settles is held at most graceMs; a later signal starts a new hold', (t) => {
  const hold = new KubeletRestartHold({ stableForMs: 5000, graceMs: 20_000 });
  hold.observe({ now: at(0), listChanged: true, restartSignal: true });
  let ms = 250;
  for (; ms < 20_000; ms += 250) {
    t.true(hold.observe({ now: at(ms), listChanged: true, restartSignal: false }).holding);
  }
  t.false(hold.observe({ now: at(ms), listChanged: true, restartSignal: false }).holding);
  const again = hold.observe({ now: at(ms + 250), listChanged: false, restartSignal: true });
  t.deepEqual(again, { started: true, holding: true });
});

test('signals during a hold extend it without starting another', (t) => {
  const hold = new KubeletRestartHold({ stableForMs: 1000, graceMs: 60_000 });
  t.true(hold.observe({ now: at(0), listChanged: false, restartSignal: true }).started);
  const during = hold.observe({ now: at(900), listChanged: false, restartSignal: true });
  t.deepEqual(during, { started: false, holding: true });
  t.true(hold.observe({ now: at(1800), listChanged: false, restartSignal: false }).holding);
  t.false(hold.observe({ now: at(1900), listChanged: false, restartSignal: false }).holding);
});
