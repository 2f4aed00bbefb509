/** Owns the events recorded on a pod span: added in order, bounded by `maxEventsPerPod`. */
import { ATTR } from './attributeNames.js';
import { markChanged, type Observation } from './observation.js';
import type { Time } from './time.js';
import type { TrackedPod } from './trackedPod.js';

/** An event for the pod span: what happened, when, and who reported it (`kse.event.source`). */
export interface PodEvent {
  readonly name: string;
  readonly time: Time;
  readonly source: string;
  readonly attributes: Record<string, string | number>;
}

/** Records an event on the pod span, or counts it as dropped past the per-pod bound. */
export function addPodEvent(obs: Observation, tracked: TrackedPod, event: PodEvent): void {
  markChanged(obs, tracked);
  if (tracked.events.length >= obs.options.maxEventsPerPod) {
    tracked.droppedEvents++;
    return;
  }
  tracked.events.push({
    name: event.name,
    time: event.time,
    attributes: { ...event.attributes, [ATTR.eventSource]: event.source },
  });
}
