/**
 * The part of a kubelet `/pods` item the agent reads, already type-checked by `decodePodList`.
 * Field names follow the Kubernetes API; only what the core uses is kept, so that nothing else
 * (env values other than the trace-context ones, secrets in annotations) lingers in memory.
 */

/** `env[].valueFrom` reduced to what can be resolved from the pod itself. */
export type EnvSource =
  | { readonly kind: 'value'; readonly value: string }
  /** `valueFrom.fieldRef` to `metadata.annotations['k']` or `metadata.labels['k']`. */
  | { readonly kind: 'fieldRef'; readonly fieldPath: string }
  /** `secretKeyRef`, `configMapKeyRef`, `resourceFieldRef`, ...: the kubelet does not resolve them. */
  | { readonly kind: 'unresolvable'; readonly source: string };

export interface ContainerSpec {
  readonly name: string;
  readonly image?: string;
  /** `restartPolicy: Always` on an init container makes it a native sidecar. */
  readonly restartPolicy?: string;
  /** Only the env entries whose names the agent looks up (`TRACE_CONTEXT_ENV` + `TRACESTATE`). */
  readonly env: ReadonlyMap<string, EnvSource>;
}

export interface TerminatedState {
  readonly exitCode?: number;
  readonly signal?: number;
  readonly reason?: string;
  readonly startedAt?: string | null;
  readonly finishedAt?: string | null;
  readonly containerID?: string;
}

export interface ContainerState {
  readonly waiting?: { readonly reason?: string; readonly message?: string };
  readonly running?: { readonly startedAt?: string | null };
  readonly terminated?: TerminatedState;
}

export interface ContainerStatus {
  readonly name: string;
  readonly state: ContainerState;
  readonly lastState: ContainerState;
  readonly restartCount: number;
  readonly image?: string;
  readonly imageID?: string;
  readonly containerID?: string;
}

export interface PodCondition {
  readonly type: string;
  readonly status: string;
  readonly lastTransitionTime?: string | null;
}

export interface KubeletPod {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly generateName?: string;
  readonly creationTimestamp?: string;
  readonly deletionTimestamp?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly nodeName?: string;
  readonly initContainers: readonly ContainerSpec[];
  readonly containers: readonly ContainerSpec[];
  readonly phase?: string;
  readonly reason?: string;
  readonly conditions: readonly PodCondition[];
  readonly initContainerStatuses: readonly ContainerStatus[];
  readonly containerStatuses: readonly ContainerStatus[];
}

/** Pod phases after which no container runs again. */
export const TERMINAL_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Failed']);

/** The kubelet's annotation of when it first saw the pod (nanoseconds; changes when it restarts). */
export const SEEN_ANNOTATION = 'kubernetes.io/config.seen';
