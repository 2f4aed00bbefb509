import * as grpc from '@grpc/grpc-js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import test from 'ava';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
  traceServiceClient,
} from '../../sim/otlpReceiver.js';
import type { SpanData } from '../../src/core/spanData.js';
import { createOtlpExporter } from '../../src/export/createOtlpExporter.js';
import { type BatchOutcome, SpanExportQueue } from '../../src/export/spanExportQueue.js';
import { toReadableSpans } from '../../src/export/toReadableSpan.js';

const agent = resourceFromAttributes({
  'service.name': 'kubelet-span-exporter',
  'service.version': '0.1.0',
  'k8s.node.name': 'node-a',
});
const scope = { name: 'kubelet-span-exporter', version: '0.1.0' };
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const POD_RESOURCE = {
  'k8s.pod.name': 'web-0',
  'k8s.pod.uid': '6f1c0a52-9c1e-4d6b-8d0e-6d4e1f1b2c3d',
  'k8s.namespace.name': 'shop',
};

const podSpan: SpanData = {
  traceId: TRACE,
  spanId: '00f067aa0ba902b7',
  parentSpanId: 'a3ce929d0e0e4736',
  parentIsRemote: true,
  traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
  name: 'pod web-0',
  // 1_700_000_000_123_456_789 ns > 2^53: only exact with BigInt.
  start: [1_700_000_000, 123_456_789],
  end: [1_700_000_042, 987_654_321],
  attributes: {
    'k8s.pod.phase': 'Running',
    'k8s.pod.restart_count': 3,
    'k8s.pod.ready': true,
    'k8s.pod.container_names': ['app', 'sidecar'],
  },
  events: [
    {
      name: 'pod.scheduled',
      time: [1_700_000_000, 500_000_001],
      attributes: { 'k8s.node.name': 'node-a', attempt: 1 },
    },
    { name: 'pod.ready', time: [1_700_000_010, 999_999_999], attributes: {} },
  ],
  status: { code: 'error', message: 'container app: CrashLoopBackOff' },
  resource: POD_RESOURCE,
  subject: { podUid: 'uid', role: 'pod', name: 'web-0', run: '0' },
  key: `${TRACE}/uid/pod/web-0/0`,
  podUid: POD_RESOURCE['k8s.pod.uid'],
};

const containerSpan: SpanData = {
  ...podSpan,
  spanId: 'b7ad6b7169203331',
  parentSpanId: '00f067aa0ba902b7',
  traceState: undefined,
  name: 'container app',
  start: [1_700_000_001, 1],
  end: [1_700_000_002, 0],
  attributes: { 'k8s.container.name': 'app' },
  events: [],
  status: { code: 'unset' },
  subject: { podUid: 'uid', role: 'container', name: 'app', run: '0' },
  key: `${TRACE}/uid/container/app/0`,
};

const otherPodSpan: SpanData = {
  ...containerSpan,
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'c7ad6b7169203332',
  parentSpanId: 'd7ad6b7169203333',
  name: 'pod api-1',
  resource: { 'k8s.pod.name': 'api-1', 'service.name': 'api' },
  subject: { podUid: 'other', role: 'pod', name: '', run: '' },
  key: 'other',
  podUid: 'other-uid',
};

const receivers: OtlpReceiver[] = [];
const queues: SpanExportQueue[] = [];

async function pipeline(url?: string) {
  const rx = await startOtlpReceiver();
  receivers.push(rx);
  const outcomes: { names: string[]; outcome: BatchOutcome }[] = [];
  const queue = new SpanExportQueue({
    target: createOtlpExporter({ url: url ?? rx.url, timeoutMillis: 5000 }),
    convertBatch: (batch) => toReadableSpans(batch, agent, scope),
    onBatchSettled: (batch, outcome) => outcomes.push({ names: batch.map((s) => s.name), outcome }),
  });
  queues.push(queue);
  return { rx, queue, outcomes };
}

