/**
 * Owns the span as the pure core hands it to the export edge (`SpanData`), its structured subject,
 * and the validation of spans read back from a checkpoint (`isSpanData`).
 */
import { isTime, type Time } from './time.js';

/** An attribute value as OpenTelemetry accepts it (homogeneous arrays only). */
export type AttributeValue = string | number | boolean | readonly string[];
export type Attributes = Readonly<Record<string, AttributeValue>>;

/** What a span stands for within its pod; part of its identity. */
export type SpanRole = 'pod' | 'phase' | 'init-container' | 'container';

/**
 * What a span is about: the pod, what within it, and which run. The span's key (and so its id)
 * is derived from it (see `spanKey`); the container id is carried, not part of the identity.
 */
export interface SpanSubject {
  readonly podUid: string;
  readonly role: SpanRole;
  /** The phase or container name; empty for the pod span. */
  readonly name: string;
  /** The container run's key (its container id, or `#<index>`); empty for pod and phase spans. */
  readonly run: string;
  /** The run's container id as the kubelet writes it (`containerd://<id>`), when known. */
  readonly containerId?: string;
}

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
  /**
   * 16 lowercase hex digits: the pod's context for a pod span, the pod span for its children.
   * Empty for a root: the pod span of a pod traced by its group label (origin `group`).
   */
  readonly parentSpanId: string;
  /**
   * `true` when the parent is the pod's propagated context (the pod span), `false` for our own
   * pod span and for a root.
   */
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
  /** What the span is about; `key` is derived from it and the trace id. */
  readonly subject: SpanSubject;
  /**
   * The identity the span id was hashed from: `traceId/podUid/role/name/run` (see `spanKey`).
   * Stable across agent restarts; the checkpoint records acknowledged spans by it.
   */
  readonly key: string;
  /** uid of the observed pod. */
  readonly podUid: string;
}

/** Hex digest of a string (sha256 or any other well-mixed hash); handed to the core from outside. */
export type HashFn = (input: string) => string;

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const notBefore = (a: [number, number], b: [number, number]) =>
  a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1]);
const ROLES: readonly string[] = ['pod', 'phase', 'init-container', 'container'];
const isSubject = (v: unknown) => {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s.podUid === 'string' &&
    typeof s.role === 'string' &&
    ROLES.includes(s.role) &&
    typeof s.name === 'string' &&
    typeof s.run === 'string' &&
    (s.containerId === undefined || typeof s.containerId === 'string')
  );
};
const isAttributes = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every(
    (x) =>
      typeof x === 'string' ||
      typeof x === 'boolean' ||
      (typeof x === 'number' && Number.isFinite(x)) ||
      (Array.isArray(x) && x.every((y) => typeof y === 'string')),
  );

/**
 * Whether untrusted data (a checkpoint) is a well-formed span: valid non-zero W3C ids (an empty
 * parent for a root), times in order. Never export a span that fails this.
 */
export function isSpanData(v: unknown): v is SpanData {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  const status = s.status as Record<string, unknown> | undefined;
  return (
    typeof s.traceId === 'string' &&
    HEX32.test(s.traceId) &&
    !/^0+$/.test(s.traceId) &&
    typeof s.spanId === 'string' &&
    HEX16.test(s.spanId) &&
    !/^0+$/.test(s.spanId) &&
    typeof s.parentSpanId === 'string' &&
    (HEX16.test(s.parentSpanId) || s.parentSpanId === '') &&
    typeof s.parentIsRemote === 'boolean' &&
    !(s.parentSpanId === '' && s.parentIsRemote) &&
    (s.traceState === undefined || typeof s.traceState === 'string') &&
    typeof s.name === 'string' &&
    isTime(s.start) &&
    isTime(s.end) &&
    notBefore(s.end as [number, number], s.start as [number, number]) &&
    isAttributes(s.attributes) &&
    Array.isArray(s.events) &&
    s.events.every(
      (e) =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as Record<string, unknown>).name === 'string' &&
        isTime((e as Record<string, unknown>).time) &&
        isAttributes((e as Record<string, unknown>).attributes),
    ) &&
    typeof status === 'object' &&
    status !== null &&
    (status.code === 'unset' || status.code === 'error') &&
    isAttributes(s.resource) &&
    isSubject(s.subject) &&
    typeof s.key === 'string' &&
    typeof s.podUid === 'string'
  );
}
