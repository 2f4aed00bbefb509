import test from 'ava';
import { withRuntimeTimes, withSandboxCreated } from '../../src/core/criTimes.js';
import type { SpanData } from '../../src/core/spanData.js';
import { timeFromNanos } from '../../src/core/time.js';

const base: SpanData = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: 'b7ad6b7169203331',
  parentSpanId: '00f067aa0ba902b7',
  parentIsRemote: false,
  name: 'container stress',
  start: [1536246646, 0],
  end: [1536246646, 0],
  attributes: {
    'process.exit.code': 137,
    'k8s.container.status.reason': 'Error',
    'kse.start.source': 'kubelet',
    'kse.start.uncertainty_ms': 1000,
    'kse.end.source': 'kubelet',
    'kse.end.uncertainty_ms': 1000,
  },
  events: [],
  status: { code: 'error', message: 'Error' },
  resource: {},
  subject: { podUid: 'u', role: 'container', name: 'main', run: '#0' },
  key: 'k',
  podUid: 'u',
};
// an OOM-killed container as CRI-O reported it (one of the real captures)
const created = timeFromNanos(1536246646065652988n);
const started = timeFromNanos(1536246646620452998n);
const finished = timeFromNanos(1536246646972213988n);

test('runtime nanoseconds replace kubelet seconds exactly; created and started become events', (t) => {
  const s = withRuntimeTimes(base, {
    createdAt: created,
    startedAt: started,
    finishedAt: finished,
    exited: true,
    exitCode: 137,
    reason: 'OOMKilled',
  });
  t.deepEqual(s.start, [1536246646, 620452998]);
  t.deepEqual(s.end, [1536246646, 972213988]);
  t.like(s.attributes, {
    'kse.start.source': 'cri',
    'kse.start.uncertainty_ms': 0,
    'kse.end.source': 'cri',
    'kse.end.uncertainty_ms': 0,
    'k8s.container.status.reason': 'OOMKilled',
  });
  t.deepEqual(s.status, { code: 'error', message: 'OOMKilled' });
  t.deepEqual(
    s.events.map((e) => [e.name, e.time]),
    [
      ['container created', created],
      ['container started', started],
    ],
  );
  t.is(s.spanId, base.spanId);
  t.is(s.key, base.key);
});

test('an estimated end (pod vanished) becomes the runtime end with its exit code and status', (t) => {
  const estimated: SpanData = {
    ...base,
    attributes: { 'kse.end.source': 'poll', 'kse.end.estimated': true },
    status: { code: 'unset' },
  };
  const s = withRuntimeTimes(estimated, {
    startedAt: started,
    finishedAt: finished,
    exited: true,
    exitCode: 2,
    reason: 'Error',
  });
  t.deepEqual(s.end, finished);
  t.is(s.attributes['kse.end.estimated'], undefined);
  t.is(s.attributes['process.exit.code'], 2);
  t.deepEqual(s.status, { code: 'error', message: 'Error' });
});

test('a container still running in the runtime keeps the span end; only the start is replaced', (t) => {
  const s = withRuntimeTimes(base, { startedAt: started, exited: false, exitCode: 0, reason: '' });
  t.deepEqual(s.start, started);
  t.deepEqual(s.end, started, 'clamped: the kubelet second is before the nanosecond start');
  t.is(s.attributes['kse.time.clamped'], true);
  t.is(s.attributes['kse.end.source'], 'kubelet');
});

test('the sandbox phase starts at the sandbox creation; an earlier whole-second end is clamped', (t) => {
  const sandbox = { ...base, name: 'sandbox', end: [1536246647, 0] as const };
  const s = withSandboxCreated(sandbox, created);
  t.deepEqual(s.start, created);
  t.deepEqual(s.end, [1536246647, 0]);
  t.is(s.attributes['kse.start.source'], 'cri');
  const clamped = withSandboxCreated({ ...sandbox, end: [1536246646, 0] }, created);
  t.deepEqual(clamped.end, created);
});
