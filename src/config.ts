/**
 * The agent's configuration, read from environment variables. Pure: the caller passes the
 * environment (`parseConfig(process.env)`); nothing here touches the process or the file system.
 *
 * Every variable is validated on every run, and every problem is reported at once, one line each,
 * naming the variable. An empty (or all-whitespace) value counts as unset, as in OpenTelemetry
 * (except TRACE_GROUP_LABEL, where set-but-empty turns the group fallback off).
 * Where two variables set the same thing, precedence is: the agent's own (or the signal-specific
 * `OTEL_EXPORTER_OTLP_TRACES_*`) variable, then the general `OTEL_*` one, then the default.
 */

import { DEFAULT_STATE_MAX_BYTES } from './checkpoint/journalCheckpoint.js';
import { isDnsLabel, isDnsSubdomain } from './core/dnsName.js';
import type { LabelSelector } from './core/labelSelector.js';
import { isLabelKey } from './core/labelSyntax.js';
import { parsePodSelector } from './core/podSelector.js';
import { parseCriEndpoint } from './cri/criEndpoint.js';
import { formatDuration, parseDuration } from './duration.js';

/** Log levels accepted by pino, lowest verbosity first (`silent` logs nothing). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A pino log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Validated configuration. Durations are whole milliseconds, sizes whole bytes. */
export interface Config {
  /** The node this agent runs on (resource attribute `k8s.node.name`). */
  readonly nodeName: string;
  readonly kubelet: {
    /**
     * Base URL of the kubelet without a trailing slash (`https://10.0.0.1:10250`); may carry a
     * path prefix. Empty only when tracing is disabled and neither KUBELET_URL nor NODE_IP is set.
     */
    readonly url: string;
    /**
     * No KUBELET_URL or NODE_IP, but a kubeconfig: reach the kubelet through the API server's
     * node proxy with the kubeconfig's credentials (a laptop, not a DaemonSet).
     */
    readonly viaKubeconfig: boolean;
    /** KUBECONFIG as set (paths separated by `:`); undefined: `~/.kube/config`. */
    readonly kubeconfig: string | undefined;
    /** Bearer-token file, re-read when it changes. */
    readonly tokenFile: string;
    /** CA bundle that verifies the kubelet's serving certificate. */
    readonly caFile: string;
    /** Skip verification of the kubelet's certificate (a warning says so). */
    readonly insecureTls: boolean;
    /** Per-request timeout, ms. */
    readonly timeoutMs: number;
    /** Largest response body accepted, bytes. */
    readonly maxBodyBytes: number;
  };
  /** Pods whose labels match any of these alternatives are traced (`POD_SELECTOR`, `;`-separated). */
  readonly podSelectors: readonly LabelSelector[];
  /**
   * Label naming a pod's run: a selected pod with no trace context but this label is traced in
   * the run's group trace. `undefined` (TRACE_GROUP_LABEL set empty): no fallback.
   */
  readonly traceGroupLabel: string | undefined;
  /** Namespaces to consider, deduplicated in the order given; `undefined` means all. */
  readonly podNamespaces: readonly string[] | undefined;
  /** Time between kubelet polls while a traced pod is live on the node, ms. */
  readonly pollIntervalMs: number;
  /** Time between kubelet polls while none is, ms. */
  readonly idlePollIntervalMs: number;
  /** A pod missing from the kubelet's list for this long (and 2 polls) counts as gone, ms. */
  readonly goneAfterMs: number;
  /** Longest hold of gone decisions after a kubelet restart was seen, ms. */
  readonly kubeletRestartGraceMs: number;
  /** The agent's own pod uid (downward API `metadata.uid`): its absence marks a kubelet restart. */
  readonly podUid: string | undefined;
  /** Env var names carrying a W3C `traceparent`, looked up in each container's spec in order. */
  readonly traceContextEnv: readonly string[];
  /** `false`: the agent idles — no kubelet or collector traffic. */
  readonly tracingEnabled: boolean;
  readonly otlp: {
    /** Collector URL as `scheme://host:port` (path dropped: gRPC ignores it). */
    readonly endpoint: string;
    /** Export request timeout, ms. */
    readonly timeoutMs: number;
  };
  readonly export: {
    /** Spans per export request. */
    readonly maxBatchSize: number;
    /** How long a partial batch waits before it is exported, ms. */
    readonly scheduleDelayMs: number;
    /** Bound on spans waiting for export; beyond it the oldest are dropped. */
    readonly maxPendingSpans: number;
    /** Longest wait between two attempts of a batch the collector did not take, ms. */
    readonly retryMaxBackoffMs: number;
  };
  /** Flush budget on SIGTERM, ms; at most 9 s so the agent exits within 10 s. */
  readonly shutdownTimeoutMs: number;
  /** Resource `service.name`. */
  readonly serviceName: string;
  /**
   * Parsed, percent-decoded OTEL_RESOURCE_ATTRIBUTES, without `service.name` (that one is folded
   * into {@link Config.serviceName}, so spreading these can never override it).
   */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly logLevel: LogLevel;
  /** Port of `/healthz`, `/readyz` and `/metrics` (0: any free port). */
  readonly httpPort: number;
  /** Checkpoint directory; `undefined` (STATE_DIR=none) runs without a checkpoint. */
  readonly stateDir: string | undefined;
  /** Without a checkpoint, pods that finished longer ago than this are not emitted, ms. */
  readonly catchUpWindowMs: number;
  /** Bound on the checkpoint's peak size in `stateDir`, bytes (`STATE_MAX_BYTES`). */
  readonly stateMaxBytes: number;
  /** Container runtime socket for nanosecond times (`unix:///run/containerd/containerd.sock`). */
  readonly cri: { readonly endpoint: string; readonly timeoutMs: number } | undefined;
  /** Bounds on what the tracker keeps. */
  readonly limits: { readonly maxTrackedPods: number; readonly maxSpansPerPod: number };
}

/** Facts about the machine that decide defaults, found by the caller (the module does no I/O). */
export interface ConfigFacts {
  /** A kubeconfig file exists (KUBECONFIG's files or `~/.kube/config`). */
  readonly kubeconfigFound?: boolean;
}

/**
 * Result of {@link parseConfig}. `warnings` are for the log at start-up (e.g. TLS verification
 * off); `errors` each name a variable and say what is wrong, one problem per line.
 */
