/**
 * Owns the shape of the validated configuration: what every other part receives. Durations are
 * whole milliseconds, sizes whole bytes. Built by `parseConfig` from the options of each concern.
 */
import type { LabelSelector } from '../core/labelSelector.js';
import type { AgentOptions, TrackerLimits } from './agentOptions.js';
import type { ExportOptions } from './exportOptions.js';
import type { CriOptions, KubeletOptions, PodsApiOptions } from './kubeletOptions.js';
import type { OtlpOptions } from './otlpOptions.js';
import type { ResourceOptions } from './resourceOptions.js';
import type { SelectionOptions } from './selectionOptions.js';
import type { StateOptions } from './stateOptions.js';

/** Validated configuration. */
export interface Config
  extends Omit<AgentOptions, 'nodeName'>,
    Omit<SelectionOptions, 'podSelectors'>,
    StateOptions,
    ResourceOptions {
  /** The node this agent runs on (resource attribute `k8s.node.name`). */
  readonly nodeName: string;
  readonly kubelet: KubeletOptions;
  /** The kubelet's Pods API socket (KUBELET_PODS_API_SOCKET); undefined: `/pods` polling only. */
  readonly podsApi: PodsApiOptions;
  /** Pods whose labels match any of these alternatives are traced (`POD_SELECTOR`, `;`-separated). */
  readonly podSelectors: readonly LabelSelector[];
  readonly otlp: OtlpOptions;
  readonly export: ExportOptions;
  /** Container runtime socket for nanosecond times (`unix:///run/containerd/containerd.sock`). */
  readonly cri: CriOptions;
  /** Bounds on what the tracker keeps. */
  readonly limits: TrackerLimits;
}

/** Facts about the machine that decide defaults, found by the caller (the module does no I/O). */
export interface ConfigFacts {
  /** A kubeconfig file exists (KUBECONFIG's files or `~/.kube/config`). */
  readonly kubeconfigFound?: boolean;
}

/**
 * Result of `parseConfig`. `warnings` are for the log at start-up (e.g. TLS verification off);
 * `errors` each name a variable and say what is wrong, one problem per line.
 */
export type ConfigResult =
  | { ok: true; config: Config; warnings: string[] }
  | { ok: false; errors: string[] };
