import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { resourceFromAttributes } from '@opentelemetry/resources';
import test from 'ava';
import type { SpanData } from '../../src/core/spanData.js';
import { toReadableSpans } from '../../src/export/toReadableSpan.js';

const agent = resourceFromAttributes({
  'service.name': 'kubelet-span-exporter',
  'k8s.node.name': 'node-a',
  'host.name': 'node-a',
});
const scope = { name: 'kubelet-span-exporter', version: '0.1.0' };

/** One span converted as a batch of its own. */
function one(span: SpanData, agentResource: Resource = agent) {
  const [r] = toReadableSpans([span], agentResource, scope);
  if (!r) throw new Error('no span converted');
  return r;
}

function spanData(overrides: Partial<SpanData> = {}): SpanData {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '00f067aa0ba902b7',
    parentIsRemote: true,
    traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    name: 'container app',
    start: [1_700_000_100, 900_000_000],
    end: [1_700_000_102, 100_000_001],
    attributes: {
      'k8s.container.name': 'app',
      'k8s.container.restart_count': 3,
      'k8s.container.ready': true,
      'container.command_args': ['serve', '--port=8080'],
    },
    events: [
      {
        name: 'container.started',
        time: [1_700_000_101, 5],
        attributes: { 'container.id': 'containerd://abc', 'k8s.ports': ['80', '443'] },
      },
    ],
    status: { code: 'error', message: 'CrashLoopBackOff' },
    resource: {
      'k8s.pod.name': 'web-0',
      'k8s.namespace.name': 'shop',
      'host.name': 'pod-host',
    },
    subject: { podUid: 'uid-1', role: 'container', name: 'app', run: '0' },
    key: '0af7651916cd43dd8448eb211c80319c/uid-1/container/app/0',
    podUid: 'uid-1',
    ...overrides,
  };
}

