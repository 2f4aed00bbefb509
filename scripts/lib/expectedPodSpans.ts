/**
 * What one pod of a kubelet `/pods` capture should give as spans, worked out from the pod's JSON
 * alone (the README's span tree and the kubelet's status semantics), never from the tracker's
 * code: the capture check compares the two, so a tracker that loses, invents or mislabels a run
 * fails it.
 *
 * Kubelet semantics used here: a container status's `restartCount` is the run index of the
 * container in `state` (runs count from 0). `lastState.terminated` is the run before it, except
 * while the container waits to be restarted (`state.waiting`, e.g. `CrashLoopBackOff`): then the
 * last run *is* the one with index `restartCount`. A container that has had runs has had
 * `restartCount + 1` of them, seen or not.
 *
 * Pure: plain JSON in, plain data out.
 */
import type { Time } from '../../src/core/time.js';

export type RunRole = 'init-container' | 'container';

/** One container run the pod should give a span for. */
export interface ExpectedRun {
  readonly role: RunRole;
  readonly container: string;
  /** `k8s.container.restart_count` of the span. */
  readonly restartIndex: number;
  /** `running` runs end when the pod is gone, at an estimated time. */
  readonly state: 'terminated' | 'running';
  /** `process.exit.code`; undefined for a running run. */
  readonly exitCode?: number;
  /** `k8s.container.status.reason`. */
  readonly reason?: string;
  /** `container.id` (without the `runtime://` scheme) and `container.runtime.name`. */
  readonly containerId?: string;
  readonly runtime?: string;
  /** Reported start (whole seconds); undefined when the kubelet reported none. */
  readonly start?: Time;
  /** Reported end, clamped to the start when the kubelet reported it earlier; undefined: estimated. */
  readonly end?: Time;
  /** A native sidecar (`restartPolicy: Always` on an init container). */
  readonly sidecar: boolean;
  /** Span status ERROR expected; undefined where a pod shutdown may excuse the exit (not checked). */
  readonly error?: boolean;
}

/** A phase span: `scheduling`, `sandbox`, `initialization`. */
export interface ExpectedPhase {
  readonly name: 'scheduling' | 'sandbox' | 'initialization';
  /** Checked when defined. */
  readonly start?: Time;
  readonly end?: Time;
}

/** Runs of one container, for the restart accounting. */
export interface ExpectedContainer {
  readonly role: RunRole;
  readonly container: string;
  /** Runs the container has had in all (`restartCount + 1`), 0 before its first start. */
  readonly totalRuns: number;
}

export interface ExpectedPod {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly phase?: string;
  /** `kubernetes.io/config.source: file`: a static pod (uid = config hash, often no creation time). */
  readonly isStatic: boolean;
  /** The pod span's status is ERROR (`phase: Failed`). */
  readonly failed: boolean;
  /** No `creationTimestamp`: the pod span's start is an estimate (`kse.start.estimated`). */
  readonly startEstimated: boolean;
  readonly runs: readonly ExpectedRun[];
  readonly phases: readonly ExpectedPhase[];
  readonly containers: readonly ExpectedContainer[];
}

type Json = Record<string, unknown>;

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time as `[seconds, nanoseconds]`; undefined for anything else (null included). */
export function kubeTime(value: unknown): Time | undefined {
  if (typeof value !== 'string') return undefined;
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(ms)) return undefined;
  return [ms / 1000, m[2] ? Number(m[2].padEnd(9, '0')) : 0];
}

const later = (a: Time, b: Time) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

/** The latest RFC 3339 time anywhere in `value` (a whole capture, say). */
export function latestTime(value: unknown): Time | undefined {
  let latest: Time | undefined;
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      const t = kubeTime(v);
      if (t && (!latest || later(t, latest))) latest = t;
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x);
    } else if (v !== null && typeof v === 'object') {
      for (const x of Object.values(v)) visit(x);
    }
  };
  visit(value);
  return latest;
}

const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function splitId(id: string | undefined): { containerId?: string; runtime?: string } {
  if (!id) return {};
  const sep = id.indexOf('://');
  return sep > 0
    ? { containerId: id.slice(sep + 3), runtime: id.slice(0, sep) }
    : { containerId: id };
}