test.after.always(async () => {
  await Promise.all(queues.map((q) => q.shutdown(1000)));
  await Promise.all(receivers.map((r) => r.close()));
});

const byName = (spans: readonly ReceivedSpan[]): Record<string, ReceivedSpan> =>
  Object.fromEntries(spans.map((s) => [s.name, s]));

test('SpanData reaches a real OTLP/gRPC receiver exactly', async (t) => {
  const { rx, queue, outcomes } = await pipeline();
  queue.enqueue([podSpan, containerSpan, otherPodSpan]);
  t.deepEqual(await queue.flush(10_000), { delivered: 3, undelivered: 0 });
  t.is(rx.requests, 1);
  t.deepEqual(outcomes, [
    { names: ['pod web-0', 'container app', 'pod api-1'], outcome: { ok: true } },
  ]);
  const got = byName(rx.spans);
  t.deepEqual(got['pod web-0'], {
    traceId: TRACE,
    spanId: '00f067aa0ba902b7',
    parentSpanId: 'a3ce929d0e0e4736',
    traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    name: 'pod web-0',
    kind: 1,
    startNs: 1_700_000_000_123_456_789n,
    endNs: 1_700_000_042_987_654_321n,
    attributes: {
      'k8s.pod.phase': 'Running',
      'k8s.pod.restart_count': 3,
      'k8s.pod.ready': true,
      'k8s.pod.container_names': ['app', 'sidecar'],
    },
    events: [
      {
        name: 'pod.scheduled',
        timeNs: 1_700_000_000_500_000_001n,
        attributes: { 'k8s.node.name': 'node-a', attempt: 1 },
      },
      { name: 'pod.ready', timeNs: 1_700_000_010_999_999_999n, attributes: {} },
    ],
    status: { code: 2, message: 'container app: CrashLoopBackOff' },
    flags: 0x301,
    resource: {
      'service.name': 'kubelet-span-exporter',
      'service.version': '0.1.0',
      'k8s.node.name': 'node-a',
      ...POD_RESOURCE,
    },
    scope: { name: 'kubelet-span-exporter', version: '0.1.0' },
  });
  t.deepEqual(got['container app'], {
    traceId: TRACE,
    spanId: 'b7ad6b7169203331',
    parentSpanId: '00f067aa0ba902b7',
    traceState: '',
    name: 'container app',
    kind: 1,
    startNs: 1_700_000_001_000_000_001n,
    endNs: 1_700_000_002_000_000_000n,
    attributes: { 'k8s.container.name': 'app' },
    events: [],
    status: { code: 0, message: '' },
    flags: 0x301,
    resource: got['pod web-0']?.resource ?? {},
    scope,
  });
  t.is(got['pod api-1']?.traceId, '0af7651916cd43dd8448eb211c80319c');
  t.is(got['pod api-1']?.parentSpanId, 'd7ad6b7169203333');
  t.deepEqual(got['pod api-1']?.resource, {
    'service.name': 'api',
    'service.version': '0.1.0',
    'k8s.node.name': 'node-a',
    'k8s.pod.name': 'api-1',
  });
});

test('an UNAVAILABLE collector fails the batch; the outcome carries the gRPC code', async (t) => {
  const { rx, queue, outcomes } = await pipeline();
  rx.setResponder(() => ({
    code: grpc.status.UNAVAILABLE,
    details: 'overloaded',
    retryDelayMs: 250,
  }));
  queue.enqueue([podSpan, containerSpan]);
  t.deepEqual(await queue.flush(10_000), { delivered: 0, undelivered: 2 });
  t.is(rx.requests, 1);
  t.deepEqual(rx.spans, []);
  t.is(outcomes.length, 1);
  const outcome = outcomes[0]?.outcome;
  if (outcome?.ok !== false) {
    t.fail('expected a failed outcome');
    return;
  }
  const error = outcome.error as grpc.ServiceError;
  t.is(error.code, grpc.status.UNAVAILABLE);
  t.is(error.details, 'overloaded');
  t.is(error.metadata.get('grpc-status-details-bin').length, 1);
  t.like(queue.stats, { enqueued: 2, exported: 0, failed: 2, batchesOk: 0, batchesFailed: 1 });

  // The collector recovers: the next batch goes through on the same exporter.
  rx.setResponder(undefined);
  queue.enqueue([otherPodSpan]);
  t.deepEqual(await queue.flush(10_000), { delivered: 1, undelivered: 0 });
  t.deepEqual(
    rx.spans.map((s) => s.name),
    ['pod api-1'],
  );
});