test('ids, kind, flags, trace state and parent context', (t) => {
  const r = one(spanData());
  const ctx = r.spanContext();
  t.is(ctx.traceId, '0af7651916cd43dd8448eb211c80319c');
  t.is(ctx.spanId, 'b7ad6b7169203331');
  t.is(ctx.traceFlags, TraceFlags.SAMPLED);
  t.is(ctx.traceState?.serialize(), 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  t.is(ctx.traceState?.get('rojo'), '00f067aa0ba902b7');
  t.is(r.kind, SpanKind.INTERNAL);
  t.is(r.name, 'container app');
  t.deepEqual(
    { ...r.parentSpanContext, traceState: r.parentSpanContext?.traceState?.serialize() },
    {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    },
  );
});

test('no trace state when the span has none', (t) => {
  const r = one(spanData({ traceState: undefined }));
  t.is(r.spanContext().traceState, undefined);
  t.is(r.parentSpanContext?.traceState, undefined);
});

test('times are HrTime tuples and the duration is exact across a nanosecond borrow', (t) => {
  const r = one(spanData());
  t.deepEqual(r.startTime, [1_700_000_100, 900_000_000]);
  t.deepEqual(r.endTime, [1_700_000_102, 100_000_001]);
  t.deepEqual(r.duration, [1, 200_000_001]);
  t.true(r.ended);
  const zero = one(spanData({ start: [1_700_000_000, 7], end: [1_700_000_000, 7] }));
  t.deepEqual(zero.duration, [0, 0]);
});

test('attributes are copied, arrays as fresh arrays', (t) => {
  const data = spanData();
  const r = one(data);
  t.deepEqual(r.attributes, {
    'k8s.container.name': 'app',
    'k8s.container.restart_count': 3,
    'k8s.container.ready': true,
    'container.command_args': ['serve', '--port=8080'],
  });
  t.not(r.attributes['container.command_args'], data.attributes['container.command_args']);
  t.true(Array.isArray(r.attributes['container.command_args']));
});

test('error status keeps its message; unset status has none', (t) => {
  t.deepEqual(one(spanData()).status, {
    code: SpanStatusCode.ERROR,
    message: 'CrashLoopBackOff',
  });
  t.deepEqual(one(spanData({ status: { code: 'unset', message: 'ignored' } })).status, {
    code: SpanStatusCode.UNSET,
  });
  t.deepEqual(one(spanData({ status: { code: 'error' } })).status, {
    code: SpanStatusCode.ERROR,
  });
});

test('events become TimedEvents with HrTime', (t) => {
  const r = one(spanData());
  t.deepEqual(r.events, [
    {
      name: 'container.started',
      time: [1_700_000_101, 5],
      attributes: { 'container.id': 'containerd://abc', 'k8s.ports': ['80', '443'] },
      droppedAttributesCount: 0,
    },
  ]);
});

test('no links, nothing dropped, scope passed through', (t) => {
  const r = one(spanData());
  t.deepEqual(r.links, []);
  t.is(r.droppedAttributesCount, 0);
  t.is(r.droppedEventsCount, 0);
  t.is(r.droppedLinksCount, 0);
  t.is(r.instrumentationScope, scope);
});

test('resource merges agent and span attributes, the span winning', (t) => {
  const r = one(spanData());
  t.deepEqual(r.resource.attributes, {
    'service.name': 'kubelet-span-exporter',
    'k8s.node.name': 'node-a',
    'host.name': 'pod-host',
    'k8s.pod.name': 'web-0',
    'k8s.namespace.name': 'shop',
  });
  // The agent resource itself is untouched.
  t.is(agent.attributes['host.name'], 'node-a');
});

test('within a batch, spans with equal resources share one Resource object, whatever the key order', (t) => {
  const [a, b, c] = toReadableSpans(
    [
      spanData({ resource: { x: '1', y: '2' } }),
      spanData({ resource: { y: '2', x: '1' } }),
      spanData({ resource: { x: '1', y: '3' } }),
    ],
    agent,
    scope,
  );
  t.is(a?.resource, b?.resource);
  t.not(a?.resource, c?.resource);
  t.is(c?.resource.attributes.y, '3');
  // Another agent resource gets its own merge.
  const other = resourceFromAttributes({ 'service.name': 'other' });
  const d = one(spanData({ resource: { x: '1', y: '2' } }), other);
  t.not(d.resource, a?.resource);
  t.is(d.resource.attributes['service.name'], 'other');
});

test('two spans of one pod in a batch share one Resource object; batches keep nothing', (t) => {
  const pod = { 'k8s.pod.uid': 'uid-1', 'k8s.pod.name': 'web-0' };
  const batch = [
    spanData({ name: 'pod web', resource: pod }),
    spanData({ name: 'container app', resource: { ...pod } }),
    spanData({ name: 'pod other', resource: { 'k8s.pod.uid': 'uid-2' } }),
  ];
  const first = toReadableSpans(batch, agent, scope);
  t.deepEqual(
    first.map((r) => r.name),
    ['pod web', 'container app', 'pod other'],
  );
  t.is(first[0]?.resource, first[1]?.resource);
  t.not(first[0]?.resource, first[2]?.resource);
  // The next batch merges its own: equal attributes, not the same object.
  const second = toReadableSpans(batch, agent, scope);
  t.not(second[0]?.resource, first[0]?.resource);
  t.deepEqual(second[0]?.resource.attributes, first[0]?.resource.attributes);
  t.deepEqual(toReadableSpans([], agent, scope), []);
});

test('a child of the pod span has a local (not remote) parent', (t) => {
  const r = one(spanData({ parentIsRemote: false }));
  t.is(r.parentSpanContext?.isRemote, false);
  t.is(r.parentSpanContext?.spanId, '00f067aa0ba902b7');
});

test('a root (a group-origin pod span) has no parent context at all', (t) => {
  const r = one(spanData({ parentSpanId: '', parentIsRemote: false, name: 'pod engine-runner' }));
  t.is(r.parentSpanContext, undefined);
  t.false('parentSpanContext' in r);
  t.is(r.spanContext().spanId, 'b7ad6b7169203331');
});
