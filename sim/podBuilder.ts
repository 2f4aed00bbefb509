/**
 * Builds raw kubelet `GET /pods` JSON (the shape the kubelet serves, not the decoded
 * `KubeletPod`) for unit tests, end-to-end tests, the demo and the benchmark.
 *
 * Pods are shaped like the real kubelet captures (see `test/fixtures/README.md`) plus what
 * clusters since 1.29-1.34 add: `metadata.managedFields` (derived from the pod itself, several KB),
 * `metadata.generation` / `status.observedGeneration`, the `PodReadyToStartContainers` condition,
 * `hostIPs`/`podIPs`, container-status `started` and `volumeMounts`, projected
 * `kube-api-access-*` volumes, default tolerations, `enableServiceLinks`, `preemptionPolicy`,
 * `priority`. `selfLink` is gone (removed in 1.24).
 *
 * Sized and shaped like the real 1.31-1.35 captures (`shared/fixtures/kubelet/captures/`, about
 * 5 KB a pod): `managedFields` of the creating manager (see `kubeletManagedFields`),
 * container statuses with `resources`, `allocatedResources` and `user`, static pods
 * (`source: 'file'`: `config.source: file`, `config.hash` = uid, no service account, no
 * `managedFields`, no `creationTimestamp`).
 *
 * Everything is deterministic from the inputs (ids and IPs are hashed from the pod's identity).
 * Times are RFC 3339 with whole seconds, as the kubelet reports them; only
 * `kubernetes.io/config.seen` has nanoseconds (always nine digits, in the node's zone). Like Go's `omitempty`, empty lists (e.g.
 * `initContainerStatuses`, `ephemeralContainerStatuses`) are left out rather than sent as `[]`.
 *
 * Plain module (no test-framework imports).
 */
import { createHash } from 'node:crypto';
import { DEFAULT_NODE_UTC_OFFSET, formatConfigSeen } from './timeline/configSeen.js';

/** A raw JSON object as the kubelet serves it. */
export type RawObject = Record<string, unknown>;

/** A finished run of a container, as `lastState.terminated` (or `state.terminated`) reports it. */
export interface TerminatedRun {
  readonly exitCode: number;
  /** @default `Completed` for exit code 0, else `Error` */
  readonly reason?: string;
  readonly message?: string;
  readonly signal?: number;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /**
   * Full `containerd://<64 hex>`; `''` for none (as with `ContainerStatusUnknown`).
   * @default derived from the pod uid, name and run index
   */
  readonly containerID?: string;
}

/** One container (init, regular or ephemeral) with its current state. */
export interface ContainerRunSpec {
  readonly name: string;
  /** @default `busybox:1.36` */
  readonly image?: string;
  readonly command?: readonly string[];
  /** Literal env values, in this order (an empty value is sent without `value`, as Go does). */
  readonly env?: Readonly<Record<string, string>>;
  /** Raw `env` entries appended after `env` (e.g. `valueFrom` sources). */
  readonly rawEnv?: readonly RawObject[];
  /** `Always` on an init container makes it a native sidecar. */
  readonly restartPolicy?: 'Always';
  /**
   * Extra raw container-spec fields (`ports`, `resources`, probes, `securityContext`, ...).
   * `volumeMounts` given here come before the service-account token mount.
   */
  readonly specExtras?: RawObject;
  readonly state: 'waiting' | 'running' | 'terminated';
  /** @default `PodInitializing` behind unfinished init containers, else `ContainerCreating` */
  readonly waitingReason?: string;
  /** `message` of the current waiting or terminated state. */
  readonly message?: string;
  /** Of the current run (running/terminated). @default the pod's creationTimestamp */
  readonly startedAt?: string | null;
  /** Of the current run (terminated). @default `startedAt` */
  readonly finishedAt?: string | null;
  /** Of the current run (terminated). @default 0 */
  readonly exitCode?: number;
  /** Of the current run (terminated). @default `Completed` for exit code 0, else `Error` */
  readonly reason?: string;
  readonly signal?: number;
  /** @default 0 */
  readonly restartCount?: number;
  /** The previous run (`lastState.terminated`). */
  readonly lastTerminated?: TerminatedRun;
  /**
   * Full `containerd://<64 hex>` of the current run. @default for running/terminated
   * containers `containerd://` + `containerId(`${uid}/${name}/${restartCount}`)`; a waiting
   * container reports its last run's id, if any. `''` for none.
   */
  readonly containerID?: string;
  /** @default running (regular and sidecar), or terminated with exit 0 (init) */
  readonly ready?: boolean;
}

/** Owner of a controller-created pod. */
export interface OwnerInput {
  readonly kind: string;
  readonly name: string;
  /** @default deterministicUid(`${kind}/${name}`) */
  readonly uid?: string;
  /** @default `batch/v1` for Job, `apps/v1` for ReplicaSet/DaemonSet/StatefulSet, else `v1` */
  readonly apiVersion?: string;
}

