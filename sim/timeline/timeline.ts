/**
 * What the node simulator plays: a {@link Timeline}, the pods a kubelet would list at each second.
 *
 * Two sources produce one: a scripted timeline document (YAML or JSON, see
 * {@link ScriptedTimelineDocument} and `timelines/*.yaml`) and a recorded timeline (JSON Lines of
 * redacted `/pods` snapshots written by `scripts/record-node.sh`). Time inside a timeline is whole
 * seconds after its start (`t`); the simulator decides which wall-clock time `t` is served as.
 *
 * Plain module (no test-framework imports).
 */
import type { ContainerScript, PodScript, RunScript } from '../podBuilder.js';

/** A time in a timeline document: seconds after the document's `start`, or RFC 3339. */
export type TimelineTime = number | string;

/** One run of a container: {@link RunScript} with timeline times. */
export interface RunEntry extends Omit<RunScript, 'startedAt' | 'finishedAt'> {
  readonly startedAt: TimelineTime;
  readonly finishedAt?: TimelineTime;
}

/** A container over time: {@link ContainerScript} with timeline times. */
export interface ContainerEntry extends Omit<ContainerScript, 'runs'> {
  readonly runs: readonly RunEntry[];
}

/** A pod over time: {@link PodScript} with timeline times, plus when it leaves the list. */
export interface PodEntry
  extends Omit<
    PodScript,
    'creationTimestamp' | 'scheduledAt' | 'deletedAt' | 'initContainers' | 'containers'
  > {
  readonly creationTimestamp: TimelineTime;
  readonly scheduledAt?: TimelineTime;
  /** Deletion requested: `deletionTimestamp` appears (this + grace period). */
  readonly deletedAt?: TimelineTime;
  /** The API object is gone: from this second on the kubelet no longer lists the pod. */
  readonly removedAt?: TimelineTime;
  readonly initContainers?: readonly ContainerEntry[];
  readonly containers: readonly ContainerEntry[];
}

/**
 * A span that the traced tool itself emits (LitmusChaos's `ExecuteExperiment`,
 * `CreateContainerKillFaultHelperPod`, ...): the parents that the pods' `TRACE_PARENT` values point
 * at. The demo sends them next to the agent's spans so the trace has its real root.
 */
export interface TraceSpanEntry {
  readonly name: string;
  /** Resource `service.name` (`chaos_experiment_job`, ...). */
  readonly service: string;
  /** @default the document's `traceId` */
  readonly traceId?: string;
  readonly spanId: string;
  /** Absent for a root span. */
  readonly parentSpanId?: string;
  readonly start: TimelineTime;
  readonly end: TimelineTime;
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
  /** Status message of an ERROR status; absent: status unset. */
  readonly error?: string;
}

/** A scripted timeline file (`timelines/*.yaml`). */
export interface ScriptedTimelineDocument {
  readonly kind: 'ScriptedTimeline';
  readonly name?: string;
  readonly description?: string;
  /** Another timeline file (relative to this one) whose pods and spans this one adds to. */
  readonly extends?: string;
  /** Time 0, RFC 3339 with whole seconds. */
  readonly start: string;
  /** Last second worth playing. @default the latest time mentioned, plus 3 s */
  readonly end?: TimelineTime;
  /** `spec.nodeName` of the pods and the agent's `NODE_NAME`. */
  readonly node: string;
  /** Filler pods of other workloads listed throughout ({@link unrelatedPod}, about 5.8 KB each). */
  readonly unrelatedPods?: number;
  /** Default trace id of `traceSpans`. */
  readonly traceId?: string;
  readonly traceSpans?: readonly TraceSpanEntry[];
  readonly pods?: readonly PodEntry[];
}

/** A trace span with its times resolved to seconds after the timeline's start. */
export interface TraceSpanScript {
  readonly name: string;
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly error?: string;
}

/** A container run's scripted end: the moment its terminated state starts being served. */
export interface ScriptedExit {
  /** `<namespace>/<pod>/<container>/<run index>` */
  readonly key: string;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** Restart index of the run (0 = first). */
  readonly run: number;
  readonly exitCode: number;
  /** Seconds after the timeline's start. */
  readonly atSeconds: number;
  /** When the pod leaves the list (an exit is only served while the pod is listed). */
  readonly removedSeconds?: number;
}

/** What the simulator plays. */
export interface Timeline {
  readonly name: string;
  readonly nodeName: string;
  /** Time 0 in the timeline's own frame, seconds since the epoch. */
  readonly startEpochSeconds: number;
  /** Last second worth playing (play runs `0..endSeconds`). */
  readonly endSeconds: number;
  /**
   * The pods (each compact JSON text) a kubelet lists at second `t`, with every time moved by
   * `shiftSeconds`. Pods not yet created or already removed are absent.
   */
  itemsAt(t: number, shiftSeconds: number): readonly string[];
  /** The traced tool's own spans (empty for recorded timelines). */
  readonly traceSpans: readonly TraceSpanScript[];
  /** Every scripted container exit, in time order (empty for recorded timelines). */
  readonly exits: readonly ScriptedExit[];
}

/** Seconds since the epoch of an RFC 3339 time; throws on anything else. */
export function epochSeconds(time: string, what: string): number {
  const ms = Date.parse(time);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(time)) {
    throw new TimelineError(`${what}: not an RFC 3339 time: ${JSON.stringify(time)}`);
  }
  return Math.floor(ms / 1000);
}

/** RFC 3339 with whole seconds (`2026-11-23T10:00:05Z`) of an epoch second. */
export function isoSeconds(epochSecondsValue: number): string {
  return `${new Date(epochSecondsValue * 1000).toISOString().slice(0, 19)}Z`;
}

/** A timeline document that cannot be played; the message names the offending field. */
export class TimelineError extends Error {
  override readonly name = 'TimelineError';
}
