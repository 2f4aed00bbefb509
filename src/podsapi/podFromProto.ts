/**
 * Turns one decoded `core.v1.Pod` message of the kubelet Pods API (the object
 * `decodeWirePod` gives) into the {@link KubeletPod} that `decodePodList` makes of the same pod
 * read from the kubelet's `/pods` JSON. No I/O.
 *
 * The rule: the result is what `decodePodList` would give for the JSON the kubelet would write for
 * this message (Go unmarshals the protobuf into `v1.Pod`, then marshals that as JSON). Hence:
 * - a non-pointer string Go tags `omitempty` (`generateName`, `nodeName`, `phase`, `reason`,
 *   `image`, `containerID`, `value`, ...) written as `""` is absent; one without `omitempty`
 *   (`ContainerStatus.image`/`imageID`, a condition's `type`/`status`) absent on the wire is `""`;
 * - an int Go always writes (`restartCount`, `exitCode`) absent on the wire is 0; `signal`
 *   (`omitempty`) 0 is absent;
 * - a `Time` that Go stores by value (`creationTimestamp`, `startedAt`, `finishedAt`,
 *   `lastTransitionTime`) absent or empty is Go's zero time, which the JSON shows as `null`;
 *   otherwise RFC 3339 in UTC with whole seconds, as `metav1.Time` marshals it (non-zero `nanos`,
 *   which the kubelet never sends, are kept as a fraction rather than dropped).
 * - env entries are kept only for `options.envNames` plus `TRACESTATE`, and annotations only for
 *   `kubernetes.io/config.seen` and the keys a kept `fieldRef` names; nothing else is copied, and
 *   error messages never quote a value.
 *
 * A message that cannot be such a pod (no uid, name or namespace, a container without a name, a
 * negative restart count, a time out of range, a value of the wrong type) gives
 * `{ ok: false }` with the path of the field; this function never throws.
 */
import type { DecodeOptions } from '../core/decodePodList.js';
import type {
  ContainerSpec,
  ContainerState,
  ContainerStatus,
  EnvSource,
  KubeletPod,
  PodCondition,
  TerminatedState,
} from '../core/kubeletPod.js';
import {
  alwaysString,
  at,
  decodeList,
  fail,
  int32Field,
  isMessage,
  listField,
  Malformed,
  type Message,
  messageField,
  omitEmpty,
  pointerTime,
  requiredString,
  stringField,
  valueTime,
} from './protoFields.js';

/** A pod, or why the message is not one (with its identity when that much was readable). */
export type PodFromProtoResult =
  | { readonly ok: true; readonly pod: KubeletPod }
  | {
      readonly ok: false;
      /** Path of the offending field and what was wrong with it; never quotes a value. */
      readonly error: string;
      readonly name?: string;
      readonly namespace?: string;
      readonly uid?: string;
    };

const CONFIG_SEEN = 'kubernetes.io/config.seen';
const TRACESTATE = 'TRACESTATE';
/** `EnvVarSource` members other than `fieldRef`, in Go's field (and JSON key) order. */
const OTHER_SOURCES = ['resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'];
/** 0001-01-01T00:00:00Z, Go's zero `time.Time`, and 9999-12-31T23:59:59Z: what RFC 3339 can show. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** `metadata.annotations['key']` names an annotation the env entry reads. */
const ANNOTATION_REF = /^metadata\.annotations\['(.*)'\]$/s;

function decodeValueFrom(valueFrom: Message, annotationRefs: string[]): EnvSource {
  const fieldRef = messageField(valueFrom, 'fieldRef');
  if (fieldRef === undefined) {
    const source = OTHER_SOURCES.find((name) => messageField(valueFrom, name) !== undefined);
    // None this `.proto` declares: a newer kubelet's (its JSON would name it), or none at all.
    return { kind: 'unresolvable', source: source ?? 'unknown' };
  }
  const fieldPath = at('fieldRef', () => requiredString(fieldRef, 'fieldPath'));
  const annotation = ANNOTATION_REF.exec(fieldPath)?.[1];
  if (annotation !== undefined) annotationRefs.push(annotation);
  return { kind: 'fieldRef', fieldPath };
}

function decodeEnvEntry(entry: Message, annotationRefs: string[]): EnvSource {
  const value = omitEmpty(entry, 'value');
  const valueFrom = messageField(entry, 'valueFrom');
  if (valueFrom === undefined || value !== undefined) return { kind: 'value', value: value ?? '' };
  return at('valueFrom', () => decodeValueFrom(valueFrom, annotationRefs));
}