/** Everything a pod is built from; most fields have realistic defaults. */
export interface PodSpecInput {
  readonly name: string;
  /** @default `default` */
  readonly namespace?: string;
  /** @default deterministicUid(`${namespace}/${name}`) */
  readonly uid?: string;
  readonly generateName?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** User annotations (the kubelet's `config.seen`/`config.source` are always added). */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly owner?: OwnerInput;
  readonly creationTimestamp: string;
  readonly phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  /** `status.reason` (e.g. `Evicted`, `DeadlineExceeded`). */
  readonly reason?: string;
  readonly message?: string;
  /** PodScheduled time. @default creationTimestamp */
  readonly scheduledAt?: string;
  /** PodReadyToStartContainers time. @default 1 s before the first container start */
  readonly sandboxReadyAt?: string;
  /** Initialized time. @default 1 s after the last init container finished (or sidecar started) */
  readonly initializedAt?: string;
  /** Ready/ContainersReady time. @default 1 s after the last container started */
  readonly readyAt?: string;
  readonly deletionTimestamp?: string;
  /** @default 30 when `deletionTimestamp` is set */
  readonly deletionGracePeriodSeconds?: number;
  /** @default `worker-1` */
  readonly nodeName?: string;
  /** @default `10.0.2.15` */
  readonly hostIP?: string;
  /** The pod IP is the host IP. */
  readonly hostNetwork?: boolean;
  /** @default `Always` */
  readonly restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  /** @default `default` */
  readonly serviceAccountName?: string;
  readonly initContainers?: readonly ContainerRunSpec[];
  readonly containers: readonly ContainerRunSpec[];
  /** `kubectl debug` containers: adds `spec.ephemeralContainers` and their statuses. */
  readonly ephemeralContainers?: readonly ContainerRunSpec[];
  /** Raw volumes added before the `kube-api-access-*` one. */
  readonly volumes?: readonly RawObject[];
  /** @default `Burstable` if a container sets `resources`, else `BestEffort` */
  readonly qosClass?: string;
  /**
   * Where the kubelet got the pod: `api` (the API server) or `file` (a static pod: uid is the
   * config hash, no service account, no `managedFields`). @default 'api'
   */
  readonly source?: 'api' | 'file';
  /** Zone of the node's clock, for `config.seen` (`Z` or `±hh:mm`). @default '+02:00' */
  readonly utcOffset?: string;
  /**
   * Add the kubelet's own `managedFields` entry (status subresource). The kubelet lists its pod
   * manager's copy, whose `managedFields` are those of the pod when the kubelet first received
   * it (later API updates copy spec, labels, annotations and status, not `managedFields`): so
   * only the creator's entry, as in the 1.31-1.35 captures, unless the kubelet received the pod
   * after it had written its status, e.g. after a kubelet restart. @default false
   */
  readonly kubeletManagedFields?: boolean;
  /**
   * Field manager that created the pod (first `managedFields` entry).
   * @default `kube-controller-manager` with an owner, else `kubectl-client-side-apply`
   */
  readonly manager?: string;
}

// ---------------------------------------------------------------- deterministic ids and times

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hashInt(seed: string): number {
  return Number.parseInt(sha256(seed).slice(0, 8), 16);
}

/** A version-4-shaped UUID derived from `seed` (same seed, same uid). */
export function deterministicUid(seed: string): string {
  const h = sha256(`uid:${seed}`);
  const variant = '89ab'.charAt(Number.parseInt(h.charAt(16), 16) & 3);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A bare 64-hex container id derived from `seed` (prefix `containerd://` for `containerID`). */
export function containerId(seed: string): string {
  return sha256(`container:${seed}`);
}

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no confusables). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A Kubernetes-like random-looking suffix (`x7k2q`) derived from `seed`. */
function nameSuffix(seed: string, length = 5): string {
  const h = sha256(`suffix:${seed}`);
  let out = '';
  for (let i = 0; i < length; i++) {
    out += SUFFIX_ALPHABET.charAt(Number.parseInt(h.slice(i * 2, i * 2 + 2), 16) % 27);
  }
  return out;
}

function millis(time: string): number {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) throw new RangeError(`not an RFC 3339 time: ${time}`);
  return ms;
}

function wholeSeconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** `time` moved by `seconds`, as a whole-second RFC 3339 string (`2025-06-01T08:00:05Z`). */
export function plusSeconds(time: string, seconds: number): string {
  return wholeSeconds(millis(time) + seconds * 1000);
}

function latest(times: readonly (string | null | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const t of times) if (t && (best === undefined || millis(t) > millis(best))) best = t;
  return best;
}

function earliest(times: readonly (string | null | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const t of times) if (t && (best === undefined || millis(t) < millis(best))) best = t;
  return best;
}

/** `kubernetes.io/config.seen`: a fraction of a second after `time`, in the node's zone. */
function configSeen(time: string, seed: string, offset: string): string {
  const nanos = hashInt(`seen:${seed}`) % 1_000_000_000;
  return formatConfigSeen(Math.floor(millis(time) / 1000), nanos, offset);
}

// ---------------------------------------------------------------- images

