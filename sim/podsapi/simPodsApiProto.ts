/**
 * The simulator's Pods API definitions, loaded from its own `pods_api_sim.proto` and
 * `k8s_core_v1_sim.proto` (not the agent's `.proto`): the `Pods` service a simulated kubelet
 * serves, under `/v1alpha1.Pods/` or `/v1beta1.Pods/`, and the encoder of one pod message.
 *
 * Plain module (no test-framework imports).
 */
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_DIR = fileURLToPath(new URL('.', import.meta.url));

/** API versions the simulated kubelet can serve. */
export type SimPodsApiVersion = 'v1alpha1' | 'v1beta1';

/** `WatchPodsEvent.type` names (the sim's enum; numbers 1 to 4). */
export type SimEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'INITIAL_SYNC_COMPLETE';

interface Loaded {
  readonly service: grpc.ServiceDefinition;
  readonly encode: (message: object) => Buffer;
}

let cached: Loaded | undefined;

function load(): Loaded {
  if (cached) return cached;
  const definition = protoLoader.loadSync('pods_api_sim.proto', {
    includeDirs: [PROTO_DIR],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
  });
  const service = definition['v1alpha1.Pods'] as grpc.ServiceDefinition | undefined;
  const encoder = definition['v1alpha1.PodEncoder'] as grpc.ServiceDefinition | undefined;
  const encode = encoder?.Encode?.requestSerialize;
  if (service === undefined || encode === undefined) {
    throw new Error(`v1alpha1.Pods not found in ${PROTO_DIR}pods_api_sim.proto`);
  }
  cached = { service, encode: encode as (message: object) => Buffer };
  return cached;
}

/** The `Pods` service definition with its method paths under `/<version>.Pods/`. */
export function simPodsService(version: SimPodsApiVersion): grpc.ServiceDefinition {
  const { service } = load();
  const out: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const [name, method] of Object.entries(service)) {
    out[name] = { ...method, path: `/${version}.Pods/${name}` };
  }
  return out;
}

/** The protobuf bytes of one `v1.Pod` message object (as `podToProtoMessage` builds it). */
export function encodePodMessage(message: object): Buffer {
  return load().encode(message);
}