/** The kept env entries; a later entry of the same name wins. Other entries are not read. */
function decodeEnv(
  container: Message,
  keep: ReadonlySet<string>,
  annotationRefs: string[],
): Map<string, EnvSource> {
  const env = new Map<string, EnvSource>();
  const entries = listField(container, 'env');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (!isMessage(entry)) continue;
    const name = entry.name;
    if (typeof name !== 'string' || !keep.has(name)) continue;
    env.set(
      name,
      at(`env[${i}]`, () => decodeEnvEntry(entry, annotationRefs)),
    );
  }
  return env;
}

function decodeContainers(
  spec: Message,
  key: 'initContainers' | 'containers',
  keep: ReadonlySet<string>,
  annotationRefs: string[],
): ContainerSpec[] {
  return decodeList<ContainerSpec>(spec, key, (raw) => {
    const container: Mutable<ContainerSpec> = {
      name: requiredString(raw, 'name'),
      env: decodeEnv(raw, keep, annotationRefs),
    };
    const image = omitEmpty(raw, 'image');
    if (image !== undefined) container.image = image;
    // A pointer in Go: written only when set, and then shown even when empty.
    const restartPolicy = stringField(raw, 'restartPolicy');
    if (restartPolicy !== undefined) container.restartPolicy = restartPolicy;
    return container;
  });
}

function decodeTerminated(raw: Message): TerminatedState {
  const out: Mutable<TerminatedState> = {
    exitCode: int32Field(raw, 'exitCode'),
  };
  const signal = int32Field(raw, 'signal');
  if (signal !== 0) out.signal = signal;
  const reason = omitEmpty(raw, 'reason');
  if (reason !== undefined) out.reason = reason;
  out.startedAt = valueTime(raw, 'startedAt');
  out.finishedAt = valueTime(raw, 'finishedAt');
  const containerID = omitEmpty(raw, 'containerID');
  if (containerID !== undefined) out.containerID = containerID;
  return out;
}

const NO_STATE: ContainerState = Object.freeze({});

function decodeWaiting(waiting: Message): { reason?: string; message?: string } {
  const reason = omitEmpty(waiting, 'reason');
  const message = omitEmpty(waiting, 'message');
  return {
    ...(reason === undefined ? {} : { reason }),
    ...(message === undefined ? {} : { message }),
  };
}

function decodeState(status: Message, key: 'state' | 'lastState'): ContainerState {
  const raw = messageField(status, key);
  if (raw === undefined) return NO_STATE;
  return at(key, () => {
    const out: Mutable<ContainerState> = {};
    const waiting = messageField(raw, 'waiting');
    const running = messageField(raw, 'running');
    const terminated = messageField(raw, 'terminated');
    if (waiting !== undefined) out.waiting = at('waiting', () => decodeWaiting(waiting));
    if (running !== undefined)
      out.running = { startedAt: at('running', () => valueTime(running, 'startedAt')) };
    if (terminated !== undefined)
      out.terminated = at('terminated', () => decodeTerminated(terminated));
    return out;
  });
}

function decodeStatuses(
  status: Message,
  key: 'initContainerStatuses' | 'containerStatuses',
): ContainerStatus[] {
  return decodeList<ContainerStatus>(status, key, (raw) => {
    const restartCount = int32Field(raw, 'restartCount');
    if (restartCount < 0) fail('restartCount', 'a non-negative integer', restartCount);
    const s: Mutable<ContainerStatus> = {
      name: requiredString(raw, 'name'),
      state: decodeState(raw, 'state'),
      lastState: decodeState(raw, 'lastState'),
      restartCount,
      image: alwaysString(raw, 'image'),
      imageID: alwaysString(raw, 'imageID'),
    };
    const containerID = omitEmpty(raw, 'containerID');
    if (containerID !== undefined) s.containerID = containerID;
    return s;
  });
}