/** What containerd reports for a spec image: `busybox` → `docker.io/library/busybox:latest`. */
function normalizedImage(image: string): string {
  let name = image;
  const at = name.indexOf('@');
  if (at >= 0) return name.includes('/') ? name : `docker.io/library/${name}`;
  const firstSlash = name.indexOf('/');
  const first = firstSlash < 0 ? '' : name.slice(0, firstSlash);
  if (firstSlash < 0) name = `docker.io/library/${name}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') {
    name = `docker.io/${name}`;
  }
  return name.lastIndexOf(':') > name.lastIndexOf('/') ? name : `${name}:latest`;
}

function imageIdOf(image: string): string {
  const normalized = normalizedImage(image);
  const at = normalized.indexOf('@');
  if (at >= 0) return normalized;
  const repo = normalized.slice(0, normalized.lastIndexOf(':'));
  return `${repo}@sha256:${sha256(`image:${normalized}`)}`;
}

function pullPolicyOf(image: string): string {
  const normalized = normalizedImage(image);
  return normalized.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

// ---------------------------------------------------------------- containers

const DEFAULT_IMAGE = 'busybox:1.36';
const SERVICE_ACCOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

type Role = 'init' | 'main' | 'ephemeral';

function isSidecar(c: ContainerRunSpec): boolean {
  return c.restartPolicy === 'Always';
}

function startOf(c: ContainerRunSpec, creation: string): string | null | undefined {
  return c.state === 'waiting' ? undefined : c.startedAt === undefined ? creation : c.startedAt;
}

function finishOf(c: ContainerRunSpec, creation: string): string | null | undefined {
  if (c.state !== 'terminated') return undefined;
  return c.finishedAt === undefined ? startOf(c, creation) : c.finishedAt;
}

function ranEver(c: ContainerRunSpec): boolean {
  return c.state !== 'waiting' || c.lastTerminated !== undefined;
}

/** An init container has done its part: exited 0, or (sidecar) is running. */
function initDone(c: ContainerRunSpec): boolean {
  if (isSidecar(c)) return c.state === 'running' || c.state === 'terminated';
  return c.state === 'terminated' && (c.exitCode ?? 0) === 0;
}

function readyOf(c: ContainerRunSpec, role: Role): boolean {
  if (c.ready !== undefined) return c.ready;
  if (role === 'init' && !isSidecar(c)) return c.state === 'terminated' && (c.exitCode ?? 0) === 0;
  return c.state === 'running';
}

function defaultReason(exitCode: number): string {
  return exitCode === 0 ? 'Completed' : 'Error';
}

function terminatedJson(run: TerminatedRun, fallbackId: string): RawObject {
  const id = run.containerID ?? fallbackId;
  return {
    exitCode: run.exitCode,
    ...(run.signal !== undefined ? { signal: run.signal } : {}),
    reason: run.reason ?? defaultReason(run.exitCode),
    ...(run.message ? { message: run.message } : {}),
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    ...(id ? { containerID: id } : {}),
  };
}

/** The container's `volumeMounts`: those from `specExtras`, then the service-account token. */
function mountsOf(c: ContainerRunSpec, tokenVolume: string): RawObject[] {
  const extra = c.specExtras?.volumeMounts;
  return [
    ...(Array.isArray(extra) ? (extra as RawObject[]) : []),
    { name: tokenVolume, readOnly: true, mountPath: SERVICE_ACCOUNT_PATH },
  ];
}

function containerSpecJson(c: ContainerRunSpec, role: Role, tokenVolume: string): RawObject {
  const image = c.image ?? DEFAULT_IMAGE;
  const { volumeMounts: _mounts, ...extras } = c.specExtras ?? {};
  const env: RawObject[] = [];
  for (const [name, value] of Object.entries(c.env ?? {})) {
    env.push(value === '' ? { name } : { name, value });
  }
  env.push(...(c.rawEnv ?? []));
  return {
    name: c.name,
    image,
    ...(c.command ? { command: [...c.command] } : {}),
    ...(env.length > 0 ? { env } : {}),
    resources: {},
    ...extras,
    ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}),
    volumeMounts: mountsOf(c, tokenVolume),
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: pullPolicyOf(image),
    ...(role === 'ephemeral' ? { stdin: true, tty: true } : {}),
  };
}

function containerStatusJson(
  c: ContainerRunSpec,
  role: Role,
  uid: string,
  creation: string,
  waitingDefault: string,
  tokenVolume: string,
): RawObject {
  const image = c.image ?? DEFAULT_IMAGE;
  const restartCount = c.restartCount ?? 0;
  const runId = (run: number) => `containerd://${containerId(`${uid}/${c.name}/${run}`)}`;
  // A running or terminated container's previous run is attempt restartCount - 1; while it waits
  // (CrashLoopBackOff) its last run is attempt restartCount, as `kubectl get pods` shows.
  const lastRun = c.state === 'waiting' ? restartCount : restartCount - 1;
  const lastId = c.lastTerminated ? (c.lastTerminated.containerID ?? runId(lastRun)) : undefined;
  let state: RawObject;
  let id: string | undefined;
  switch (c.state) {
    case 'waiting':
      state = {
        waiting: {
          reason: c.waitingReason ?? waitingDefault,
          ...(c.message ? { message: c.message } : {}),
        },
      };
      id = c.containerID ?? lastId;
      break;
    case 'running':
      id = c.containerID ?? runId(restartCount);
      state = { running: { startedAt: startOf(c, creation) ?? null } };
      break;
    case 'terminated': {
      id = c.containerID ?? runId(restartCount);
      const exitCode = c.exitCode ?? 0;
      const run: TerminatedRun = {
        exitCode,
        reason: c.reason ?? defaultReason(exitCode),
        ...(c.message ? { message: c.message } : {}),
        startedAt: startOf(c, creation) ?? null,
        finishedAt: finishOf(c, creation) ?? null,
        containerID: id,
        ...(c.signal !== undefined ? { signal: c.signal } : {}),
      };
      state = { terminated: terminatedJson(run, id) };
      break;
    }
  }
  const ran = ranEver(c);
  return {
    name: c.name,
    state,
    lastState: c.lastTerminated
      ? { terminated: terminatedJson(c.lastTerminated, lastId ?? runId(lastRun)) }
      : {},
    ready: readyOf(c, role),
    restartCount,
    image: ran ? normalizedImage(image) : image,
    imageID: ran ? imageIdOf(image) : '',
    ...(id ? { containerID: id } : {}),
    started: c.state === 'running',
    // Reported from the runtime, so only once the container exists.
    ...(ran ? runtimeStatus(c, tokenVolume) : {}),
  };
}

/** What the runtime reports of a container that exists: resources, mounts, user (1.31+). */
function runtimeStatus(c: ContainerRunSpec, tokenVolume: string): RawObject {
  const resources = (c.specExtras?.resources ?? {}) as RawObject;
  return {
    ...(resources.requests ? { allocatedResources: resources.requests } : {}),
    resources,
    volumeMounts: mountsOf(c, tokenVolume).map((m) => ({
      name: m.name,
      mountPath: m.mountPath,
      ...(m.readOnly ? { readOnly: true, recursiveReadOnly: 'Disabled' } : {}),
    })),
    user: { linux: { uid: 0, gid: 0, supplementalGroups: [0] } },
  };
}

// ---------------------------------------------------------------- conditions

