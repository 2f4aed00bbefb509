/**
 * Makes every pod of a kubelet `/pods` capture traceable, as a user would: a selecting label and
 * a W3C `TRACEPARENT` env entry on its first container. The context is derived from the pod's
 * uid, so a run is reproducible and each pod gets its own trace.
 */
import { createHash } from 'node:crypto';

/** The label every pod gets, and the selector (`LABEL_SELECTOR`) that picks exactly those pods. */
export const CAPTURE_LABEL = 'kse.test/capture';
export const CAPTURE_SELECTOR = `${CAPTURE_LABEL}=chosen`;
/** The env name the context is written under (`TRACE_CONTEXT_ENV`). */
export const CAPTURE_ENV = 'TRACEPARENT';

export interface CaptureContext {
  readonly traceId: string;
  /** The span id of the pod's context: the pod span's parent. */
  readonly spanId: string;
  /** The W3C `traceparent` value (sampled). */
  readonly traceparent: string;
}

/** The deterministic, sampled context of the pod with this uid. */
export function captureContextFor(uid: string): CaptureContext {
  const digest = createHash('sha256').update(`kse-capture/${uid}`).digest('hex');
  // A valid W3C id is never all zeros; a sha256 digest that starts with 48 zero bits is not a concern.
  const traceId = digest.slice(0, 32);
  const spanId = digest.slice(32, 48);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A copy of `podList` in which every item that looks like a pod (metadata with a uid, a spec with
 * containers) carries the capture label and its context on its first container. The input is not
 * modified; anything else is left as it is, for the decoder to judge.
 */
export function injectTraceContexts(podList: unknown): unknown {
  const copy = structuredClone(podList);
  if (!isObject(copy) || !Array.isArray(copy.items)) return copy;
  for (const item of copy.items) {
    if (!isObject(item) || !isObject(item.metadata) || !isObject(item.spec)) continue;
    const uid = item.metadata.uid;
    const containers = item.spec.containers;
    if (typeof uid !== 'string' || !Array.isArray(containers) || !isObject(containers[0])) continue;
    const labels = isObject(item.metadata.labels) ? item.metadata.labels : {};
    item.metadata.labels = { ...labels, [CAPTURE_LABEL]: 'chosen' };
    const first = containers[0];
    const env = Array.isArray(first.env) ? first.env : [];
    first.env = [{ name: CAPTURE_ENV, value: captureContextFor(uid).traceparent }, ...env];
  }
  return copy;
}
