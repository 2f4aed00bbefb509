/**
 * Writes received spans as OTLP/JSON (the `ExportTraceServiceRequest` JSON mapping that
 * collectors, `otel-cli` and Jaeger's "JSON File" upload read): ids as lowercase hex, times and
 * 64-bit integers as decimal strings, enums as numbers, spans grouped by resource and scope.
 */
import type { ReceivedAttributes, ReceivedSpan, ReceivedValue } from '../../sim/otlpReceiver.js';
import { stableKey } from './stableKey.js';

export type OtlpJsonValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { bytesValue: string }
  | { arrayValue: { values: OtlpJsonValue[] } }
  | { kvlistValue: { values: OtlpJsonKeyValue[] } }
  | Record<string, never>;

export interface OtlpJsonKeyValue {
  key: string;
  value: OtlpJsonValue;
}

export interface OtlpJsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  flags?: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpJsonKeyValue[];
  events: { timeUnixNano: string; name: string; attributes: OtlpJsonKeyValue[] }[];
  status: { code?: number; message?: string };
}

export interface OtlpJsonDocument {
  resourceSpans: {
    resource: { attributes: OtlpJsonKeyValue[] };
    scopeSpans: { scope: { name: string; version?: string }; spans: OtlpJsonSpan[] }[];
  }[];
}

/** The OTLP/JSON AnyValue of a decoded attribute value. */
function otlpJsonValue(value: ReceivedValue): OtlpJsonValue {
  if (value === null) return {};
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'bigint') return { intValue: value.toString() };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  }
  if (Buffer.isBuffer(value)) return { bytesValue: value.toString('base64') };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(otlpJsonValue) } };
  return { kvlistValue: { values: otlpJsonAttributes(value) } };
}

/** Attributes as OTLP/JSON key-values, in insertion order. */
export function otlpJsonAttributes(attributes: ReceivedAttributes): OtlpJsonKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: otlpJsonValue(value) }));
}

function spanJson(s: ReceivedSpan): OtlpJsonSpan {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId !== '' ? { parentSpanId: s.parentSpanId } : {}),
    ...(s.traceState !== '' ? { traceState: s.traceState } : {}),
    ...(s.flags !== undefined ? { flags: s.flags } : {}),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startNs.toString(),
    endTimeUnixNano: s.endNs.toString(),
    attributes: otlpJsonAttributes(s.attributes),
    events: s.events.map((e) => ({
      timeUnixNano: e.timeNs.toString(),
      name: e.name,
      attributes: otlpJsonAttributes(e.attributes),
    })),
    status:
      s.status.code === 0
        ? {}
        : { code: s.status.code, ...(s.status.message ? { message: s.status.message } : {}) },
  };
}

/** One `resourceSpans` entry per distinct resource, one `scopeSpans` per scope inside it. */
export function toOtlpJson(spans: readonly ReceivedSpan[]): OtlpJsonDocument {
  const resources = new Map<
    string,
    { resource: ReceivedAttributes; scopes: Map<string, OtlpJsonSpan[]> }
  >();
  const scopesByKey = new Map<string, { name: string; version: string }>();
  for (const s of spans) {
    const resourceKey = stableKey(s.resource);
    let entry = resources.get(resourceKey);
    if (entry === undefined) {
      entry = { resource: s.resource, scopes: new Map() };
      resources.set(resourceKey, entry);
    }
    const scopeKey = stableKey(s.scope);
    scopesByKey.set(scopeKey, s.scope);
    const list = entry.scopes.get(scopeKey) ?? [];
    list.push(spanJson(s));
    entry.scopes.set(scopeKey, list);
  }
  return {
    resourceSpans: [...resources.values()].map(({ resource, scopes }) => ({
      resource: { attributes: otlpJsonAttributes(resource) },
      scopeSpans: [...scopes.entries()].map(([key, list]) => {
        const scope = scopesByKey.get(key) ?? { name: '', version: '' };
        return {
          scope: { name: scope.name, ...(scope.version ? { version: scope.version } : {}) },
          spans: list,
        };
      }),
    })),
  };
}