function condition(
  type: string,
  status: boolean,
  lastTransitionTime: string,
  reason?: string,
  message?: string,
): RawObject {
  return {
    type,
    observedGeneration: 1,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

/** The five pod conditions, consistent with the phase and container states, in kubelet order. */
function podConditions(input: PodSpecInput): RawObject[] {
  const creation = input.creationTimestamp;
  const scheduled = input.scheduledAt ?? creation;
  const inits = input.initContainers ?? [];
  const mains = input.containers;
  const all = [...inits, ...mains];
  const terminal = input.phase === 'Succeeded' || input.phase === 'Failed';
  const lastRunStarts = all.map((c) => c.lastTerminated?.startedAt);
  const starts = [...all.map((c) => startOf(c, creation)), ...lastRunStarts];
  const finishes = [
    ...all.map((c) => finishOf(c, creation)),
    ...all.map((c) => c.lastTerminated?.finishedAt),
  ];
  const firstStart = earliest(starts);

  // PodReadyToStartContainers: sandbox up; torn down (False) once a terminal pod's containers exit.
  let sandbox: RawObject;
  if (terminal) {
    const end = latest(finishes);
    sandbox = condition('PodReadyToStartContainers', false, end ? plusSeconds(end, 1) : scheduled);
  } else if (input.sandboxReadyAt !== undefined || all.some(ranEver)) {
    const at =
      input.sandboxReadyAt ??
      latest([scheduled, firstStart ? plusSeconds(firstStart, -1) : undefined]);
    sandbox = condition('PodReadyToStartContainers', true, at ?? scheduled);
  } else {
    sandbox = condition('PodReadyToStartContainers', false, scheduled);
  }

  // Initialized
  let initialized: RawObject;
  const pendingInits = inits.filter((c) => !initDone(c)).map((c) => c.name);
  if (inits.length === 0) {
    initialized = condition('Initialized', true, input.initializedAt ?? scheduled);
  } else if (input.phase === 'Succeeded') {
    const at = input.initializedAt ?? initTime(inits, creation) ?? scheduled;
    initialized = condition('Initialized', true, at, 'PodCompleted');
  } else if (pendingInits.length === 0 || mains.some(ranEver)) {
    initialized = condition(
      'Initialized',
      true,
      input.initializedAt ?? initTime(inits, creation) ?? scheduled,
    );
  } else {
    initialized = condition(
      'Initialized',
      false,
      scheduled,
      'ContainersNotInitialized',
      `containers with incomplete status: [${pendingInits.join(' ')}]`,
    );
  }

  // ContainersReady and Ready (no readiness gates, so they agree)
  const unready = mains.filter((c) => !readyOf(c, 'main')).map((c) => c.name);
  let ready: boolean;
  let readyAt: string;
  let reason: string | undefined;
  let message: string | undefined;
  if (input.phase === 'Succeeded') {
    ready = false;
    readyAt = latest(mains.map((c) => finishOf(c, creation))) ?? scheduled;
    reason = 'PodCompleted';
  } else if (unready.length === 0 && mains.length > 0) {
    ready = true;
    const lastStart = latest(mains.map((c) => startOf(c, creation)));
    readyAt = input.readyAt ?? (lastStart ? plusSeconds(lastStart, 1) : scheduled);
  } else {
    ready = false;
    readyAt =
      latest(
        mains.flatMap((c) => [finishOf(c, creation), c.lastTerminated?.finishedAt ?? undefined]),
      ) ?? scheduled;
    reason = 'ContainersNotReady';
    message = `containers with unready status: [${unready.join(' ')}]`;
  }
  return [
    sandbox,
    initialized,
    condition('Ready', ready, readyAt, reason, message),
    condition('ContainersReady', ready, readyAt, reason, message),
    condition('PodScheduled', true, scheduled),
  ];
}

/** 1 s after the last regular init container finished or the last sidecar started. */
function initTime(inits: readonly ContainerRunSpec[], creation: string): string | undefined {
  const done = latest(
    inits.map((c) => (isSidecar(c) ? startOf(c, creation) : finishOf(c, creation))),
  );
  return done ? plusSeconds(done, 1) : undefined;
}

// ---------------------------------------------------------------- managedFields

/** Merge keys of the lists server-side apply tracks per element; other lists are atomic. */
const LIST_KEYS: Readonly<Record<string, readonly string[]>> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  imagePullSecrets: ['name'],
  volumeMounts: ['mountPath'],
  ports: ['containerPort', 'protocol'],
  conditions: ['type'],
  podIPs: ['ip'],
  hostIPs: ['ip'],
  ownerReferences: ['uid'],
};

/** The `fieldsV1` set of `value`, as the API server records it (`f:`/`k:` keys, `.` for self). */
function fieldSet(value: RawObject, nested: boolean): RawObject {
  const entries: [string, unknown][] = nested ? [['.', {}]] : [];
  for (const [key, child] of Object.entries(value)) {
    const listKey = LIST_KEYS[key];
    if (Array.isArray(child) && listKey) {
      const items: [string, unknown][] = [['.', {}]];
      for (const element of child as RawObject[]) {
        const id: RawObject = {};
        for (const k of listKey) id[k] = element[k];
        // An owner reference is recorded by its key alone, as the API server does.
        const fields = key === 'ownerReferences' ? {} : fieldSet(element, true);
        items.push([`k:${JSON.stringify(id)}`, fields]);
      }
      entries.push([`f:${key}`, sortedObject(items)]);
    } else if (typeof child === 'object' && child !== null && !Array.isArray(child)) {
      const obj = child as RawObject;
      entries.push([`f:${key}`, Object.keys(obj).length === 0 ? {} : fieldSet(obj, true)]);
    } else {
      entries.push([`f:${key}`, {}]);
    }
  }
  return sortedObject(entries);
}

function sortedObject(entries: [string, unknown][]): RawObject {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const KUBELET_ANNOTATIONS = new Set(['kubernetes.io/config.seen', 'kubernetes.io/config.source']);

function managedFields(
  metadata: RawObject,
  spec: RawObject,
  status: RawObject,
  manager: string,
  createdAt: string,
  statusAt: string,
  tokenVolume: string,
  withKubelet: boolean,
): RawObject[] {
  const ownedMeta: RawObject = {};
  for (const key of ['generateName', 'labels', 'ownerReferences'] as const) {
    if (metadata[key] !== undefined) ownedMeta[key] = metadata[key];
  }
  const userAnnotations = Object.entries(metadata.annotations as Record<string, string>).filter(
    ([k]) => !KUBELET_ANNOTATIONS.has(k),
  );
  if (userAnnotations.length > 0) ownedMeta.annotations = Object.fromEntries(userAnnotations);
  // What admission plugins and the scheduler add is not the creator's: the service-account token
  // volume and mounts, default tolerations, priority, the binding's nodeName.
  const {
    nodeName: _bound,
    priority: _priority,
    preemptionPolicy: _preemption,
    serviceAccount: _alias,
    ...ownedSpec
  } = spec;
  if (ownedSpec.serviceAccountName === 'default') delete ownedSpec.serviceAccountName;
  const daemonSet = (metadata.ownerReferences as RawObject[] | undefined)?.some(
    (o) => o.kind === 'DaemonSet',
  );
  if (!daemonSet) delete ownedSpec.tolerations;
  const notToken = (v: RawObject) => v.name !== tokenVolume;
  ownedSpec.volumes = (spec.volumes as RawObject[]).filter(notToken);
  if ((ownedSpec.volumes as RawObject[]).length === 0) delete ownedSpec.volumes;
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    if (ownedSpec[key] === undefined) continue;
    ownedSpec[key] = (ownedSpec[key] as RawObject[]).map((c) => {
      const { volumeMounts, ...rest } = c;
      const mounts = ((volumeMounts ?? []) as RawObject[]).filter(notToken);
      return mounts.length > 0 ? { ...rest, volumeMounts: mounts } : rest;
    });
  }
  const conditions = status.conditions as RawObject[];
  // qosClass is set by the API server on creation, not by the kubelet; the scheduler's binding
  // writes PodScheduled without a managedFields entry of its own.
  const { qosClass: _qos, ...kubeletStatus } = status;
  kubeletStatus.conditions = conditions.filter((c) => c.type !== 'PodScheduled');
  const entry = (name: string, time: string, fields: RawObject, subresource?: string) => ({
    manager: name,
    operation: 'Update',
    apiVersion: 'v1',
    time,
    fieldsType: 'FieldsV1',
    fieldsV1: fields,
    ...(subresource ? { subresource } : {}),
  });
  return [
    entry(manager, createdAt, {
      'f:metadata': fieldSet(ownedMeta, false),
      'f:spec': fieldSet(ownedSpec, false),
    }),
    ...(withKubelet
      ? [entry('kubelet', statusAt, { 'f:status': fieldSet(kubeletStatus, false) }, 'status')]
      : []),
  ];
}

// ---------------------------------------------------------------- pods

const DAEMONSET_TOLERATIONS = [
  'node.kubernetes.io/not-ready:NoExecute',
  'node.kubernetes.io/unreachable:NoExecute',
  'node.kubernetes.io/disk-pressure:NoSchedule',
  'node.kubernetes.io/memory-pressure:NoSchedule',
  'node.kubernetes.io/pid-pressure:NoSchedule',
  'node.kubernetes.io/unschedulable:NoSchedule',
].map((t) => {
  const [key, effect] = t.split(':');
  return { key, operator: 'Exists', effect };
});

const DEFAULT_TOLERATIONS = ['not-ready', 'unreachable'].map((k) => ({
  key: `node.kubernetes.io/${k}`,
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds: 300,
}));

function ownerApiVersion(kind: string): string {
  if (kind === 'Job') return 'batch/v1';
  if (kind === 'ReplicaSet' || kind === 'DaemonSet' || kind === 'StatefulSet') return 'apps/v1';
  return 'v1';
}

function ipFrom(seed: string): string {
  const n = hashInt(`ip:${seed}`);
  return `10.244.${(n >>> 8) % 256}.${(n % 253) + 2}`;
}

/** Builds one raw kubelet `/pods` item. */
export function buildPod(input: PodSpecInput): RawObject {
  const namespace = input.namespace ?? 'default';
  const uid =
    input.uid ??
    (input.source === 'file'
      ? sha256(`config-hash:${namespace}/${input.name}`).slice(0, 32)
      : deterministicUid(`${namespace}/${input.name}`));
  const creation = input.creationTimestamp;
  const scheduled = input.scheduledAt ?? creation;
  const tokenVolume = `kube-api-access-${nameSuffix(uid)}`;
  const inits = input.initContainers ?? [];
  const ephemerals = input.ephemeralContainers ?? [];
  const initsPending = inits.some((c) => !initDone(c));

  const conditions = podConditions(input);
  const sandboxEverReady = input.phase !== 'Pending' || conditions[0]?.status === 'True';
  const hostIP = input.hostIP ?? '10.0.2.15';
  const podIP = input.hostNetwork ? hostIP : ipFrom(uid);
  // Go encodes maps with their keys sorted.
  const annotations: Record<string, string> = {
    ...input.annotations,
    'kubernetes.io/config.seen': configSeen(
      scheduled,
      uid,
      input.utcOffset ?? DEFAULT_NODE_UTC_OFFSET,
    ),
    'kubernetes.io/config.source': 'api',
  };
  const owner = input.owner;
  const sortedAnnotations = sortedObject(Object.entries(annotations));
  const metadata: RawObject = {
    name: input.name,
    ...(input.generateName ? { generateName: input.generateName } : {}),
    namespace,
    uid,
    resourceVersion: String(
      100_000 + (hashInt(`rv:${uid}:${input.phase}:${latestTime(input)}`) % 900_000),
    ),
    generation: 1,
    creationTimestamp: creation,
    ...(input.deletionTimestamp
      ? {
          deletionTimestamp: input.deletionTimestamp,
          deletionGracePeriodSeconds: input.deletionGracePeriodSeconds ?? 30,
        }
      : {}),
    ...(input.labels && Object.keys(input.labels).length > 0
      ? { labels: sortedObject(Object.entries(input.labels)) }
      : {}),
    annotations: sortedAnnotations,
    ...(owner
      ? {
          ownerReferences: [
            {
              apiVersion: owner.apiVersion ?? ownerApiVersion(owner.kind),
              kind: owner.kind,
              name: owner.name,
              uid: owner.uid ?? deterministicUid(`${owner.kind}/${owner.name}`),
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        }
      : {}),
  };
  const hasResources = [...inits, ...input.containers].some((c) => c.specExtras?.resources);
  const spec: RawObject = {
    volumes: [
      ...(input.volumes ?? []),
      {
        name: tokenVolume,
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            {
              configMap: {
                name: 'kube-root-ca.crt',
                items: [{ key: 'ca.crt', path: 'ca.crt' }],
              },
            },
            {
              downwardAPI: {
                items: [
                  {
                    path: 'namespace',
                    fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
                  },
                ],
              },
            },
          ],
          defaultMode: 420,
        },
      },
    ],
    ...(inits.length > 0
      ? { initContainers: inits.map((c) => containerSpecJson(c, 'init', tokenVolume)) }
      : {}),
    containers: input.containers.map((c) => containerSpecJson(c, 'main', tokenVolume)),
    ...(ephemerals.length > 0
      ? {
          ephemeralContainers: ephemerals.map((c) =>
            containerSpecJson(c, 'ephemeral', tokenVolume),
          ),
        }
      : {}),
    restartPolicy: input.restartPolicy ?? 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: input.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
    serviceAccountName: input.serviceAccountName ?? 'default',
    serviceAccount: input.serviceAccountName ?? 'default',
    nodeName: input.nodeName ?? 'worker-1',
    ...(input.hostNetwork ? { hostNetwork: true } : {}),
    securityContext: {},
    schedulerName: 'default-scheduler',
    tolerations: owner?.kind === 'DaemonSet' ? DAEMONSET_TOLERATIONS : DEFAULT_TOLERATIONS,
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  };
  const statusOf = (c: ContainerRunSpec, role: Role, waitingDefault: string) =>
    containerStatusJson(c, role, uid, creation, waitingDefault, tokenVolume);
  const status: RawObject = {
    observedGeneration: 1,
    phase: input.phase,
    conditions,
    ...(input.reason ? { reason: input.reason } : {}),
    ...(input.message ? { message: input.message } : {}),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    ...(sandboxEverReady ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: scheduled,
    ...(inits.length > 0
      ? {
          initContainerStatuses: inits.map((c, i) =>
            statusOf(
              c,
              'init',
              inits.slice(0, i).some((p) => !initDone(p)) ? 'PodInitializing' : 'ContainerCreating',
            ),
          ),
        }
      : {}),
    containerStatuses: input.containers.map((c) =>
      statusOf(c, 'main', initsPending ? 'PodInitializing' : 'ContainerCreating'),
    ),
    qosClass: input.qosClass ?? (hasResources ? 'Burstable' : 'BestEffort'),
    ...(ephemerals.length > 0
      ? {
          ephemeralContainerStatuses: ephemerals.map((c) =>
            statusOf(c, 'ephemeral', 'ContainerCreating'),
          ),
        }
      : {}),
  };
  const manager =
    input.manager ?? (owner ? 'kube-controller-manager' : 'kubectl-client-side-apply');
  metadata.managedFields = managedFields(
    metadata,
    spec,
    status,
    manager,
    creation,
    latestTime(input),
    tokenVolume,
    input.kubeletManagedFields ?? false,
  );
  const pod = { metadata, spec, status };
  return input.source === 'file' ? asStaticPod(pod, tokenVolume) : pod;
}

const STATIC_DROPPED_METADATA = [
  'generateName',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'ownerReferences',
  'managedFields',
];

/**
 * The kubelet's own copy of a static pod (from a manifest file), as the captures list it: no
 * API-server fields, no service account, priority `system-node-critical`, no observed
 * generations, no mounts in the container statuses.
 */
function asStaticPod(
  pod: { metadata: RawObject; spec: RawObject; status: RawObject },
  tokenVolume: string,
): RawObject {
  const metadata = Object.fromEntries(
    Object.entries(pod.metadata).filter(([k]) => !STATIC_DROPPED_METADATA.includes(k)),
  );
  const { 'kubernetes.io/config.seen': seen, ...userAnnotations } = metadata.annotations as Record<
    string,
    string
  >;
  metadata.annotations = sortedObject(
    Object.entries({
      ...userAnnotations,
      'kubernetes.io/config.hash': metadata.uid,
      'kubernetes.io/config.seen': seen,
      'kubernetes.io/config.source': 'file',
    }),
  );
  const {
    serviceAccountName: _sa,
    serviceAccount: _sa2,
    preemptionPolicy: _preemption,
    priority: _priority,
    enableServiceLinks: _links,
    ...spec
  } = pod.spec;
  const withoutToken = (mounts: unknown) =>
    (mounts as RawObject[]).filter((m) => m.name !== tokenVolume);
  spec.volumes = withoutToken(spec.volumes);
  if ((spec.volumes as RawObject[]).length === 0) delete spec.volumes;
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of (spec[key] ?? []) as RawObject[]) {
      c.volumeMounts = withoutToken(c.volumeMounts);
      if ((c.volumeMounts as RawObject[]).length === 0) delete c.volumeMounts;
    }
  }
  spec.tolerations = [{ operator: 'Exists', effect: 'NoExecute' }];
  spec.priorityClassName = 'system-node-critical';
  spec.priority = 2_000_001_000;
  spec.enableServiceLinks = true;
  const { observedGeneration: _generation, ...status } = pod.status;
  status.conditions = (status.conditions as RawObject[]).map(
    ({ observedGeneration: _g, ...c }) => c,
  );
  for (const key of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses']) {
    if (status[key] === undefined) continue;
    status[key] = (status[key] as RawObject[]).map(({ volumeMounts: _m, ...c }) => c);
  }
  return { metadata, spec, status };
}

