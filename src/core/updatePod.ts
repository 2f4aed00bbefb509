/**
 * Owns one traced pod's update from one observation of it: pod fields and events, phase spans,
 * each container's step (applying its runs, stale notices, failures and waiting events), and the
 * pod span once the pod reached a terminal phase with no run left open.
 */
import { ATTR } from './attributeNames.js';
import { emitRunSpan } from './childSpans.js';
import { type ContainerRole, stepContainer } from './containerRuns.js';
import {
  type ContainerSpec,
  type ContainerStatus,
  type KubeletPod,
  SEEN_ANNOTATION,
  TERMINAL_PHASES,
} from './kubeletPod.js';
import { markChanged, type Observation, setTracked } from './observation.js';
import { addPodEvent } from './podEvents.js';
import { emitPhaseSpans } from './podPhases.js';
import { buildPodSpan } from './podSpan.js';
import type { PodIdentity } from './spanFactory.js';
import { parseTime } from './time.js';
import { pollEdge } from './timeEdge.js';
import { hasOpenRuns, MAX_REASONS, type TrackedPod } from './trackedPod.js';

/** Brings a traced pod up to date with `pod` as this observation lists it. */
export function updatePod(
  obs: Observation,
  tracked: TrackedPod,
  identity: PodIdentity,
  pod: KubeletPod,
): void {
  if (tracked.podSpanDone && !tracked.reappeared) return;
  const { now } = obs;
  if (!tracked.creation) {
    const creation = parseTime(pod.creationTimestamp);
    if (creation) {
      tracked.creation = creation;
      markChanged(obs, tracked);
    }
  }
  setTracked(obs, tracked, 'phase', pod.phase);
  setTracked(obs, tracked, 'reason', pod.reason);
  setTracked(obs, tracked, 'deleting', pod.deletionTimestamp !== undefined);

  if (!tracked.podSpanDone) {
    const seen = parseTime(pod.annotations[SEEN_ANNOTATION]);
    if (seen && !tracked.seen) {
      tracked.seen = seen;
      markChanged(obs, tracked);
      addPodEvent(obs, tracked, {
        name: 'kubelet saw pod',
        time: seen,
        source: 'kubelet',
        attributes: {},
      });
    }
    if (pod.reason && !tracked.reasonsSeen.includes(pod.reason)) {
      if (tracked.reasonsSeen.length < MAX_REASONS) tracked.reasonsSeen.push(pod.reason);
      addPodEvent(obs, tracked, {
        name: pod.reason,
        time: now,
        source: 'pod.status.reason',
        attributes: {},
      });
    }
    emitPhaseSpans(obs, tracked, identity, pod);
  }

  const shuttingDown =
    tracked.deleting ||
    TERMINAL_PHASES.has(pod.phase ?? '') ||
    (pod.containerStatuses.length > 0 &&
      pod.containerStatuses.every((s) => s.state.terminated !== undefined));
  const specs = new Map<string, ContainerSpec>();
  for (const c of pod.initContainers) specs.set(`init-container/${c.name}`, c);
  for (const c of pod.containers) specs.set(`container/${c.name}`, c);
  let allTerminated = true;
  for (const [role, statuses] of [
    ['init-container', pod.initContainerStatuses],
    ['container', pod.containerStatuses],
  ] as const) {
    for (const status of statuses) {
      const spec = specs.get(`${role}/${status.name}`);
      const sidecar = role === 'init-container' && spec?.restartPolicy === 'Always';
      updateContainer(obs, tracked, identity, { role, status, spec, sidecar, shuttingDown });
      if (status.state.terminated === undefined) allTerminated = false;
    }
  }
  setTracked(obs, tracked, 'allTerminated', allTerminated);

  if (!tracked.podSpanDone && TERMINAL_PHASES.has(pod.phase ?? '') && !hasOpenRuns(tracked)) {
    const end = tracked.latestFinish ?? pollEdge(now, tracked.lastSeenAt);
    obs.spans.push(buildPodSpan(obs, tracked, identity, end));
  }
}

/** One container of the pod in this observation. */
interface ContainerInput {
  readonly role: ContainerRole;
  readonly status: ContainerStatus;
  readonly spec: ContainerSpec | undefined;
  readonly sidecar: boolean;
  readonly shuttingDown: boolean;
}

/** Steps one container's state machine and applies what it returned, in order. */
function updateContainer(
  obs: Observation,
  tracked: TrackedPod,
  identity: PodIdentity,
  input: ContainerInput,
): void {
  const { role, status } = input;
  const trackKey = `${role}/${status.name}`;
  const step = stepContainer(tracked.containers.get(trackKey), status, input.spec, {
    role,
    now: obs.now,
    lastSeenAt: tracked.lastSeenAt,
    deleting: tracked.deleting,
    podSpanDone: tracked.podSpanDone,
    sidecar: input.sidecar,
    shuttingDown: input.shuttingDown,
  });
  tracked.containers.set(trackKey, step.track);
  for (let i = 0; i < step.changes; i++) markChanged(obs, tracked);
  for (const effect of step.effects) {
    switch (effect.kind) {
      case 'stale':
        obs.notices.push({ kind: 'staleStatus', pod: tracked.ref, stale: effect.stale });
        break;
      case 'run':
        if (effect.failure && !tracked.firstFailure) {
          setTracked(obs, tracked, 'firstFailure', effect.failure);
        }
        emitRunSpan(obs, tracked, identity, effect.run);
        break;
      case 'waiting':
        addPodEvent(obs, tracked, {
          name: effect.reason,
          time: obs.now,
          source: 'container.waiting',
          attributes: {
            [ATTR.k8sContainerName]: status.name,
            [ATTR.k8sContainerRestartCount]: effect.restartCount,
          },
        });
        break;
    }
  }
}
