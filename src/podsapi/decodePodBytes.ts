/**
 * One pod of the kubelet Pods API from its bytes (`WatchPodsEvent.pod`, an item of
 * `ListPodsResponse.pods`, `GetPodResponse.pod`) to a {@link KubeletPod}: protobuf decoding with
 * the agent's `.proto`, then {@link podFromProto}. Bytes that are not a `v1.Pod` message give
 * `{ ok: false }` like a pod without a uid does; this function never throws.
 */
import type { DecodeOptions } from '../core/decodePodList.js';
import { type PodFromProtoResult, podFromProto } from './podFromProto.js';
import { decodeWirePod } from './podsApiProto.js';

export function decodePodBytes(bytes: Uint8Array, options: DecodeOptions): PodFromProtoResult {
  let message: unknown;
  try {
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    message = decodeWirePod(buffer);
  } catch {
    // protobufjs's messages may quote decoded content: only the kind of failure is reported.
    return { ok: false, error: `pod: not a protobuf v1.Pod (${bytes.length} bytes)` };
  }
  return podFromProto(message, options);
}