/** The latest time the pod's status mentions (when the kubelet last wrote it). */
function latestTime(input: PodSpecInput): string {
  const all = [...(input.initContainers ?? []), ...input.containers];
  return (
    latest([
      input.creationTimestamp,
      input.scheduledAt,
      input.sandboxReadyAt,
      input.initializedAt,
      input.readyAt,
      input.deletionTimestamp,
      ...all.flatMap((c) => [
        startOf(c, input.creationTimestamp),
        finishOf(c, input.creationTimestamp),
        c.lastTerminated?.finishedAt,
      ]),
    ]) ?? input.creationTimestamp
  );
}

/** A `v1` `PodList` object around raw pods, as the kubelet serves it. */
export function buildPodList(pods: readonly RawObject[]): RawObject {
  return { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [...pods] };
}

/** The response body of `GET /pods`: compact JSON and a trailing newline, as the kubelet sends. */
export function podListBody(pods: readonly RawObject[]): string {
  return `${JSON.stringify(buildPodList(pods))}\n`;
}

/** Litmus's `TRACE_PARENT` value: the JSON carrier `{"traceparent":"00-<trace>-<span>-01"}`. */
export function litmusTraceParentValue(traceId: string, spanId: string): string {
  return JSON.stringify({ traceparent: `00-${traceId}-${spanId}-01` });
}