export type ConfigResult =
  | { ok: true; config: Config; warnings: string[] }
  | { ok: false; errors: string[] };

/**
 * One entry per variable the agent reads, for the README reference table and for tests that
 * check manifests use only known names.
 */
export interface ConfigVariable {
  readonly name: string;
  /** Default as written in the table; empty when there is none. */
  readonly default: string;
  readonly description: string;
  readonly group: 'agent' | 'kubelet' | 'selection' | 'otel';
}

const DEFAULT_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const DEFAULT_CA_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';
const KUBELET_PORT = 10250;
const DEFAULT_KUBELET_TIMEOUT_MS = 10_000;
const KUBELET_TIMEOUT_RANGE = [100, 600_000] as const;
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_BODY_BYTES_RANGE = [1024, 512 * 1024 * 1024] as const;
const DEFAULT_POD_SELECTOR = 'chaosUID; workflows.argoproj.io/workflow';
const DEFAULT_TRACE_GROUP_LABEL = 'chaosUID';
const DEFAULT_POLL_INTERVAL_MS = 250;
const DEFAULT_IDLE_POLL_INTERVAL_MS = 1000;
const POLL_INTERVAL_RANGE = [100, 3_600_000] as const;
const DEFAULT_TRACE_CONTEXT_ENV = ['TRACEPARENT', 'TRACE_PARENT'] as const;
const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4317';
const DEFAULT_OTLP_TIMEOUT_MS = 10_000;
const OTLP_TIMEOUT_RANGE = [1, 600_000] as const;
const DEFAULT_BATCH_SIZE = 512;
const BATCH_SIZE_RANGE = [1, 2048] as const;
const DEFAULT_SCHEDULE_DELAY_MS = 200;
const SCHEDULE_DELAY_RANGE = [0, 60_000] as const;
const DEFAULT_MAX_PENDING_SPANS = 20_000;
const MAX_PENDING_SPANS_RANGE = [1, 1_000_000] as const;
const DEFAULT_RETRY_MAX_BACKOFF_MS = 30_000;
const RETRY_MAX_BACKOFF_RANGE = [100, 300_000] as const;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 8000;
const SHUTDOWN_TIMEOUT_RANGE = [0, 9000] as const;
const DEFAULT_SERVICE_NAME = 'kubelet-span-exporter';
const DEFAULT_LOG_LEVEL: LogLevel = 'info';
const DEFAULT_HTTP_PORT = 9464;
const DEFAULT_STATE_DIR = '/var/lib/kubelet-span-exporter';
const STATE_MAX_BYTES_RANGE = [64 * 1024, 8 * 1024 ** 3] as const;
const DEFAULT_CRI_TIMEOUT_MS = 2000;
const CRI_TIMEOUT_RANGE = [50, 60_000] as const;
const DEFAULT_CATCHUP_WINDOW_MS = 15 * 60_000;
const CATCHUP_WINDOW_RANGE = [0, 7 * 24 * 3_600_000] as const;
const DEFAULT_MAX_TRACKED_PODS = 5000;
const MAX_TRACKED_PODS_RANGE = [1, 1_000_000] as const;
const DEFAULT_MAX_SPANS_PER_POD = 1000;
const MAX_SPANS_PER_POD_RANGE = [1, 1_000_000] as const;
const HTTP_PORT_RANGE = [0, 65535] as const;
const DEFAULT_GONE_AFTER_MS = 5000;
const GONE_AFTER_RANGE = [1000, 60_000] as const;
const DEFAULT_RESTART_GRACE_MS = 60_000;
const RESTART_GRACE_RANGE = [1000, 600_000] as const;
const POD_UID = /^[A-Za-z0-9-]{1,64}$/;

