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

import {
  decodeList,
  describe,
  fail,
  isObject,
  type JsonObject,
  MalformedField,
  nullableTime,
  optionalArray,
  optionalInteger,
  optionalObject,
  optionalString,
  requiredString,
  within,
} from './jsonFields.js';
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

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** `valueFrom` reduced to an {@link EnvSource}; records annotation keys a fieldRef needs. */
function decodeValueFrom(valueFrom: JsonObject, annotationRefs: string[]): EnvSource {
  const fieldRef = optionalObject(valueFrom, 'fieldRef');
  if (fieldRef !== undefined) {
    let fieldPath: string;
    try {
      fieldPath = requiredString(fieldRef, 'fieldPath');
    } catch (error) {
      within(error, 'fieldRef');
    }
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
    if (source !== '' && Object.hasOwn(valueFrom, source) && valueFrom[source] != null) {
      return { kind: 'unresolvable', source };
    }
  }
  throw new MalformedField('', 'expected one source (fieldRef, secretKeyRef, ...)');
}

/** One kept env entry: a non-empty literal `value` wins over `valueFrom`, as in the kubelet. */
function decodeEnvEntry(entry: JsonObject, annotationRefs: string[]): EnvSource {
  const value = optionalString(entry, 'value');
  const valueFrom = optionalObject(entry, 'valueFrom');
  if (valueFrom === undefined || (value !== undefined && value !== '')) {
    return { kind: 'value', value: value ?? '' };
  }
  try {
    return decodeValueFrom(valueFrom, annotationRefs);
  } catch (error) {
    within(error, 'valueFrom');
  }
}

/**
 * The kept env entries of one container. Entries for other names are skipped without looking at
 * their values. Like the kubelet, a later entry of the same name wins; an entry with neither
 * `value` nor `valueFrom` is the empty string.
 */