// ---------------------------------------------------------------- timelines

/** One run of a container in a {@link PodScript}. */
export interface RunScript {
  readonly startedAt: string;
  /** Absent while the run is still going. */
  readonly finishedAt?: string;
  /** @default 0 */
  readonly exitCode?: number;
  /** @default `Completed` for exit code 0, else `Error` */
  readonly reason?: string;
}

/** A container over time: its runs in order (a later run is a restart). */
export interface ContainerScript
  extends Omit<
    ContainerRunSpec,
    | 'state'
    | 'startedAt'
    | 'finishedAt'
    | 'exitCode'
    | 'reason'
    | 'signal'
    | 'restartCount'
    | 'lastTerminated'
    | 'containerID'
    | 'ready'
    | 'waitingReason'
    | 'message'
  > {
  readonly runs: readonly RunScript[];
}

/** A pod over time, for {@link podAt}. Phase, states and condition times are derived. */
export interface PodScript
  extends Omit<
    PodSpecInput,
    | 'phase'
    | 'initContainers'
    | 'containers'
    | 'deletionTimestamp'
    | 'sandboxReadyAt'
    | 'initializedAt'
    | 'readyAt'
  > {
  readonly initContainers?: readonly ContainerScript[];
  readonly containers: readonly ContainerScript[];
  /** When deletion was requested: from then on `deletionTimestamp` = this + grace period. */
  readonly deletedAt?: string;
}

