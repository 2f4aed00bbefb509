/**
 * Owns the options of the pod source and the runtime: how the kubelet is reached (URL or node
 * IP, or a kubeconfig from a laptop), its credentials and limits, and the CRI endpoint for
 * nanosecond times.
 */
import { isIP } from 'node:net';
import { parseCriEndpoint } from '../cri/criEndpoint.js';
import { parsePodsApiSocket } from '../podsapi/podsApiSocket.js';
import { type ConfigVariable, countVariable, durationVariable, range } from './configVariable.js';
import type { EnvReader } from './envReader.js';
import { parseHttpUrl } from './parseHttpUrl.js';
import { readByteSize } from './readByteSize.js';

const KUBELET_PORT = 10250;
const DEFAULT_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const DEFAULT_CA_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';
const KUBELET_TIMEOUT_RANGE = [100, 600_000] as const;
const CRI_TIMEOUT_RANGE = [50, 60_000] as const;

export const KUBELET_VARIABLES = {
  KUBELET_PODS_API_SOCKET: {
    name: 'KUBELET_PODS_API_SOCKET',
    group: 'kubelet',
    default: '',
    description:
      'Opt-in: the kubelet\'s Pods API socket (`unix:///var/lib/kubelet/pods-api/pods-api.sock`; feature gate `PodsAPI`, beta from 1.37). The agent then watches pods instead of polling `/pods`, and polls only while the stream is down (see README "Pod sources"). Must be `unix:///absolute/path`; not with the kubeconfig (laptop) mode. Needs `daemonset/overlays/pods-api` (UID 0, one hostPath directory).',
  },
  CRI_ENDPOINT: {
    name: 'CRI_ENDPOINT',
    group: 'kubelet',
    default: '',
    description:
      "Opt-in: the container runtime's CRI socket (`unix:///run/containerd/containerd.sock`, CRI-O `unix:///var/run/crio/crio.sock`). Container and sandbox spans then carry the runtime's nanosecond times. Socket access is root-equivalent on the node: see `daemonset/overlays/precise`.",
  },
  CRI_TIMEOUT: durationVariable({
    name: 'CRI_TIMEOUT',
    group: 'kubelet',
    value: 2000,
    bounds: CRI_TIMEOUT_RANGE,
    description: `Per-call timeout of CRI requests, a duration from ${range(CRI_TIMEOUT_RANGE)}; a call that fails keeps the kubelet's times for that span (counted).`,
  }),
  NODE_IP: {
    name: 'NODE_IP',
    group: 'kubelet',
    default: '',
    description:
      'IPv4 or IPv6 address of the node, for the default KUBELET_URL; set it from the downward API `status.hostIP`.',
  },
  KUBELET_URL: {
    name: 'KUBELET_URL',
    group: 'kubelet',
    default: `https://$NODE_IP:${KUBELET_PORT}`,
    description:
      'Base URL of the kubelet (`http` or `https`, a path prefix allowed). One of KUBELET_URL and NODE_IP must be set while tracing is enabled. An IPv6 NODE_IP is put in brackets.',
  },
  KUBECONFIG: {
    name: 'KUBECONFIG',
    group: 'kubelet',
    default: '~/.kube/config',
    description:
      'Only when neither KUBELET_URL nor NODE_IP is set (running from a laptop): the kubeconfig whose current context reaches the API server; the kubelet is then polled through `/api/v1/nodes/$NODE_NAME/proxy/pods`, which needs `get` on `nodes/proxy`.',
  },
  KUBELET_TOKEN_FILE: {
    name: 'KUBELET_TOKEN_FILE',
    group: 'kubelet',
    default: DEFAULT_TOKEN_FILE,
    description:
      'Bearer token for the kubelet, re-read when it changes (looked at every 10 s) and after a 401.',
  },
  KUBELET_CA_FILE: {
    name: 'KUBELET_CA_FILE',
    group: 'kubelet',
    default: DEFAULT_CA_FILE,
    description:
      "CA bundle that verifies the kubelet's serving certificate, re-read when it changes (looked at every 10 s).",
  },
  KUBELET_INSECURE_TLS: {
    name: 'KUBELET_INSECURE_TLS',
    group: 'kubelet',
    default: 'false',
    description:
      "`true` skips verification of the kubelet's serving certificate (a warning is logged at start).",
  },
  KUBELET_TIMEOUT: durationVariable({
    name: 'KUBELET_TIMEOUT',
    group: 'kubelet',
    value: 10_000,
    bounds: KUBELET_TIMEOUT_RANGE,
    description: `Per-request timeout, a duration from ${range(KUBELET_TIMEOUT_RANGE)}.`,
  }),
  KUBELET_MAX_RESPONSE_BYTES: countVariable({
    name: 'KUBELET_MAX_RESPONSE_BYTES',
    group: 'kubelet',
    value: 64 * 1024 * 1024,
    bounds: [1024, 512 * 1024 * 1024],
    description:
      'Largest kubelet response accepted: bytes, or a Kubernetes quantity (`64Mi`, `256Mi`, `500k`), from 1Ki to 512Mi.',
  }),
} as const satisfies Record<string, ConfigVariable>;

