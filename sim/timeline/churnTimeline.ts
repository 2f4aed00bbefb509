/**
 * Generated timelines for the benchmark: experiment pods churning amid filler pods, and a burst
 * of finished pods. Both are ordinary {@link ScriptedTimelineDocument}s, played by the same
 * simulator as the files in `timelines/`.
 *
 * Plain module (no test-framework imports).
 */
import { createHash } from 'node:crypto';
import { litmusTraceParentValue } from '../podBuilder.js';
import type { PodEntry, ScriptedTimelineDocument } from './timeline.js';

const hex = (seed: string, length: number): string =>
  createHash('sha256').update(seed).digest('hex').slice(0, length);

const LITMUS_LABELS = {
  chaosUID: '9d1c5e7a-2b3f-4c8d-a6e0-51f7b2c3d4e5',
  name: 'container-kill',
  'app.kubernetes.io/part-of': 'litmus',
  'app.kubernetes.io/component': 'experiment-job',
};

export interface ChurnOptions {
  readonly node: string;
  /** Filler pods of other workloads. */
  readonly unrelatedPods: number;
  /** Length of the timeline, s. */
  readonly durationSeconds: number;
  /** A new helper pod every this many seconds. @default 1 */
  readonly everySeconds?: number;
  /** How long each helper's container runs, s. @default 3 */
  readonly runSeconds?: number;
  /** @default `2026-11-23T10:00:00Z` */
  readonly start?: string;
  /** Trace of every traced pod. @default derived from the node name */
  readonly traceId?: string;
}

/** Pods listed at once besides the filler: runner, experiment pod and the live helpers. */
export function churnPodsListed(
  options: Pick<ChurnOptions, 'everySeconds' | 'runSeconds'>,
): number {
  const every = options.everySeconds ?? 1;
  const run = options.runSeconds ?? 3;
  return 2 + Math.ceil((run + 2) / every);
}

/**
 * A long container-kill experiment: a runner (no trace context) and an experiment Job pod run
 * throughout; a traced helper pod is created every `everySeconds`, starts a second later, runs
 * `runSeconds`, exits (every fifth one with exit code 1) and is deleted a second after.
 */
export function churnTimelineDocument(options: ChurnOptions): ScriptedTimelineDocument {
  const every = options.everySeconds ?? 1;
  const run = options.runSeconds ?? 3;
  const traceId = options.traceId ?? hex(`trace:${options.node}`, 32);
  const end = options.durationSeconds;
  const helpers: PodEntry[] = [];
  for (let k = 0, created = 0; created + run + 2 <= end && k < 100_000; k++, created += every) {
    const name = `container-kill-helper-${hex(`helper:${k}`, 5)}`;
    helpers.push({
      name,
      generateName: 'container-kill-helper-',
      namespace: 'litmus',
      labels: { ...LITMUS_LABELS, app: `container-kill-helper-${hex(`run:${k}`, 5)}` },
      creationTimestamp: created,
      restartPolicy: 'Never',
      nodeName: options.node,
      removedAt: created + run + 2,
      containers: [
        {
          name: 'container-kill',
          image: 'litmuschaos/go-runner:3.12.0',
          env: {
            APP_NAMESPACE: 'podtato',
            TRACE_PARENT: litmusTraceParentValue(traceId, hex(`parent:${k}`, 16)),
          },
          runs: [
            {
              startedAt: created + 1,
              finishedAt: created + 1 + run,
              ...(k % 5 === 4 ? { exitCode: 1 } : {}),
            },
          ],
        },
      ],
    });
  }
  return {
    kind: 'ScriptedTimeline',
    name: `churn (${options.unrelatedPods} unrelated pods)`,
    start: options.start ?? '2026-11-23T10:00:00Z',
    end,
    node: options.node,
    unrelatedPods: options.unrelatedPods,
    pods: [
      {
        name: 'engine-bench-runner',
        namespace: 'litmus',
        labels: { ...LITMUS_LABELS, 'app.kubernetes.io/component': 'chaos-runner' },
        creationTimestamp: -60,
        restartPolicy: 'OnFailure',
        containers: [
          {
            name: 'chaos-runner',
            image: 'litmuschaos/chaos-runner:3.12.0',
            runs: [{ startedAt: -58 }],
          },
        ],
      },
      {
        name: 'container-kill-bench-x7k2q',
        namespace: 'litmus',
        labels: { ...LITMUS_LABELS, 'job-name': 'container-kill-bench' },
        owner: { kind: 'Job', name: 'container-kill-bench' },
        creationTimestamp: -50,
        restartPolicy: 'Never',
        containers: [
          {
            name: 'container-kill-bench',
            image: 'litmuschaos/go-runner:3.12.0',
            env: { TRACE_PARENT: litmusTraceParentValue(traceId, hex('experiment', 16)) },
            runs: [{ startedAt: -47 }],
          },
        ],
      },
      ...helpers,
    ],
  };
}

export interface BurstOptions {
  readonly node: string;
  readonly pods: number;
  /** Distinguishes the pods of several bursts (names and uids). */
  readonly label: string;
  /** Trace of the burst's pods. */
  readonly traceId: string;
  readonly start?: string;
}

/**
 * `pods` short pods created at second 10, run 11..12 and listed finished from 13 (seek there to
 * serve them all at once), removed at 20. Each yields 3 spans (pod, scheduling, container).
 */
export function burstTimelineDocument(options: BurstOptions): ScriptedTimelineDocument {
  const pods: PodEntry[] = [];
  for (let i = 0; i < options.pods; i++) {
    pods.push({
      name: `burst-${options.label}-${i}`,
      namespace: 'litmus',
      labels: { ...LITMUS_LABELS },
      creationTimestamp: 10,
      restartPolicy: 'Never',
      nodeName: options.node,
      removedAt: 20,
      containers: [
        {
          name: 'work',
          env: {
            TRACEPARENT: `00-${options.traceId}-${hex(`burst:${options.label}:${i}`, 16)}-01`,
          },
          runs: [{ startedAt: 11, finishedAt: 12 }],
        },
      ],
    });
  }
  return {
    kind: 'ScriptedTimeline',
    name: `burst of ${options.pods}`,
    start: options.start ?? '2026-11-23T10:00:00Z',
    end: 21,
    node: options.node,
    pods,
  };
}
