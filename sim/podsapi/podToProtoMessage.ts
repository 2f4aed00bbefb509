/**
 * Turns a pod as the kubelet's `/pods` JSON shows it into the `v1.Pod` message object the
 * simulated Pods API encodes (`k8s_core_v1_sim.proto`), the way the kubelet would: Go's JSON
 * decoding into `v1.Pod`, then Go's generated protobuf `Marshal`, which
 * - writes every non-pointer field, zero values included (`""`, `0`, `false`, an empty `Time`
 *   message for a zero time, empty `state`/`lastState` messages), and pointer fields
 *   (`deletionTimestamp`, `valueFrom`, `waiting`/`running`/`terminated`, a container's
 *   `restartPolicy`, `startTime`, `started`, `priority`) only when they are set;
 * - writes `Time` as whole seconds (`nanos` 0: `metav1.Time.ProtoTime` drops them).
 *
 * A JSON value of the wrong type (Go's decoder would refuse the whole object) throws
 * {@link UnencodablePod}.
 *
 * Plain module (no test-framework imports).
 */

type Json = Record<string, unknown>;

/** The JSON cannot be a `v1.Pod` (Go's `json.Unmarshal` would fail). */
export class UnencodablePod extends Error {}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(raw: Json, key: string): Json | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new UnencodablePod(`${key}: not an object`);
  return value;
}

function listAt(raw: Json, key: string): Json[] {
  const value = raw[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new UnencodablePod(`${key}: not a list`);
  return value.map((item, i) => {
    if (!isObject(item)) throw new UnencodablePod(`${key}[${i}]: not an object`);
    return item;
  });
}

/** A Go `string`: absent or null is `""`. */
function str(raw: Json, key: string): string {
  const value = raw[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new UnencodablePod(`${key}: not a string`);
  return value;
}

/** A Go `*string`: absent or null stays absent. */
function optStr(raw: Json, key: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new UnencodablePod(`${key}: not a string`);
  return value;
}

/** A Go integer: absent or null is 0. */
function int(raw: Json, key: string): number {
  const value = raw[key];
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new UnencodablePod(`${key}: not an integer`);
  }
  return value;
}

function bool(raw: Json, key: string): boolean {
  const value = raw[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new UnencodablePod(`${key}: not a boolean`);
  return value;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Seconds since the epoch of an RFC 3339 time, as Go's `time.Parse(time.RFC3339, ...)` reads it. */
function epochSeconds(text: string, key: string): string {
  const m = RFC3339.exec(text);
  if (m === null) throw new UnencodablePod(`${key}: not an RFC 3339 time`);
  const [, y, mo, d, h, mi, s, zone, sign, oh, om] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number(y) < 100) ms = new Date(ms).setUTCFullYear(Number(y));
  if (zone !== 'Z') {
    const offset = (Number(oh) * 60 + Number(om)) * 60_000;
    ms += sign === '+' ? -offset : offset;
  }
  return String(Math.floor(ms / 1000));
}

/** A `metav1.Time` stored by value: null or absent is Go's zero time, an empty message. */
function time(raw: Json, key: string): Json {
  const value = raw[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'string') throw new UnencodablePod(`${key}: not a time string`);
  return { seconds: epochSeconds(value, key), nanos: 0 };
}

/** A `*metav1.Time`: absent or null stays absent. */
function optTime(raw: Json, key: string): Json | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  return time(raw, key);
}

function stringMap(raw: Json, key: string): Record<string, string> {
  const map = objectAt(raw, key);
  if (map === undefined) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'string') throw new UnencodablePod(`${key}.${k}: not a string`);
    out[k] = v;
  }
  return out;
}

function stringList(raw: Json, key: string): string[] {
  const value = raw[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new UnencodablePod(`${key}: not a list of strings`);
  }
  return value as string[];
}

function keySelector(raw: Json): Json {
  const out: Json = { localObjectReference: { name: str(raw, 'name') }, key: str(raw, 'key') };
  if (typeof raw.optional === 'boolean') out.optional = raw.optional;
  return out;
}

function envVarSource(raw: Json): Json {
  const out: Json = {};
  const fieldRef = objectAt(raw, 'fieldRef');
  if (fieldRef !== undefined) {
    out.fieldRef = {
      apiVersion: str(fieldRef, 'apiVersion'),
      fieldPath: str(fieldRef, 'fieldPath'),
    };
  }
  if (objectAt(raw, 'resourceFieldRef') !== undefined) out.resourceFieldRef = {};
  const configMapKeyRef = objectAt(raw, 'configMapKeyRef');
  if (configMapKeyRef !== undefined) out.configMapKeyRef = keySelector(configMapKeyRef);
  const secretKeyRef = objectAt(raw, 'secretKeyRef');
  if (secretKeyRef !== undefined) out.secretKeyRef = keySelector(secretKeyRef);
  if (objectAt(raw, 'fileKeyRef') !== undefined) out.fileKeyRef = {};
  return out;
}