export interface KubeletOptions {
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
}

/** Container runtime socket for nanosecond times (`unix:///run/containerd/containerd.sock`). */
export type CriOptions = { readonly endpoint: string; readonly timeoutMs: number } | undefined;

export function readCriOptions(r: EnvReader): CriOptions {
  const v = KUBELET_VARIABLES;
  const endpoint = r.get(v.CRI_ENDPOINT);
  const timeoutMs = r.duration(v.CRI_TIMEOUT);
  if (endpoint === undefined) return undefined;
  const parsed = parseCriEndpoint(endpoint);
  if (parsed.ok) return { endpoint, timeoutMs };
  r.invalid(v.CRI_ENDPOINT, endpoint, parsed.error);
  return undefined;
}

/** The kubelet's Pods API socket (`KUBELET_PODS_API_SOCKET`); undefined: `/pods` polling only. */
export type PodsApiOptions =
  | {
      /** grpc-js target, `unix:///<absolute path>`. */
      readonly target: string;
      readonly socketPath: string;
      /** Largest message accepted: KUBELET_MAX_RESPONSE_BYTES. */
      readonly maxMessageBytes: number;
    }
  | undefined;

/**
 * Reads the Pods API socket. The socket is node-local: with the kubeconfig (laptop) mode it is an
 * error, reported with the value.
 */
export function readPodsApiOptions(r: EnvReader, kubelet: KubeletOptions): PodsApiOptions {
  const variable = KUBELET_VARIABLES.KUBELET_PODS_API_SOCKET;
  const value = r.get(variable);
  if (value === undefined) return undefined;
  const parsed = parsePodsApiSocket(value);
  if (!parsed.ok) {
    r.invalid(variable, value, parsed.error);
    return undefined;
  }
  if (kubelet.viaKubeconfig) {
    r.invalid(
      variable,
      value,
      'the Pods API socket is on the node: it cannot be used from a laptop through the kubeconfig (set KUBELET_URL or NODE_IP on the node, or unset KUBELET_PODS_API_SOCKET)',
    );
    return undefined;
  }
  return {
    target: parsed.target,
    socketPath: parsed.socketPath,
    maxMessageBytes: kubelet.maxBodyBytes,
  };
}

/**
 * Reads how the kubelet is reached. `tracingEnabled` and `kubeconfigFound` decide whether an
 * address is required: a laptop with a kubeconfig goes through the API server instead.
 */
export function readKubeletOptions(
  r: EnvReader,
  tracingEnabled: boolean,
  kubeconfigFound: boolean,
): KubeletOptions {
  const v = KUBELET_VARIABLES;
  const kubeconfig = r.get(v.KUBECONFIG);
  const url = readKubeletUrl(r, tracingEnabled, kubeconfigFound);
  const tokenFile = r.get(v.KUBELET_TOKEN_FILE) ?? DEFAULT_TOKEN_FILE;
  const caFile = r.get(v.KUBELET_CA_FILE) ?? DEFAULT_CA_FILE;
  const insecureTls = r.boolean(v.KUBELET_INSECURE_TLS) ?? false;
  if (insecureTls) {
    r.warnings.push(
      "KUBELET_INSECURE_TLS=true: the kubelet's serving certificate is not verified; anyone who can intercept node traffic can impersonate it",
    );
  }
  const timeoutMs = r.duration(v.KUBELET_TIMEOUT);
  const maxBodyBytes = readByteSize(
    r,
    KUBELET_VARIABLES.KUBELET_MAX_RESPONSE_BYTES,
    '1Ki to 512Mi',
  );
  return {
    url,
    viaKubeconfig: tracingEnabled && url === '' && kubeconfigFound,
    kubeconfig,
    tokenFile,
    caFile,
    insecureTls,
    timeoutMs,
    maxBodyBytes,
  };
}

function readKubeletUrl(r: EnvReader, tracingEnabled: boolean, kubeconfigFound: boolean): string {
  const v = KUBELET_VARIABLES;
  const nodeIp = r.get(v.NODE_IP);
  const nodeIpValid = nodeIp !== undefined && isIpAddress(nodeIp);
  if (nodeIp !== undefined && !nodeIpValid) {
    r.invalid(v.NODE_IP, nodeIp, 'not an IPv4 or IPv6 address');
  }
  const explicit = r.get(v.KUBELET_URL);
  if (explicit !== undefined) {
    const url = parseHttpUrl(r, v.KUBELET_URL, explicit);
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

/**
 * IPv4 dotted quad (`isIP` refuses leading zeros, as Go and Kubernetes do) or IPv6 text (with
 * `::` and an embedded IPv4 tail); no zone.
 */
function isIpAddress(text: string): boolean {
  return isIP(text) !== 0 && !text.includes('%');
}