function decodeConditions(status: Message): PodCondition[] {
  return decodeList<PodCondition>(status, 'conditions', (raw) => ({
    type: alwaysString(raw, 'type'),
    status: alwaysString(raw, 'status'),
    lastTransitionTime: valueTime(raw, 'lastTransitionTime'),
  }));
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

function stringMap(metadata: Message, key: string): Message | undefined {
  const map = messageField(metadata, key);
  if (map === undefined) return undefined;
  for (const k of Object.keys(map)) {
    if (typeof map[k] !== 'string') fail(`${key}['${k}']`, 'a string', map[k]);
  }
  return map;
}

/** All labels, copied (the JSON omits an empty map: `decodePodList` then gives the frozen `{}`). */
function decodeLabels(metadata: Message): Readonly<Record<string, string>> {
  const labels = stringMap(metadata, 'labels');
  if (labels === undefined || Object.keys(labels).length === 0) return NO_LABELS;
  return Object.fromEntries(Object.entries(labels as Record<string, string>));
}

/** Only `kubernetes.io/config.seen` and the keys in `refs`, in that order; others are not read. */
function decodeAnnotations(metadata: Message, refs: readonly string[]): Record<string, string> {
  const annotations = stringMap(metadata, 'annotations');
  if (annotations === undefined) return {};
  const kept: [string, string][] = [];
  const keepKey = (key: string): void => {
    if (!Object.hasOwn(annotations, key)) return;
    kept.push([key, annotations[key] as string]);
  };
  keepKey(CONFIG_SEEN);
  for (const key of refs) keepKey(key);
  return Object.fromEntries(kept);
}

const NO_FIELDS: Message = Object.freeze({});

/** The `metadata` part: identity, labels, times (annotations come last: env entries pick them). */
function decodeMetadata(metadata: Message) {
  const generateName = omitEmpty(metadata, 'generateName');
  const creationTimestamp = valueTime(metadata, 'creationTimestamp') ?? undefined;
  const deletionTimestamp = pointerTime(metadata, 'deletionTimestamp');
  return {
    uid: requiredString(metadata, 'uid'),
    name: requiredString(metadata, 'name'),
    namespace: requiredString(metadata, 'namespace'),
    labels: decodeLabels(metadata),
    optional: {
      ...(generateName === undefined ? {} : { generateName }),
      ...(creationTimestamp === undefined ? {} : { creationTimestamp }),
      ...(deletionTimestamp === undefined ? {} : { deletionTimestamp }),
    },
  };
}

function decodePod(message: unknown, keep: ReadonlySet<string>): KubeletPod {
  if (!isMessage(message)) fail('', 'a Pod message', message);
  const metadata = messageField(message, 'metadata');
  if (metadata === undefined) fail('metadata', 'a message', message.metadata);
  const spec = messageField(message, 'spec') ?? NO_FIELDS;
  const status = messageField(message, 'status') ?? NO_FIELDS;
  const meta = at('metadata', () => decodeMetadata(metadata));
  const annotationRefs: string[] = [];
  const fromSpec = at('spec', () => ({
    initContainers: decodeContainers(spec, 'initContainers', keep, annotationRefs),
    containers: decodeContainers(spec, 'containers', keep, annotationRefs),
    nodeName: omitEmpty(spec, 'nodeName'),
  }));
  const fromStatus = at('status', () => ({
    conditions: decodeConditions(status),
    initContainerStatuses: decodeStatuses(status, 'initContainerStatuses'),
    containerStatuses: decodeStatuses(status, 'containerStatuses'),
    phase: omitEmpty(status, 'phase'),
    reason: omitEmpty(status, 'reason'),
  }));
  const annotations = at('metadata', () => decodeAnnotations(metadata, annotationRefs));
  const { nodeName, ...specLists } = fromSpec;
  const { phase, reason, ...statusLists } = fromStatus;
  return {
    uid: meta.uid,
    name: meta.name,
    namespace: meta.namespace,
    labels: meta.labels,
    annotations,
    ...specLists,
    ...statusLists,
    ...meta.optional,
    ...(nodeName === undefined ? {} : { nodeName }),
    ...(phase === undefined ? {} : { phase }),
    ...(reason === undefined ? {} : { reason }),
  };
}

/** `metadata.name`/`namespace`/`uid` of a rejected message, when they are non-empty strings. */
function identityOf(message: unknown): { name?: string; namespace?: string; uid?: string } {
  const metadata = isMessage(message) ? message.metadata : undefined;
  if (!isMessage(metadata)) return {};
  const out: { name?: string; namespace?: string; uid?: string } = {};
  for (const key of ['name', 'namespace', 'uid'] as const) {
    const value = metadata[key];
    if (typeof value === 'string' && value !== '') out[key] = value;
  }
  return out;
}

/** Env names kept, as `decodePodList` keeps them (`TRACESTATE` always). */
function keptEnvNames(options: DecodeOptions): ReadonlySet<string> {
  const keep = new Set(options.envNames);
  keep.add(TRACESTATE);
  return keep;
}

/**
 * The {@link KubeletPod} of one decoded `v1.Pod` message, or why there is none. Never throws.
 */
export function podFromProto(message: unknown, options: DecodeOptions): PodFromProtoResult {
  try {
    return { ok: true, pod: decodePod(message, keptEnvNames(options)) };
  } catch (error) {
    if (!(error instanceof Malformed)) {
      return { ok: false, error: 'pod: not a readable message', ...identityOf(message) };
    }
    const path = error.path.length === 0 ? 'pod' : error.path.join('.');
    return { ok: false, error: `${path}: ${error.problem}`, ...identityOf(message) };
  }
}
