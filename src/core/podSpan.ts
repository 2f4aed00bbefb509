/**
 * Owns the pod span: from the pod's creation (narrowed by the kubelet's first sight) to its end,
 * widened to enclose every child span built, with the pod's phase, reason, events and counts.
 */
import { ATTR } from './attributeNames.js';
import { markChanged, type Observation } from './observation.js';
import type { SpanData } from './spanData.js';
import { clampToPoll, type PodIdentity } from './spanFactory.js';
import { compareTime } from './time.js';
import { kubeletEdge, pollEdge, type TimeEdge } from './timeEdge.js';
import type { TrackedPod } from './trackedPod.js';

/** Pod creation, narrowed by the kubelet's first sight of the pod. */
export function creationEdge(tracked: TrackedPod): TimeEdge {
  return tracked.creation
    ? kubeletEdge(tracked.creation, tracked.seen ?? tracked.firstSeen)
    : pollEdge(tracked.firstSeen);
}

/** Builds the pod span ending at `end` (widened to its children) and marks it built. */
export function buildPodSpan(
  obs: Observation,
  tracked: TrackedPod,
  identity: PodIdentity,
  end: TimeEdge,
): SpanData {
  tracked.podSpanDone = true;
  tracked.emitted.add('pod/');
  markChanged(obs, tracked);
  let start = creationEdge(tracked);
  let encloses = false;
  if (tracked.childStart && compareTime(tracked.childStart.time, start.time) < 0) {
    start = tracked.childStart;
    encloses = true;
  }
  let podEnd = end;
  if (tracked.childEnd && compareTime(tracked.childEnd.time, podEnd.time) > 0) {
    podEnd = tracked.childEnd;
    encloses = true;
  }
  const events = [...tracked.events].sort((a, b) => compareTime(a.time, b.time));
  let span = obs.factory.podSpan(
    identity,
    { start, end: podEnd, startEstimated: tracked.creation === undefined },
    {
      ...(tracked.phase ? { phase: tracked.phase } : {}),
      ...(tracked.reason ? { reason: tracked.reason } : {}),
      ...(tracked.firstFailure ? { firstFailure: tracked.firstFailure } : {}),
      failed: tracked.phase === 'Failed',
      droppedSpans: tracked.droppedSpans,
    },
    events,
    tracked.droppedEvents,
  );
  if (encloses) {
    span = { ...span, attributes: { ...span.attributes, [ATTR.timeEnclosesChildren]: true } };
  }
  return clampToPoll(span, obs.now, obs.options.futureToleranceMs);
}
