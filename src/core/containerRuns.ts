/**
 * Owns the container-run state machine as a pure step: given one container's track, its status
 * in this observation and the observation's facts, it returns the new track, the runs to build
 * (in order) and what to report. Never goes backwards: a status older than what the track holds
 * is ignored and reported as stale.
 */
import type { ContainerSpec, ContainerStatus, TerminatedState } from './kubeletPod.js';
import type { ContainerRun } from './spanFactory.js';
import { parseTime, type Time } from './time.js';
import { kubeletEdge, pollEdge, type TimeEdge } from './timeEdge.js';
import {
  type ContainerTrack,
  copyTrack,
  doneRun,
  isRunDone,
  MAX_REASONS,
  markRunDone,
  newContainerTrack,
} from './trackedPod.js';
import type { StaleKind } from './trackerNotice.js';

export type ContainerRole = 'init-container' | 'container';

/** What one observation knows about a container besides its status. */
export interface ContainerStepContext {
  readonly role: ContainerRole;
  readonly now: Time;
  /** The last observation that listed the pod (before this one). */
  readonly lastSeenAt: Time;
  /** The pod is being deleted (`deletionTimestamp`). */
  readonly deleting: boolean;
  /** The pod span was already built: waiting reasons are no longer recorded. */
  readonly podSpanDone: boolean;
  /** A native sidecar (init container with `restartPolicy: Always`). */
  readonly sidecar: boolean;
  /** The pod's regular containers are finishing (deletion, terminal phase, all terminated). */
  readonly shuttingDown: boolean;
}

/** Something the step asks the caller to do, in order. */
export type ContainerEffect =
  /** Build this run's span; `failure` describes it when it failed unexpectedly. */
  | { readonly kind: 'run'; readonly run: ContainerRun; readonly failure?: string }
  | { readonly kind: 'stale'; readonly stale: StaleKind }
  /** A waiting reason worth a pod event, seen first for this restart count. */
  | { readonly kind: 'waiting'; readonly reason: string; readonly restartCount: number };

export interface ContainerStep {
  readonly track: ContainerTrack;
  /** Changes of the track worth a checkpoint. */
  readonly changes: number;
  readonly effects: readonly ContainerEffect[];
}

/** Waiting reasons on the normal path; everything else is worth an event. */
const ORDINARY_WAITING = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * The terminated runs a container status shows, with their restart index: `lastState` is the
 * run before the current one (the current one itself while the container waits to restart).
 */
export function finishedRuns(
  status: ContainerStatus,
): { term: TerminatedState; index: number; current: boolean }[] {
  const runs: { term: TerminatedState; index: number; current: boolean }[] = [];
  const { state, lastState } = status;
  if (lastState.terminated) {
    const index = state.waiting ? status.restartCount : status.restartCount - 1;
    runs.push({ term: lastState.terminated, index: Math.max(0, index), current: false });
  }
  if (state.terminated) {
    runs.push({ term: state.terminated, index: status.restartCount, current: true });
  }
  return runs;
}

/**
 * Ends the run `track` holds open at `end` (an estimate): the run to build, or undefined when
 * nothing was open or it was already built. Mutates `track` (the caller's own copy).
 */
export function closeOpenRun(
  track: ContainerTrack,
  container: { readonly role: ContainerRole; readonly name: string; readonly deleting: boolean },
  end: TimeEdge,
): ContainerRun | undefined {
  const open = track.open;
  if (!open) return undefined;
  track.open = undefined;
  if (isRunDone(track, open.runKey, open.index)) return undefined;
  markRunDone(track, { runKey: open.runKey, index: open.index });
  return {
    role: container.role,
    containerName: container.name,
    index: open.index,
    runKey: open.runKey,
    ...(open.containerId ? { containerId: open.containerId } : {}),
    ...(open.image ? { image: open.image } : {}),
    ...(open.start ? { start: kubeletEdge(open.start, open.firstSeenAt) } : {}),
    end,
    unobservedRuns: open.unobservedRuns,
    sidecar: open.sidecar === true,
    ...(container.deleting ? { expectedStop: 'pod_deletion' as const } : {}),
  };
}

/**
 * One container in one observation: from its track (undefined when first seen) and status to the
 * new track, the runs to build and what to report. Pure: `previous` is not modified.
 */