function decodeEnv(
  container: JsonObject,
  keep: ReadonlySet<string>,
  annotationRefs: string[],
): Map<string, EnvSource> {
  const env = new Map<string, EnvSource>();
  const entries = optionalArray(container, 'env');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (typeof entry !== 'object' || entry === null) continue;
    const name = (entry as JsonObject).name;
    if (typeof name !== 'string' || !keep.has(name)) continue;
    try {
      env.set(name, decodeEnvEntry(entry as JsonObject, annotationRefs));
    } catch (error) {
      within(error, `env[${i}]`);
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
  return decodeList<ContainerSpec>(spec, key, (raw, out) => {
    const container: Mutable<ContainerSpec> = {
      name: requiredString(raw, 'name'),
      env: decodeEnv(raw, keep, annotationRefs),
    };
    const image = optionalString(raw, 'image');
    if (image !== undefined) container.image = image;
    const restartPolicy = optionalString(raw, 'restartPolicy');
    if (restartPolicy !== undefined) container.restartPolicy = restartPolicy;
    out.push(container);
  });
}

function decodeTerminated(raw: JsonObject): TerminatedState {
  const out: Mutable<TerminatedState> = {};
  const exitCode = optionalInteger(raw, 'exitCode');
  if (exitCode !== undefined) out.exitCode = exitCode;
  const signal = optionalInteger(raw, 'signal');
  if (signal !== undefined) out.signal = signal;
  const reason = optionalString(raw, 'reason');
  if (reason !== undefined) out.reason = reason;
  const startedAt = nullableTime(raw, 'startedAt');
  if (startedAt !== undefined) out.startedAt = startedAt;
  const finishedAt = nullableTime(raw, 'finishedAt');
  if (finishedAt !== undefined) out.finishedAt = finishedAt;
  const containerID = optionalString(raw, 'containerID');
  if (containerID !== undefined) out.containerID = containerID;
  return out;
}

const NO_STATE: ContainerState = Object.freeze({});

function decodeStateObject(raw: JsonObject): ContainerState {
  const out: Mutable<ContainerState> = {};
  const waiting = optionalObject(raw, 'waiting');
  const running = optionalObject(raw, 'running');
  const terminated = optionalObject(raw, 'terminated');
  let part = 'waiting';
  try {
    if (waiting !== undefined) {
      const w: { reason?: string; message?: string } = {};
      const reason = optionalString(waiting, 'reason');
      if (reason !== undefined) w.reason = reason;
      const message = optionalString(waiting, 'message');
      if (message !== undefined) w.message = message;
      out.waiting = w;
    }
    part = 'running';
    if (running !== undefined) {
      const startedAt = nullableTime(running, 'startedAt');
      out.running = startedAt === undefined ? {} : { startedAt };
    }
    part = 'terminated';
    if (terminated !== undefined) out.terminated = decodeTerminated(terminated);
  } catch (error) {
    within(error, part);
  }
  return out;
}

function decodeState(status: JsonObject, key: 'state' | 'lastState'): ContainerState {
  const raw = optionalObject(status, key);
  if (raw === undefined) return NO_STATE;
  try {
    return decodeStateObject(raw);
  } catch (error) {
    within(error, key);
  }
}

function decodeStatuses(
  status: JsonObject,
  key: 'initContainerStatuses' | 'containerStatuses',
): ContainerStatus[] {
  return decodeList<ContainerStatus>(status, key, (raw, out) => {
    const restartCount = raw.restartCount;
    if (!Number.isSafeInteger(restartCount) || (restartCount as number) < 0) {
      fail('restartCount', 'a non-negative integer', restartCount);
    }
    const s: Mutable<ContainerStatus> = {
      name: requiredString(raw, 'name'),
      state: decodeState(raw, 'state'),
      lastState: decodeState(raw, 'lastState'),
      restartCount: restartCount as number,
    };
    const image = optionalString(raw, 'image');
    if (image !== undefined) s.image = image;
    const imageID = optionalString(raw, 'imageID');
    if (imageID !== undefined) s.imageID = imageID;
    const containerID = optionalString(raw, 'containerID');
    if (containerID !== undefined) s.containerID = containerID;
    out.push(s);
  });
}

function decodeConditions(status: JsonObject): PodCondition[] {
  return decodeList<PodCondition>(status, 'conditions', (raw, out) => {
    const type = raw.type;
    if (typeof type !== 'string') fail('type', 'a string', type);
    const value = raw.status;
    if (typeof value !== 'string') fail('status', 'a string', value);
    const condition: Mutable<PodCondition> = { type, status: value };
    const lastTransitionTime = nullableTime(raw, 'lastTransitionTime');
    if (lastTransitionTime !== undefined) condition.lastTransitionTime = lastTransitionTime;
    out.push(condition);
  });
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** All labels; every value must be a string. The parsed object is reused, not copied. */
function decodeLabels(metadata: JsonObject): Readonly<Record<string, string>> {
  const labels = optionalObject(metadata, 'labels');
  if (labels === undefined) return NO_LABELS;
  for (const key in labels) {
    if (Object.hasOwn(labels, key) && typeof labels[key] !== 'string') {
      fail(`labels['${key}']`, 'a string', labels[key]);
    }
  }
  return labels as Readonly<Record<string, string>>;
}

/** Only `kubernetes.io/config.seen` and the keys in `refs`; other values are never read. */
function decodeAnnotations(metadata: JsonObject, refs: readonly string[]): Record<string, string> {
  const annotations = optionalObject(metadata, 'annotations');
  if (annotations === undefined) return {};
  const kept: [string, string][] = [];
  const keepKey = (key: string): void => {
    if (!Object.hasOwn(annotations, key)) return;
    const value = annotations[key];
    if (value === undefined || value === null) return;
    if (typeof value !== 'string') fail(`annotations['${key}']`, 'a string', value);
    kept.push([key, value]);
  };
  keepKey(CONFIG_SEEN);
  for (const key of refs) keepKey(key);
  // fromEntries defines own properties, so even a `__proto__` key stays a plain entry.
  return Object.fromEntries(kept);
}

const NO_FIELDS: JsonObject = Object.freeze({});

function decodePod(item: unknown, keep: ReadonlySet<string>): KubeletPod {
  if (!isObject(item)) fail('', 'an object', item);
  const metadata = optionalObject(item, 'metadata');
  if (metadata === undefined) fail('metadata', 'an object', item.metadata);
  const spec = optionalObject(item, 'spec') ?? NO_FIELDS;
  const status = optionalObject(item, 'status') ?? NO_FIELDS;
  let section = 'metadata';
  try {
    const uid = requiredString(metadata, 'uid');
    const name = requiredString(metadata, 'name');
    const namespace = requiredString(metadata, 'namespace');
    const labels = decodeLabels(metadata);
    const generateName = optionalString(metadata, 'generateName');
    const creationTimestamp = optionalString(metadata, 'creationTimestamp');
    const deletionTimestamp = optionalString(metadata, 'deletionTimestamp');

    section = 'spec';
    const annotationRefs: string[] = [];
    const initContainers = decodeContainers(spec, 'initContainers', keep, annotationRefs);
    const containers = decodeContainers(spec, 'containers', keep, annotationRefs);
    const nodeName = optionalString(spec, 'nodeName');

    section = 'status';
    const conditions = decodeConditions(status);
    const initContainerStatuses = decodeStatuses(status, 'initContainerStatuses');
    const containerStatuses = decodeStatuses(status, 'containerStatuses');
    const phase = optionalString(status, 'phase');
    const reason = optionalString(status, 'reason');

    section = 'metadata';
    const pod: Mutable<KubeletPod> = {
      uid,
      name,
      namespace,
      labels,
      annotations: decodeAnnotations(metadata, annotationRefs),
      initContainers,
      containers,
      conditions,
      initContainerStatuses,
      containerStatuses,
    };
    if (generateName !== undefined) pod.generateName = generateName;
    if (creationTimestamp !== undefined) pod.creationTimestamp = creationTimestamp;
    if (deletionTimestamp !== undefined) pod.deletionTimestamp = deletionTimestamp;
    if (nodeName !== undefined) pod.nodeName = nodeName;
    if (phase !== undefined) pod.phase = phase;
    if (reason !== undefined) pod.reason = reason;
    return pod;
  } catch (error) {
    within(error, section);
  }
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
      const path = error.path === '' ? 'item' : error.path;
      malformed.push({ index, ...identityOf(item), error: `${path}: ${error.problem}` });
    }
  }
  return { ok: true, pods, malformed };
}
