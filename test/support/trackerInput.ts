/**
 * Building blocks for tracker tests: pods as `decodePodList` yields them, shaped like the kubelet's
 * (times in whole seconds from a fixed origin), and span lookups. Plain module.
 */
import { createHash } from 'node:crypto';
import type {
  ContainerState,
  ContainerStatus,
  EnvSource,
  KubeletPod,
  PodCondition,
} from '../../src/core/kubeletPod.js';
import { PodTracker, type PodTrackerOptions } from '../../src/core/podTracker.js';
import type { SpanData } from '../../src/core/spanData.js';
import { parseTime, type Time } from '../../src/core/time.js';

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const PARENT_ID = '00f067aa0ba902b7';
export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const at = (iso: string): Time => {
  const t = parseTime(iso);
  if (!t) throw new Error(`bad time ${iso}`);
  return t;
};
export const T = (sec: number) =>
  new Date(Date.parse('2026-11-23T10:00:00Z') + sec * 1000).toISOString().replace('.000Z', 'Z');
export const tAt = (sec: number) => at(T(sec));

export function newTracker(options: Partial<PodTrackerOptions> = {}) {
  return new PodTracker({
    nodeName: 'node-a',
    envNames: ['TRACEPARENT', 'TRACE_PARENT'],
    hash: sha256,
    ...options,
  });
}

export interface PodInput {
  uid?: string;
  name?: string;
  generateName?: string;
  phase?: string;
  reason?: string;
  deletionTimestamp?: string;
  env?: Record<string, string>;
  conditions?: [type: string, sec: number, status?: string][];
  init?: Partial<ContainerStatus>[];
  initSpecs?: { name: string; restartPolicy?: string }[];
  containers?: Partial<ContainerStatus>[];
}

export function pod(input: PodInput): KubeletPod {
  const env = new Map<string, EnvSource>(
    Object.entries(
      input.env ?? { TRACE_PARENT: `{"traceparent":"00-${TRACE_ID}-${PARENT_ID}-01"}` },
    ).map(([k, v]) => [k, { kind: 'value', value: v }]),
  );
  const status = (s: Partial<ContainerStatus>): ContainerStatus => ({
    name: s.name ?? 'main',
    state: s.state ?? { waiting: { reason: 'ContainerCreating' } },
    lastState: s.lastState ?? {},
    restartCount: s.restartCount ?? 0,
    image: s.image ?? 'docker.io/litmuschaos/go-runner:3.12.0',
    ...(s.containerID ? { containerID: s.containerID } : {}),
  });
  const containers = input.containers ?? [];
  return {
    uid: input.uid ?? 'uid-1',
    name: input.name ?? 'container-kill-helper-x7k2p',
    namespace: 'litmus',
    generateName: input.generateName ?? 'container-kill-helper-',
    creationTimestamp: T(0),
    ...(input.deletionTimestamp ? { deletionTimestamp: input.deletionTimestamp } : {}),
    labels: { chaosUID: 'c1' },
    annotations: { 'kubernetes.io/config.seen': '2026-11-23T10:00:00.250000001Z' },
    initContainers: (
      input.initSpecs ??
      (input.init ?? []).map((s): { name: string; restartPolicy?: string } => ({
        name: s.name ?? 'init',
      }))
    ).map((s) => ({
      name: s.name,
      env: new Map(),
      ...(s.restartPolicy ? { restartPolicy: s.restartPolicy } : {}),
    })),
    containers: containers.map((c) => ({
      name: c.name ?? 'main',
      image: 'litmuschaos/go-runner:3.12.0',
      env,
    })),
    phase: input.phase ?? 'Running',
    ...(input.reason ? { reason: input.reason } : {}),
    conditions: (input.conditions ?? []).map(
      ([type, sec, st]): PodCondition => ({
        type,
        status: st ?? 'True',
        lastTransitionTime: T(sec),
      }),
    ),
    initContainerStatuses: (input.init ?? []).map(status),
    containerStatuses: containers.map(status),
  };
}

export const running = (sec: number): ContainerState => ({ running: { startedAt: T(sec) } });
export const terminated = (
  start: number,
  end: number,
  exitCode = 0,
  reason = exitCode === 0 ? 'Completed' : 'Error',
  containerID?: string,
): ContainerState => ({
  terminated: {
    exitCode,
    reason,
    startedAt: T(start),
    finishedAt: T(end),
    ...(containerID ? { containerID } : {}),
  },
});
const byName = (spans: readonly SpanData[], name: string) => {
  const found = spans.filter((s) => s.name === name);
  return found;
};
export const one = (spans: readonly SpanData[], name: string) => {
  const found = byName(spans, name);
  if (found.length !== 1) {
    throw new Error(`expected one "${name}", got ${found.length} in [${spans.map((s) => s.name)}]`);
  }
  return found[0] as SpanData;
};
export const scheduledConds: PodInput['conditions'] = [
  ['PodScheduled', 1],
  ['PodReadyToStartContainers', 3],
  ['Initialized', 3],
];
