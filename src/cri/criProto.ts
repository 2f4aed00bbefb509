/**
 * The CRI `runtime.v1.RuntimeService` definition, loaded at runtime from
 * `proto/cri_runtime_v1.proto` (shipped next to `dist/`), and the shapes of its decoded messages.
 * Shared by {@link CriClient} and the fake CRI server of the tests, so both ends agree on the
 * loader options: int64 as decimal strings (nanosecond epochs exceed `Number.MAX_SAFE_INTEGER`),
 * enums as their names, camelCase field names, defaults filled in (unset messages are `null`).
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * Absolute path of the bundled `.proto`. The relative URL is the same from `src/cri/` and
 * `dist/cri/`.
 */
export const CRI_PROTO_PATH = fileURLToPath(
  new URL('../../proto/cri_runtime_v1.proto', import.meta.url),
);

/** Fully qualified gRPC service name. */
const CRI_RUNTIME_SERVICE = 'runtime.v1.RuntimeService';

/** proto-loader options used by both ends. */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: false,
};

/** CRI container state names as decoded (`enums: String`). */
export type WireContainerState =
  | 'CONTAINER_CREATED'
  | 'CONTAINER_RUNNING'
  | 'CONTAINER_EXITED'
  | 'CONTAINER_UNKNOWN';

/** CRI pod sandbox state names as decoded. */
export type WirePodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

/** `runtime.v1.ContainerStatus`, the declared fields; int64 values are decimal strings. */
export interface WireContainerStatus {
  id: string;
  metadata: { name: string; attempt: number } | null;
  state: WireContainerState;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  image: { image: string } | null;
  imageRef: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** `runtime.v1.ContainerStatusRequest`. */
export interface WireContainerStatusRequest {
  containerId: string;
  verbose: boolean;
}

/** `runtime.v1.ContainerStatusResponse`. */
export interface WireContainerStatusResponse {
  status: WireContainerStatus | null;
  info: Record<string, string>;
}

/** `runtime.v1.PodSandbox`; `createdAt` is a decimal string of nanoseconds. */
export interface WirePodSandbox {
  id: string;
  metadata: { name: string; uid: string; namespace: string; attempt: number } | null;
  state: WirePodSandboxState;
  createdAt: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtimeHandler: string;
}

/** `runtime.v1.ListPodSandboxRequest`. */
export interface WireListPodSandboxRequest {
  filter: {
    id: string;
    state: { state: WirePodSandboxState } | null;
    labelSelector: Record<string, string>;
  } | null;
}

/** `runtime.v1.ListPodSandboxResponse`. */
export interface WireListPodSandboxResponse {
  items: WirePodSandbox[];
}

let cached: grpc.ServiceClientConstructor | undefined;

/**
 * The generated client constructor of `runtime.v1.RuntimeService` (its `.service` is the service
 * definition a server implements). Loaded once, synchronously; throws if the `.proto` is missing.
 */
export function criRuntimeService(): grpc.ServiceClientConstructor {
  if (cached) return cached;
  const definition = protoLoader.loadSync(CRI_PROTO_PATH, LOADER_OPTIONS);
  const root = grpc.loadPackageDefinition(definition);
  const ctor = (root.runtime as grpc.GrpcObject | undefined)?.v1 as grpc.GrpcObject | undefined;
  const service = ctor?.RuntimeService;
  if (typeof service !== 'function') {
    throw new Error(`${CRI_RUNTIME_SERVICE} not found in ${CRI_PROTO_PATH}`);
  }
  cached = service as grpc.ServiceClientConstructor;
  return cached;
}