const VARIABLES = [
  // agent
  {
    name: 'NODE_NAME',
    group: 'agent',
    default: '',
    description:
      'Required. The node this agent runs on (resource attribute `k8s.node.name`); set it from the downward API `spec.nodeName`. A DNS subdomain.',
  },
  {
    name: 'TRACING_ENABLED',
    group: 'agent',
    default: 'true',
    description:
      '`false`: the agent idles — no kubelet or collector traffic. Every variable is still validated, but KUBELET_URL / NODE_IP are then not required. Wins over OTEL_SDK_DISABLED.',
  },
  {
    name: 'POLL_INTERVAL',
    group: 'agent',
    default: formatDuration(DEFAULT_POLL_INTERVAL_MS),
    description: `Time between kubelet polls while any traced pod is live on the node, a duration (\`250ms\`, \`2s\`, \`1m\`) from ${range(POLL_INTERVAL_RANGE)}. Each poll makes the kubelet serialise the whole node's pod list: see README "Cost on the kubelet".`,
  },
  {
    name: 'IDLE_POLL_INTERVAL',
    group: 'agent',
    default: formatDuration(DEFAULT_IDLE_POLL_INTERVAL_MS),
    description: `Time between kubelet polls while no traced pod is live, a duration from ${range(POLL_INTERVAL_RANGE)}. Keep it short: helper pods often land on nodes where nothing else is traced, and a pod created and deleted between two polls is never seen.`,
  },
  {
    name: 'GONE_AFTER',
    group: 'agent',
    default: formatDuration(DEFAULT_GONE_AFTER_MS),
    description: `A pod missing from the kubelet's list counts as gone (its open runs and pod span are ended at the first poll that missed it) only after it was missing from 2 successful polls and for this long, a duration from ${range(GONE_AFTER_RANGE)} and at least twice POLL_INTERVAL. A kubelet that restarts can briefly serve empty or partial lists.`,
  },
  {
    name: 'KUBELET_RESTART_GRACE',
    group: 'agent',
    default: formatDuration(DEFAULT_RESTART_GRACE_MS),
    description: `After a kubelet restart is seen (connections refused, the agent's own pod missing from the list, a pod's \`kubernetes.io/config.seen\` changed), no pod counts as gone until the list has been stable for GONE_AFTER, at most this long; a duration from ${range(RESTART_GRACE_RANGE)}, at least GONE_AFTER.`,
  },
  {
    name: 'POD_UID',
    group: 'agent',
    default: '',
    description:
      "The agent's own pod uid, from the downward API field `metadata.uid` (the DaemonSet sets it). Its absence from the kubelet's list marks a kubelet restart. Unset: that sign is not used.",
  },
  {
    name: 'MAX_PENDING_SPANS',
    group: 'agent',
    default: String(DEFAULT_MAX_PENDING_SPANS),
    description: `Bound on spans waiting for export (${MAX_PENDING_SPANS_RANGE[0]}..${MAX_PENDING_SPANS_RANGE[1]}, at least the batch size); beyond it the oldest waiting spans are dropped and counted (one warning). Falls back to OTEL_BSP_MAX_QUEUE_SIZE.`,
  },
  {
    name: 'EXPORT_RETRY_MAX_BACKOFF',
    group: 'agent',
    default: formatDuration(DEFAULT_RETRY_MAX_BACKOFF_MS),
    description: `Longest wait between two attempts of a batch the collector did not take (unreachable, or a retryable gRPC code); attempts back off exponentially from 1s with full jitter, honouring RetryInfo. A duration from ${range(RETRY_MAX_BACKOFF_RANGE)}.`,
  },
  {
    name: 'SHUTDOWN_TIMEOUT',
    group: 'agent',
    default: formatDuration(DEFAULT_SHUTDOWN_TIMEOUT_MS),
    description: `How long pending spans may take to flush on SIGTERM, a duration from ${range(SHUTDOWN_TIMEOUT_RANGE)}, so the agent exits within 10 s; \`0s\` drops them.`,
  },
  {
    name: 'LOG_LEVEL',
    group: 'agent',
    default: DEFAULT_LOG_LEVEL,
    description: `Log level: ${LOG_LEVELS.map((l) => `\`${l}\``).join(', ')}.`,
  },
  {
    name: 'HTTP_PORT',
    group: 'agent',
    default: String(DEFAULT_HTTP_PORT),
    description:
      'Port of the HTTP endpoints `/healthz` (liveness), `/readyz` (readiness) and `/metrics` (Prometheus), on all addresses; `0` picks a free port.',
  },
  {
    name: 'STATE_DIR',
    group: 'agent',
    default: DEFAULT_STATE_DIR,
    description:
      'Directory of the checkpoint (the tracker state as a journal, unacknowledged spans as segments); mount a volume there (one per agent: an `emptyDir`). `none` disables the checkpoint; an unwritable directory is logged and the agent runs without one.',
  },
  {
    name: 'STATE_MAX_BYTES',
    group: 'agent',
    default: '32Mi',
    description:
      'Bound on the checkpoint\'s peak size in `STATE_DIR`: bytes, or a Kubernetes quantity (`32Mi`, `1Gi`), from 64Ki to 8Gi. At the bound the oldest unacknowledged spans are dropped and counted (`reason="state_bound"`). Keep the volume\'s `sizeLimit` at least 2× this.',
  },
  {
    name: 'CATCHUP_WINDOW',
    group: 'agent',
    default: formatDuration(DEFAULT_CATCHUP_WINDOW_MS),
    description: `On a start without a checkpoint, pods that finished longer ago than this are not emitted (a rollout does not re-send hours of retained pods); a duration from ${range(CATCHUP_WINDOW_RANGE)}.`,
  },
  {
    name: 'MAX_TRACKED_PODS',
    group: 'agent',
    default: String(DEFAULT_MAX_TRACKED_PODS),
    description:
      'Bound on selected pods tracked at once; pods beyond it are skipped and counted until room frees up.',
  },
  {
    name: 'MAX_SPANS_PER_POD',
    group: 'agent',
    default: String(DEFAULT_MAX_SPANS_PER_POD),
    description:
      "Bound on spans per pod (a container crash-looping for days must not grow one trace without end); further spans are counted in the pod span's `kse.spans.dropped`.",
  },
  {
    name: 'CRI_ENDPOINT',
    group: 'kubelet',
    default: '',
    description:
      "Opt-in: the container runtime's CRI socket (`unix:///run/containerd/containerd.sock`, CRI-O `unix:///var/run/crio/crio.sock`). Container and sandbox spans then carry the runtime's nanosecond times. Socket access is root-equivalent on the node: see `daemonset/overlays/precise`.",
  },
  {
    name: 'CRI_TIMEOUT',
    group: 'kubelet',
    default: formatDuration(DEFAULT_CRI_TIMEOUT_MS),
    description: `Per-call timeout of CRI requests, a duration from ${range(CRI_TIMEOUT_RANGE)}; a call that fails keeps the kubelet's times for that span (counted).`,
  },
  // kubelet
  {
    name: 'NODE_IP',
    group: 'kubelet',
    default: '',
    description:
      'IPv4 or IPv6 address of the node, for the default KUBELET_URL; set it from the downward API `status.hostIP`.',
  },
  {
    name: 'KUBELET_URL',
    group: 'kubelet',
    default: `https://$NODE_IP:${KUBELET_PORT}`,
    description:
      'Base URL of the kubelet (`http` or `https`, a path prefix allowed). One of KUBELET_URL and NODE_IP must be set while tracing is enabled. An IPv6 NODE_IP is put in brackets.',
  },
  {
    name: 'KUBECONFIG',
    group: 'kubelet',
    default: '~/.kube/config',
    description:
      'Only when neither KUBELET_URL nor NODE_IP is set (running from a laptop): the kubeconfig whose current context reaches the API server; the kubelet is then polled through `/api/v1/nodes/$NODE_NAME/proxy/pods`, which needs `get` on `nodes/proxy`.',
  },
  {
    name: 'KUBELET_TOKEN_FILE',
    group: 'kubelet',
    default: DEFAULT_TOKEN_FILE,
    description: 'Bearer token for the kubelet, re-read when it changes.',
  },
  {
    name: 'KUBELET_CA_FILE',
    group: 'kubelet',
    default: DEFAULT_CA_FILE,
    description: "CA bundle that verifies the kubelet's serving certificate.",
  },
  {
    name: 'KUBELET_INSECURE_TLS',
    group: 'kubelet',
    default: 'false',
    description:
      "`true` skips verification of the kubelet's serving certificate (a warning is logged at start).",
  },
  {
    name: 'KUBELET_TIMEOUT',
    group: 'kubelet',
    default: formatDuration(DEFAULT_KUBELET_TIMEOUT_MS),
    description: `Per-request timeout, a duration from ${range(KUBELET_TIMEOUT_RANGE)}.`,
  },
  {
    name: 'KUBELET_MAX_RESPONSE_BYTES',
    group: 'kubelet',
    default: String(DEFAULT_MAX_BODY_BYTES),
    description:
      'Largest kubelet response accepted: bytes, or a Kubernetes quantity (`64Mi`, `256Mi`, `500k`), from 1Ki to 512Mi.',
  },
  // selection
  {
    name: 'POD_SELECTOR',
    group: 'selection',
    default: DEFAULT_POD_SELECTOR,
    description:
      'Which pods to trace: Kubernetes label selectors (`app=web,tier in (a,b),!canary`) separated by `;`; a pod matching any of them is selected (once). The default catches LitmusChaos pods and Argo Workflows step pods. An empty value means the default; an empty alternative is an error.',
  },
  {
    name: 'TRACE_GROUP_LABEL',
    group: 'selection',
    default: DEFAULT_TRACE_GROUP_LABEL,
    description:
      'A selected pod with no trace context but this label is traced in its run\'s trace, derived from the label\'s namespace, key and value (the pod span is a root; see README "Runs without a trace context"). The value must be unique per run. Set it empty (`TRACE_GROUP_LABEL=`) to turn this off. A label key.',
  },
  {
    name: 'POD_NAMESPACES',
    group: 'selection',
    default: '',
    description:
      'Comma-separated namespaces to consider; unset means all. Spaces are trimmed, duplicates removed.',
  },
  {
    name: 'TRACE_CONTEXT_ENV',
    group: 'selection',
    default: DEFAULT_TRACE_CONTEXT_ENV.join(','),
    description:
      "Comma-separated env var names holding a W3C `traceparent`, looked up in each container's spec in this order.",
  },
  // otel
  {
    name: 'OTEL_SDK_DISABLED',
    group: 'otel',
    default: 'false',
    description: '`true` means the same as `TRACING_ENABLED=false`.',
  },
  {
    name: 'OTEL_SERVICE_NAME',
    group: 'otel',
    default: DEFAULT_SERVICE_NAME,
    description: 'Resource `service.name`; wins over `service.name` in OTEL_RESOURCE_ATTRIBUTES.',
  },
  {
    name: 'OTEL_RESOURCE_ATTRIBUTES',
    group: 'otel',
    default: '',
    description:
      'Extra resource attributes, `key=value,...`; keys and values percent-decoded (write `,` as `%2C`, `=` as `%3D`).',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    group: 'otel',
    default: '',
    description: 'Collector URL for traces; wins over OTEL_EXPORTER_OTLP_ENDPOINT.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    group: 'otel',
    default: DEFAULT_OTLP_ENDPOINT,
    description:
      'OTLP/gRPC collector, an `http://` (plaintext) or `https://` (TLS) URL with a host; a path is ignored.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    group: 'otel',
    default: '',
    description: 'Must be `grpc` if set.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    group: 'otel',
    default: 'grpc',
    description: 'Must be `grpc`: this agent speaks OTLP/gRPC only.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_HEADERS, for traces; wins per key.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_HEADERS',
    group: 'otel',
    default: '',
    description:
      'gRPC metadata sent with every export, `key=value,...`, values percent-decoded (e.g. `authorization=Bearer%20xyz`).',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_COMPRESSION, for traces; wins over it.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_COMPRESSION',
    group: 'otel',
    default: 'none',
    description: '`gzip` or `none`.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_TIMEOUT, for traces; wins over it.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TIMEOUT',
    group: 'otel',
    default: String(DEFAULT_OTLP_TIMEOUT_MS),
    description: `Export request timeout, integer milliseconds (${OTLP_TIMEOUT_RANGE[0]}..${OTLP_TIMEOUT_RANGE[1]}).`,
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_INSECURE',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_INSECURE, for traces.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_INSECURE',
    group: 'otel',
    default: 'false',
    description:
      'Boolean. Has no effect here: the endpoint always has a scheme, and `http://` vs `https://` decides.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_CERTIFICATE, for traces; wins over it.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_CERTIFICATE',
    group: 'otel',
    default: '',
    description:
      "File with the CA certificates that verify the collector's certificate (`https://` only).",
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_CLIENT_KEY, for traces; wins over it.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_CLIENT_KEY',
    group: 'otel',
    default: '',
    description:
      'File with the private key for mTLS to the collector; needs the client certificate.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, for traces; wins over it.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE',
    group: 'otel',
    default: '',
    description: 'File with the certificate chain for mTLS to the collector; needs the client key.',
  },
  {
    name: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
    group: 'otel',
    default: String(DEFAULT_BATCH_SIZE),
    description: `Spans per export request (${BATCH_SIZE_RANGE[0]}..${BATCH_SIZE_RANGE[1]}).`,
  },
  {
    name: 'OTEL_BSP_SCHEDULE_DELAY',
    group: 'otel',
    default: String(DEFAULT_SCHEDULE_DELAY_MS),
    description: `How long a partial batch waits before export, integer milliseconds (${SCHEDULE_DELAY_RANGE[0]}..${SCHEDULE_DELAY_RANGE[1]}).`,
  },
  {
    name: 'OTEL_BSP_MAX_QUEUE_SIZE',
    group: 'otel',
    default: '',
    description: 'Used as MAX_PENDING_SPANS when that is unset.',
  },
] as const satisfies readonly ConfigVariable[];

