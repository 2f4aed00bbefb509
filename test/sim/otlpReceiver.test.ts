import * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, TraceState } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import test from 'ava';
import { encodeRetryStatus, type OtlpReceiver, startOtlpReceiver } from '../../sim/otlpReceiver.js';

// Built by hand (not by src/export) so the receiver is checked against the upstream serializer only.
function readable(name: string, spanId = 'b7ad6b7169203331'): ReadableSpan {
  const context = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId,
    traceFlags: TraceFlags.SAMPLED,
    traceState: new TraceState('vendor=abc'),
  };
  return {
    name,
    kind: SpanKind.SERVER,
    spanContext: () => context,
    parentSpanContext: { ...context, spanId: '00f067aa0ba902b7', isRemote: true },
    startTime: [1_700_000_000, 123_456_789],
    endTime: [1_700_000_001, 987_654_321],
    status: { code: SpanStatusCode.ERROR, message: 'boom' },
    attributes: { s: 'x', i: 42, big: -7, d: 1.5, b: false, arr: ['a', 'b'] },
    links: [],
    events: [{ name: 'ev', time: [1_700_000_000, 999_999_999], attributes: { k: 'v', n: 1 } }],
    duration: [1, 864_197_532],
    ended: true,
    resource: resourceFromAttributes({ 'service.name': 'svc', 'k8s.pod.uid': 'u1' }),
    instrumentationScope: { name: 'scope-x', version: '9.9.9' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

function send(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

const receivers: OtlpReceiver[] = [];
const exporters: OTLPTraceExporter[] = [];

async function setup(port?: number): Promise<{ rx: OtlpReceiver; exporter: OTLPTraceExporter }> {
  const rx = await startOtlpReceiver(port === undefined ? {} : { port });
  receivers.push(rx);
  const exporter = new OTLPTraceExporter({ url: rx.url, timeoutMillis: 5000 });
  exporters.push(exporter);
  return { rx, exporter };
}

test.after.always(async () => {
  await Promise.all(exporters.map((e) => e.shutdown().catch(() => {})));
  await Promise.all(receivers.map((r) => r.close()));
});

test('decodes what the upstream OTLP/gRPC exporter sends, exactly', async (t) => {
  const { rx, exporter } = await setup();
  t.regex(rx.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const result = await send(exporter, [readable('one')]);
  t.is(result.code, ExportResultCode.SUCCESS);
  t.is(rx.requests, 1);
  t.deepEqual(rx.spans, [
    {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parentSpanId: '00f067aa0ba902b7',
      traceState: 'vendor=abc',
      name: 'one',
      kind: 2,
      startNs: 1_700_000_000_123_456_789n,
      endNs: 1_700_000_001_987_654_321n,
      attributes: { s: 'x', i: 42, big: -7, d: 1.5, b: false, arr: ['a', 'b'] },
      events: [{ name: 'ev', timeNs: 1_700_000_000_999_999_999n, attributes: { k: 'v', n: 1 } }],
      status: { code: 2, message: 'boom' },
      flags: 0x301,
      resource: { 'service.name': 'svc', 'k8s.pod.uid': 'u1' },
      scope: { name: 'scope-x', version: '9.9.9' },
    },
  ]);
});

test('a responder rejects a request with a status and RetryInfo; its spans are not kept', async (t) => {
  const { rx, exporter } = await setup();
  const seen: { names: string[]; attempt: number }[] = [];
  rx.setResponder(({ spans, attempt }) => {
    seen.push({ names: spans.map((s) => s.name), attempt });
    return attempt === 1
      ? { code: grpc.status.UNAVAILABLE, details: 'collector down', retryDelayMs: 1500 }
      : undefined;
  });
  const first = await send(exporter, [readable('rejected')]);
  t.is(first.code, ExportResultCode.FAILED);
  const error = first.error as grpc.ServiceError;
  t.is(error.code, grpc.status.UNAVAILABLE);
  t.is(error.details, 'collector down');
  const [details] = error.metadata.get('grpc-status-details-bin');
  t.true(Buffer.isBuffer(details));
  // google.rpc.Status{code:14, message:"collector down", details:[Any{RetryInfo{1s 500000000ns}}]}
  const typeUrl = Buffer.from('type.googleapis.com/google.rpc.RetryInfo');
  const duration = Buffer.from('08011080cab5ee01', 'hex');
  const retryInfo = Buffer.concat([Buffer.from([0x0a, duration.length]), duration]);
  const any = Buffer.concat([
    Buffer.from([0x0a, typeUrl.length]),
    typeUrl,
    Buffer.from([0x12, retryInfo.length]),
    retryInfo,
  ]);
  const message = Buffer.from('collector down');
  const expected = Buffer.concat([
    Buffer.from([0x08, 14, 0x12, message.length]),
    message,
    Buffer.from([0x1a, any.length]),
    any,
  ]);
  t.deepEqual(details, expected);
  t.deepEqual(encodeRetryStatus(14, 'collector down', 1500), expected);
  t.deepEqual(rx.spans, []);

  const second = await send(exporter, [readable('accepted')]);
  t.is(second.code, ExportResultCode.SUCCESS);
  t.deepEqual(
    rx.spans.map((s) => s.name),
    ['accepted'],
  );
  t.is(rx.requests, 2);
  t.deepEqual(seen, [
    { names: ['rejected'], attempt: 1 },
    { names: ['accepted'], attempt: 2 },
  ]);

  rx.setResponder(() => ({ code: grpc.status.RESOURCE_EXHAUSTED }));
  const third = await send(exporter, [readable('throttled')]);
  t.is((third.error as grpc.ServiceError).code, grpc.status.RESOURCE_EXHAUSTED);
  t.deepEqual((third.error as grpc.ServiceError).metadata.get('grpc-status-details-bin'), []);
  rx.setResponder(undefined);
  t.is((await send(exporter, [readable('fine')])).code, ExportResultCode.SUCCESS);
  t.deepEqual(
    rx.spans.map((s) => s.name),
    ['accepted', 'fine'],
  );
});

test('waitFor resolves on arrival and rejects with the received names on timeout', async (t) => {
  const { rx, exporter } = await setup();
  const arrived = rx.waitFor((spans) => spans.some((s) => s.name === 'late'), 10_000);
  await send(exporter, [readable('early', '1111111111111111'), readable('late')]);
  await t.notThrowsAsync(arrived);
  const error = await t.throwsAsync(rx.waitFor((spans) => spans.length > 5, 50));
  t.regex(error?.message ?? '', /timed out after 50 ms; received 2 span\(s\) in 1 request\(s\)/);
  t.regex(error?.message ?? '', /\[early, late\]/);
});

test('a receiver can be restarted on the same port and the same exporter reaches it', async (t) => {
  const { rx, exporter } = await setup();
  t.is((await send(exporter, [readable('before')])).code, ExportResultCode.SUCCESS);
  const pending = rx.waitFor(() => false, 10_000);
  await rx.close();
  await t.throwsAsync(pending, { message: /receiver closed/ });
  const down = await send(exporter, [readable('while down')]);
  t.is(down.code, ExportResultCode.FAILED);
  t.is((down.error as grpc.ServiceError).code, grpc.status.UNAVAILABLE);

  const back = await startOtlpReceiver({ port: rx.port });
  receivers.push(back);
  t.is(back.url, rx.url);
  t.is(back.requests, 0);
  let result = await send(exporter, [readable('after')]);
  // grpc-js may still be backing off from the failed connect; the next call goes through.
  for (let i = 0; i < 80 && result.code !== ExportResultCode.SUCCESS; i++) {
    await new Promise((r) => setTimeout(r, 250));
    result = await send(exporter, [readable('after')]);
  }
  t.is(result.code, ExportResultCode.SUCCESS);
  t.deepEqual(
    back.spans.map((s) => s.name),
    ['after'],
  );
});
