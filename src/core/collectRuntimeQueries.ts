/**
 * Owns which runtime (CRI) lookups an observation needs: runs about to be built (terminated, or
 * open runs the kubelet no longer shows running), open runs of pods missing from the list (looked
 * up from the first miss on: the runtime forgets removed containers within about a minute), and
 * sandboxes of pods whose `sandbox` span is about to be built.
 */
import { finishedRuns } from './containerRuns.js';
import type { KubeletPod } from './kubeletPod.js';
import type { RuntimeQueries } from './runtimeView.js';
import { isRunDone, type TrackedPod } from './trackedPod.js';

/** What the tracker holds: pods tracked now, and pods ended earlier (by uid). */
export interface TrackedPods {
  readonly current: ReadonlyMap<string, TrackedPod>;
  readonly gone: ReadonlyMap<string, TrackedPod>;
}

export function collectRuntimeQueries(
  pods: readonly KubeletPod[],
  tracker: TrackedPods,
): RuntimeQueries {
  const ids = new Set<string>();
  const sandboxes: string[] = [];
  const listed = new Set<string>();
  for (const pod of pods) {
    listed.add(pod.uid);
    const tracked = tracker.current.get(pod.uid) ?? tracker.gone.get(pod.uid);
    if (tracked && (!tracked.identity || (tracked.podSpanDone && !tracked.reappeared))) continue;
    for (const [role, statuses] of [
      ['init-container', pod.initContainerStatuses],
      ['container', pod.containerStatuses],
    ] as const) {
      for (const status of statuses) {
        const track = tracked?.containers.get(`${role}/${status.name}`);
        for (const run of finishedRuns(status)) {
          const id = run.term.containerID || (run.current ? status.containerID : undefined);
          if (id && !(track && isRunDone(track, id, run.index))) ids.add(id);
        }
        const open = track?.open;
        if (open?.containerId && !(status.state.running && status.containerID === open.runKey)) {
          ids.add(open.containerId);
        }
      }
    }
    const ready = pod.conditions.some(
      (c) => c.type === 'PodReadyToStartContainers' && c.status === 'True',
    );
    if (ready && !tracked?.emitted.has('phase/sandbox')) sandboxes.push(pod.uid);
  }
  for (const [uid, tracked] of tracker.current) {
    if (listed.has(uid) || !tracked.identity) continue;
    for (const track of tracked.containers.values()) {
      if (track.open?.containerId) ids.add(track.open.containerId);
    }
  }
  return { containerIds: [...ids], sandboxPodUids: sandboxes };
}
