/**
 * Type-checks the kubelet's `GET /pods` body (already `JSON.parse`d) into {@link KubeletPod}s,
 * keeping only what the core reads.
 *
 * Rules, field by field:
 * - A field the type declares must have the declared type, else the pod is malformed (skipped and
 *   reported, the rest of the list is used). `null` counts as absent, as Go's JSON decoder treats
 *   it, except for the times the type declares as `string | null`.
 * - Fields the type does not declare are never looked at (no cost, no failure), and so are the
 *   env entries and annotations that are not kept.
 * - Env entries are kept only for the names in `envNames` plus `TRACESTATE`; annotations only
 *   `kubernetes.io/config.seen` and the keys a kept env entry references through
 *   `fieldRef.fieldPath: metadata.annotations['key']`. Nothing else from env or annotations
 *   (which may hold secrets) survives decoding, and error messages never quote values.
 *
 * One pass over the items, no cloning: label objects are validated and reused as they are.
 */
import type {
  ContainerSpec,
  ContainerState,
  ContainerStatus,
  EnvSource,
  KubeletPod,
  PodCondition,
  TerminatedState,
} from './kubeletPod.js';

/** What {@link decodePodList} keeps. */
export interface DecodeOptions {
  /** env names whose entries are kept (TRACE_CONTEXT_ENV); `TRACESTATE` is always kept too */
  readonly envNames: readonly string[];
}

/** An item of the list that was skipped because a field had the wrong type. */
export interface MalformedPod {
  /** Position in `items`. */
  readonly index: number;
  /** `metadata.name`, when it was a non-empty string. */
  readonly name?: string;
  /** `metadata.namespace`, when it was a non-empty string. */
  readonly namespace?: string;
  /** Path of the offending field and what was wrong with it; never quotes a value. */
  readonly error: string;
}

/** The decoded list, or why the body as a whole is not a PodList. */
export type DecodeResult =
  | { ok: true; pods: KubeletPod[]; malformed: MalformedPod[] }
  | { ok: false; error: string };

/** Annotation the kubelet adds: when it first saw the pod (RFC 3339 with nanoseconds). */
const CONFIG_SEEN = 'kubernetes.io/config.seen';
/** Env var always kept beside the configured names: it goes with a bare `TRACEPARENT`. */
const TRACESTATE = 'TRACESTATE';
const ANNOTATION_REF_PREFIX = "metadata.annotations['";
const REF_SUFFIX = "']";
const MAX_QUOTED_KIND = 64;

type JsonObject = { readonly [key: string]: unknown };
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Thrown inside this module only, caught per item. */
class MalformedField extends Error {}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Describes a value by its type only (numbers also by value): never leaks a string's content. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function fail(path: string, expected: string, got: unknown): never {
  throw new MalformedField(`${path}: expected ${expected}, got ${describe(got)}`);
}

function requiredString(obj: JsonObject, key: string, at: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') fail(at + key, 'a non-empty string', value);
  return value;
}

function optionalString(obj: JsonObject, key: string, at: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(at + key, 'a string', value);
  return value;
}

/** A time the type declares as `string | null`: `null` is kept (the kubelet reports it). */
function nullableTime(obj: JsonObject, key: string, at: string): string | null | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string') fail(at + key, 'a string or null', value);
  return value;
}

function optionalInteger(obj: JsonObject, key: string, at: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!Number.isSafeInteger(value)) fail(at + key, 'an integer', value);
  return value as number;
}

function optionalObject(obj: JsonObject, key: string, at: string): JsonObject | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) fail(at + key, 'an object', value);
  return value;
}

const NO_ITEMS: readonly unknown[] = [];

function optionalArray(obj: JsonObject, key: string, at: string): readonly unknown[] {
  const value = obj[key];
  if (value === undefined || value === null) return NO_ITEMS;
  if (!Array.isArray(value)) fail(at + key, 'an array', value);
  return value;
}

function elementObject(value: unknown, path: string): JsonObject {
  if (!isObject(value)) fail(path, 'an object', value);
  return value;
}