export function stepContainer(
  previous: ContainerTrack | undefined,
  status: ContainerStatus,
  spec: ContainerSpec | undefined,
  ctx: ContainerStepContext,
): ContainerStep {
  const { now, role } = ctx;
  const track = previous ? copyTrack(previous) : newContainerTrack();
  const effects: ContainerEffect[] = [];
  let changes = previous ? 0 : 1;
  const result = () => ({ track, changes, effects });
  if (status.restartCount < track.highestRestartCount) {
    effects.push({ kind: 'stale', stale: 'restart_count_decreased' });
    return result();
  }
  if (status.restartCount > track.highestRestartCount) {
    track.highestRestartCount = status.restartCount;
    changes++;
  }
  const image = status.image || spec?.image;
  const running = status.state.running
    ? {
        runKey: status.containerID || `#${status.restartCount}`,
        index: status.restartCount,
        start: parseTime(status.state.running.startedAt),
      }
    : undefined;

  const finished = finishedRuns(status);
  const claimed = new Set(finished.map((f) => f.term.containerID).filter(Boolean));
  for (const { term, index, current } of finished) {
    const containerId = term.containerID || (current ? status.containerID : undefined);
    const open = track.open;
    // A run the kubelet lost (`ContainerStatusUnknown`) has no container id: it is the open
    // run when that one started no later and no other entry claims its id.
    const adopt = !containerId && open && open.index <= index && !claimed.has(open.runKey);
    const runKey = containerId || (adopt && open ? open.runKey : `#${index}`);
    const previousRun = doneRun(track, runKey);
    if (previousRun) {
      if (previousRun.finishedAt && term.finishedAt && previousRun.finishedAt !== term.finishedAt) {
        effects.push({ kind: 'stale', stale: 'finish_changed' });
      }
      continue;
    }
    if (isRunDone(track, runKey, index)) continue;
    const openRun = open?.runKey === runKey ? open : undefined;
    const startedAt = parseTime(term.startedAt) ?? openRun?.start;
    const start = startedAt ? kubeletEdge(startedAt, openRun?.firstSeenAt ?? now) : undefined;
    const finishedAt = parseTime(term.finishedAt);
    // No finishedAt (ContainerStatusUnknown): it ended between the last poll and this one.
    const end = finishedAt ? kubeletEdge(finishedAt, now) : pollEdge(now, ctx.lastSeenAt);
    const expectedStop =
      current && ctx.deleting
        ? ('pod_deletion' as const)
        : ctx.sidecar && ctx.shuttingDown
          ? ('sidecar_shutdown' as const)
          : undefined;
    const realId = containerId ?? openRun?.containerId;
    const run: ContainerRun = {
      role,
      containerName: status.name,
      index,
      runKey,
      ...(realId ? { containerId: realId } : {}),
      ...(image ? { image } : {}),
      ...(start ? { start } : {}),
      end,
      ...(term.exitCode !== undefined ? { exitCode: term.exitCode } : {}),
      ...(term.signal !== undefined ? { signal: term.signal } : {}),
      ...(term.reason ? { reason: term.reason } : {}),
      unobservedRuns: openRun
        ? openRun.unobservedRuns
        : Math.max(0, index - track.highestIndex - 1),
      sidecar: ctx.sidecar,
      ...(expectedStop ? { expectedStop } : {}),
    };
    markRunDone(track, {
      runKey,
      index,
      ...(term.finishedAt ? { finishedAt: term.finishedAt } : {}),
    });
    const failed = term.reason === 'OOMKilled' || (term.exitCode ?? 0) !== 0;
    const failure =
      failed && !expectedStop
        ? `${role} ${status.name}: ${term.reason ?? 'Error'} (exit ${term.exitCode ?? 'unknown'})`
        : undefined;
    effects.push({ kind: 'run', run, ...(failure ? { failure } : {}) });
    track.highestIndex = Math.max(track.highestIndex, index);
    if (openRun) track.open = undefined;
  }

  if (running && isRunDone(track, running.runKey, running.index)) {
    // Running again after it was shown terminated: an older status (stale list).
    if (status.containerID) effects.push({ kind: 'stale', stale: 'running_after_terminated' });
    return result();
  }

  // A run seen running that is neither running now nor shown terminated was lost between
  // polls (restarted twice, or its status was dropped): end it where the next run began.
  if (track.open && track.open.runKey !== running?.runKey) {
    const end = pollEdge(running?.start ?? now, ctx.lastSeenAt);
    changes++;
    const lost = closeOpenRun(track, { role, name: status.name, deleting: ctx.deleting }, end);
    if (lost) effects.push({ kind: 'run', run: lost });
  }

  if (running && !track.open) {
    track.open = {
      runKey: running.runKey,
      index: running.index,
      firstSeenAt: now,
      ...(running.start ? { start: running.start } : {}),
      ...(status.containerID ? { containerId: status.containerID } : {}),
      ...(image ? { image } : {}),
      unobservedRuns: Math.max(0, running.index - track.highestIndex - 1),
      ...(ctx.sidecar ? { sidecar: true } : {}),
    };
    track.highestIndex = Math.max(track.highestIndex, running.index);
    changes++;
  }

  const waiting = status.state.waiting?.reason;
  if (waiting && !ORDINARY_WAITING.has(waiting) && !ctx.podSpanDone) {
    if (track.waitingMarks.restartCount !== status.restartCount) {
      track.waitingMarks = { restartCount: status.restartCount, reasons: [] };
    }
    const reasons = track.waitingMarks.reasons;
    if (!reasons.includes(waiting) && reasons.length < MAX_REASONS) {
      reasons.push(waiting);
      effects.push({ kind: 'waiting', reason: waiting, restartCount: status.restartCount });
    }
  }
  return result();
}
