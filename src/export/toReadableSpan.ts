import {
  type HrTime,
  type Attributes as OtelAttributes,
  type SpanContext,
  SpanKind,
  type SpanStatus,
  SpanStatusCode,
  TraceFlags,
} from '@opentelemetry/api';
import { type InstrumentationScope, TraceState } from '@opentelemetry/core';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { Attributes, SpanData } from '../core/spanData.js';
import { timeFromNanos, toNanos } from '../core/time.js';

/** Merged resources kept per agent resource. */
const RESOURCE_CACHE_LIMIT = 1000;

/**
 * agent resource → (stable key of a span's resource attributes → merged Resource). The cache is
 * not only a saving: the OTLP transformer groups spans into `ResourceSpans` by Resource object
 * identity, so spans of one pod must share one Resource object or each would be sent with its own
 * copy of the resource.
 */
const mergedResources = new WeakMap<Resource, Map<string, Resource>>();

function resourceKey(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  return JSON.stringify(keys.map((k) => [k, attributes[k]]));
}

function mergedResource(agentResource: Resource, attributes: Attributes): Resource {
  let cache = mergedResources.get(agentResource);
  if (!cache) {
    cache = new Map();
    mergedResources.set(agentResource, cache);
  }
  const key = resourceKey(attributes);
  const hit = cache.get(key);
  if (hit) {
    // Re-insert: Map iteration order then approximates least-recently-used first.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  // merge(): the argument's attributes win over the receiver's.
  const merged = agentResource.merge(resourceFromAttributes(copyAttributes(attributes)));
  if (cache.size >= RESOURCE_CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(key, merged);
  return merged;
}

function copyAttributes(attributes: Attributes): OtelAttributes {
  const out: OtelAttributes = {};
  for (const [k, v] of Object.entries(attributes)) {
    out[k] = typeof v === 'object' ? [...v] : v;
  }
  return out;
}

const hrTime = (t: readonly [number, number]): HrTime => [t[0], t[1]];

/**
 * Turns a core `SpanData` into the SDK's `ReadableSpan` for an exporter: kind INTERNAL, sampled,
 * parent context in the same trace (remote for the pod span, whose parent is the propagated context;
 * none for a root), the pod's tracestate, exact `HrTime`s and duration,
 * no links, nothing dropped. The resource is `agentResource` merged with the span's own resource
 * attributes (the span's win); merged resources are cached (≤ 1000 per agent resource, least
 * recently used evicted) so that equal span resources yield the same Resource object.
 */
export function toReadableSpan(
  span: SpanData,
  agentResource: Resource,
  scope: InstrumentationScope,
): ReadableSpan {
  const traceState = span.traceState ? new TraceState(span.traceState) : undefined;
  const context: SpanContext = {
    traceId: span.traceId,
    spanId: span.spanId,
    traceFlags: TraceFlags.SAMPLED,
    ...(traceState ? { traceState } : {}),
  };
  // A root (the pod span of a group-origin pod) has no parent context at all.
  const parentSpanContext: SpanContext | undefined =
    span.parentSpanId === ''
      ? undefined
      : {
          traceId: span.traceId,
          spanId: span.parentSpanId,
          traceFlags: TraceFlags.SAMPLED,
          isRemote: span.parentIsRemote,
          ...(traceState ? { traceState } : {}),
        };
  const status: SpanStatus =
    span.status.code === 'error'
      ? {
          code: SpanStatusCode.ERROR,
          ...(span.status.message !== undefined ? { message: span.status.message } : {}),
        }
      : { code: SpanStatusCode.UNSET };
  const events: TimedEvent[] = span.events.map((e) => ({
    name: e.name,
    time: hrTime(e.time),
    attributes: copyAttributes(e.attributes),
    droppedAttributesCount: 0,
  }));
  const durationNs = toNanos(span.end) - toNanos(span.start);
  return {
    name: span.name,
    kind: SpanKind.INTERNAL,
    spanContext: () => context,
    ...(parentSpanContext ? { parentSpanContext } : {}),
    startTime: hrTime(span.start),
    endTime: hrTime(span.end),
    status,
    attributes: copyAttributes(span.attributes),
    links: [],
    events,
    duration: hrTime(timeFromNanos(durationNs > 0n ? durationNs : 0n)),
    ended: true,
    resource: mergedResource(agentResource, span.resource),
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
