/**
 * The precision measurement's ground truth (`scripts/precision.ts`): a seeded timeline of pods
 * whose container runs start and end at known nanoseconds, and the two views of it the agent
 * can get: the kubelet's (`GET /pods`: whole-second times, each change visible only after a
 * seeded status lag) and the container runtime's (CRI: the exact nanoseconds, at once).
 *
 * Pure apart from rendering JSON: no clock, no I/O. Times are nanoseconds since the epoch.
 */
import type { FakeContainer } from '../../sim/fakeCriServer.js';
import {
  containerId,
  deterministicUid,
  type PodScript,
  podAt,
  type RawObject,
  type RunScript,
} from '../../sim/podBuilder.js';
import { seededRandom } from '../../sim/timeline/seededRandom.js';

export const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** One run of a container as it really happened. */
export interface TruthRun {
  /** Restart index (0 for the first run). */
  readonly index: number;
  /** Bare 64-hex id, as the podBuilder derives it (`containerd://` + this in the kubelet). */
  readonly containerId: string;
  readonly createdNs: bigint;
  readonly startNs: bigint;
  readonly finishNs: bigint;
  readonly exitCode: number;
  /** `Completed`, `Error` or `OOMKilled`. */
  readonly reason: string;
  /** How long after the start the kubelet's status shows it, ms. */
  readonly startLagMs: number;
  /** How long after the exit the kubelet's status shows it, ms. */
  readonly finishLagMs: number;
}

/**
 * - `helper`: a chaos helper running 300-900 ms; `long`: a run of 2-8 s; `oom`: OOM-killed
 *   (restarted once under `OnFailure`, or not under `Never`); `experiment`: the experiment pod,
 *   running through the whole timeline. All of group `precision`, deleted 2.5-5 s after exiting.
 * - `race`: a helper of group `deletion`, deleted exactly `deleteAfterMs` after exiting.
 */
export type PodKind = 'helper' | 'long' | 'oom' | 'experiment' | 'race';

export interface TruthPod {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly kind: PodKind;
  readonly group: 'precision' | 'deletion';
  /** Group `deletion`: time from the last exit to the pod leaving the kubelet's list, ms. */
  readonly deleteAfterMs?: number;
  readonly container: string;
  readonly restartPolicy: 'Never' | 'OnFailure';
  /** W3C traceparent the pod's container carries. */
  readonly traceParent: string;
  readonly createdNs: bigint;
  /** How long after creation the kubelet lists the pod, ms. */
  readonly appearLagMs: number;
  /** When the kubelet stops listing the pod (deleted). */
  readonly vanishNs: bigint;
  readonly runs: readonly TruthRun[];
}

export interface Timeline {
  readonly seed: number;
  /** Time zero of the timeline (real wall-clock time when played). */
  readonly anchorNs: bigint;
  /** After the last pod vanished. */
  readonly endNs: bigint;
  readonly traceId: string;
  readonly pods: readonly TruthPod[];
}

export interface TimelineOptions {
  readonly seed: number;
  readonly anchorNs: bigint;
  /** Length of the timeline, s. */
  readonly durationS: number;
  /** Pods of group `precision` besides the experiment pod. */
  readonly precisionPods: number;
  /** Pods of group `deletion` per delay. */
  readonly racePodsPerDelay: number;
  /** Deletion delays after the exit, ms. */
  readonly deleteDelaysMs: readonly number[];
  /** Range of the kubelet's status lag, ms. @default [50, 300] */
  readonly lagMs?: readonly [number, number];
  readonly namespace?: string;
}

const hex = (random: () => number, digits: number): string => {
  let out = '';
  for (let i = 0; i < digits; i++) out += Math.floor(random() * 16).toString(16);
  return out;
};

interface RunShape {
  readonly offsetMs: number;
  readonly durationMs: number;
  readonly exitCode: number;
  readonly reason: string;
}

interface PodShape {
  readonly kind: PodKind;
  readonly restartPolicy: 'Never' | 'OnFailure';
  /** Creation to first start (sandbox, image pull), ms. */
  readonly pendingMs: number;
  /** Offsets are from the first start. */
  readonly runs: readonly RunShape[];
  readonly deleteAfterMs: number;
}

