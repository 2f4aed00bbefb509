/**
 * Owns starting to track a pod: its trace identity from the context decision (with the notice
 * that reports it) and whether it finished before the catch-up cutoff.
 */
import { type KubeletPod, TERMINAL_PHASES } from './kubeletPod.js';
import type { Observation } from './observation.js';
import { podBaseName } from './podBaseName.js';
import { resolvePodContext } from './resolvePodContext.js';
import type { PodIdentity } from './spanFactory.js';
import { compareTime, parseTime, type Time } from './time.js';
import { refOf, type TrackedPod } from './trackedPod.js';

/**
 * Starts tracking a pod seen for the first time: the context decision (made here once, kept for
 * the pod's life and in the checkpoint) and the catch-up bound.
 */
export function startTracking(obs: Observation, pod: KubeletPod): TrackedPod {
  const { now, notices, options } = obs;
  const ref = refOf(pod);
  // The context decision: made here once, kept for the pod's life (and in the checkpoint).
  const decision = resolvePodContext(pod, {
    envNames: options.envNames,
    hash: options.hash,
    ...(options.groupLabel !== undefined ? { groupLabel: options.groupLabel } : {}),
  });
  let identity: PodIdentity | undefined;
  switch (decision.kind) {
    case 'traced': {
      const { traceId, parentSpanId, traceState, origin, group, source } = decision.identity;
      identity = {
        uid: pod.uid,
        name: pod.name,
        namespace: pod.namespace,
        baseName: podBaseName(pod.name, pod.generateName, pod.labels),
        nodeName: options.nodeName,
        traceId,
        contextSpanId: parentSpanId ?? '',
        ...(traceState ? { traceState } : {}),
        podSpanId: obs.factory.podSpanId(traceId, pod.uid),
        origin,
        ...(group
          ? { groupKey: group.key, groupValue: group.value, groupTraceId: group.traceId }
          : {}),
      };
      notices.push({
        kind: 'podTracked',
        pod: ref,
        traceId,
        origin,
        ...(source ? { container: source.container, envName: source.envName } : {}),
        ...(group ? { groupTraceId: group.traceId } : {}),
      });
      break;
    }
    case 'notSampled':
      notices.push({ kind: 'notSampled', pod: ref, traceId: decision.traceId });
      break;
    case 'invalid':
      notices.push({
        kind: 'invalidContext',
        pod: ref,
        container: decision.container,
        envName: decision.envName,
        error: decision.error,
      });
      break;
    case 'none':
      notices.push({ kind: 'noContext', pod: ref, unresolvable: decision.unresolvable });
      break;
    case 'badGroupValue':
      notices.push({
        kind: 'noContext',
        pod: ref,
        unresolvable: decision.unresolvable,
        groupProblem: `label ${decision.key}: ${decision.problem}`,
      });
      break;
  }
  let done = false;
  if (identity && finishedBeforeCutoff(pod, options.catchUpCutoff)) {
    done = true;
    notices.push({ kind: 'catchUpSkipped', pod: ref });
  }
  return {
    ref,
    ...(identity ? { identity } : {}),
    firstSeen: now,
    emitted: new Set(),
    containers: new Map(),
    events: [],
    reasonsSeen: [],
    droppedEvents: 0,
    podSpanDone: done,
    reappeared: false,
    missing: 0,
    deleting: false,
    allTerminated: false,
    childSpans: 0,
    droppedSpans: 0,
    lastSeenAt: now,
    persistedSeenAt: now,
  };
}

/** A pod already finished, and finished before the catch-up cutoff. */
function finishedBeforeCutoff(pod: KubeletPod, cutoff: Time | undefined): boolean {
  if (!cutoff || !TERMINAL_PHASES.has(pod.phase ?? '')) return false;
  let end = parseTime(pod.creationTimestamp);
  for (const status of [...pod.initContainerStatuses, ...pod.containerStatuses]) {
    for (const term of [status.state.terminated, status.lastState.terminated]) {
      const t = parseTime(term?.finishedAt);
      if (t && (!end || compareTime(t, end) > 0)) end = t;
    }
  }
  return end !== undefined && compareTime(end, cutoff) < 0;
}