/** The spans `pod` (one raw `/pods` item) should give once it is finished or gone. */
export function expectedPodSpans(pod: unknown): ExpectedPod {
  const metadata = obj(obj(pod).metadata);
  const spec = obj(obj(pod).spec);
  const status = obj(obj(pod).status);
  const annotations = obj(metadata.annotations);
  const deleting = metadata.deletionTimestamp != null;
  const phase = str(status.phase);
  const terminalPhase = phase === 'Succeeded' || phase === 'Failed';
  const regularStatuses = list(status.containerStatuses);
  const shuttingDown =
    deleting ||
    terminalPhase ||
    (regularStatuses.length > 0 && regularStatuses.every((s) => obj(s.state).terminated != null));

  const sidecars = new Set(
    list(spec.initContainers)
      .filter((c) => c.restartPolicy === 'Always')
      .map((c) => c.name),
  );
  const runs: ExpectedRun[] = [];
  const containers: ExpectedContainer[] = [];
  for (const [role, statuses] of [
    ['init-container', list(status.initContainerStatuses)],
    ['container', regularStatuses],
  ] as const) {
    for (const s of statuses) {
      const container = String(s.name);
      const restartCount = typeof s.restartCount === 'number' ? s.restartCount : 0;
      const state = obj(s.state);
      const sidecar = role === 'init-container' && sidecars.has(container);
      const ran: ExpectedRun[] = [];
      const terminatedRun = (term: Json, index: number, current: boolean): ExpectedRun => {
        const start = kubeTime(term.startedAt);
        const finished = kubeTime(term.finishedAt);
        const end = finished && start && later(start, finished) ? start : finished;
        const exitCode = typeof term.exitCode === 'number' ? term.exitCode : undefined;
        const reason = str(term.reason);
        const failed = reason === 'OOMKilled' || (exitCode !== undefined && exitCode !== 0);
        // A pod being deleted or a sidecar at shutdown may stop with a non-zero exit on purpose.
        const excused = (current && deleting) || (sidecar && shuttingDown);
        return {
          role,
          container,
          restartIndex: index,
          state: 'terminated',
          ...(exitCode !== undefined ? { exitCode } : {}),
          ...(reason ? { reason } : {}),
          ...splitId(str(term.containerID) ?? (current ? str(s.containerID) : undefined)),
          ...(start ? { start } : {}),
          ...(end ? { end } : {}),
          sidecar,
          ...(excused && failed ? {} : { error: failed }),
        };
      };
      const last = obj(s.lastState).terminated;
      if (last != null) {
        const index = state.waiting != null ? restartCount : Math.max(0, restartCount - 1);
        ran.push(terminatedRun(obj(last), index, false));
      }
      if (state.terminated != null)
        ran.push(terminatedRun(obj(state.terminated), restartCount, true));
      if (state.running != null) {
        const start = kubeTime(obj(state.running).startedAt);
        ran.push({
          role,
          container,
          restartIndex: restartCount,
          state: 'running',
          ...splitId(str(s.containerID)),
          ...(start ? { start } : {}),
          sidecar,
        });
      }
      // The same container id twice (lastState repeating state) is one run.
      const unique = ran.filter(
        (run, i) =>
          run.containerId === undefined ||
          ran.findIndex((r) => r.containerId === run.containerId) === i,
      );
      runs.push(...unique);
      containers.push({ role, container, totalRuns: unique.length > 0 ? restartCount + 1 : 0 });
    }
  }

  const trueAt = (type: string): Time | undefined => {
    const c = list(status.conditions).find((x) => x.type === type && x.status === 'True');
    return c ? kubeTime(c.lastTransitionTime) : undefined;
  };
  const created = kubeTime(metadata.creationTimestamp);
  const scheduled = trueAt('PodScheduled');
  const sandboxReady = trueAt('PodReadyToStartContainers');
  const initialized = trueAt('Initialized');
  const clampEnd = (start: Time, end: Time) => (later(start, end) ? start : end);
  const phases: ExpectedPhase[] = [];
  if (created && scheduled) {
    phases.push({ name: 'scheduling', start: created, end: clampEnd(created, scheduled) });
  }
  if (scheduled && sandboxReady) {
    phases.push({ name: 'sandbox', start: scheduled, end: clampEnd(scheduled, sandboxReady) });
  }
  const initStarted = list(status.initContainerStatuses).some(
    (s) =>
      kubeTime(obj(obj(s.state).terminated).startedAt) ??
      kubeTime(obj(obj(s.state).running).startedAt),
  );
  if (
    list(spec.initContainers).length > 0 &&
    initialized &&
    (sandboxReady || scheduled || initStarted)
  ) {
    phases.push({ name: 'initialization' });
  }

  return {
    uid: String(metadata.uid),
    namespace: String(metadata.namespace),
    name: String(metadata.name),
    ...(phase ? { phase } : {}),
    isStatic: annotations['kubernetes.io/config.source'] === 'file',
    failed: phase === 'Failed',
    startEstimated: created === undefined,
    runs,
    phases,
    containers,
  };
}