function lifetimeMs(shape: PodShape): number {
  const last = shape.runs.at(-1) as RunShape;
  return shape.pendingMs + last.offsetMs + last.durationMs + shape.deleteAfterMs;
}

/**
 * A seeded timeline: the experiment pod from 0.2 s to the end, `precisionPods` helpers, long runs
 * and OOM kills at random sub-second offsets, and `racePodsPerDelay` short helpers per deletion
 * delay; creation times spread uniformly so that each pod fits inside `durationS`.
 */
export function generateTimeline(options: TimelineOptions): Timeline {
  const random = seededRandom(options.seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * random();
  const [lagLo, lagHi] = options.lagMs ?? [50, 300];
  const lag = () => Math.round(between(lagLo, lagHi) * 1000) / 1000;
  const namespace = options.namespace ?? 'precision';
  const durationMs = options.durationS * 1000;
  const traceId = `${hex(random, 31)}1`;
  const shapes: PodShape[] = [];

  const helperRun = (): RunShape => ({
    offsetMs: 0,
    durationMs: between(300, 900),
    exitCode: 0,
    reason: 'Completed',
  });
  for (let i = 0; i < options.precisionPods; i++) {
    const pick = random();
    const pendingMs = between(800, 2500);
    const deleteAfterMs = between(2500, 5000);
    if (pick < 0.5) {
      shapes.push({
        kind: 'helper',
        restartPolicy: 'Never',
        pendingMs,
        runs: [helperRun()],
        deleteAfterMs,
      });
    } else if (pick < 0.75) {
      const failed = random() < 0.15;
      shapes.push({
        kind: 'long',
        restartPolicy: 'Never',
        pendingMs,
        runs: [
          {
            offsetMs: 0,
            durationMs: between(2000, 8000),
            exitCode: failed ? 1 : 0,
            reason: failed ? 'Error' : 'Completed',
          },
        ],
        deleteAfterMs,
      });
    } else {
      const first: RunShape = {
        offsetMs: 0,
        durationMs: between(1000, 4000),
        exitCode: 137,
        reason: 'OOMKilled',
      };
      const restarted = random() < 2 / 3;
      const runs: RunShape[] = [first];
      if (restarted) {
        runs.push({
          offsetMs: first.durationMs + between(1000, 3000),
          durationMs: between(500, 3000),
          exitCode: 0,
          reason: 'Completed',
        });
      }
      shapes.push({
        kind: 'oom',
        restartPolicy: restarted ? 'OnFailure' : 'Never',
        pendingMs,
        runs,
        deleteAfterMs,
      });
    }
  }
  for (const delay of options.deleteDelaysMs) {
    for (let i = 0; i < options.racePodsPerDelay; i++) {
      shapes.push({
        kind: 'race',
        restartPolicy: 'Never',
        pendingMs: between(800, 2500),
        runs: [helperRun()],
        deleteAfterMs: delay,
      });
    }
  }

  const toNs = (ms: number) => options.anchorNs + BigInt(Math.round(ms * 1e6));
  const build = (shape: PodShape, createdMs: number, n: number): TruthPod => {
    const name = `${shape.kind}-${String(n).padStart(3, '0')}-${hex(random, 5)}`;
    const uid = deterministicUid(`${namespace}/${name}`);
    const container = shape.kind === 'experiment' ? 'experiment' : 'stress';
    const firstStartMs = createdMs + shape.pendingMs;
    const runs = shape.runs.map((r, index): TruthRun => {
      const startMs = firstStartMs + r.offsetMs;
      return {
        index,
        containerId: containerId(`${uid}/${container}/${index}`),
        createdNs: toNs(startMs - between(30, 250)),
        startNs: toNs(startMs),
        finishNs: toNs(startMs + r.durationMs),
        exitCode: r.exitCode,
        reason: r.reason,
        startLagMs: lag(),
        finishLagMs: lag(),
      };
    });
    const lastFinish = (runs.at(-1) as TruthRun).finishNs;
    return {
      name,
      namespace,
      uid,
      kind: shape.kind,
      group: shape.kind === 'race' ? 'deletion' : 'precision',
      ...(shape.kind === 'race' ? { deleteAfterMs: shape.deleteAfterMs } : {}),
      container,
      restartPolicy: shape.restartPolicy,
      traceParent: `00-${traceId}-${hex(random, 15)}1-01`,
      createdNs: toNs(createdMs),
      appearLagMs: lag(),
      vanishNs: lastFinish + BigInt(Math.round(shape.deleteAfterMs * 1e6)),
      runs,
    };
  };

  const pods: TruthPod[] = [];
  const experimentPendingMs = between(800, 1500);
  const experimentDeleteMs = between(2500, 5000);
  const experimentRunMs = durationMs - 200 - experimentPendingMs - experimentDeleteMs - 500;
  const experiment: PodShape = {
    kind: 'experiment',
    restartPolicy: 'Never',
    pendingMs: experimentPendingMs,
    runs: [{ offsetMs: 0, durationMs: experimentRunMs, exitCode: 0, reason: 'Completed' }],
    deleteAfterMs: experimentDeleteMs,
  };
  pods.push(build(experiment, 200, 0));
  shapes.forEach((shape, i) => {
    const latestCreation = Math.max(500, durationMs - 500 - lifetimeMs(shape));
    pods.push(build(shape, between(500, latestCreation), i + 1));
  });
  pods.sort((a, b) => (a.createdNs < b.createdNs ? -1 : a.createdNs > b.createdNs ? 1 : 0));
  let endNs = options.anchorNs;
  for (const pod of pods) if (pod.vanishNs > endNs) endNs = pod.vanishNs;
  return { seed: options.seed, anchorNs: options.anchorNs, endNs, traceId, pods };
}

// ---------------------------------------------------------------- the kubelet's view

/** An RFC 3339 time truncated to the whole second, as the kubelet writes it. */
export function kubeletTime(ns: bigint): string {
  const seconds = ns / NS_PER_S - (ns % NS_PER_S < 0n ? 1n : 0n);
  return new Date(Number(seconds) * 1000).toISOString().replace('.000Z', 'Z');
}

const lagNs = (ms: number) => BigInt(Math.round(ms * 1e6));

/** What of the pod the kubelet shows at `tNs`: undefined when not listed, else runs visible. */
export function podVisibility(
  pod: TruthPod,
  tNs: bigint,
): { started: number; finished: number } | undefined {
  if (tNs < pod.createdNs + lagNs(pod.appearLagMs) || tNs >= pod.vanishNs) return undefined;
  let started = 0;
  let finished = 0;
  for (const run of pod.runs) {
    if (run.startNs + lagNs(run.startLagMs) > tNs) break;
    started++;
    if (run.finishNs + lagNs(run.finishLagMs) <= tNs) finished++;
  }
  return { started, finished };
}

/** A start far in the future: makes podAt show a scripted restart as CrashLoopBackOff. */
const NOT_YET = '2999-01-01T00:00:00Z';

/** The pod as the kubelet lists it with `started` runs visible, `finished` of them ended. */
export function renderKubeletPod(
  pod: TruthPod,
  visible: { started: number; finished: number },
  nodeName: string,
): RawObject {
  const runs: RunScript[] = pod.runs.slice(0, visible.started).map((run, i) => ({
    startedAt: kubeletTime(run.startNs),
    ...(i < visible.finished
      ? { finishedAt: kubeletTime(run.finishNs), exitCode: run.exitCode, reason: run.reason }
      : {}),
  }));
  if (visible.finished === visible.started && visible.started < pod.runs.length && runs.length) {
    runs.push({ startedAt: NOT_YET }); // exited, restart scheduled: CrashLoopBackOff
  }
  const script: PodScript = {
    name: pod.name,
    namespace: pod.namespace,
    uid: pod.uid,
    labels: { chaosUID: 'precision', app: pod.kind },
    creationTimestamp: kubeletTime(pod.createdNs),
    restartPolicy: pod.restartPolicy,
    nodeName,
    containers: [
      {
        name: pod.container,
        image: 'litmuschaos/go-runner:3.12.0',
        env: { TRACEPARENT: pod.traceParent },
        runs,
      },
    ],
  };
  // Every visible time is at or before the latest whole second shown, and `runs` holds only
  // what is visible: any `at` after those shows exactly them.
  let latest = pod.createdNs;
  for (const run of pod.runs.slice(0, visible.started)) {
    if (run.finishNs > latest) latest = run.finishNs;
  }
  return podAt(script, new Date(Number(latest / NS_PER_MS) + 1000).toISOString());
}

/** Renders the kubelet's pod list at any time, reusing a pod's JSON while it does not change. */
export class KubeletView {
  readonly #timeline: Timeline;
  readonly #nodeName: string;
  readonly #cache = new Map<string, { key: string; json: RawObject }>();

  constructor(timeline: Timeline, nodeName: string) {
    this.#timeline = timeline;
    this.#nodeName = nodeName;
  }

  /** The pods listed at `tNs`, in creation order. */
  podsAt(tNs: bigint): RawObject[] {
    const out: RawObject[] = [];
    for (const pod of this.#timeline.pods) {
      const visible = podVisibility(pod, tNs);
      if (!visible) {
        this.#cache.delete(pod.uid);
        continue;
      }
      const key = `${visible.started}/${visible.finished}`;
      const cached = this.#cache.get(pod.uid);
      if (cached?.key === key) {
        out.push(cached.json);
        continue;
      }
      const json = renderKubeletPod(pod, visible, this.#nodeName);
      this.#cache.set(pod.uid, { key, json });
      out.push(json);
    }
    return out;
  }
}

// ---------------------------------------------------------------- the runtime's view

/** The run as the container runtime reports it at `tNs`; undefined before it was created. */
export function criContainerAt(
  pod: TruthPod,
  run: TruthRun,
  tNs: bigint,
): FakeContainer | undefined {
  if (tNs < run.createdNs) return undefined;
  const base = { id: run.containerId, name: pod.container, attempt: run.index };
  if (tNs < run.startNs) return { ...base, state: 'created', createdAtNs: run.createdNs };
  if (tNs < run.finishNs) {
    return { ...base, state: 'running', createdAtNs: run.createdNs, startedAtNs: run.startNs };
  }
  return {
    ...base,
    state: 'exited',
    createdAtNs: run.createdNs,
    startedAtNs: run.startNs,
    finishedAtNs: run.finishNs,
    exitCode: run.exitCode,
    reason: run.reason,
  };
}

// ---------------------------------------------------------------- playing it

/** A moment the kubelet's list or one container in the runtime changes. */
export type TimelineAction =
  | { readonly atNs: bigint; readonly kind: 'kubelet' }
  | { readonly atNs: bigint; readonly kind: 'cri'; readonly pod: TruthPod; readonly run: TruthRun };

/** Every change of either view, in time order (the runtime first at equal times). */
export function timelineActions(timeline: Timeline): TimelineAction[] {
  const actions: TimelineAction[] = [];
  for (const pod of timeline.pods) {
    actions.push({ atNs: pod.createdNs + lagNs(pod.appearLagMs), kind: 'kubelet' });
    actions.push({ atNs: pod.vanishNs, kind: 'kubelet' });
    for (const run of pod.runs) {
      actions.push({ atNs: run.startNs + lagNs(run.startLagMs), kind: 'kubelet' });
      actions.push({ atNs: run.finishNs + lagNs(run.finishLagMs), kind: 'kubelet' });
      for (const atNs of [run.createdNs, run.startNs, run.finishNs]) {
        actions.push({ atNs, kind: 'cri', pod, run });
      }
    }
  }
  return actions.sort((a, b) =>
    a.atNs !== b.atNs
      ? a.atNs < b.atNs
        ? -1
        : 1
      : a.kind === b.kind
        ? 0
        : a.kind === 'cri'
          ? -1
          : 1,
  );
}