/** `valueFrom` reduced to an {@link EnvSource}; records annotation keys a fieldRef needs. */
function decodeValueFrom(valueFrom: JsonObject, at: string, annotationRefs: string[]): EnvSource {
  const fieldRef = optionalObject(valueFrom, 'fieldRef', at);
  if (fieldRef !== undefined) {
    const fieldPath = requiredString(fieldRef, 'fieldPath', `${at}fieldRef.`);
    if (
      fieldPath.length >= ANNOTATION_REF_PREFIX.length + REF_SUFFIX.length &&
      fieldPath.startsWith(ANNOTATION_REF_PREFIX) &&
      fieldPath.endsWith(REF_SUFFIX)
    ) {
      annotationRefs.push(fieldPath.slice(ANNOTATION_REF_PREFIX.length, -REF_SUFFIX.length));
    }
    return { kind: 'fieldRef', fieldPath };
  }
  for (const source in valueFrom) {
    if (Object.hasOwn(valueFrom, source) && valueFrom[source] != null) {
      return { kind: 'unresolvable', source };
    }
  }
  throw new MalformedField(`${at.slice(0, -1)}: expected one source (fieldRef, secretKeyRef, ...)`);
}

/**
 * The kept env entries of one container. Entries for other names are skipped without looking at
 * their values. Like the kubelet, a later entry of the same name wins, and a non-empty literal
 * `value` wins over `valueFrom`; an entry with neither is the empty string.
 */
function decodeEnv(
  container: JsonObject,
  at: string,
  keep: ReadonlySet<string>,
  annotationRefs: string[],
): Map<string, EnvSource> {
  const env = new Map<string, EnvSource>();
  const entries = optionalArray(container, 'env', at);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (!isObject(entry)) continue;
    const name = entry.name;
    if (typeof name !== 'string' || !keep.has(name)) continue;
    const entryAt = `${at}env[${i}].`;
    const value = optionalString(entry, 'value', entryAt);
    const valueFrom = optionalObject(entry, 'valueFrom', entryAt);
    if (valueFrom !== undefined && (value === undefined || value === '')) {
      env.set(name, decodeValueFrom(valueFrom, `${entryAt}valueFrom.`, annotationRefs));
    } else {
      env.set(name, { kind: 'value', value: value ?? '' });
    }
  }
  return env;
}

function decodeContainers(
  spec: JsonObject,
  key: 'initContainers' | 'containers',
  keep: ReadonlySet<string>,
  annotationRefs: string[],
): ContainerSpec[] {
  const list = optionalArray(spec, key, 'spec.');
  const out: ContainerSpec[] = [];
  for (let i = 0; i < list.length; i++) {
    const at = `spec.${key}[${i}].`;
    const raw = elementObject(list[i], at.slice(0, -1));
    const container: Mutable<ContainerSpec> = {
      name: requiredString(raw, 'name', at),
      env: decodeEnv(raw, at, keep, annotationRefs),
    };
    const image = optionalString(raw, 'image', at);
    if (image !== undefined) container.image = image;
    const restartPolicy = optionalString(raw, 'restartPolicy', at);
    if (restartPolicy !== undefined) container.restartPolicy = restartPolicy;
    out.push(container);
  }
  return out;
}

function decodeTerminated(raw: JsonObject, at: string): TerminatedState {
  const out: Mutable<TerminatedState> = {};
  const exitCode = optionalInteger(raw, 'exitCode', at);
  if (exitCode !== undefined) out.exitCode = exitCode;
  const signal = optionalInteger(raw, 'signal', at);
  if (signal !== undefined) out.signal = signal;
  const reason = optionalString(raw, 'reason', at);
  if (reason !== undefined) out.reason = reason;
  const startedAt = nullableTime(raw, 'startedAt', at);
  if (startedAt !== undefined) out.startedAt = startedAt;
  const finishedAt = nullableTime(raw, 'finishedAt', at);
  if (finishedAt !== undefined) out.finishedAt = finishedAt;
  const containerID = optionalString(raw, 'containerID', at);
  if (containerID !== undefined) out.containerID = containerID;
  return out;
}

const NO_STATE: ContainerState = Object.freeze({});

