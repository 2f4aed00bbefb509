/**
 * Owns the phase spans of a pod from its conditions: `scheduling` (creation to `PodScheduled`),
 * `sandbox` (scheduled to `PodReadyToStartContainers`, from the runtime's sandbox creation when
 * known) and `initialization` (sandbox ready to `Initialized`, for pods with init containers).
 * Each is built once, as soon as both its ends are known.
 */
import { emitChildSpan } from './childSpans.js';
import { withSandboxCreated } from './criTimes.js';
import type { KubeletPod } from './kubeletPod.js';
import type { Observation } from './observation.js';
import type { PodIdentity } from './spanFactory.js';
import { compareTime, parseTime, type Time } from './time.js';
import { kubeletEdge, type TimeEdge } from './timeEdge.js';
import type { TrackedPod } from './trackedPod.js';

/** Builds the phase spans whose ends this observation of `pod` makes known. */
export function emitPhaseSpans(
  obs: Observation,
  tracked: TrackedPod,
  identity: PodIdentity,
  pod: KubeletPod,
): void {
  const { now } = obs;
  const trueAt = (type: string): Time | undefined => {
    const c = pod.conditions.find((x) => x.type === type && x.status === 'True');
    return c ? parseTime(c.lastTransitionTime) : undefined;
  };
  const scheduled = trueAt('PodScheduled');
  const sandboxReady = trueAt('PodReadyToStartContainers');
  // Creation and scheduling happened before the kubelet saw the pod (config.seen, in ns);
  // later conditions before the poll that first shows them.
  const bySeen = tracked.seen ?? now;
  const phase = (name: string, start: TimeEdge | undefined, end: TimeEdge | undefined) => {
    if (!start || !end) return;
    const key = `phase/${name}`;
    if (tracked.emitted.has(key)) return;
    tracked.emitted.add(key);
    let span = obs.factory.phaseSpan(identity, name, start, end);
    const sandboxAt = name === 'sandbox' ? obs.runtime.sandboxCreated(identity.uid) : undefined;
    if (sandboxAt) span = withSandboxCreated(span, sandboxAt);
    emitChildSpan(obs, tracked, span);
  };
  const edge = (t: Time | undefined, observedBy: Time) =>
    t ? kubeletEdge(t, observedBy) : undefined;
  phase('scheduling', edge(tracked.creation, bySeen), edge(scheduled, bySeen));
  phase('sandbox', edge(scheduled, bySeen), edge(sandboxReady, now));
  if (pod.initContainers.length > 0) {
    let firstInitStart: Time | undefined;
    for (const s of pod.initContainerStatuses) {
      const t = parseTime(s.state.terminated?.startedAt ?? s.state.running?.startedAt);
      if (t && (!firstInitStart || compareTime(t, firstInitStart) < 0)) firstInitStart = t;
    }
    phase(
      'initialization',
      edge(sandboxReady ?? firstInitStart ?? scheduled, now),
      edge(trueAt('Initialized'), now),
    );
  }
}
