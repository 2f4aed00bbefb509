import test from 'ava';
import { addMillis, type Time } from '../../src/core/time.js';
import {
  criEdge,
  edgeFrom,
  edgeWidthMs,
  fromStoredEdge,
  interval,
  kubeletEdge,
  pollEdge,
  toStoredEdge,
} from '../../src/core/timeEdge.js';

const t0: Time = [1_700_000_000, 0];

test('a kubelet edge states a moment no earlier than its time, up to a second later', (t) => {
  const edge = kubeletEdge(t0);
  t.deepEqual(edge, { time: t0, source: 'kubelet', laterByMs: 1000 });
  t.deepEqual(interval(edge), [t0, [1_700_000_001, 0]]);
});

test('a kubelet edge is narrowed by the first observation that showed the event', (t) => {
  const edge = kubeletEdge(t0, addMillis(t0, 250));
  t.is(edge.source, 'kubelet');
  t.deepEqual(interval(edge), [t0, [1_700_000_000, 250_000_000]]);
  // An observation before the reported time (clock skew) narrows nothing.
  t.deepEqual(interval(kubeletEdge(t0, addMillis(t0, -300))), [t0, [1_700_000_001, 0]]);
  // A time with a fractional second was not truncated: a point.
  const exact: Time = [1_700_000_000, 5];
  t.deepEqual(interval(kubeletEdge(exact)), [exact, exact]);
});

test('a poll edge states a moment between the last poll that showed the old state and its time', (t) => {
  const noticed = addMillis(t0, 1500);
  const edge = pollEdge(noticed, t0);
  t.deepEqual(edge, { time: noticed, source: 'poll', earlierByMs: 1500 });
  t.deepEqual(interval(edge), [t0, noticed]);
  t.deepEqual(interval(pollEdge(noticed)), [noticed, noticed]);
  // A last sighting after the notice (bad input) gives no negative width.
  t.is(edgeWidthMs(pollEdge(t0, noticed)), 0);
});

test('a CRI edge is a point', (t) => {
  const at: Time = [1_700_000_000, 123_456_789];
  t.deepEqual(interval(criEdge(at)), [at, at]);
});

test('edgeFrom gives the width the direction of its source', (t) => {
  t.deepEqual(interval(edgeFrom(t0, 'poll', 500)), [addMillis(t0, -500), t0]);
  t.deepEqual(interval(edgeFrom(t0, 'kubelet', 500)), [t0, addMillis(t0, 500)]);
  t.deepEqual(interval(edgeFrom(t0, 'cri', 0)), [t0, t0]);
  t.is(edgeWidthMs(edgeFrom(t0, 'poll', 500)), 500);
  t.is(edgeWidthMs(edgeFrom(t0, 'kubelet', 20)), 20);
});

test('the stored form keeps the width under `uncertaintyMs` and round-trips', (t) => {
  for (const edge of [kubeletEdge(t0, addMillis(t0, 40)), pollEdge(addMillis(t0, 900), t0)]) {
    const stored = toStoredEdge(edge);
    t.deepEqual(stored, { time: edge.time, source: edge.source, uncertaintyMs: edgeWidthMs(edge) });
    t.deepEqual(fromStoredEdge(stored), edge);
  }
});
