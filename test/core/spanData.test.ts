import test from 'ava';
import { isSpanData, type SpanData } from '../../src/core/spanData.js';
import { spanIdFromKey, spanKey } from '../../src/core/spanIdentity.js';
import {
  newTracker,
  pod,
  running,
  scheduledConds,
  sha256,
  TRACE_ID,
  tAt,
  terminated,
} from '../support/trackerInput.js';

function trackerSpans(): SpanData[] {
  const tracker = newTracker();
  const containers = [{ name: 'main', state: running(4), containerID: 'containerd://m' }];
  const first = tracker.observe([pod({ conditions: scheduledConds, containers })], tAt(5)).spans;
  const done = [
    {
      name: 'main',
      state: terminated(4, 9, 1, 'Error', 'containerd://m'),
      containerID: 'containerd://m',
    },
  ];
  const phase = 'Failed';
  const last = tracker.observe(
    [pod({ phase, conditions: scheduledConds, containers: done })],
    tAt(10),
  );
  return [...first, ...last.spans];
}

test('every span the tracker builds has a subject its key and span id are derived from', (t) => {
  const spans = trackerSpans();
  t.deepEqual(
    spans.map((s) => s.subject),
    [
      { podUid: 'uid-1', role: 'phase', name: 'scheduling', run: '' },
      { podUid: 'uid-1', role: 'phase', name: 'sandbox', run: '' },
      {
        podUid: 'uid-1',
        role: 'container',
        name: 'main',
        run: 'containerd://m',
        containerId: 'containerd://m',
      },
      { podUid: 'uid-1', role: 'pod', name: '', run: '' },
    ],
  );
  for (const span of spans) {
    t.is(span.key, spanKey(TRACE_ID, span.subject));
    t.is(span.spanId, spanIdFromKey(sha256, span.key));
    t.is(span.podUid, span.subject.podUid);
    t.true(isSpanData(JSON.parse(JSON.stringify(span))));
  }
});

test('the key is traceId/podUid/role/name/run; the container id is not part of it', (t) => {
  const subject = { podUid: 'u', role: 'container' as const, name: 'app', run: '#2' };
  t.is(spanKey('t', subject), 't/u/container/app/#2');
  t.is(spanKey('t', { ...subject, containerId: 'containerd://x' }), 't/u/container/app/#2');
  t.is(spanKey('t', { podUid: 'u', role: 'pod', name: '', run: '' }), 't/u/pod//');
});

test('isSpanData requires a well-formed subject', (t) => {
  const [span] = trackerSpans();
  if (!span) return t.fail('no span');
  const { subject, ...without } = span;
  t.true(isSpanData(span));
  t.false(isSpanData(without));
  t.false(isSpanData({ ...span, subject: null }));
  t.false(isSpanData({ ...span, subject: { ...subject, role: 'sidecar' } }));
  t.false(isSpanData({ ...span, subject: { ...subject, run: 3 } }));
  t.false(isSpanData({ ...span, subject: { ...subject, containerId: 7 } }));
  t.false(isSpanData({ ...span, subject: { role: 'pod', name: '', run: '' } }));
});