type VariableName = (typeof VARIABLES)[number]['name'];

/**
 * One entry per variable the agent reads, grouped (agent, kubelet, selection, otel), for the
 * README reference table and for tests that check manifests use only known names.
 */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = VARIABLES;

/**
 * Renders {@link CONFIG_VARIABLES} as a Markdown table (`Variable | Default | Description`), rows
 * in the order of the array, ending with a newline. The README embeds this exact text between
 * markers; a test checks they agree.
 */
export function renderConfigTable(): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|');
  const lines = ['| Variable | Default | Description |', '| --- | --- | --- |'];
  for (const v of CONFIG_VARIABLES) {
    const def = v.default === '' ? '—' : `\`${cell(v.default)}\``;
    lines.push(`| \`${v.name}\` | ${def} | ${cell(v.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Validates the environment and builds the {@link Config}. Reads only the variables listed in
 * {@link CONFIG_VARIABLES}, each exactly as named, and every one of them on every call.
 *
 * @param env the process environment (`process.env`), or any map of the same shape.
 * @returns the config with start-up warnings, or every error found (never only the first).
 */
export function parseConfig(
  env: Readonly<Record<string, string | undefined>>,
  facts: ConfigFacts = {},
): ConfigResult {
  const r = new Reader(env);

  // agent
  const nodeName = r.get('NODE_NAME');
  if (nodeName === undefined) {
    r.errors.push('NODE_NAME: required (set it from the downward API field spec.nodeName)');
  } else if (!isDnsSubdomain(nodeName)) {
    r.invalid(
      'NODE_NAME',
      nodeName,
      'not a valid node name (DNS subdomain: lowercase letters, digits, "-" and ".", at most 253 characters)',
    );
  }
  const tracingFlag = r.boolean('TRACING_ENABLED');
  const sdkDisabled = r.boolean('OTEL_SDK_DISABLED');
  const tracingEnabled = choose(tracingFlag, invert(sdkDisabled), true);
  if (tracingFlag !== undefined && sdkDisabled !== undefined && tracingFlag === sdkDisabled) {
    r.warnings.push(
      `TRACING_ENABLED=${tracingFlag} and OTEL_SDK_DISABLED=${sdkDisabled} disagree; TRACING_ENABLED wins`,
    );
  }
  const pollIntervalMs = r.duration('POLL_INTERVAL', DEFAULT_POLL_INTERVAL_MS, POLL_INTERVAL_RANGE);
  const idlePollIntervalMs = r.duration(
    'IDLE_POLL_INTERVAL',
    DEFAULT_IDLE_POLL_INTERVAL_MS,
    POLL_INTERVAL_RANGE,
  );
  const goneAfterMs = r.duration('GONE_AFTER', DEFAULT_GONE_AFTER_MS, GONE_AFTER_RANGE);
  if (goneAfterMs < 2 * pollIntervalMs) {
    r.invalid(
      'GONE_AFTER',
      r.get('GONE_AFTER') ?? `${formatDuration(goneAfterMs)} (default)`,
      `must be at least twice POLL_INTERVAL (${formatDuration(pollIntervalMs)})`,
    );
  }
  const kubeletRestartGraceMs = r.duration(
    'KUBELET_RESTART_GRACE',
    DEFAULT_RESTART_GRACE_MS,
    RESTART_GRACE_RANGE,
  );
  if (kubeletRestartGraceMs < goneAfterMs) {
    r.invalid(
      'KUBELET_RESTART_GRACE',
      r.get('KUBELET_RESTART_GRACE') ?? `${formatDuration(kubeletRestartGraceMs)} (default)`,
      `must be at least GONE_AFTER (${formatDuration(goneAfterMs)})`,
    );
  }
  const podUid = r.get('POD_UID');
  if (podUid !== undefined && !POD_UID.test(podUid)) {
    r.invalid('POD_UID', podUid, 'not a pod uid (letters, digits and "-", at most 64 characters)');
  }
  const shutdownTimeoutMs = r.duration(
    'SHUTDOWN_TIMEOUT',
    DEFAULT_SHUTDOWN_TIMEOUT_MS,
    SHUTDOWN_TIMEOUT_RANGE,
  );
  const logLevel = parseLogLevel(r);
  const httpPort = choose(r.integer('HTTP_PORT', HTTP_PORT_RANGE, 'port'), DEFAULT_HTTP_PORT);
  const stateDirValue = r.get('STATE_DIR') ?? DEFAULT_STATE_DIR;
  if (stateDirValue !== 'none' && !stateDirValue.startsWith('/')) {
    r.invalid('STATE_DIR', stateDirValue, 'not an absolute path (or none)');
  }
  const stateDir = stateDirValue === 'none' ? undefined : stateDirValue;
  const catchUpWindowMs = r.duration(
    'CATCHUP_WINDOW',
    DEFAULT_CATCHUP_WINDOW_MS,
    CATCHUP_WINDOW_RANGE,
  );
  const stateMaxBytes = parseByteSize(
    r,
    'STATE_MAX_BYTES',
    DEFAULT_STATE_MAX_BYTES,
    STATE_MAX_BYTES_RANGE,
    'must be from 64Ki to 8Gi',
  );
  const criEndpointValue = r.get('CRI_ENDPOINT');
  const criTimeoutMs = r.duration('CRI_TIMEOUT', DEFAULT_CRI_TIMEOUT_MS, CRI_TIMEOUT_RANGE);
  let cri: Config['cri'];
  if (criEndpointValue !== undefined) {
    const parsedCri = parseCriEndpoint(criEndpointValue);
    if (parsedCri.ok) cri = { endpoint: criEndpointValue, timeoutMs: criTimeoutMs };
    else r.invalid('CRI_ENDPOINT', criEndpointValue, parsedCri.error);
  }
  const maxTrackedPods = choose(
    r.integer('MAX_TRACKED_PODS', MAX_TRACKED_PODS_RANGE, 'pods'),
    DEFAULT_MAX_TRACKED_PODS,
  );
  const maxSpansPerPod = choose(
    r.integer('MAX_SPANS_PER_POD', MAX_SPANS_PER_POD_RANGE, 'spans'),
    DEFAULT_MAX_SPANS_PER_POD,
  );

  // kubelet
  const kubeconfigValue = r.get('KUBECONFIG');
  const kubeletUrl = parseKubeletUrl(r, tracingEnabled, facts.kubeconfigFound ?? false);
  const tokenFile = r.get('KUBELET_TOKEN_FILE') ?? DEFAULT_TOKEN_FILE;
  const caFile = r.get('KUBELET_CA_FILE') ?? DEFAULT_CA_FILE;
  const insecureTls = r.boolean('KUBELET_INSECURE_TLS') ?? false;
  if (insecureTls) {
    r.warnings.push(
      "KUBELET_INSECURE_TLS=true: the kubelet's serving certificate is not verified; anyone who can intercept node traffic can impersonate it",
    );
  }
  const kubeletTimeoutMs = r.duration(
    'KUBELET_TIMEOUT',
    DEFAULT_KUBELET_TIMEOUT_MS,
    KUBELET_TIMEOUT_RANGE,
  );
  const maxBodyBytes = parseByteSize(
    r,
    'KUBELET_MAX_RESPONSE_BYTES',
    DEFAULT_MAX_BODY_BYTES,
    MAX_BODY_BYTES_RANGE,
    'must be from 1Ki to 512Mi',
  );

  // selection
  const selectorText = r.get('POD_SELECTOR');
  const parsedSelector = parsePodSelector(selectorText ?? DEFAULT_POD_SELECTOR);
  if (!parsedSelector.ok) r.invalid('POD_SELECTOR', selectorText ?? '', parsedSelector.error);
  // Unlike other variables, set-but-empty means "off" here (unset means the default).
  const groupLabelRaw = r.raw('TRACE_GROUP_LABEL');
  const traceGroupLabel =
    groupLabelRaw === undefined ? DEFAULT_TRACE_GROUP_LABEL : groupLabelRaw || undefined;
  if (traceGroupLabel !== undefined && !isLabelKey(traceGroupLabel)) {
    r.invalid(
      'TRACE_GROUP_LABEL',
      traceGroupLabel,
      'not a label key (an optional DNS subdomain prefix and "/", then a name of at most 63 characters: A-Z, a-z, 0-9, "-", "_", ".")',
    );
  }
  const podNamespaces = r.list(
    'POD_NAMESPACES',
    isDnsLabel,
    'not a valid namespace name (DNS label: lowercase letters, digits and "-", at most 63 characters)',
  );
  const traceContextEnv =
    r.list(
      'TRACE_CONTEXT_ENV',
      (name) => ENV_VAR_NAME.test(name),
      'not a valid env var name ([-._a-zA-Z][-._a-zA-Z0-9]*)',
    ) ?? DEFAULT_TRACE_CONTEXT_ENV;

  // otel
  const otlpEndpoint = parseOtlpEndpoint(r);
  for (const name of [
    'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    'OTEL_EXPORTER_OTLP_PROTOCOL',
  ] as const satisfies VariableName[]) {
    const value = r.get(name);
    if (value !== undefined && value.toLowerCase() !== 'grpc') {
      r.invalid(name, value, 'this agent speaks OTLP/gRPC only: use grpc or leave it unset');
    }
  }
  checkHeaders(r, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS');
  checkHeaders(r, 'OTEL_EXPORTER_OTLP_HEADERS');
  for (const name of [
    'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
    'OTEL_EXPORTER_OTLP_COMPRESSION',
  ] as const satisfies VariableName[]) {
    const value = r.get(name);
    if (value !== undefined && value !== 'gzip' && value !== 'none') {
      r.invalid(name, value, 'not a compression (gzip or none)');
    }
  }
  const otlpTimeoutMs = choose(
    r.integer('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', OTLP_TIMEOUT_RANGE, 'milliseconds'),
    r.integer('OTEL_EXPORTER_OTLP_TIMEOUT', OTLP_TIMEOUT_RANGE, 'milliseconds'),
    DEFAULT_OTLP_TIMEOUT_MS,
  );
  const otlpInsecure = choose(
    r.boolean('OTEL_EXPORTER_OTLP_TRACES_INSECURE'),
    r.boolean('OTEL_EXPORTER_OTLP_INSECURE'),
    false,
  );
  if (otlpInsecure) {
    r.warnings.push(
      'OTEL_EXPORTER_OTLP_INSECURE=true has no effect: the endpoint scheme decides (http:// is plaintext, https:// is TLS)',
    );
  }
  checkTlsFiles(r, otlpEndpoint);
  const maxBatchSize = choose(
    r.integer('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', BATCH_SIZE_RANGE, 'spans'),
    DEFAULT_BATCH_SIZE,
  );
  const scheduleDelayMs = choose(
    r.integer('OTEL_BSP_SCHEDULE_DELAY', SCHEDULE_DELAY_RANGE, 'milliseconds'),
    DEFAULT_SCHEDULE_DELAY_MS,
  );
  const retryMaxBackoffMs = r.duration(
    'EXPORT_RETRY_MAX_BACKOFF',
    DEFAULT_RETRY_MAX_BACKOFF_MS,
    RETRY_MAX_BACKOFF_RANGE,
  );
  const pendingOwn = r.integer('MAX_PENDING_SPANS', MAX_PENDING_SPANS_RANGE, 'spans');
  const pendingOtel = r.integer('OTEL_BSP_MAX_QUEUE_SIZE', MAX_PENDING_SPANS_RANGE, 'spans');
  const maxPendingSpans = choose(pendingOwn, pendingOtel, DEFAULT_MAX_PENDING_SPANS);
  if (maxPendingSpans < maxBatchSize) {
    const source = pendingOwn !== undefined ? 'MAX_PENDING_SPANS' : 'OTEL_BSP_MAX_QUEUE_SIZE';
    r.errors.push(
      `${source}=${maxPendingSpans} is smaller than the export batch size ${maxBatchSize} (OTEL_BSP_MAX_EXPORT_BATCH_SIZE)`,
    );
  }
  const attributes = parseResourceAttributes(r);
  const serviceName = choose(
    r.get('OTEL_SERVICE_NAME'),
    nonEmpty(attributes['service.name']),
    DEFAULT_SERVICE_NAME,
  );
  delete attributes['service.name'];

  if (r.errors.length > 0 || !parsedSelector.ok || nodeName === undefined) {
    return { ok: false, errors: r.errors };
  }
  return {
    ok: true,
    warnings: r.warnings,
    config: {
      nodeName,
      kubelet: {
        url: kubeletUrl,
        viaKubeconfig: tracingEnabled && kubeletUrl === '' && (facts.kubeconfigFound ?? false),
        kubeconfig: kubeconfigValue,
        tokenFile,
        caFile,
        insecureTls,
        timeoutMs: kubeletTimeoutMs,
        maxBodyBytes,
      },
      podSelectors: parsedSelector.alternatives,
      traceGroupLabel,
      podNamespaces,
      pollIntervalMs,
      idlePollIntervalMs,
      goneAfterMs,
      kubeletRestartGraceMs,
      podUid,
      traceContextEnv,
      tracingEnabled,
      otlp: { endpoint: otlpEndpoint.url, timeoutMs: otlpTimeoutMs },
      export: { maxBatchSize, scheduleDelayMs, maxPendingSpans, retryMaxBackoffMs },
      shutdownTimeoutMs,
      serviceName,
      resourceAttributes: attributes,
      logLevel,
      httpPort,
      stateDir,
      catchUpWindowMs,
      stateMaxBytes,
      cri,
      limits: { maxTrackedPods, maxSpansPerPod },
    },
  };
}

/** The precedence rule, written once: the first value that is set wins. */
function choose<T>(...candidates: [...(T | undefined)[], T]): T {
  for (const candidate of candidates) if (candidate !== undefined) return candidate;
  // The last candidate is the default and never undefined.
  return candidates[candidates.length - 1] as T;
}

function invert(value: boolean | undefined): boolean | undefined {
  return value === undefined ? undefined : !value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

function range(bounds: readonly [number, number]): string {
  return `${formatDuration(bounds[0])} to ${formatDuration(bounds[1])}`;
}

/** Reads variables (trimmed; empty means unset) and collects problems. */
class Reader {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.#env = env;
  }

  /** The trimmed value, `''` when set but empty, `undefined` only when unset. */
  raw(name: VariableName): string | undefined {
    return this.#env[name]?.trim();
  }

  get(name: VariableName): string | undefined {
    const value = this.#env[name]?.trim();
    return value === '' ? undefined : value;
  }

  /** Records `NAME="value": reason`. Never call this with a value that may hold a secret. */
  invalid(name: VariableName, value: string, reason: string): void {
    this.errors.push(`${name}=${JSON.stringify(value)}: ${reason}`);
  }

  boolean(name: VariableName): boolean | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    this.invalid(name, value, 'not a boolean (true or false)');
    return undefined;
  }

  /** A duration rounded to whole milliseconds; the default when unset or invalid. */
  duration(name: VariableName, fallback: number, bounds: readonly [number, number]): number {
    const value = this.get(name);
    if (value === undefined) return fallback;
    const parsed = parseDuration(value);
    if (parsed === undefined) {
      this.invalid(name, value, 'not a duration (examples: 250ms, 2s, 1m)');
      return fallback;
    }
    const ms = Math.round(parsed);
    if (ms < bounds[0] || ms > bounds[1]) {
      this.invalid(name, value, `must be from ${range(bounds)}`);
      return fallback;
    }
    return ms;
  }

  /** A decimal integer within bounds; `undefined` when unset or invalid. */
  integer(
    name: VariableName,
    bounds: readonly [number, number],
    unit: 'milliseconds' | 'spans' | 'pods' | 'port',
  ): number | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) {
      this.invalid(
        name,
        value,
        unit === 'port' ? 'not a port number' : `not a whole number of ${unit}`,
      );
      return undefined;
    }
    const n = Number(value);
    if (n < bounds[0] || n > bounds[1]) {
      this.invalid(
        name,
        value,
        `must be from ${bounds[0]} to ${bounds[1]}${unit === 'port' ? '' : ` ${unit}`}`,
      );
      return undefined;
    }
    return n;
  }

  /**
   * A comma-separated list, entries trimmed, empty entries skipped, duplicates removed (first
   * occurrence kept). `undefined` when unset; one error per bad entry.
   */
  list(
    name: VariableName,
    valid: (entry: string) => boolean,
    reason: string,
  ): readonly string[] | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    const entries = [
      ...new Set(
        value
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry !== ''),
      ),
    ];
    if (entries.length === 0) this.invalid(name, value, 'lists nothing; leave it unset instead');
    for (const entry of entries) {
      if (!valid(entry)) this.invalid(name, value, `${JSON.stringify(entry)} is ${reason}`);
    }
    return entries;
  }
}

function parseLogLevel(r: Reader): LogLevel {
  const value = r.get('LOG_LEVEL');
  if (value === undefined) return DEFAULT_LOG_LEVEL;
  const level = LOG_LEVELS.find((l) => l === value.toLowerCase());
  if (level === undefined)
    r.invalid('LOG_LEVEL', value, `not a log level (${LOG_LEVELS.join(', ')})`);
  return level ?? DEFAULT_LOG_LEVEL;
}

const QUANTITY = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/;
const QUANTITY_FACTOR: Readonly<Record<string, number>> = {
  '': 1,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  k: 1000,
  M: 1000 ** 2,
  G: 1000 ** 3,
};

/** A byte count or Kubernetes quantity within `[min, max]`; problems are recorded. */
function parseByteSize(
  r: Reader,
  name: VariableName,
  fallback: number,
  [min, max]: readonly [number, number],
  rangeProblem: string,
): number {
  const value = r.get(name);
  if (value === undefined) return fallback;
  const m = QUANTITY.exec(value);
  if (!m) {
    r.invalid(name, value, 'not a byte count (examples: 67108864, 64Mi, 256Mi)');
    return fallback;
  }
  const bytes = Number(m[1]) * (QUANTITY_FACTOR[m[2] ?? ''] ?? 1);
  if (bytes < min || bytes > max) {
    r.invalid(name, value, rangeProblem);
    return fallback;
  }
  return bytes;
}

/**
 * Parses an http(s) URL with a host, without credentials, query or fragment. Problems are
 * recorded; a URL carrying a user name or password is never quoted.
 */
function parseHttpUrl(r: Reader, name: VariableName, value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    r.invalid(name, value, 'not a URL (example: https://10.0.0.1:10250)');
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    r.errors.push(`${name}: must not contain a user name or password (value not shown)`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    r.invalid(name, value, 'must be an http:// or https:// URL');
    return undefined;
  }
  if (url.hostname === '') {
    r.invalid(name, value, 'has no host');
    return undefined;
  }
  if (url.search !== '' || url.hash !== '') {
    r.invalid(name, value, 'must not have a query or fragment');
    return undefined;
  }
  return url;
}

function parseKubeletUrl(r: Reader, tracingEnabled: boolean, kubeconfigFound: boolean): string {
  const nodeIp = r.get('NODE_IP');
  const nodeIpValid = nodeIp !== undefined && isIpAddress(nodeIp);
  if (nodeIp !== undefined && !nodeIpValid) {
    r.invalid('NODE_IP', nodeIp, 'not an IPv4 or IPv6 address');
  }
  const explicit = r.get('KUBELET_URL');
  if (explicit !== undefined) {
    const url = parseHttpUrl(r, 'KUBELET_URL', explicit);
    if (url === undefined) return '';
    if (url.protocol === 'http:') {
      r.warnings.push(
        'KUBELET_URL uses http://: the bearer token and pod data cross the network unencrypted',
      );
    }
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  }
  if (nodeIp === undefined) {
    if (tracingEnabled && !kubeconfigFound) {
      r.errors.push(
        'KUBELET_URL, NODE_IP: one of them must be set (NODE_IP from the downward API field status.hostIP), or a kubeconfig must exist (KUBECONFIG or ~/.kube/config) to reach the kubelet through the API server',
      );
    }
    return '';
  }
  if (!nodeIpValid) return '';
  const host = nodeIp.includes(':') ? `[${nodeIp}]` : nodeIp;
  return `https://${host}:${KUBELET_PORT}`;
}

interface Endpoint {
  readonly url: string;
  readonly secure: boolean;
}

function parseOtlpEndpoint(r: Reader): Endpoint {
  const parse = (name: VariableName): Endpoint | undefined => {
    const value = r.get(name);
    if (value === undefined) return undefined;
    const url = parseHttpUrl(r, name, value);
    if (url === undefined) return undefined;
    if (url.pathname !== '/' && url.pathname !== '') {
      r.warnings.push(`${name}=${JSON.stringify(value)}: the path is ignored (OTLP/gRPC has none)`);
    }
    return { url: url.origin, secure: url.protocol === 'https:' };
  };
  return choose(parse('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'), parse('OTEL_EXPORTER_OTLP_ENDPOINT'), {
    url: DEFAULT_OTLP_ENDPOINT,
    secure: false,
  });
}

function checkTlsFiles(r: Reader, endpoint: Endpoint): void {
  const pick = (specific: VariableName, general: VariableName) => {
    const s = r.get(specific);
    if (s !== undefined) return { name: specific, value: s };
    const g = r.get(general);
    return g === undefined ? undefined : { name: general, value: g };
  };
  const ca = pick('OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE', 'OTEL_EXPORTER_OTLP_CERTIFICATE');
  const key = pick('OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY', 'OTEL_EXPORTER_OTLP_CLIENT_KEY');
  const cert = pick(
    'OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE',
    'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE',
  );
  if (key !== undefined && cert === undefined) {
    r.errors.push(
      `${key.name} is set but neither OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE nor OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is: mTLS needs both`,
    );
  }
  if (cert !== undefined && key === undefined) {
    r.errors.push(
      `${cert.name} is set but neither OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY nor OTEL_EXPORTER_OTLP_CLIENT_KEY is: mTLS needs both`,
    );
  }
  if (!endpoint.secure) {
    for (const file of [ca, key, cert]) {
      if (file !== undefined) {
        r.warnings.push(`${file.name} is ignored: the OTLP endpoint uses http:// (no TLS)`);
      }
    }
  }
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Validates `key=value,...` gRPC metadata the exporter reads from the environment itself. Values
 * hold credentials, so messages name the entry's position or key, never its value.
 */
function checkHeaders(r: Reader, name: VariableName): void {
  const value = r.get(name);
  if (value === undefined) return;
  const problem = (what: string) => r.errors.push(`${name}: ${what} (values not shown)`);
  value.split(',').forEach((entry, index) => {
    if (entry.trim() === '') return;
    const eq = entry.indexOf('=');
    if (eq < 0) {
      problem(`entry ${index + 1} has no "=" (expected key=value,key2=value2)`);
      return;
    }
    const rawKey = entry.slice(0, eq).trim();
    if (rawKey === '') {
      problem(`entry ${index + 1} has an empty key`);
      return;
    }
    const key = decode(rawKey);
    if (key === undefined || !/^[0-9a-zA-Z_.-]+$/.test(key)) {
      problem(
        `key ${JSON.stringify(rawKey)} is not a valid gRPC metadata key (letters, digits, "-", "_", ".")`,
      );
      return;
    }
    if (key.toLowerCase().endsWith('-bin')) {
      problem(`key ${JSON.stringify(key)}: binary ("-bin") metadata is not supported`);
      return;
    }
    if (entry.includes(';')) {
      problem(
        `entry with key ${JSON.stringify(key)} contains ";", which cuts the value short; write it as %3B`,
      );
      return;
    }
    const decoded = decode(entry.slice(eq + 1).trim());
    if (decoded === undefined) {
      problem(`the value for key ${JSON.stringify(key)} is not valid percent-encoding`);
    } else if (decoded === '') {
      problem(`the value for key ${JSON.stringify(key)} is empty`);
    } else if (!/^[ -~]*$/.test(decoded)) {
      problem(
        `the value for key ${JSON.stringify(key)} has characters gRPC metadata forbids (printable ASCII only)`,
      );
    }
  });
}

/**
 * Parses OTEL_RESOURCE_ATTRIBUTES per the OpenTelemetry spec: `key=value` entries separated by
 * commas, whitespace around keys and values trimmed, both percent-decoded, later keys winning.
 */
function parseResourceAttributes(r: Reader): Record<string, string> {
  const name = 'OTEL_RESOURCE_ATTRIBUTES';
  const attributes: Record<string, string> = {};
  const value = r.get(name);
  if (value === undefined) return attributes;
  for (const entry of value.split(',')) {
    if (entry.trim() === '') continue;
    const parts = entry.split('=');
    const quoted = JSON.stringify(entry.trim());
    if (parts.length !== 2) {
      r.errors.push(
        `${name}: entry ${quoted} is not key=value (write "," as %2C and "=" as %3D inside keys and values)`,
      );
      continue;
    }
    const key = decode((parts[0] ?? '').trim());
    const decoded = decode((parts[1] ?? '').trim());
    if (key === '') {
      r.errors.push(`${name}: entry ${quoted} has an empty key`);
    } else if (key === undefined || decoded === undefined) {
      r.errors.push(`${name}: entry ${quoted} is not valid percent-encoding`);
    } else {
      attributes[key] = decoded;
    }
  }
  return attributes;
}

const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * IPv4 dotted quad (no leading zeros, as Go and Kubernetes require) or RFC 4291 IPv6 text (with
 * `::` and an embedded IPv4 tail; no zone).
 */
function isIpAddress(text: string): boolean {
  return IPV4.test(text) || isIpv6(text);
}

function isIpv6(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const [head = '', tail = ''] = halves;
  const compressed = halves.length === 2;
  const groups = [...(head === '' ? [] : head.split(':')), ...(tail === '' ? [] : tail.split(':'))];
  // An IPv4 tail must end the address: not allowed before a trailing `::`.
  const ipv4TailAllowed = !compressed || tail !== '';
  let count = 0;
  for (const [i, group] of groups.entries()) {
    if (IPV6_GROUP.test(group)) count += 1;
    else if (i === groups.length - 1 && ipv4TailAllowed && IPV4.test(group)) count += 2;
    else return false;
  }
  return compressed ? count <= 7 : count === 8;
}
