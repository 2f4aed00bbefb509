import test from 'ava';
import { useColor } from '../../scripts/lib/colorPolicy.js';
import { toJaegerJson } from '../../scripts/lib/jaegerJson.js';
import { toOtlpJson } from '../../scripts/lib/otlpJson.js';
import { exportRequest } from '../../scripts/lib/otlpSend.js';
import { renderTraceHtml } from '../../scripts/lib/traceHtml.js';
import { renderWaterfall } from '../../scripts/lib/waterfall.js';
import type { ReceivedSpan } from '../../sim/otlpReceiver.js';

const TRACE = 'b7ad6b7169203331f36f6bfa7a0e2c85';
const S = 1_000_000_000n;
const BASE = 1_795_000_000n * S;
const AGENT = {
  'service.name': 'kubelet-span-exporter',
  'k8s.node.name': 'worker-1',
  'k8s.pod.name': 'container-kill-helper-hzv7c',
};

function span(
  name: string,
  spanId: string,
  parentSpanId: string,
  from: number,
  to: number,
  extra: Partial<ReceivedSpan> = {},
): ReceivedSpan {
  return {
    traceId: TRACE,
    spanId,
    parentSpanId,
    traceState: '',
    name,
    kind: 1,
    startNs: BASE + BigInt(from) * S,
    endNs: BASE + BigInt(to) * S,
    attributes: {},
    events: [],
    status: { code: 0, message: '' },
    resource: AGENT,
    scope: { name: 'kubelet-span-exporter', version: '0.1.0' },
    ...extra,
  };
}

const tool = { 'service.name': 'chaos_experiment_job' };
const SPANS: ReceivedSpan[] = [
  // deliberately out of order: the tree sorts by start
  span('container container-kill', '3333333333333333', '2222222222222222', 14, 24, {
    attributes: {
      'k8s.container.name': 'container-kill',
      'k8s.container.restart_count': 1,
      'process.exit.code': 137,
      'k8s.container.status.reason': 'OOMKilled',
      'container.image.tags': ['3.12.0'],
      'kse.time.clamped': true,
      ratio: 0.5,
      big: 9_007_199_254_740_993n,
    },
    status: { code: 2, message: 'OOMKilled' },
  }),
  span('ExecuteExperiment', '1111111111111111', '', 0, 40, {
    resource: tool,
    scope: { name: 'litmus', version: '' },
  }),
  span('pod container-kill-helper', '2222222222222222', '1111111111111111', 12, 25, {
    attributes: { 'k8s.pod.status.phase': 'Failed' },
    events: [{ name: 'kubelet saw pod', timeNs: BASE + 12n * S, attributes: { n: 1 } }],
    traceState: 'litmus=1',
  }),
  span('scheduling', '4444444444444444', '2222222222222222', 12, 12),
  span('lost <child>', '5555555555555555', '9999999999999999', 30, 31),
];

