import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { ExportTarget } from './spanExportQueue.js';

export interface OtlpExporterOptions {
  /**
   * Collector endpoint, e.g. `http://otel-collector:4317`. Takes precedence over
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT.
   */
  readonly url: string;
  /**
   * gRPC deadline per export call (ms). When omitted, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT /
   * OTEL_EXPORTER_OTLP_TIMEOUT apply. @default 10000
   */
  readonly timeoutMillis?: number;
}

/**
 * An OTLP/gRPC trace exporter (`OTLPTraceExporter` of @opentelemetry/exporter-trace-otlp-grpc
 * 0.223.1). It never retries: one `export()` is one `TraceService/Export` call whose failure is
 * reported to the callback (a grpc-js `ServiceError` carrying `code` and `metadata`).
 *
 * The exporter itself reads from `process.env`: OTEL_EXPORTER_OTLP_[TRACES_]HEADERS (gRPC
 * metadata), …_CERTIFICATE, …_CLIENT_KEY, …_CLIENT_CERTIFICATE, …_COMPRESSION (`gzip`),
 * …_INSECURE and …_TIMEOUT.
 *
 * How 0.223.1 resolves `url` (otlp-grpc-exporter-base, configuration/*):
 * - only `host:port` is kept: a path is ignored with a diag warning; a missing scheme is read as
 *   `https://`;
 * - credentials come from the raw url's scheme: `http://` → insecure (plaintext h2c), whatever
 *   …_INSECURE says; `https://` → TLS with the certificate/key files from the env above (…_INSECURE
 *   ignored); no scheme → TLS unless OTEL_EXPORTER_OTLP_[TRACES_]INSECURE=true;
 * - `unix://…` is passed through to grpc-js unchanged (credentials as for no scheme).
 * The exporter caps concurrent exports at 30 (`Concurrent export limit reached`); our queue sends
 * one at a time, so that limit is never reached.
 */
export function createOtlpExporter(options: OtlpExporterOptions): ExportTarget {
  return new OTLPTraceExporter({
    url: options.url,
    ...(options.timeoutMillis !== undefined ? { timeoutMillis: options.timeoutMillis } : {}),
  });
}
