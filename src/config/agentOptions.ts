/**
 * Owns the agent's own options: the node, whether tracing runs, poll timing, gone detection,
 * shutdown, logging, the HTTP port and the tracker's bounds. Declared once here (name, default,
 * bounds, description); read and validated by {@link readAgentOptions} and
 * {@link readTrackerLimits}.
 */
import { isDnsSubdomain } from '../core/dnsName.js';
import { formatDuration } from '../duration.js';
import { choose } from './choose.js';
import { type ConfigVariable, countVariable, durationVariable, range } from './configVariable.js';
import type { EnvReader } from './envReader.js';

/** Log levels accepted by pino, lowest verbosity first (`silent` logs nothing). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A pino log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

const POLL_INTERVAL_RANGE = [100, 3_600_000] as const;
const GONE_AFTER_RANGE = [1000, 60_000] as const;
const RESTART_GRACE_RANGE = [1000, 600_000] as const;
const SHUTDOWN_TIMEOUT_RANGE = [0, 9000] as const;
const DEFAULT_LOG_LEVEL: LogLevel = 'info';
const POD_UID = /^[A-Za-z0-9-]{1,64}$/;

export const AGENT_VARIABLES = {
  NODE_NAME: {
    name: 'NODE_NAME',
    group: 'agent',
    default: '',
    description:
      'Required. The node this agent runs on (resource attribute `k8s.node.name`); set it from the downward API `spec.nodeName`. A DNS subdomain.',
  },
  TRACING_ENABLED: {
    name: 'TRACING_ENABLED',
    group: 'agent',
    default: 'true',
    description:
      '`false`: the agent idles — no kubelet or collector traffic. Every variable is still validated, but KUBELET_URL / NODE_IP are then not required. Wins over OTEL_SDK_DISABLED.',
  },
  POLL_INTERVAL: durationVariable({
    name: 'POLL_INTERVAL',
    group: 'agent',
    value: 250,
    bounds: POLL_INTERVAL_RANGE,
    description: `Time between kubelet polls while any traced pod is live on the node, a duration (\`250ms\`, \`2s\`, \`1m\`) from ${range(POLL_INTERVAL_RANGE)}. Each poll makes the kubelet serialise the whole node's pod list: see README "Cost on the kubelet".`,
  }),
  IDLE_POLL_INTERVAL: durationVariable({
    name: 'IDLE_POLL_INTERVAL',
    group: 'agent',
    value: 1000,
    bounds: POLL_INTERVAL_RANGE,
    description: `Time between kubelet polls while no traced pod is live, a duration from ${range(POLL_INTERVAL_RANGE)}. Keep it short: helper pods often land on nodes where nothing else is traced, and a pod created and deleted between two polls is never seen.`,
  }),
  GONE_AFTER: durationVariable({
    name: 'GONE_AFTER',
    group: 'agent',
    value: 5000,
    bounds: GONE_AFTER_RANGE,
    description: `A pod missing from the kubelet's list counts as gone (its open runs and pod span are ended at the first poll that missed it) only after it was missing from 2 successful polls and for this long, a duration from ${range(GONE_AFTER_RANGE)} and at least twice POLL_INTERVAL. A kubelet that restarts can briefly serve empty or partial lists.`,
  }),
  KUBELET_RESTART_GRACE: durationVariable({
    name: 'KUBELET_RESTART_GRACE',
    group: 'agent',
    value: 60_000,
    bounds: RESTART_GRACE_RANGE,
    description: `After a kubelet restart is seen (connections refused, the agent's own pod missing from the list, a pod's \`kubernetes.io/config.seen\` changed), no pod counts as gone until the list has been stable for GONE_AFTER, at most this long; a duration from ${range(RESTART_GRACE_RANGE)}, at least GONE_AFTER.`,
  }),
  POD_UID: {
    name: 'POD_UID',
    group: 'agent',
    default: '',
    description:
      "The agent's own pod uid, from the downward API field `metadata.uid` (the DaemonSet sets it). Its absence from the kubelet's list marks a kubelet restart. Unset: that sign is not used.",
  },
  SHUTDOWN_TIMEOUT: durationVariable({
    name: 'SHUTDOWN_TIMEOUT',
    group: 'agent',
    value: 8000,
    bounds: SHUTDOWN_TIMEOUT_RANGE,
    description: `How long pending spans may take to flush on SIGTERM, a duration from ${range(SHUTDOWN_TIMEOUT_RANGE)}, so the agent exits within 10 s; \`0s\` drops them.`,
  }),
  LOG_LEVEL: {
    name: 'LOG_LEVEL',
    group: 'agent',
    default: DEFAULT_LOG_LEVEL,
    description: `Log level: ${LOG_LEVELS.map((l) => `\`${l}\``).join(', ')}.`,
  },
  HTTP_PORT: countVariable({
    name: 'HTTP_PORT',
    group: 'agent',
    value: 9464,
    bounds: [0, 65535],
    description:
      'Port of the HTTP endpoints `/healthz` (liveness), `/readyz` (readiness) and `/metrics` (Prometheus), on all addresses; `0` picks a free port.',
  }),
  MAX_TRACKED_PODS: countVariable({
    name: 'MAX_TRACKED_PODS',
    group: 'agent',
    value: 5000,
    bounds: [1, 1_000_000],
    description:
      'Bound on selected pods tracked at once; pods beyond it are skipped and counted until room frees up.',
  }),
  MAX_SPANS_PER_POD: countVariable({
    name: 'MAX_SPANS_PER_POD',
    group: 'agent',
    value: 1000,
    bounds: [1, 1_000_000],
    description:
      "Bound on spans per pod (a container crash-looping for days must not grow one trace without end); further spans are counted in the pod span's `kse.spans.dropped`.",
  }),
  OTEL_SDK_DISABLED: {
    name: 'OTEL_SDK_DISABLED',
    group: 'otel',
    default: 'false',
    description: '`true` means the same as `TRACING_ENABLED=false`.',
  },
} as const satisfies Record<string, ConfigVariable>;

export interface AgentOptions {
  /** The node this agent runs on (resource attribute `k8s.node.name`); undefined: missing. */
  readonly nodeName: string | undefined;
  /** `false`: the agent idles — no kubelet or collector traffic. */
  readonly tracingEnabled: boolean;
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
  /** Flush budget on SIGTERM, ms; at most 9 s so the agent exits within 10 s. */
  readonly shutdownTimeoutMs: number;
  readonly logLevel: LogLevel;
  /** Port of `/healthz`, `/readyz` and `/metrics` (0: any free port). */
  readonly httpPort: number;
}

