/**
 * The kubelet Pods API as the agent reads it, loaded at run time from
 * `proto/kubelet_pods_api_v1alpha1.proto` (shipped next to `dist/`, like the CRI's), and the shapes
 * of its decoded messages.
 *
 * Loader options: field names as in the `.proto` (`keepCase`), int64 as decimal strings, enums
 * as their names (an unknown number stays a number), no defaults filled in and `proto2` syntax, so
 * a field the kubelet did not write is absent from the object while one it wrote as `""` or `0`
 * is present: {@link podFromProto} needs that difference to mirror what the kubelet's JSON says.
 */
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Absolute path of the bundled `.proto` (same relative URL from `src/podsapi/` and `dist/podsapi/`). */
const PODS_API_PROTO_PATH = fileURLToPath(
  new URL('../../proto/kubelet_pods_api_v1alpha1.proto', import.meta.url),
);

/** API versions the agent knows, in the order it tries them. */
export const PODS_API_VERSIONS = ['v1alpha1', 'v1beta1'] as const;
export type PodsApiVersion = (typeof PODS_API_VERSIONS)[number];

const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  arrays: false,
  objects: false,
  oneofs: false,
};

/** `meta.v1.Time`: `seconds` is a decimal string (int64). An empty message is Go's zero time. */
export interface WireTime {
  seconds?: string;
  nanos?: number;
}

export interface WireObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  creationTimestamp?: WireTime;
  deletionTimestamp?: WireTime;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface WireEnvVarSource {
  fieldRef?: { fieldPath?: string };
  resourceFieldRef?: object;
  configMapKeyRef?: object;
  secretKeyRef?: object;
  fileKeyRef?: object;
}

export interface WireEnvVar {
  name?: string;
  value?: string;
  valueFrom?: WireEnvVarSource;
}

export interface WireContainer {
  name?: string;
  image?: string;
  env?: WireEnvVar[];
  restartPolicy?: string;
}

export interface WirePodSpec {
  containers?: WireContainer[];
  nodeName?: string;
  initContainers?: WireContainer[];
}

export interface WireContainerStateTerminated {
  exitCode?: number;
  signal?: number;
  reason?: string;
  startedAt?: WireTime;
  finishedAt?: WireTime;
  containerID?: string;
}

export interface WireContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: WireTime };
  terminated?: WireContainerStateTerminated;
}

export interface WireContainerStatus {
  name?: string;
  state?: WireContainerState;
  lastState?: WireContainerState;
  restartCount?: number;
  image?: string;
  imageID?: string;
  containerID?: string;
}

export interface WirePodCondition {
  type?: string;
  status?: string;
  lastTransitionTime?: WireTime;
}

export interface WirePodStatus {
  phase?: string;
  conditions?: WirePodCondition[];
  reason?: string;
  containerStatuses?: WireContainerStatus[];
  initContainerStatuses?: WireContainerStatus[];
}

/** `core.v1.Pod`, the declared fields only. */
export interface WirePod {
  metadata?: WireObjectMeta;
  spec?: WirePodSpec;
  status?: WirePodStatus;
}

/** `EventType` as decoded: its name, or the number when this `.proto` does not know it. */
export type WireEventType =
  | 'UNSPECIFIED'
  | 'ADDED'
  | 'MODIFIED'
  | 'DELETED'
  | 'INITIAL_SYNC_COMPLETE'
  | number;

export interface WireWatchPodsEvent {
  type?: WireEventType;
  pod?: Buffer;
}

export interface WireListPodsResponse {
  pods?: Buffer[];
}

export interface WireGetPodResponse {
  pod?: Buffer;
}

interface Loaded {
  readonly service: grpc.ServiceDefinition;
  readonly decodePod: (bytes: Buffer) => WirePod;
}

let cached: Loaded | undefined;

function load(): Loaded {
  if (cached) return cached;
  const definition = protoLoader.loadSync(PODS_API_PROTO_PATH, LOADER_OPTIONS);
  const service = definition['v1alpha1.Pods'] as grpc.ServiceDefinition | undefined;
  const codec = definition['v1alpha1.PodCodec'] as grpc.ServiceDefinition | undefined;
  const decode = codec?.Decode?.responseDeserialize;
  if (service === undefined || decode === undefined) {
    throw new Error(`v1alpha1.Pods not found in ${PODS_API_PROTO_PATH}`);
  }
  cached = { service, decodePod: decode as (bytes: Buffer) => WirePod };
  return cached;
}

/**
 * The `Pods` service definition for `version`: the methods of the `.proto` with their paths
 * under `/<version>.Pods/` (the beta serves the same messages under its own package).
 * Loaded once, synchronously; throws if the `.proto` is missing.
 */
export function podsApiService(version: PodsApiVersion): grpc.ServiceDefinition {
  const { service } = load();
  if (version === 'v1alpha1') return service;
  const renamed: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const [name, method] of Object.entries(service)) {
    renamed[name] = { ...method, path: `/${version}.Pods/${name}` };
  }
  return renamed;
}

/**
 * Decodes one pod's bytes (`WatchPodsEvent.pod`, an item of `ListPodsResponse.pods`). Throws on
 * bytes that are not a protobuf message of the declared shape (callers catch: see
 * `decodePodBytes`).
 */
export function decodeWirePod(bytes: Buffer): WirePod {
  return load().decodePod(bytes);
}
