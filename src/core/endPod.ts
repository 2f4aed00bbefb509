/**
 * Owns ending a pod that left the kubelet's list (or was deleted): its open runs end at the
 * observation that first missed it, as a poll edge, and its pod span is built if it was not.
 */
import { emitRunSpan } from './childSpans.js';
import { type ContainerRole, closeOpenRun } from './containerRuns.js';
import { markChanged, type Observation } from './observation.js';
import { buildPodSpan } from './podSpan.js';
import type { PodIdentity } from './spanFactory.js';
import { pollEdge } from './timeEdge.js';
import type { TrackedPod } from './trackedPod.js';

/** Ends what is still open of `tracked` at `firstMissingAt` (the first observation without it). */
export function endPod(obs: Observation, tracked: TrackedPod, identity: PodIdentity): void {
  const noticed = tracked.firstMissingAt ?? tracked.firstSeen;
  if (tracked.podSpanDone && !tracked.reappeared) return;
  for (const [trackKey, track] of tracked.containers) {
    if (!track.open) continue;
    const slash = trackKey.indexOf('/');
    const role = trackKey.slice(0, slash) as ContainerRole;
    const name = trackKey.slice(slash + 1);
    const end = pollEdge(noticed, tracked.lastSeenAt);
    markChanged(obs, tracked);
    const run = closeOpenRun(track, { role, name, deleting: tracked.deleting }, end);
    if (run) emitRunSpan(obs, tracked, identity, run);
  }
  if (tracked.podSpanDone) return;
  const end = tracked.allTerminated && tracked.latestFinish ? tracked.latestFinish : undefined;
  obs.spans.push(
    buildPodSpan(obs, tracked, identity, end ?? pollEdge(noticed, tracked.lastSeenAt)),
  );
}
