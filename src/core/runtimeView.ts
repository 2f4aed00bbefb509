/**
 * Owns what the tracker is told about the container runtime (CRI) for one observation, and what it
 * asks for.
 */
import type { RuntimeContainer } from './criTimes.js';
import type { Time } from './time.js';

/**
 * What the container runtime (CRI) answered about the containers and sandboxes a poll needs,
 * fetched by the shell before the tracker sees the poll: the tracker builds spans with the
 * runtime's nanoseconds directly, so the state it keeps and the spans it returns always agree.
 */
export interface RuntimeView {
  /** By container id as the kubelet writes it (`containerd://<id>`). */
  container(containerId: string): RuntimeContainer | undefined;
  /** Sandbox creation of a pod, by pod uid. */
  sandboxCreated(podUid: string): Time | undefined;
}

/** The lookups the tracker would use for a poll (see `PodTracker.runtimeQueries`). */
export interface RuntimeQueries {
  readonly containerIds: readonly string[];
  readonly sandboxPodUids: readonly string[];
}

/** A view that knows nothing: every span keeps the kubelet's times. */
export const NO_RUNTIME: RuntimeView = {
  container: () => undefined,
  sandboxCreated: () => undefined,
};
