/**
 * Owns the export edge's conversion of core spans into SDK `ReadableSpan`s, a batch at a time
 * with one merged Resource per pod within the batch.
 */
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

function resourceKey(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  return JSON.stringify(keys.map((k) => [k, attributes[k]]));
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
 * Turns a batch of core `SpanData` into the SDK's `ReadableSpan`s for an exporter, in order. Each
 * span's resource is `agentResource` merged with the span's own resource attributes (the span's
 * win); spans with equal resource attributes (the spans of one pod) share one Resource object
 * within the batch, because the OTLP transformer groups spans into `ResourceSpans` by Resource
 * object identity. Nothing is kept between batches.
 */
export function toReadableSpans(
  spans: readonly SpanData[],
  agentResource: Resource,
  scope: InstrumentationScope,
): ReadableSpan[] {
  const resources = new Map<string, Resource>();
  return spans.map((span) => {
    const key = resourceKey(span.resource);
    let resource = resources.get(key);
    if (!resource) {
      // merge(): the argument's attributes win over the receiver's.
      resource = agentResource.merge(resourceFromAttributes(copyAttributes(span.resource)));
      resources.set(key, resource);
    }
    return toReadableSpan(span, resource, scope);
  });
}

/**
 * Turns a core `SpanData` into the SDK's `ReadableSpan` for an exporter: kind INTERNAL, sampled,
 * parent context in the same trace (remote for the pod span, whose parent is the propagated context;
 * none for a root), the pod's tracestate, exact `HrTime`s and duration,
 * no links, nothing dropped, with `resource` (already merged) as its resource.
 */
function toReadableSpan(
  span: SpanData,
  resource: Resource,
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
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