/** Reads and validates the agent's options (also across them: GONE_AFTER against the others). */
export function readAgentOptions(r: EnvReader): AgentOptions {
  const v = AGENT_VARIABLES;
  const nodeName = r.get(v.NODE_NAME);
  if (nodeName === undefined) {
    r.errors.push('NODE_NAME: required (set it from the downward API field spec.nodeName)');
  } else if (!isDnsSubdomain(nodeName)) {
    r.invalid(
      v.NODE_NAME,
      nodeName,
      'not a valid node name (DNS subdomain: lowercase letters, digits, "-" and ".", at most 253 characters)',
    );
  }
  const tracingFlag = r.boolean(v.TRACING_ENABLED);
  const sdkDisabled = r.boolean(v.OTEL_SDK_DISABLED);
  const tracingEnabled = choose(
    tracingFlag,
    sdkDisabled === undefined ? undefined : !sdkDisabled,
    true,
  );
  if (tracingFlag !== undefined && sdkDisabled !== undefined && tracingFlag === sdkDisabled) {
    r.warnings.push(
      `TRACING_ENABLED=${tracingFlag} and OTEL_SDK_DISABLED=${sdkDisabled} disagree; TRACING_ENABLED wins`,
    );
  }
  const pollIntervalMs = r.duration(v.POLL_INTERVAL);
  const idlePollIntervalMs = r.duration(v.IDLE_POLL_INTERVAL);
  const goneAfterMs = r.duration(v.GONE_AFTER);
  if (goneAfterMs < 2 * pollIntervalMs) {
    r.invalid(
      v.GONE_AFTER,
      r.get(v.GONE_AFTER) ?? `${formatDuration(goneAfterMs)} (default)`,
      `must be at least twice POLL_INTERVAL (${formatDuration(pollIntervalMs)})`,
    );
  }
  const kubeletRestartGraceMs = r.duration(v.KUBELET_RESTART_GRACE);
  if (kubeletRestartGraceMs < goneAfterMs) {
    r.invalid(
      v.KUBELET_RESTART_GRACE,
      r.get(v.KUBELET_RESTART_GRACE) ?? `${formatDuration(kubeletRestartGraceMs)} (default)`,
      `must be at least GONE_AFTER (${formatDuration(goneAfterMs)})`,
    );
  }
  const podUid = r.get(v.POD_UID);
  if (podUid !== undefined && !POD_UID.test(podUid)) {
    r.invalid(v.POD_UID, podUid, 'not a pod uid (letters, digits and "-", at most 64 characters)');
  }
  const shutdownTimeoutMs = r.duration(v.SHUTDOWN_TIMEOUT);
  const logLevel = readLogLevel(r);
  const httpPort = choose(r.integer(v.HTTP_PORT, 'port'), v.HTTP_PORT.value);
  return {
    nodeName,
    tracingEnabled,
    pollIntervalMs,
    idlePollIntervalMs,
    goneAfterMs,
    kubeletRestartGraceMs,
    podUid,
    shutdownTimeoutMs,
    logLevel,
    httpPort,
  };
}

/** Bounds on what the tracker keeps. */
export interface TrackerLimits {
  readonly maxTrackedPods: number;
  readonly maxSpansPerPod: number;
}

export function readTrackerLimits(r: EnvReader): TrackerLimits {
  const v = AGENT_VARIABLES;
  return {
    maxTrackedPods: choose(r.integer(v.MAX_TRACKED_PODS, 'pods'), v.MAX_TRACKED_PODS.value),
    maxSpansPerPod: choose(r.integer(v.MAX_SPANS_PER_POD, 'spans'), v.MAX_SPANS_PER_POD.value),
  };
}

function readLogLevel(r: EnvReader): LogLevel {
  const value = r.get(AGENT_VARIABLES.LOG_LEVEL);
  if (value === undefined) return DEFAULT_LOG_LEVEL;
  const level = LOG_LEVELS.find((l) => l === value.toLowerCase());
  if (level === undefined) {
    r.invalid(AGENT_VARIABLES.LOG_LEVEL, value, `not a log level (${LOG_LEVELS.join(', ')})`);
  }
  return level ?? DEFAULT_LOG_LEVEL;
}
