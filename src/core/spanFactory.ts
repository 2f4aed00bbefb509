/**
 * Owns building the spans of one pod (pod, phase and container-run spans) with deterministic ids,
 * and clamping a span to the observation time.
 */
import { ATTR } from './attributeNames.js';
import { parseImageReference } from './imageReference.js';
import type { TraceOrigin } from './resolvePodContext.js';
import type { AttributeValue, HashFn, SpanData, SpanEvent, SpanSubject } from './spanData.js';
import { spanIdFromKey, spanKey } from './spanIdentity.js';
import { addMillis, compareTime, type Time } from './time.js';
import { edgeWidthMs, type TimeEdge } from './timeEdge.js';

/** What every span of one observed pod shares. */
export interface PodIdentity {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  /** Pod name without its generated suffix: `container-kill-helper`. */
  readonly baseName: string;
  readonly nodeName: string;
  readonly traceId: string;
  /**
   * Span id of the pod's trace context: the parent of the pod span. Empty for origin `group`:
   * the pod span is a root of the run's trace.
   */
  readonly contextSpanId: string;
  readonly traceState?: string;
  /** Span id of the pod span: the parent of every other span of the pod. */
  readonly podSpanId: string;
  /**
   * Where the trace comes from: the pod's own context, or its run's group label. Absent in
   * checkpoints written before groups existed: those pods are `context`.
   */
  readonly origin?: TraceOrigin;
  /** The group label key, when the pod carries a valid group label (`TRACE_GROUP_LABEL`). */
  readonly groupKey?: string;
  /** The group label's value on the pod. */
  readonly groupValue?: string;
  /** The run's group trace id (see `groupTraceId`), with `groupKey`. */
  readonly groupTraceId?: string;
}

/** One finished run of one container, as the tracker observed it. */
export interface ContainerRun {
  readonly role: 'init-container' | 'container';
  readonly containerName: string;
  /** Restart index of the run (0 for the first run). */
  readonly index: number;
  /** The run's identity: its container id, or `#<index>` when the kubelet gave none. */
  readonly runKey: string;
  readonly containerId?: string;
  readonly image?: string;
  /** Undefined when no start was ever reported (`ContainerStatusUnknown`). */
  readonly start?: TimeEdge;
  readonly end: TimeEdge;
  readonly exitCode?: number;
  readonly signal?: number;
  readonly reason?: string;
  readonly unobservedRuns: number;
  readonly sidecar: boolean;
  /**
   * Why a non-zero exit is expected and not an error: the pod was being deleted, or a native
   * sidecar was stopped because its pod's regular containers had finished.
   */
  readonly expectedStop?: 'pod_deletion' | 'sidecar_shutdown';
}

/** Builds the spans of one pod with deterministic ids. Pure. */
export class SpanFactory {
  readonly #hash: HashFn;

  constructor(hash: HashFn) {
    this.#hash = hash;
  }