test('waterfall: a tree by parent id, bars to scale, durations and exit codes', (t) => {
  const text = renderWaterfall(SPANS);
  const lines = text.trimEnd().split('\n');
  t.regex(lines[0] ?? '', new RegExp(`^trace ${TRACE}  5 spans, 1 with errors, 40\\.0s`));
  const rows = lines.slice(2);
  const names = rows.map((l) => l.slice(0, 48).trimEnd());
  t.deepEqual(names, [
    'ExecuteExperiment',
    '└─ pod container-kill-helper',
    '   ├─ scheduling',
    '   └─ container container-kill',
    'lost <child>',
  ]);
  const bar = (row: string) => /\|([^|]*)\|/.exec(row)?.[1] ?? '';
  t.is(bar(rows[0] ?? ''), '█'.repeat(40), 'the root spans the whole trace');
  t.is(bar(rows[3] ?? '').indexOf('█'), 14, '14 s of 40 s on 40 cells');
  t.is([...bar(rows[3] ?? '')].filter((c) => c === '█').length, 10);
  t.true(bar(rows[2] ?? '').includes('▏'), 'a zero-length span still shows');
  t.regex(rows[3] ?? '', /10\.0s {2}✗ exit 137 OOMKilled, restart #1$/);
  t.regex(rows[1] ?? '', /Failed$/);
  t.regex(rows[4] ?? '', /parent 9999999999999999 not received/);
  t.false(text.includes('\u001b'), 'no colour codes unless asked');
});

test('waterfall colours only error rows, and only when asked', (t) => {
  const text = renderWaterfall(SPANS, { color: true });
  const red = text.split('\n').filter((l) => l.startsWith('\u001b[31m'));
  t.is(red.length, 1);
  t.true(red[0]?.includes('container container-kill'));
  t.is(renderWaterfall([]), '(no spans)\n');
});

test('colour policy: a TTY without NO_COLOR only', (t) => {
  t.true(useColor({ isTTY: true }, {}));
  t.true(useColor({ isTTY: true }, { NO_COLOR: '' }));
  t.false(useColor({ isTTY: true }, { NO_COLOR: '1' }));
  t.false(useColor({ isTTY: false }, {}));
  t.false(useColor({}, {}));
});

test('OTLP/JSON: hex ids, string nanos, parent links, typed attribute values', (t) => {
  const doc = toOtlpJson(SPANS);
  t.is(doc.resourceSpans.length, 2, 'one entry per resource');
  const all = doc.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  t.is(all.length, 5);
  for (const s of all) {
    t.regex(s.traceId, /^[0-9a-f]{32}$/);
    t.regex(s.spanId, /^[0-9a-f]{16}$/);
    t.regex(s.startTimeUnixNano, /^\d{19}$/);
    t.regex(s.endTimeUnixNano, /^\d{19}$/);
    t.is(s.kind, 1);
  }
  const byName = new Map(all.map((s) => [s.name, s]));
  const root = byName.get('ExecuteExperiment');
  t.is(root?.parentSpanId, undefined, 'a root has no parent id');
  t.is(byName.get('pod container-kill-helper')?.parentSpanId, root?.spanId);
  t.is(byName.get('pod container-kill-helper')?.traceState, 'litmus=1');
  const run = byName.get('container container-kill');
  t.is(run?.startTimeUnixNano, (BASE + 14n * S).toString());
  t.deepEqual(run?.status, { code: 2, message: 'OOMKilled' });
  t.deepEqual(root?.status, {});
  const attr = (key: string) => run?.attributes.find((a) => a.key === key)?.value;
  t.deepEqual(attr('process.exit.code'), { intValue: '137' });
  t.deepEqual(attr('k8s.container.name'), { stringValue: 'container-kill' });
  t.deepEqual(attr('kse.time.clamped'), { boolValue: true });
  t.deepEqual(attr('container.image.tags'), {
    arrayValue: { values: [{ stringValue: '3.12.0' }] },
  });
  t.deepEqual(attr('ratio'), { doubleValue: 0.5 });
  t.deepEqual(attr('big'), { intValue: '9007199254740993' });
  const pod = byName.get('pod container-kill-helper');
  t.deepEqual(pod?.events, [
    {
      timeUnixNano: (BASE + 12n * S).toString(),
      name: 'kubelet saw pod',
      attributes: [{ key: 'n', value: { intValue: '1' } }],
    },
  ]);
  const agent = doc.resourceSpans.find((r) =>
    r.resource.attributes.some((a) => a.key === 'k8s.node.name'),
  );
  t.deepEqual(agent?.scopeSpans[0]?.scope, { name: 'kubelet-span-exporter', version: '0.1.0' });
  t.notThrows(() => JSON.parse(JSON.stringify(doc)), 'plain JSON (no bigint)');
});

test('HTML: self-contained SVG timeline with escaped names and a tooltip per span', (t) => {
  const html = renderTraceHtml(SPANS, 'demo <trace>');
  t.true(html.startsWith('<!doctype html>'));
  t.is((html.match(/<svg /g) ?? []).length, 1);
  t.false(/<script|<link|<img|@import|url\(/i.test(html), 'no external resources');
  t.deepEqual(
    [...html.matchAll(/https?:\/\/[^"'\s)]+/g)].map((m) => m[0]),
    ['http://www.w3.org/2000/svg'],
    'the only URL is the SVG namespace',
  );
  t.true(html.includes('lost &lt;child&gt;'));
  t.false(html.includes('lost <child>'));
  t.true(html.includes('<title>demo &lt;trace&gt;</title>'));
  t.is((html.match(/<g><title>/g) ?? []).length, 5);
  t.true(html.includes('process.exit.code = 137'));
  t.true(html.includes('#d62728'), 'error spans are red');
});

test('the OTLP request sent for tool spans carries bytes ids and string nanos', (t) => {
  const request = exportRequest(SPANS.slice(1, 2)) as {
    resourceSpans: { scopeSpans: { spans: { traceId: Buffer; startTimeUnixNano: string }[] }[] }[];
  };
  const sent = request.resourceSpans[0]?.scopeSpans[0]?.spans[0];
  t.is(sent?.traceId.toString('hex'), TRACE);
  t.is(sent?.startTimeUnixNano, BASE.toString());
});

test("Jaeger JSON: Jaeger's own upload format, µs times, CHILD_OF references, typed tags", (t) => {
  const doc = toJaegerJson([...SPANS, SPANS[0] as ReceivedSpan]);
  t.is(doc.data.length, 1, 'one trace');
  const trace = doc.data[0];
  if (!trace) return;
  t.is(trace.traceID, TRACE);
  t.is(trace.spans.length, 5, 'a span received twice is kept once');
  t.deepEqual(Object.keys(trace.processes).sort(), ['p1', 'p2'], 'one process per resource');
  const byName = new Map(trace.spans.map((s) => [s.operationName, s]));
  const root = byName.get('ExecuteExperiment');
  const pod = byName.get('pod container-kill-helper');
  const run = byName.get('container container-kill');
  t.deepEqual(root?.references, [], 'a root has no reference');
  t.deepEqual(pod?.references, [{ refType: 'CHILD_OF', traceID: TRACE, spanID: root?.spanID }]);
  t.is(run?.startTime, Number((BASE + 14n * S) / 1000n));
  t.is(run?.duration, 10_000_000);
  t.is(trace.processes[root?.processID ?? '']?.serviceName, 'chaos_experiment_job');
  const agent = trace.processes[pod?.processID ?? ''];
  t.is(agent?.serviceName, 'kubelet-span-exporter');
  t.deepEqual(agent?.tags, [
    { key: 'k8s.node.name', type: 'string', value: 'worker-1' },
    { key: 'k8s.pod.name', type: 'string', value: 'container-kill-helper-hzv7c' },
  ]);
  const tag = (key: string) => run?.tags.find((x) => x.key === key);
  t.deepEqual(tag('process.exit.code'), { key: 'process.exit.code', type: 'int64', value: 137 });
  t.deepEqual(tag('kse.time.clamped'), { key: 'kse.time.clamped', type: 'bool', value: true });
  t.deepEqual(tag('ratio'), { key: 'ratio', type: 'float64', value: 0.5 });
  t.deepEqual(tag('big'), { key: 'big', type: 'string', value: '9007199254740993' });
  t.deepEqual(tag('container.image.tags'), {
    key: 'container.image.tags',
    type: 'string',
    value: '["3.12.0"]',
  });
  t.deepEqual(tag('error'), { key: 'error', type: 'bool', value: true });
  t.deepEqual(tag('otel.status_description'), {
    key: 'otel.status_description',
    type: 'string',
    value: 'OOMKilled',
  });
  t.deepEqual(pod?.logs, [
    {
      timestamp: Number((BASE + 12n * S) / 1000n),
      fields: [
        { key: 'event', type: 'string', value: 'kubelet saw pod' },
        { key: 'n', type: 'int64', value: 1 },
      ],
    },
  ]);
  for (const s of trace.spans) {
    t.regex(s.spanID, /^[0-9a-f]{16}$/);
    t.truthy(trace.processes[s.processID], `${s.operationName} has its process`);
  }
  t.notThrows(() => JSON.parse(JSON.stringify(doc)), 'plain JSON');
});
