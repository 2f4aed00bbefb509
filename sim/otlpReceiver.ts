/**
 * An OTLP/gRPC trace receiver for tests, demos and benchmarks: a real grpc-js server that decodes
 * what arrives on the wire with its own copy of the trace service (`otlp/trace_service.proto`,
 * written here) and keeps the spans, decoded, in arrival order; a responder can reject requests
 * (status and RetryInfo) to play a collector under pressure or down.
 *
 * Plain module (no test-framework imports).
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * A decoded OTLP attribute value: `int_value` as a number (a bigint beyond ±2^53), arrays as
 * arrays, `kvlist_value` as a plain object, `bytes_value` as a Buffer, an empty AnyValue as null.
 */
export type ReceivedValue =
  | string
  | number
  | bigint
  | boolean
  | Buffer
  | null
  | ReceivedValue[]
  | { [key: string]: ReceivedValue };

export type ReceivedAttributes = Record<string, ReceivedValue>;

/** One span as it arrived on the wire, flattened with its resource and scope. */
export interface ReceivedSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** 16 lowercase hex digits, or '' for a root span. */
  parentSpanId: string;
  /** W3C tracestate, '' when absent. */
  traceState: string;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** Nanoseconds since the Unix epoch, exact. */
  startNs: bigint;
  /** Nanoseconds since the Unix epoch, exact. */
  endNs: bigint;
  attributes: ReceivedAttributes;
  events: { name: string; timeNs: bigint; attributes: ReceivedAttributes }[];
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  /** The OTLP span flags (low byte W3C trace flags, 0x100 has-is-remote, 0x200 is-remote). */
  flags?: number;
  resource: ReceivedAttributes;
  scope: { name: string; version: string };
}

/** What the receiver answers to one Export call: a non-OK gRPC status. */
export interface ReceiverAnswer {
  /** gRPC status code, e.g. `grpc.status.UNAVAILABLE` (14). */
  code: number;
  /** Status message. */
  details?: string;
  /**
   * When set, a `google.rpc.Status` carrying a `google.rpc.RetryInfo` with this delay (ms) is sent
   * in the `grpc-status-details-bin` trailer, as collectors do to throttle clients.
   */
  retryDelayMs?: number;
}

/**
 * Decides the answer per request. `attempt` is the 1-based ordinal of this Export call on this
 * receiver. Returning undefined answers OK.
 */
export type Responder = (req: {
  spans: ReceivedSpan[];
  attempt: number;
}) => ReceiverAnswer | undefined;

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: an OTLP/gRPC endpoint without TLS. */
  readonly url: string;
  readonly port: number;
  /** Spans of every accepted request, in arrival order (spans of rejected requests are not kept). */
  readonly spans: readonly ReceivedSpan[];
  /** Export calls received, accepted or rejected. */
  readonly requests: number;
  /** Sets (or with undefined clears) the function that decides each request's answer. */
  setResponder(fn: Responder | undefined): void;
  /**
   * Resolves once `predicate(spans)` holds (checked now and after every accepted request); rejects
   * after `timeoutMs` with a message listing the span names received so far.
   * @param timeoutMs @default 20000 (generous: a loaded CI machine runs many agents at once)
   */
  waitFor(
    predicate: (spans: readonly ReceivedSpan[]) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  /** Stops the server (graceful, forced after 1 s); pending `waitFor` calls reject. */
  close(): Promise<void>;
}

const PROTO_PATH = fileURLToPath(new URL('./otlp/trace_service.proto', import.meta.url));

/**
 * The OTLP `TraceService` from the `.proto` written here (int64 as strings, bytes as Buffers):
 * its `.service` definition for a server, or a client constructor (the demo sends with it).
 */
export function traceServiceClient(): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(PROTO_PATH, {
    keepCase: false,
    longs: String,
    enums: Number,
    bytes: Buffer,
    defaults: false,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    opentelemetry: {
      proto: { collector: { trace: { v1: { TraceService: grpc.ServiceClientConstructor } } } };
    };
  };
  return loaded.opentelemetry.proto.collector.trace.v1.TraceService;
}

interface RawAnyValue {
  value?: string;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: RawAnyValue[] };
  kvlistValue?: { values?: RawKeyValue[] };
  bytesValue?: Buffer;
}
interface RawKeyValue {
  key?: string;
  value?: RawAnyValue;
}
interface RawSpan {
  traceId?: Buffer;
  spanId?: Buffer;
  traceState?: string;
  parentSpanId?: Buffer;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: RawKeyValue[];
  events?: { timeUnixNano?: string; name?: string; attributes?: RawKeyValue[] }[];
  status?: { message?: string; code?: number };
  flags?: number;
}
interface RawRequest {
  resourceSpans?: {
    resource?: { attributes?: RawKeyValue[] };
    scopeSpans?: { scope?: { name?: string; version?: string }; spans?: RawSpan[] }[];
  }[];
}

function decodeValue(v: RawAnyValue | undefined): ReceivedValue {
  switch (v?.value) {
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return v.boolValue ?? false;
    case 'intValue': {
      const n = BigInt(v.intValue ?? '0');
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(n)
        : n;
    }
    case 'doubleValue':
      return v.doubleValue ?? 0;
    case 'arrayValue':
      return (v.arrayValue?.values ?? []).map(decodeValue);
    case 'kvlistValue':
      return decodeAttributes(v.kvlistValue?.values);
    case 'bytesValue':
      return v.bytesValue ?? Buffer.alloc(0);
    default:
      return null;
  }
}