function decodeState(status: JsonObject, key: 'state' | 'lastState', at: string): ContainerState {
  const raw = optionalObject(status, key, at);
  if (raw === undefined) return NO_STATE;
  const stateAt = `${at}${key}.`;
  const out: Mutable<ContainerState> = {};
  const waiting = optionalObject(raw, 'waiting', stateAt);
  if (waiting !== undefined) {
    const waitingAt = `${stateAt}waiting.`;
    const w: { reason?: string; message?: string } = {};
    const reason = optionalString(waiting, 'reason', waitingAt);
    if (reason !== undefined) w.reason = reason;
    const message = optionalString(waiting, 'message', waitingAt);
    if (message !== undefined) w.message = message;
    out.waiting = w;
  }
  const running = optionalObject(raw, 'running', stateAt);
  if (running !== undefined) {
    const startedAt = nullableTime(running, 'startedAt', `${stateAt}running.`);
    out.running = startedAt === undefined ? {} : { startedAt };
  }
  const terminated = optionalObject(raw, 'terminated', stateAt);
  if (terminated !== undefined)
    out.terminated = decodeTerminated(terminated, `${stateAt}terminated.`);
  return out;
}

function decodeStatuses(
  status: JsonObject,
  key: 'initContainerStatuses' | 'containerStatuses',
): ContainerStatus[] {
  const list = optionalArray(status, key, 'status.');
  const out: ContainerStatus[] = [];
  for (let i = 0; i < list.length; i++) {
    const at = `status.${key}[${i}].`;
    const raw = elementObject(list[i], at.slice(0, -1));
    const restartCount = raw.restartCount;
    if (!Number.isSafeInteger(restartCount) || (restartCount as number) < 0) {
      fail(`${at}restartCount`, 'a non-negative integer', restartCount);
    }
    const s: Mutable<ContainerStatus> = {
      name: requiredString(raw, 'name', at),
      state: decodeState(raw, 'state', at),
      lastState: decodeState(raw, 'lastState', at),
      restartCount: restartCount as number,
    };
    const image = optionalString(raw, 'image', at);
    if (image !== undefined) s.image = image;
    const imageID = optionalString(raw, 'imageID', at);
    if (imageID !== undefined) s.imageID = imageID;
    const containerID = optionalString(raw, 'containerID', at);
    if (containerID !== undefined) s.containerID = containerID;
    out.push(s);
  }
  return out;
}

