/**
 * Owns the construction of the OTLP/gRPC trace exporter from explicit options (built from
 * `Config` by the composition root): URL, gRPC metadata, channel credentials, compression and
 * timeout.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { ExportTarget } from './spanExportQueue.js';

/** TLS files of an `https://` collector endpoint (paths relative to the working directory). */
export interface OtlpTlsFiles {
  readonly caFile?: string;
  readonly clientKeyFile?: string;
  readonly clientCertificateFile?: string;
}

export interface OtlpExporterOptions {
  /** Collector endpoint, e.g. `http://otel-collector:4317`. */
  readonly url: string;
  /** gRPC deadline per export call (ms). */
  readonly timeoutMillis: number;
  /**
   * gRPC metadata sent with every export (OTEL_EXPORTER_OTLP_[TRACES_]HEADERS, parsed by the
   * config). The exporter package still adds the keys of those variables it finds in the
   * environment that are not set here: an explicit key always wins.
   * @default {}
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /** @default 'none' */
  readonly compression?: 'gzip' | 'none';
  /**
   * TLS files for an `https://` endpoint; ignored for `http://` (plaintext). Without a CA file
   * Node's root CAs verify the collector.
   */
  readonly tls?: OtlpTlsFiles;
}

/**
 * An OTLP/gRPC trace exporter (`OTLPTraceExporter` of @opentelemetry/exporter-trace-otlp-grpc
 * 0.223.1). It never retries: one `export()` is one `TraceService/Export` call whose failure is
 * reported to the callback (a grpc-js `ServiceError` carrying `code` and `metadata`).
 *
 * Everything is passed explicitly, so the package's own reading of `OTEL_EXPORTER_OTLP_*` only
 * matters where nothing is passed: it merges the HEADERS variables' keys into the metadata when
 * a key is not set explicitly (see README "Configuration").
 *
 * How 0.223.1 resolves `url` (otlp-grpc-exporter-base, configuration/*): only `host:port` is kept
 * (a path is ignored with a diag warning). The exporter caps concurrent exports at
 * 30 (`Concurrent export limit reached`); our queue sends one at a time, so that limit is never
 * reached.
 */
export function createOtlpExporter(options: OtlpExporterOptions): ExportTarget {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
  return new OTLPTraceExporter({
    url: options.url,
    timeoutMillis: options.timeoutMillis,
    metadata,
    ...channelCredentials(options),
    // The package's CompressionAlgorithm enum holds exactly these strings.
    compression: (options.compression ?? 'none') as never,
  });
}

/**
 * Credentials follow the scheme: `http://` → plaintext, `https://` → TLS with the given files.
 * A url without a scheme (never built by the config) is left to the package, which reads
 * OTEL_EXPORTER_OTLP_[TRACES_]INSECURE for it.
 */
function channelCredentials(options: OtlpExporterOptions) {
  if (options.url.startsWith('http://')) return { credentials: credentials.createInsecure() };
  if (options.url.startsWith('https://')) return { credentials: tlsCredentials(options.tls ?? {}) };
  return {};
}

/**
 * TLS credentials from the files, as the exporter package builds them from the environment: an
 * unreadable file is left out, and a CA without both client files makes plain (non-mTLS) TLS.
 */
function tlsCredentials(tls: OtlpTlsFiles) {
  const ca = readOptional(tls.caFile);
  const key = readOptional(tls.clientKeyFile);
  const cert = readOptional(tls.clientCertificateFile);
  if (key === undefined || cert === undefined) return credentials.createSsl(ca);
  return credentials.createSsl(ca, key, cert);
}

function readOptional(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(resolve(process.cwd(), file));
  } catch {
    return undefined;
  }
}