function containerAt(script: ContainerScript, at: number): ContainerRunSpec {
  const { runs, ...rest } = script;
  const started = runs.filter((r) => millis(r.startedAt) <= at);
  const current = started.at(-1);
  const previous = started.at(-2);
  const lastTerminated = (run: RunScript | undefined): TerminatedRun | undefined =>
    run?.finishedAt === undefined
      ? undefined
      : {
          exitCode: run.exitCode ?? 0,
          startedAt: run.startedAt,
          finishedAt: run.finishedAt,
          ...(run.reason ? { reason: run.reason } : {}),
        };
  if (current === undefined) return { ...rest, state: 'waiting' };
  const index = started.length - 1;
  const finished = current.finishedAt !== undefined && millis(current.finishedAt) <= at;
  const last = lastTerminated(previous);
  const base = { ...rest, ...(last ? { lastTerminated: last } : {}) };
  if (!finished) {
    return { ...base, state: 'running', startedAt: current.startedAt, restartCount: index };
  }
  if (runs.length > started.length) {
    // A restart is scripted: between runs the kubelet backs off, still counting the exited run.
    const done = lastTerminated(current);
    return {
      ...rest,
      ...(done ? { lastTerminated: done } : {}),
      state: 'waiting',
      waitingReason: 'CrashLoopBackOff',
      restartCount: index,
    };
  }
  const exitCode = current.exitCode ?? 0;
  return {
    ...base,
    state: 'terminated',
    startedAt: current.startedAt,
    finishedAt: current.finishedAt ?? null,
    exitCode,
    ...(current.reason ? { reason: current.reason } : {}),
    restartCount: index,
  };
}

/**
 * The raw pod as the kubelet would list it at time `at` (RFC 3339), from a script of container
 * runs. Phase: `Pending` until every regular init container exited 0 and every container
 * started; `Succeeded`/`Failed` once every container has terminated for good (all exit 0 or
 * not) under `restartPolicy` Never/OnFailure; else `Running`. Throws before creation.
 */
export function podAt(script: PodScript, at: string): RawObject {
  const now = millis(at);
  if (now < millis(script.creationTimestamp)) {
    throw new RangeError(`${script.name} does not exist yet at ${at}`);
  }
  const { deletedAt, initContainers, containers, ...pod } = script;
  const inits = (initContainers ?? []).map((c) => containerAt(c, now));
  const mains = containers.map((c) => containerAt(c, now));
  const restartPolicy = script.restartPolicy ?? 'Always';
  let phase: PodSpecInput['phase'] = 'Running';
  if (inits.some((c) => !initDone(c)) || mains.some((c) => c.state === 'waiting' && !ranEver(c))) {
    phase = 'Pending';
  } else if (restartPolicy !== 'Always' && mains.every((c) => c.state === 'terminated')) {
    phase = mains.every((c) => (c.exitCode ?? 0) === 0) ? 'Succeeded' : 'Failed';
  }
  const grace = script.deletionGracePeriodSeconds ?? 30;
  const deleting = deletedAt !== undefined && millis(deletedAt) <= now;
  return buildPod({
    ...pod,
    phase,
    initContainers: inits,
    containers: mains,
    ...(deleting ? { deletionTimestamp: plusSeconds(deletedAt, grace) } : {}),
  });
}

// ---------------------------------------------------------------- busy-node filler

/** Marker inside every secret-looking value of {@link unrelatedPod}: must never reach output. */
export const SECRET_MARKER = 'do-not-leak';

const APPS = ['checkout', 'payments', 'catalog', 'search', 'ledger', 'mailer', 'reports'];
const NAMESPACES = ['shop', 'payments', 'platform', 'default', 'batch'];

/** What created an {@link unrelatedPod}, by `i`. */
type FillerKind = 'deployment' | 'daemonset' | 'statefulset' | 'job' | 'kubectl' | 'static';

function fillerKind(i: number): FillerKind {
  if (i % 20 === 19) return 'static';
  switch (i % 10) {
    case 5:
    case 6:
      return 'daemonset';
    case 7:
      return 'statefulset';
    case 8:
      return 'job';
    case 9:
      return 'kubectl';
    default:
      return 'deployment';
  }
}

/**
 * A pod of some other workload on a busy node, sized and shaped like the pods of the real
 * 1.31-1.35 captures (3-8 KB of compact JSON, about 5 KB on average). By `i`: Deployment pods
 * (ReplicaSet owner), DaemonSet pods (`i % 10` 5, 6), a StatefulSet pod (7), a finished Job pod
 * (8), a kubectl-applied pod with `last-applied-configuration` (9), a static pod (`i % 20 === 19`).
 * Secret-looking literal env values (all containing {@link SECRET_MARKER}), a `secretKeyRef` and
 * a `fieldRef` entry, resources and a readiness probe; a log-shipping sidecar on `i % 4 === 0`, a
 * migration init container on `i % 6 === 0`, restarts after an OOM kill on `i % 5 === 4`. No
 * trace context.
 */