function decodeConditions(status: JsonObject): PodCondition[] {
  const list = optionalArray(status, 'conditions', 'status.');
  const out: PodCondition[] = [];
  for (let i = 0; i < list.length; i++) {
    const at = `status.conditions[${i}].`;
    const raw = elementObject(list[i], at.slice(0, -1));
    const type = raw.type;
    if (typeof type !== 'string') fail(`${at}type`, 'a string', type);
    const value = raw.status;
    if (typeof value !== 'string') fail(`${at}status`, 'a string', value);
    const condition: Mutable<PodCondition> = { type, status: value };
    const lastTransitionTime = nullableTime(raw, 'lastTransitionTime', at);
    if (lastTransitionTime !== undefined) condition.lastTransitionTime = lastTransitionTime;
    out.push(condition);
  }
  return out;
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** All labels; every value must be a string. The parsed object is reused, not copied. */
function decodeLabels(metadata: JsonObject): Readonly<Record<string, string>> {
  const labels = optionalObject(metadata, 'labels', 'metadata.');
  if (labels === undefined) return NO_LABELS;
  for (const key in labels) {
    if (Object.hasOwn(labels, key) && typeof labels[key] !== 'string') {
      fail(`metadata.labels['${key}']`, 'a string', labels[key]);
    }
  }
  return labels as Readonly<Record<string, string>>;
}

/** Only `kubernetes.io/config.seen` and the keys in `refs`; other values are never read. */
function decodeAnnotations(metadata: JsonObject, refs: readonly string[]): Record<string, string> {
  const annotations = optionalObject(metadata, 'annotations', 'metadata.');
  const kept: [string, string][] = [];
  if (annotations === undefined) return {};
  const keepKey = (key: string): void => {
    if (!Object.hasOwn(annotations, key)) return;
    const value = annotations[key];
    if (value === undefined || value === null) return;
    if (typeof value !== 'string') fail(`metadata.annotations['${key}']`, 'a string', value);
    kept.push([key, value]);
  };
  keepKey(CONFIG_SEEN);
  for (const key of refs) keepKey(key);
  // fromEntries defines own properties, so even a `__proto__` key stays a plain entry.
  return Object.fromEntries(kept);
}

function decodePod(item: unknown, keep: ReadonlySet<string>): KubeletPod {
  const raw = elementObject(item, 'item');
  const metadata = optionalObject(raw, 'metadata', '');
  if (metadata === undefined) fail('metadata', 'an object', raw.metadata);
  const uid = requiredString(metadata, 'uid', 'metadata.');
  const name = requiredString(metadata, 'name', 'metadata.');
  const namespace = requiredString(metadata, 'namespace', 'metadata.');
  const spec = optionalObject(raw, 'spec', '') ?? {};
  const status = optionalObject(raw, 'status', '') ?? {};

  const annotationRefs: string[] = [];
  const pod: Mutable<KubeletPod> = {
    uid,
    name,
    namespace,
    labels: decodeLabels(metadata),
    annotations: {},
    initContainers: decodeContainers(spec, 'initContainers', keep, annotationRefs),
    containers: decodeContainers(spec, 'containers', keep, annotationRefs),
    conditions: decodeConditions(status),
    initContainerStatuses: decodeStatuses(status, 'initContainerStatuses'),
    containerStatuses: decodeStatuses(status, 'containerStatuses'),
  };
  pod.annotations = decodeAnnotations(metadata, annotationRefs);
  const generateName = optionalString(metadata, 'generateName', 'metadata.');
  if (generateName !== undefined) pod.generateName = generateName;
  const creationTimestamp = optionalString(metadata, 'creationTimestamp', 'metadata.');
  if (creationTimestamp !== undefined) pod.creationTimestamp = creationTimestamp;
  const deletionTimestamp = optionalString(metadata, 'deletionTimestamp', 'metadata.');
  if (deletionTimestamp !== undefined) pod.deletionTimestamp = deletionTimestamp;
  const nodeName = optionalString(spec, 'nodeName', 'spec.');
  if (nodeName !== undefined) pod.nodeName = nodeName;
  const phase = optionalString(status, 'phase', 'status.');
  if (phase !== undefined) pod.phase = phase;
  const reason = optionalString(status, 'reason', 'status.');
  if (reason !== undefined) pod.reason = reason;
  return pod;
}

/** `metadata.name`/`namespace` of a skipped item, for the report, when they are usable. */
function identityOf(item: unknown): { name?: string; namespace?: string } {
  const metadata = isObject(item) ? item.metadata : undefined;
  if (!isObject(metadata)) return {};
  const out: { name?: string; namespace?: string } = {};
  if (typeof metadata.name === 'string' && metadata.name !== '') out.name = metadata.name;
  if (typeof metadata.namespace === 'string' && metadata.namespace !== '') {
    out.namespace = metadata.namespace;
  }
  return out;
}

/**
 * Decodes the parsed body of the kubelet's `GET /pods`. The body must be an object whose `kind`
 * (when present) is `PodList` and whose `items` is an array (`null` counts as empty: the kubelet
 * encodes an empty Go slice that way). Each item is decoded on its own: a malformed one is
 * reported in `malformed` and skipped, the others are returned in order.
 */
export function decodePodList(body: unknown, options: DecodeOptions): DecodeResult {
  if (!isObject(body)) {
    return { ok: false, error: `expected a PodList object, got ${describe(body)}` };
  }
  const kind = body.kind;
  if (kind !== undefined && kind !== 'PodList') {
    const shown =
      typeof kind === 'string' && kind.length <= MAX_QUOTED_KIND
        ? JSON.stringify(kind)
        : describe(kind);
    return { ok: false, error: `expected kind "PodList", got ${shown}` };
  }
  const items = body.items;
  if (items === null) return { ok: true, pods: [], malformed: [] };
  if (!Array.isArray(items)) {
    return { ok: false, error: `expected "items" to be an array, got ${describe(items)}` };
  }
  const keep = new Set(options.envNames);
  keep.add(TRACESTATE);
  const pods: KubeletPod[] = [];
  const malformed: MalformedPod[] = [];
  for (let index = 0; index < items.length; index++) {
    const item: unknown = items[index];
    try {
      pods.push(decodePod(item, keep));
    } catch (error) {
      if (!(error instanceof MalformedField)) throw error;
      malformed.push({ index, ...identityOf(item), error: error.message });
    }
  }
  return { ok: true, pods, malformed };
}