function decodeAttributes(kvs: RawKeyValue[] | undefined): ReceivedAttributes {
  const out: ReceivedAttributes = {};
  for (const kv of kvs ?? []) out[kv.key ?? ''] = decodeValue(kv.value);
  return out;
}

const hex = (b: Buffer | undefined): string => (b ? b.toString('hex') : '');

function decodeRequest(req: RawRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = decodeAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' };
      for (const s of ss.spans ?? []) {
        const span: ReceivedSpan = {
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          traceState: s.traceState ?? '',
          name: s.name ?? '',
          kind: s.kind ?? 0,
          startNs: BigInt(s.startTimeUnixNano ?? '0'),
          endNs: BigInt(s.endTimeUnixNano ?? '0'),
          attributes: decodeAttributes(s.attributes),
          events: (s.events ?? []).map((e) => ({
            name: e.name ?? '',
            timeNs: BigInt(e.timeUnixNano ?? '0'),
            attributes: decodeAttributes(e.attributes),
          })),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          resource,
          scope,
        };
        if (s.flags !== undefined) span.flags = s.flags;
        spans.push(span);
      }
    }
  }
  return spans;
}

// --- hand-rolled protobuf for google.rpc.Status { code, message, details: [Any(RetryInfo)] } ---

function varint(value: bigint): Buffer {
  const bytes: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0n);
  return Buffer.from(bytes);
}

const fieldVarint = (field: number, value: bigint): Buffer =>
  Buffer.concat([varint(BigInt(field << 3)), varint(value)]);

const fieldBytes = (field: number, value: Buffer): Buffer =>
  Buffer.concat([varint(BigInt((field << 3) | 2)), varint(BigInt(value.length)), value]);

/** Encodes `google.rpc.Status` with one `google.rpc.RetryInfo` detail. */
export function encodeRetryStatus(code: number, message: string, retryDelayMs: number): Buffer {
  const totalNs = BigInt(Math.max(0, Math.round(retryDelayMs * 1e6)));
  const seconds = totalNs / 1_000_000_000n;
  const nanos = totalNs % 1_000_000_000n;
  const duration = Buffer.concat([
    seconds ? fieldVarint(1, seconds) : Buffer.alloc(0),
    nanos ? fieldVarint(2, nanos) : Buffer.alloc(0),
  ]);
  const retryInfo = fieldBytes(1, duration);
  const any = Buffer.concat([
    fieldBytes(1, Buffer.from('type.googleapis.com/google.rpc.RetryInfo')),
    fieldBytes(2, retryInfo),
  ]);
  return Buffer.concat([
    fieldVarint(1, BigInt(code)),
    message ? fieldBytes(2, Buffer.from(message)) : Buffer.alloc(0),
    fieldBytes(3, any),
  ]);
}

// --- the server ---

interface Waiter {
  predicate: (spans: readonly ReceivedSpan[]) => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Starts a real OTLP/gRPC trace receiver on 127.0.0.1 (insecure) that decodes every Export call.
 * @param options.port fixed port, to restart a collector where a previous one listened;
 *   @default 0 (any free port)
 */
export async function startOtlpReceiver(options: { port?: number } = {}): Promise<OtlpReceiver> {
  const service = traceServiceClient().service;

  const spans: ReceivedSpan[] = [];
  let requests = 0;
  let responder: Responder | undefined;
  const waiters = new Set<Waiter>();

  const checkWaiters = (): void => {
    for (const w of waiters) {
      let ok = false;
      try {
        ok = w.predicate(spans);
      } catch (error) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (ok) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve();
      }
    }
  };

  const server = new grpc.Server();
  server.addService(service, {
    Export: (
      call: grpc.ServerUnaryCall<RawRequest, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      requests += 1;
      let received: ReceivedSpan[];
      try {
        received = decodeRequest(call.request);
      } catch (error) {
        callback({ code: grpc.status.INTERNAL, details: `receiver could not decode: ${error}` });
        return;
      }
      let answer: ReceiverAnswer | undefined;
      try {
        answer = responder?.({ spans: received, attempt: requests });
      } catch (error) {
        answer = { code: grpc.status.INTERNAL, details: `responder threw: ${error}` };
      }
      if (answer && answer.code !== grpc.status.OK) {
        const metadata = new grpc.Metadata();
        if (answer.retryDelayMs !== undefined) {
          metadata.set(
            'grpc-status-details-bin',
            encodeRetryStatus(answer.code, answer.details ?? '', answer.retryDelayMs),
          );
        }
        callback({ code: answer.code, details: answer.details ?? '', metadata });
        return;
      }
      spans.push(...received);
      callback(null, {});
      checkWaiters();
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `127.0.0.1:${options.port ?? 0}`,
      grpc.ServerCredentials.createInsecure(),
      (error, boundPort) => (error ? reject(error) : resolve(boundPort)),
    );
  });

  const describe = (): string =>
    `received ${spans.length} span(s) in ${requests} request(s): [${spans
      .map((s) => s.name)
      .join(', ')}]`;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get spans() {
      return spans;
    },
    get requests() {
      return requests;
    },
    setResponder(fn) {
      responder = fn;
    },
    waitFor(predicate, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        if (predicate(spans)) {
          resolve();
          return;
        }
        const waiter: Waiter = {
          predicate,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            reject(new Error(`waitFor timed out after ${timeoutMs} ms; ${describe()}`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    async close() {
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.reject(new Error(`receiver closed before the condition held; ${describe()}`));
      }
      waiters.clear();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
