/**
 * Redacts a kubelet `/pods` response before anything of it is written to disk, keeping what the
 * agent reads (names, labels, owners, times, container states, images, env names, the trace
 * context) and the shape that makes a replay realistic (managedFields, volumes, probes):
 *
 * - env values other than the trace-context variables become `<redacted>`; `valueFrom` keeps only
 *   the reference (which Secret/ConfigMap key or field), never a value;
 * - a JSON trace carrier (Litmus's `TRACE_PARENT`) keeps only `traceparent` and `tracestate`
 *   (its `baggage` may carry user data);
 * - annotations other than the kubelet's `kubernetes.io/config.seen`/`config.source` are dropped
 *   (notably `kubectl.kubernetes.io/last-applied-configuration`, which repeats the env);
 * - container `command`/`args`, `exec` commands of probes and lifecycle hooks, and termination
 *   messages (free text written by the container) become `<redacted>`.
 *
 * Pure: returns a new object, the input is not modified.
 */

export const REDACTED = '<redacted>';

/** Trace-context variables always kept (besides the names in `TRACE_CONTEXT_ENV`). */
const TRACE_CONTEXT_VARIABLES = ['TRACEPARENT', 'TRACESTATE', 'TRACE_PARENT'] as const;

const KEPT_ANNOTATIONS = new Set(['kubernetes.io/config.seen', 'kubernetes.io/config.source']);

const KEPT_METADATA = [
  'name',
  'generateName',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'ownerReferences',
  'finalizers',
  'managedFields',
] as const;

/** The fields of each `valueFrom` source that name what is referenced. */
const REFERENCE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  secretKeyRef: ['name', 'key', 'optional'],
  configMapKeyRef: ['name', 'key', 'optional'],
  fieldRef: ['apiVersion', 'fieldPath'],
  resourceFieldRef: ['containerName', 'resource', 'divisor'],
  fileKeyRef: ['volumeName', 'path', 'key', 'optional'],
};

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The names kept: the standard ones plus `TRACE_CONTEXT_ENV` (comma-separated). */
export function traceContextNames(traceContextEnv: string | undefined): Set<string> {
  const names = new Set<string>(TRACE_CONTEXT_VARIABLES);
  for (const name of (traceContextEnv ?? '').split(',')) {
    if (name.trim() !== '') names.add(name.trim());
  }
  return names;
}

/** A trace-context value: a JSON carrier reduced to traceparent/tracestate, else as is. */
function traceContextValue(value: unknown): unknown {
  if (typeof value !== 'string' || !value.trimStart().startsWith('{')) return value;
  try {
    const carrier = JSON.parse(value) as unknown;
    if (!isObject(carrier)) return REDACTED;
    const kept: Json = {};
    for (const key of ['traceparent', 'tracestate']) {
      if (typeof carrier[key] === 'string') kept[key] = carrier[key];
    }
    return JSON.stringify(kept);
  } catch {
    return REDACTED;
  }
}

function referenceOnly(valueFrom: unknown): Json {
  const out: Json = {};
  if (!isObject(valueFrom)) return out;
  for (const [source, fields] of Object.entries(REFERENCE_FIELDS)) {
    const ref = valueFrom[source];
    if (!isObject(ref)) continue;
    const kept: Json = {};
    for (const f of fields) if (ref[f] !== undefined) kept[f] = ref[f];
    out[source] = kept;
  }
  return out;
}

function redactEnv(env: unknown, keep: ReadonlySet<string>): unknown {
  if (!Array.isArray(env)) return env;
  return env.map((entry: unknown) => {
    if (!isObject(entry)) return {};
    const name = entry.name;
    const out: Json = { name };
    if (typeof name === 'string' && keep.has(name)) {
      if (entry.value !== undefined) out.value = traceContextValue(entry.value);
    } else if (entry.value !== undefined) {
      out.value = REDACTED;
    }
    if (entry.valueFrom !== undefined) out.valueFrom = referenceOnly(entry.valueFrom);
    return out;
  });
}

