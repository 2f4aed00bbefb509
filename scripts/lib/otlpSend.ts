/**
 * Sends spans to an OTLP/gRPC endpoint (insecure, loopback in the demo) with one Export call, as
 * an instrumented tool would. Uses the proto of the test receiver, so what is sent is exactly
 * what the receiver decodes.
 */
import * as grpc from '@grpc/grpc-js';
import { type ReceivedSpan, traceServiceClient } from '../../sim/otlpReceiver.js';
import { otlpJsonAttributes } from './otlpJson.js';

type ExportClient = grpc.Client & {
  Export(
    request: unknown,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null) => void,
  ): void;
};

/** The request object (proto-loader form: ids as bytes, 64-bit values as strings). */
export function exportRequest(spans: readonly ReceivedSpan[]): unknown {
  const byResource = new Map<string, ReceivedSpan[]>();
  for (const s of spans) {
    const key = JSON.stringify(s.resource);
    byResource.set(key, [...(byResource.get(key) ?? []), s]);
  }
  return {
    resourceSpans: [...byResource.values()].map((list) => ({
      resource: { attributes: otlpJsonAttributes((list[0] as ReceivedSpan).resource) },
      scopeSpans: [
        {
          scope: (list[0] as ReceivedSpan).scope,
          spans: list.map((s) => ({
            traceId: Buffer.from(s.traceId, 'hex'),
            spanId: Buffer.from(s.spanId, 'hex'),
            ...(s.parentSpanId ? { parentSpanId: Buffer.from(s.parentSpanId, 'hex') } : {}),
            ...(s.traceState ? { traceState: s.traceState } : {}),
            name: s.name,
            kind: s.kind,
            startTimeUnixNano: s.startNs.toString(),
            endTimeUnixNano: s.endNs.toString(),
            attributes: otlpJsonAttributes(s.attributes),
            events: [],
            status: { code: s.status.code, message: s.status.message },
            ...(s.flags !== undefined ? { flags: s.flags } : {}),
          })),
        },
      ],
    })),
  };
}

/** One Export call to `url` (`http://host:port`); rejects on a non-OK status or after 10 s. */
export async function sendSpans(url: string, spans: readonly ReceivedSpan[]): Promise<void> {
  const Client = traceServiceClient();
  const client = new Client(
    new URL(url).host,
    grpc.credentials.createInsecure(),
  ) as unknown as ExportClient;
  try {
    await new Promise<void>((resolve, reject) => {
      client.Export(exportRequest(spans), { deadline: Date.now() + 10_000 }, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  } finally {
    client.close();
  }
}