export function unrelatedPod(i: number, nodeName: string): RawObject {
  const kind = fillerKind(i);
  const app = APPS[i % APPS.length] ?? 'app';
  const namespace =
    kind === 'static' ? 'kube-system' : (NAMESPACES[i % NAMESPACES.length] ?? 'default');
  const created = plusSeconds('2025-06-01T08:00:00Z', i * 37);
  const template = nameSuffix(`template:${app}`, 10).replace(/[^a-z0-9]/g, '0');
  let name = `${app}-${i}`;
  let generateName: string | undefined;
  let owner: OwnerInput | undefined;
  switch (kind) {
    case 'deployment':
      generateName = `${app}-${template}-`;
      name = `${generateName}${nameSuffix(`pod:${i}`)}`;
      owner = { kind: 'ReplicaSet', name: `${app}-${template}` };
      break;
    case 'daemonset':
      generateName = `${app}-agent-`;
      name = `${generateName}${nameSuffix(`pod:${i}`)}`;
      owner = { kind: 'DaemonSet', name: `${app}-agent` };
      break;
    case 'statefulset':
      name = `${app}-db-${i % 3}`;
      generateName = `${app}-db-`;
      owner = { kind: 'StatefulSet', name: `${app}-db` };
      break;
    case 'job':
      generateName = `${app}-report-${29_000_000 + i}-`;
      name = `${generateName}${nameSuffix(`pod:${i}`)}`;
      owner = { kind: 'Job', name: `${app}-report-${29_000_000 + i}` };
      break;
    case 'static':
      name = `${app}-proxy-${nodeName}`;
      break;
    case 'kubectl':
      break;
  }
  const env: Record<string, string> = {
    DATABASE_URL: `postgres://${app}:${SECRET_MARKER}-${i}-db-password@postgres.${namespace}:5432/${app}`,
    LOG_LEVEL: 'info',
  };
  const rawEnv: RawObject[] =
    kind === 'static'
      ? []
      : [
          {
            name: 'SESSION_SECRET',
            valueFrom: { secretKeyRef: { name: `${app}-secrets`, key: 'session-secret' } },
          },
          {
            name: 'POD_NAME',
            valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
          },
        ];
  const image = `registry.example.com/${namespace}/${app}:1.${i % 10}.${i % 7}`;
  // Like the captures: some pods carry env and probes, many carry neither.
  const withEnv = i % 2 === 0 || kind === 'kubectl';
  const withProbe = i % 3 === 0;
  const restarted = i % 5 === 4 && kind !== 'job';
  const appStart = plusSeconds(created, restarted ? 3600 : 6);
  const main: ContainerRunSpec = {
    name: app,
    image,
    command:
      kind === 'static'
        ? [
            '/app/proxy',
            '--config=/etc/kubernetes/proxy.conf',
            '--bind-address=127.0.0.1',
            `--upstream=https://${app}.${NAMESPACES[i % NAMESPACES.length]}.svc:8443`,
          ]
        : ['/app/server', `--listen=:8080`],
    ...(withEnv ? { env, rawEnv } : {}),
    specExtras: {
      ...(withProbe ? { ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] } : {}),
      resources: {
        limits: { cpu: '500m', memory: '256Mi' },
        requests: { cpu: '100m', memory: '128Mi' },
      },
      ...(kind === 'static'
        ? {
            volumeMounts: [
              { name: 'proxyconf', readOnly: true, mountPath: '/etc/kubernetes/proxy.conf' },
            ],
            livenessProbe: {
              httpGet: { path: '/livez', port: 10443, host: '127.0.0.1', scheme: 'HTTPS' },
              initialDelaySeconds: 10,
              timeoutSeconds: 15,
              periodSeconds: 10,
              successThreshold: 1,
              failureThreshold: 8,
            },
          }
        : { volumeMounts: [{ name: 'config', readOnly: true, mountPath: '/etc/app' }] }),
      ...(withProbe
        ? {
            readinessProbe: {
              httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' },
              timeoutSeconds: 1,
              periodSeconds: 10,
              successThreshold: 1,
              failureThreshold: 3,
            },
          }
        : {}),
    },
    ...(kind === 'job'
      ? {
          state: 'terminated' as const,
          startedAt: plusSeconds(created, 2),
          finishedAt: plusSeconds(created, 14),
        }
      : {
          state: 'running' as const,
          startedAt: appStart,
          restartCount: restarted ? 3 : 0,
          ...(restarted
            ? {
                lastTerminated: {
                  exitCode: 137,
                  reason: 'OOMKilled',
                  startedAt: plusSeconds(created, 1800),
                  finishedAt: plusSeconds(appStart, -12),
                },
              }
            : {}),
        }),
  };
  const containers: ContainerRunSpec[] = [main];
  if (i % 8 === 0 && kind !== 'job' && kind !== 'static') {
    containers.push({
      name: 'log-shipper',
      image: 'docker.io/fluent/fluent-bit:3.1.9',
      env: { FLUENT_ELASTICSEARCH_PASSWORD: `${SECRET_MARKER}-${i}-es-password` },
      specExtras: { resources: { requests: { cpu: '10m', memory: '32Mi' } } },
      state: 'running',
      startedAt: plusSeconds(created, 6),
    });
  }
  const initContainers: ContainerRunSpec[] =
    i % 6 === 0 && kind === 'deployment'
      ? [
          {
            name: 'migrate',
            image,
            command: ['/app/migrate', 'up'],
            state: 'terminated',
            startedAt: plusSeconds(created, 3),
            finishedAt: plusSeconds(created, 5),
          },
        ]
      : [];
  const labels: Record<string, string> = {
    app,
    ...(kind === 'deployment' ? { 'pod-template-hash': template } : {}),
    ...(kind === 'statefulset'
      ? {
          'apps.kubernetes.io/pod-index': String(i % 3),
          'statefulset.kubernetes.io/pod-name': name,
        }
      : {}),
    ...(kind === 'job' ? { 'batch.kubernetes.io/job-name': owner?.name ?? app } : {}),
    ...(kind === 'static' ? { component: `${app}-proxy`, tier: 'node' } : {}),
  };
  const annotations: Record<string, string> = {};
  if (kind === 'kubectl') {
    const manifestContainer = (c: ContainerRunSpec) => ({
      command: c.command,
      env: Object.entries(c.env ?? {}).map(([n, value]) => ({ name: n, value })),
      image: c.image,
      name: c.name,
    });
    const lastApplied = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { annotations: {}, labels, name, namespace },
      spec: { containers: containers.map(manifestContainer) },
    };
    annotations['kubectl.kubernetes.io/last-applied-configuration'] =
      `${JSON.stringify(lastApplied)}\n`;
  }
  return buildPod({
    name,
    ...(generateName !== undefined ? { generateName } : {}),
    namespace,
    labels,
    annotations,
    ...(owner !== undefined ? { owner } : {}),
    creationTimestamp: created,
    phase: kind === 'job' ? 'Succeeded' : 'Running',
    nodeName,
    ...(kind === 'job' ? { restartPolicy: 'Never' as const } : {}),
    ...(kind === 'static'
      ? {
          source: 'file' as const,
          hostNetwork: true,
          volumes: [
            {
              name: 'proxyconf',
              hostPath: { path: '/etc/kubernetes/proxy.conf', type: 'FileOrCreate' },
            },
          ],
        }
      : {
          volumes: [{ name: 'config', configMap: { name: `${app}-config`, defaultMode: 420 } }],
          serviceAccountName: app,
        }),
    initContainers,
    containers,
  });
}