const redactList = (v: unknown): unknown => (Array.isArray(v) ? v.map(() => REDACTED) : v);

/** Probes and lifecycle handlers: `exec.command` redacted, the rest (ports, paths) kept. */
function redactHandler(handler: unknown): unknown {
  if (!isObject(handler) || !isObject(handler.exec)) return handler;
  return { ...handler, exec: { ...handler.exec, command: redactList(handler.exec.command) } };
}

function redactContainer(container: unknown, keep: ReadonlySet<string>): unknown {
  if (!isObject(container)) return container;
  const out: Json = { ...container };
  if ('env' in out) out.env = redactEnv(out.env, keep);
  if ('command' in out) out.command = redactList(out.command);
  if ('args' in out) out.args = redactList(out.args);
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    if (probe in out) out[probe] = redactHandler(out[probe]);
  }
  if (isObject(out.lifecycle)) {
    const lifecycle: Json = { ...out.lifecycle };
    for (const hook of ['postStart', 'preStop']) {
      if (hook in lifecycle) lifecycle[hook] = redactHandler(lifecycle[hook]);
    }
    out.lifecycle = lifecycle;
  }
  return out;
}

/** `state`/`lastState` with the free-text `message` of each state redacted. */
function redactState(state: unknown): unknown {
  if (!isObject(state)) return state;
  const out: Json = {};
  for (const [kind, detail] of Object.entries(state)) {
    out[kind] =
      isObject(detail) && typeof detail.message === 'string'
        ? { ...detail, message: REDACTED }
        : detail;
  }
  return out;
}

function redactStatuses(statuses: unknown): unknown {
  if (!Array.isArray(statuses)) return statuses;
  return statuses.map((s: unknown) =>
    isObject(s) ? { ...s, state: redactState(s.state), lastState: redactState(s.lastState) } : s,
  );
}

function redactMetadata(metadata: unknown): Json {
  if (!isObject(metadata)) return {};
  const out: Json = {};
  for (const key of KEPT_METADATA) if (metadata[key] !== undefined) out[key] = metadata[key];
  if (isObject(metadata.annotations)) {
    const kept = Object.entries(metadata.annotations).filter(([k]) => KEPT_ANNOTATIONS.has(k));
    if (kept.length > 0) out.annotations = Object.fromEntries(kept);
  }
  return out;
}

/** One pod, redacted. */
export function redactPod(pod: unknown, keep: ReadonlySet<string>): Json {
  if (!isObject(pod)) return {};
  const out: Json = { metadata: redactMetadata(pod.metadata) };
  if (isObject(pod.spec)) {
    const spec: Json = { ...pod.spec };
    for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
      if (Array.isArray(spec[list])) {
        spec[list] = (spec[list] as unknown[]).map((c) => redactContainer(c, keep));
      }
    }
    out.spec = spec;
  }
  if (isObject(pod.status)) {
    const status: Json = { ...pod.status };
    for (const list of [
      'initContainerStatuses',
      'containerStatuses',
      'ephemeralContainerStatuses',
    ]) {
      if (list in status) status[list] = redactStatuses(status[list]);
    }
    out.status = status;
  }
  return out;
}

/**
 * A `PodList` (or anything with `items`), redacted. `keep`: trace-context variable names whose
 * values are kept (see {@link traceContextNames}).
 */
export function redactPodList(
  podList: unknown,
  keep: ReadonlySet<string> = traceContextNames(undefined),
): Json {
  const list = isObject(podList) ? podList : {};
  const items = Array.isArray(list.items) ? list.items : [];
  return {
    kind: typeof list.kind === 'string' ? list.kind : 'PodList',
    apiVersion: typeof list.apiVersion === 'string' ? list.apiVersion : 'v1',
    metadata: {},
    items: items.map((pod: unknown) => redactPod(pod, keep)),
  };
}