function container(raw: Json): Json {
  const out: Json = {
    name: str(raw, 'name'),
    image: str(raw, 'image'),
    command: stringList(raw, 'command'),
    args: stringList(raw, 'args'),
    workingDir: str(raw, 'workingDir'),
    env: listAt(raw, 'env').map((e) => {
      const env: Json = { name: str(e, 'name'), value: str(e, 'value') };
      const valueFrom = objectAt(e, 'valueFrom');
      if (valueFrom !== undefined) env.valueFrom = envVarSource(valueFrom);
      return env;
    }),
    terminationMessagePath: str(raw, 'terminationMessagePath'),
    imagePullPolicy: str(raw, 'imagePullPolicy'),
  };
  const restartPolicy = optStr(raw, 'restartPolicy');
  if (restartPolicy !== undefined) out.restartPolicy = restartPolicy;
  return out;
}

function containerState(raw: Json | undefined): Json {
  const out: Json = {};
  if (raw === undefined) return out;
  const waiting = objectAt(raw, 'waiting');
  if (waiting !== undefined) {
    out.waiting = { reason: str(waiting, 'reason'), message: str(waiting, 'message') };
  }
  const running = objectAt(raw, 'running');
  if (running !== undefined) out.running = { startedAt: time(running, 'startedAt') };
  const terminated = objectAt(raw, 'terminated');
  if (terminated !== undefined) {
    out.terminated = {
      exitCode: int(terminated, 'exitCode'),
      signal: int(terminated, 'signal'),
      reason: str(terminated, 'reason'),
      message: str(terminated, 'message'),
      startedAt: time(terminated, 'startedAt'),
      finishedAt: time(terminated, 'finishedAt'),
      containerID: str(terminated, 'containerID'),
    };
  }
  return out;
}

function containerStatus(raw: Json): Json {
  const out: Json = {
    name: str(raw, 'name'),
    state: containerState(objectAt(raw, 'state')),
    lastState: containerState(objectAt(raw, 'lastState')),
    ready: bool(raw, 'ready'),
    restartCount: int(raw, 'restartCount'),
    image: str(raw, 'image'),
    imageID: str(raw, 'imageID'),
    containerID: str(raw, 'containerID'),
  };
  if (typeof raw.started === 'boolean') out.started = raw.started;
  return out;
}

/** The `v1.Pod` message object of one pod of the kubelet's `/pods` JSON. */
export function podToProtoMessage(pod: unknown): Json {
  if (!isObject(pod)) throw new UnencodablePod('pod: not an object');
  const metadata = objectAt(pod, 'metadata') ?? {};
  const spec = objectAt(pod, 'spec') ?? {};
  const status = objectAt(pod, 'status') ?? {};

  const meta: Json = {
    name: str(metadata, 'name'),
    generateName: str(metadata, 'generateName'),
    namespace: str(metadata, 'namespace'),
    selfLink: str(metadata, 'selfLink'),
    uid: str(metadata, 'uid'),
    resourceVersion: str(metadata, 'resourceVersion'),
    generation: int(metadata, 'generation'),
    creationTimestamp: time(metadata, 'creationTimestamp'),
    labels: stringMap(metadata, 'labels'),
    annotations: stringMap(metadata, 'annotations'),
  };
  const deletionTimestamp = optTime(metadata, 'deletionTimestamp');
  if (deletionTimestamp !== undefined) meta.deletionTimestamp = deletionTimestamp;
  if (typeof metadata.deletionGracePeriodSeconds === 'number') {
    meta.deletionGracePeriodSeconds = int(metadata, 'deletionGracePeriodSeconds');
  }

  const podSpec: Json = {
    containers: listAt(spec, 'containers').map(container),
    restartPolicy: str(spec, 'restartPolicy'),
    serviceAccountName: str(spec, 'serviceAccountName'),
    nodeName: str(spec, 'nodeName'),
    hostNetwork: bool(spec, 'hostNetwork'),
    initContainers: listAt(spec, 'initContainers').map(container),
  };
  if (typeof spec.priority === 'number') podSpec.priority = int(spec, 'priority');

  const podStatus: Json = {
    phase: str(status, 'phase'),
    conditions: listAt(status, 'conditions').map((c) => ({
      type: str(c, 'type'),
      status: str(c, 'status'),
      lastProbeTime: time(c, 'lastProbeTime'),
      lastTransitionTime: time(c, 'lastTransitionTime'),
      reason: str(c, 'reason'),
      message: str(c, 'message'),
    })),
    message: str(status, 'message'),
    reason: str(status, 'reason'),
    hostIP: str(status, 'hostIP'),
    podIP: str(status, 'podIP'),
    containerStatuses: listAt(status, 'containerStatuses').map(containerStatus),
    qosClass: str(status, 'qosClass'),
    initContainerStatuses: listAt(status, 'initContainerStatuses').map(containerStatus),
  };
  const startTime = optTime(status, 'startTime');
  if (startTime !== undefined) podStatus.startTime = startTime;

  return { metadata: meta, spec: podSpec, status: podStatus };
}

/**
 * What a DELETED event carries: the kubelet's `minimalPod` (`v1.Pod` with only name, namespace and
 * uid set), encoded as Go encodes it (its other non-pointer fields as zero values).
 */
export function deletedPodMessage(pod: unknown): Json {
  const metadata = isObject(pod) ? (objectAt(pod, 'metadata') ?? {}) : {};
  return podToProtoMessage({
    metadata: {
      name: str(metadata, 'name'),
      namespace: str(metadata, 'namespace'),
      uid: str(metadata, 'uid'),
    },
  });
}