test('an https:// url means TLS: a plaintext collector is never reached', async (t) => {
  const rx = await startOtlpReceiver();
  receivers.push(rx);
  const { queue, outcomes } = await pipeline(rx.url.replace('http://', 'https://'));
  queue.enqueue([podSpan]);
  t.deepEqual(await queue.flush(10_000), { delivered: 0, undelivered: 1 });
  t.is(outcomes[0]?.outcome.ok, false);
  t.is(rx.requests, 0);
});

test.serial(
  'a url without scheme is TLS unless OTEL_EXPORTER_OTLP_TRACES_INSECURE=true',
  async (t) => {
    // Serial: the exporter reads the variable at its first export, so no other test may see it set.
    const rx = await startOtlpReceiver();
    receivers.push(rx);
    const hostPort = rx.url.replace('http://', '');
    const previous = process.env.OTEL_EXPORTER_OTLP_TRACES_INSECURE;
    try {
      delete process.env.OTEL_EXPORTER_OTLP_TRACES_INSECURE;
      const secure = await pipeline(hostPort);
      secure.queue.enqueue([podSpan]);
      t.deepEqual(await secure.queue.flush(10_000), { delivered: 0, undelivered: 1 });
      t.is(rx.requests, 0);

      process.env.OTEL_EXPORTER_OTLP_TRACES_INSECURE = 'true';
      const plain = await pipeline(hostPort);
      plain.queue.enqueue([containerSpan]);
      t.deepEqual(await plain.queue.flush(10_000), { delivered: 1, undelivered: 0 });
    } finally {
      if (previous === undefined) delete process.env.OTEL_EXPORTER_OTLP_TRACES_INSECURE;
      else process.env.OTEL_EXPORTER_OTLP_TRACES_INSECURE = previous;
    }
    t.deepEqual(
      rx.spans.map((s) => s.name),
      ['container app'],
    );
  },
);

test.serial(
  'explicit metadata wins over OTEL_EXPORTER_OTLP_HEADERS, whose other keys the package still merges',
  async (t) => {
    // Serial: the exporter reads the environment when it is built, so no other test may see it.
    const seen: Record<string, unknown>[] = [];
    const server = new grpc.Server();
    server.addService(traceServiceClient().service, {
      Export: (
        call: grpc.ServerUnaryCall<unknown, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        seen.push(call.metadata.getMap());
        callback(null, {});
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    const previous = process.env.OTEL_EXPORTER_OTLP_HEADERS;
    let queue: SpanExportQueue;
    try {
      process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-tenant=from-env,x-extra=env-only';
      queue = new SpanExportQueue({
        target: createOtlpExporter({
          url: `http://127.0.0.1:${port}`,
          timeoutMillis: 5000,
          metadata: { 'x-tenant': 'explicit' },
        }),
        convertBatch: (batch) => toReadableSpans(batch, agent, scope),
      });
    } finally {
      if (previous === undefined) delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
      else process.env.OTEL_EXPORTER_OTLP_HEADERS = previous;
    }
    queues.push(queue);
    queue.enqueue([podSpan]);
    t.deepEqual(await queue.flush(10_000), { delivered: 1, undelivered: 0 });
    server.forceShutdown();
    t.is(seen.length, 1);
    t.is(seen[0]?.['x-tenant'], 'explicit');
    t.is(seen[0]?.['x-extra'], 'env-only');
  },
);
