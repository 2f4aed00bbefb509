/**
 * Writes received spans in Jaeger's own JSON (what its query API returns and what the Jaeger UI's
 * "JSON File" upload opens without a running backend): `{"data":[trace...]}`, one entry per trace
 * with its spans (ids as hex, times and durations in microseconds, `CHILD_OF` references, typed
 * tags, events as logs) and its processes (one per distinct resource: `service.name` and the
 * other resource attributes as tags).
 */
import type { ReceivedAttributes, ReceivedSpan, ReceivedValue } from '../../sim/otlpReceiver.js';
import { stableKey } from './stableKey.js';

export interface JaegerTag {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64' | 'binary';
  value: string | boolean | number;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: 'CHILD_OF'; traceID: string; spanID: string }[];
  /** Microseconds since the epoch. */
  startTime: number;
  /** Microseconds. */
  duration: number;
  tags: JaegerTag[];
  logs: { timestamp: number; fields: JaegerTag[] }[];
  processID: string;
  warnings: string[] | null;
  flags: number;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerTag[] }>;
  warnings: string[] | null;
}

export interface JaegerDocument {
  data: JaegerTrace[];
}

const STATUS = ['UNSET', 'OK', 'ERROR'];
const KIND = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** A Jaeger tag of an attribute value; arrays and maps become JSON strings, as Jaeger does. */
function jaegerTag(key: string, value: ReceivedValue): JaegerTag {
  if (typeof value === 'string') return { key, type: 'string', value };
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n)
      ? { key, type: 'int64', value: n }
      : { key, type: 'string', value: value.toString() };
  }
  if (typeof value === 'number') {
    return { key, type: Number.isInteger(value) ? 'int64' : 'float64', value };
  }
  if (Buffer.isBuffer(value)) return { key, type: 'binary', value: value.toString('base64') };
  if (value === null) return { key, type: 'string', value: '' };
  return { key, type: 'string', value: stableKey(value) };
}

const tags = (attributes: ReceivedAttributes): JaegerTag[] =>
  Object.entries(attributes).map(([k, v]) => jaegerTag(k, v));

const micros = (ns: bigint): number => Number(ns / 1000n);

function spanTags(s: ReceivedSpan): JaegerTag[] {
  const out = tags(s.attributes);
  if (s.scope.name) out.push({ key: 'otel.scope.name', type: 'string', value: s.scope.name });
  if (s.scope.version) {
    out.push({ key: 'otel.scope.version', type: 'string', value: s.scope.version });
  }
  out.push({ key: 'span.kind', type: 'string', value: KIND[s.kind] ?? 'unspecified' });
  if (s.status.code !== 0) {
    out.push({ key: 'otel.status_code', type: 'string', value: STATUS[s.status.code] ?? 'UNSET' });
    if (s.status.message) {
      out.push({ key: 'otel.status_description', type: 'string', value: s.status.message });
    }
  }
  if (s.status.code === 2) out.push({ key: 'error', type: 'bool', value: true });
  if (s.traceState) out.push({ key: 'w3c.tracestate', type: 'string', value: s.traceState });
  return out;
}

/** One trace per trace id (in order of first appearance); a span id received twice is kept once. */
export function toJaegerJson(spans: readonly ReceivedSpan[]): JaegerDocument {
  const traces = new Map<
    string,
    { spans: JaegerSpan[]; ids: Set<string>; processes: Map<string, string>; trace: JaegerTrace }
  >();
  for (const s of spans) {
    let entry = traces.get(s.traceId);
    if (entry === undefined) {
      const trace: JaegerTrace = { traceID: s.traceId, spans: [], processes: {}, warnings: null };
      entry = { spans: trace.spans, ids: new Set(), processes: new Map(), trace };
      traces.set(s.traceId, entry);
    }
    if (entry.ids.has(s.spanId)) continue;
    entry.ids.add(s.spanId);
    const resourceKey = stableKey(s.resource);
    let processID = entry.processes.get(resourceKey);
    if (processID === undefined) {
      processID = `p${entry.processes.size + 1}`;
      entry.processes.set(resourceKey, processID);
      const { 'service.name': service, ...rest } = s.resource;
      entry.trace.processes[processID] = {
        serviceName: typeof service === 'string' && service !== '' ? service : 'unknown_service',
        tags: tags(rest),
      };
    }
    entry.spans.push({
      traceID: s.traceId,
      spanID: s.spanId,
      operationName: s.name,
      references:
        s.parentSpanId === ''
          ? []
          : [{ refType: 'CHILD_OF', traceID: s.traceId, spanID: s.parentSpanId }],
      startTime: micros(s.startNs),
      duration: micros(s.endNs - s.startNs),
      tags: spanTags(s),
      logs: s.events.map((e) => ({
        timestamp: micros(e.timeNs),
        fields: [{ key: 'event', type: 'string', value: e.name }, ...tags(e.attributes)],
      })),
      processID,
      warnings: null,
      flags: 1,
    });
  }
  return { data: [...traces.values()].map((e) => e.trace) };
}