  /** The pod span's id, derived from its key (needed before the pod span itself is built). */
  podSpanId(traceId: string, podUid: string): string {
    return spanIdFromKey(this.#hash, spanKey(traceId, { podUid, role: 'pod', name: '', run: '' }));
  }

  /** Attributes every span of the pod carries. */
  podAttributes(pod: PodIdentity): Record<string, AttributeValue> {
    return {
      [ATTR.k8sNamespaceName]: pod.namespace,
      [ATTR.k8sPodName]: pod.name,
      [ATTR.k8sPodUid]: pod.uid,
      [ATTR.k8sNodeName]: pod.nodeName,
    };
  }

  podSpan(
    pod: PodIdentity,
    times: { start: TimeEdge; end: TimeEdge; startEstimated: boolean },
    details: {
      phase?: string;
      reason?: string;
      /** The first failed run, when the pod has no `status.reason` of its own. */
      firstFailure?: string;
      failed: boolean;
      droppedSpans?: number;
    },
    events: readonly SpanEvent[],
    droppedEvents: number,
  ): SpanData {
    const attributes: Record<string, AttributeValue> = this.podAttributes(pod);
    if (details.phase) attributes[ATTR.k8sPodStatusPhase] = details.phase;
    if (details.reason) attributes[ATTR.k8sPodStatusReason] = details.reason;
    if (droppedEvents > 0) attributes[ATTR.droppedEvents] = droppedEvents;
    if (details.droppedSpans) attributes[ATTR.droppedSpans] = details.droppedSpans;
    const origin = pod.origin ?? 'context';
    attributes[ATTR.traceOrigin] = origin;
    if (pod.groupKey !== undefined && pod.groupValue !== undefined) {
      attributes[ATTR.groupKey] = pod.groupKey;
      attributes[ATTR.groupValue] = pod.groupValue;
      if (origin === 'context' && pod.groupTraceId)
        attributes[ATTR.groupTraceId] = pod.groupTraceId;
    }
    const status = details.failed
      ? {
          code: 'error' as const,
          message: details.reason ?? details.firstFailure ?? 'pod failed',
        }
      : { code: 'unset' as const };
    const subject: SpanSubject = { podUid: pod.uid, role: 'pod', name: '', run: '' };
    return this.#span(pod, subject, `pod ${pod.baseName}`, pod.contextSpanId, {
      ...times,
      attributes,
      events,
      status,
    });
  }

  /** `scheduling`, `sandbox` or `initialization`, from condition times. */
  phaseSpan(pod: PodIdentity, phase: string, start: TimeEdge, end: TimeEdge): SpanData {
    const subject: SpanSubject = { podUid: pod.uid, role: 'phase', name: phase, run: '' };
    return this.#span(pod, subject, phase, pod.podSpanId, {
      start,
      end,
      startEstimated: false,
      attributes: this.podAttributes(pod),
      events: [],
      status: { code: 'unset' },
    });
  }

  containerRunSpan(pod: PodIdentity, run: ContainerRun, fallbackStart: TimeEdge): SpanData {
    const attributes: Record<string, AttributeValue> = this.podAttributes(pod);
    attributes[ATTR.k8sContainerName] = run.containerName;
    attributes[ATTR.k8sContainerRestartCount] = run.index;
    if (run.containerId) {
      const sep = run.containerId.indexOf('://');
      attributes[ATTR.containerId] = sep >= 0 ? run.containerId.slice(sep + 3) : run.containerId;
      if (sep > 0) attributes[ATTR.containerRuntimeName] = run.containerId.slice(0, sep);
    }
    const image = run.image ? parseImageReference(run.image) : undefined;
    if (image) {
      attributes[ATTR.containerImageName] = image.name;
      if (image.tag) attributes[ATTR.containerImageTags] = [image.tag];
    }
    if (run.exitCode !== undefined) attributes[ATTR.processExitCode] = run.exitCode;
    if (run.signal !== undefined) attributes[ATTR.containerSignal] = run.signal;
    if (run.reason) attributes[ATTR.k8sContainerStatusReason] = run.reason;
    if (run.sidecar) attributes[ATTR.containerSidecar] = true;
    if (run.unobservedRuns > 0) attributes[ATTR.unobservedRuns] = run.unobservedRuns;
    if (run.expectedStop) attributes[ATTR.expectedStop] = run.expectedStop;

    const failed = run.reason === 'OOMKilled' || (run.exitCode !== undefined && run.exitCode !== 0);
    const expectedStop = run.expectedStop !== undefined && run.reason !== 'OOMKilled';
    const status =
      failed && !expectedStop
        ? {
            code: 'error' as const,
            message: run.reason ?? `exit code ${run.exitCode ?? 'unknown'}`,
          }
        : { code: 'unset' as const };
    const start = run.start ?? fallbackStart;
    const subject: SpanSubject = {
      podUid: pod.uid,
      role: run.role,
      name: run.containerName,
      run: run.runKey,
      ...(run.containerId ? { containerId: run.containerId } : {}),
    };
    return this.#span(pod, subject, `${run.role} ${run.containerName}`, pod.podSpanId, {
      start,
      end: run.end,
      startEstimated: run.start === undefined,
      attributes,
      events: [],
      status,
    });
  }

  #span(
    pod: PodIdentity,
    subject: SpanSubject,
    spanName: string,
    parentSpanId: string,
    body: {
      start: TimeEdge;
      end: TimeEdge;
      startEstimated: boolean;
      attributes: Record<string, AttributeValue>;
      events: readonly SpanEvent[];
      status: SpanData['status'];
    },
  ): SpanData {
    const { role } = subject;
    const key = spanKey(pod.traceId, subject);
    const spanId = role === 'pod' ? pod.podSpanId : spanIdFromKey(this.#hash, key);
    const attributes = body.attributes;
    const start = body.start;
    let end = body.end;
    if (compareTime(end.time, start.time) < 0) {
      end = { ...end, time: start.time };
      attributes[ATTR.timeClamped] = true;
    }
    attributes[ATTR.startSource] = start.source;
    attributes[ATTR.startUncertaintyMs] = edgeWidthMs(start);
    attributes[ATTR.endSource] = end.source;
    attributes[ATTR.endUncertaintyMs] = edgeWidthMs(end);
    if (body.startEstimated) attributes[ATTR.startEstimated] = true;
    if (end.source === 'poll') attributes[ATTR.endEstimated] = true;
    return {
      traceId: pod.traceId,
      spanId,
      parentSpanId,
      // The pod span's parent is the propagated context; a group-origin pod span has none.
      parentIsRemote: role === 'pod' && parentSpanId !== '',
      ...(pod.traceState ? { traceState: pod.traceState } : {}),
      name: spanName,
      start: start.time,
      end: end.time,
      attributes,
      events: body.events,
      status: body.status,
      resource: this.podAttributes(pod),
      subject,
      key,
      podUid: pod.uid,
    };
  }
}

/**
 * Clamps a span whose times lie more than `toleranceMs` after the poll that built it (node clock
 * skew, bad data) to the poll time, keeping `start <= end`, and marks it `kse.time.clamped`.
 */
export function clampToPoll(span: SpanData, now: Time, toleranceMs: number): SpanData {
  const limit = addMillis(now, toleranceMs);
  const startLate = compareTime(span.start, limit) > 0;
  const endLate = compareTime(span.end, limit) > 0;
  if (!startLate && !endLate) return span;
  const start = startLate ? now : span.start;
  const end = endLate ? (compareTime(start, now) > 0 ? start : now) : span.end;
  return { ...span, start, end, attributes: { ...span.attributes, [ATTR.timeClamped]: true } };
}
