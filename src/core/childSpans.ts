/**
 * Owns emitting a pod's child spans (phases and container runs): the per-pod span cap, clamping
 * to the observation time, the runtime's times on a run, and the bounds the pod span will
 * enclose (`childStart`, `childEnd`, `latestFinish`).
 */
import { ATTR } from './attributeNames.js';
import { withRuntimeTimes } from './criTimes.js';
import { markChanged, type Observation } from './observation.js';
import { creationEdge } from './podSpan.js';
import type { SpanData } from './spanData.js';
import { type ContainerRun, clampToPoll, type PodIdentity } from './spanFactory.js';
import { compareTime } from './time.js';
import { edgeFrom, type TimeEdge } from './timeEdge.js';
import type { TrackedPod } from './trackedPod.js';

/**
 * Emits a child span of the pod, within the per-pod cap and clamped to the observation time; the
 * pod span will enclose it. Returns whether it was emitted.
 */
export function emitChildSpan(obs: Observation, tracked: TrackedPod, span: SpanData): boolean {
  markChanged(obs, tracked);
  if (tracked.childSpans >= obs.options.maxSpansPerPod) {
    if (tracked.droppedSpans === 0) {
      obs.notices.push({ kind: 'spanCapReached', pod: tracked.ref });
    }
    tracked.droppedSpans++;
    return false;
  }
  tracked.childSpans++;
  const final = clampToPoll(span, obs.now, obs.options.futureToleranceMs);
  const start = edgeOf(final, 'start');
  const end = edgeOf(final, 'end');
  if (!tracked.childStart || compareTime(start.time, tracked.childStart.time) < 0) {
    tracked.childStart = start;
  }
  if (!tracked.childEnd || compareTime(end.time, tracked.childEnd.time) > 0) {
    tracked.childEnd = end;
  }
  obs.spans.push(final);
  return true;
}

/** Builds a container-run span (with the runtime's times when known) and emits it. */
export function emitRunSpan(
  obs: Observation,
  tracked: TrackedPod,
  identity: PodIdentity,
  containerRun: ContainerRun,
): void {
  let span = obs.factory.containerRunSpan(identity, containerRun, creationEdge(tracked));
  const runtime = containerRun.containerId
    ? obs.runtime.container(containerRun.containerId)
    : undefined;
  if (runtime) span = withRuntimeTimes(span, runtime);
  if (emitChildSpan(obs, tracked, span)) {
    const end = edgeOf(span, 'end');
    if (!tracked.latestFinish || compareTime(end.time, tracked.latestFinish.time) > 0) {
      tracked.latestFinish = end;
    }
  }
}

/** A built span's start or end as an edge (its time, source and width attributes). */
function edgeOf(span: SpanData, which: 'start' | 'end'): TimeEdge {
  const source = span.attributes[which === 'start' ? ATTR.startSource : ATTR.endSource];
  const width =
    span.attributes[which === 'start' ? ATTR.startUncertaintyMs : ATTR.endUncertaintyMs];
  return edgeFrom(
    which === 'start' ? span.start : span.end,
    source === 'cri' || source === 'poll' ? source : 'kubelet',
    typeof width === 'number' ? width : 0,
  );
}
