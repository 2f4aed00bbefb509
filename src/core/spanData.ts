import type { Time } from './time.js';

/** An attribute value as OpenTelemetry accepts it (homogeneous arrays only). */
export type AttributeValue = string | number | boolean | readonly string[];
export type Attributes = Readonly<Record<string, AttributeValue>>;

export interface SpanEvent {
  readonly name: string;
  readonly time: Time;
  readonly attributes: Attributes;
}

/**
 * A finished span as the pure core builds it: no SDK types, all ids lowercase hex. The export
 * edge turns it into an SDK `ReadableSpan`; the same `SpanData` always yields the same bytes.
 */
export interface SpanData {
  /** 32 lowercase hex digits, never all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, never all zero; derived from `key`. */
  readonly spanId: string;
  /** 16 lowercase hex digits: the pod's context for a pod span, the pod span for its children. */
  readonly parentSpanId: string;
  /** `true` when the parent is the pod's propagated context (the pod span), `false` for our own pod span. */
  readonly parentIsRemote: boolean;
  /** W3C `tracestate` of the pod's context, carried by every span of the pod. */
  readonly traceState?: string;
  readonly name: string;
  readonly start: Time;
  /** Never before `start`. */
  readonly end: Time;
  readonly attributes: Attributes;
  readonly events: readonly SpanEvent[];
  readonly status: { readonly code: 'unset' | 'error'; readonly message?: string };
  /** Resource attributes of the observed pod (agent-wide ones are added by the export edge). */
  readonly resource: Attributes;
  /**
   * The identity the span id was hashed from: `traceId/podUid/role/name/run`. Stable across
   * agent restarts; the checkpoint records acknowledged spans by it.
   */
  readonly key: string;
  /** uid of the observed pod. */
  readonly podUid: string;
}

/** Hex digest of a string (sha256 or any other well-mixed hash); handed to the core from outside. */
export type HashFn = (input: string) => string;
