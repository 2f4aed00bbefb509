/**
 * A client of the kubelet Pods API (KEP-4188) on its unix socket: `watch()` as an async iterator
 * of events, `listPods()`, `getPod(uid)`. Each pod arrives as bytes and is decoded on its own
 * (`decodePodBytes`), so a pod that does not decode is a `{ ok: false }` result in its event or
 * list, never a failed call.
 *
 * Versions: calls go to `/v1alpha1.Pods/…` first; a call answered `UNIMPLEMENTED` is retried on
 * `/v1beta1.Pods/…`; the version that answered is tried first from then on (`version`). When every
 * version answers `UNIMPLEMENTED`, the last error is thrown. Other gRPC errors
 * (`FAILED_PRECONDITION` while the kubelet initializes, `RESOURCE_EXHAUSTED`, `UNAVAILABLE`, a
 * dropped stream) are thrown as they are (`grpc.ServiceError`, with its `code`): reconnecting is
 * the caller's business.
 */
import * as grpc from '@grpc/grpc-js';
import type { DecodeOptions } from '../core/decodePodList.js';
import { decodePodBytes } from './decodePodBytes.js';
import type { PodFromProtoResult } from './podFromProto.js';
import {
  PODS_API_VERSIONS,
  type PodsApiVersion,
  podsApiService,
  type WireGetPodResponse,
  type WireListPodsResponse,
  type WireWatchPodsEvent,
} from './podsApiProto.js';

/** grpc-js's default receive limit. */
const GRPC_DEFAULT_MAX_RECEIVE_BYTES = 4 * 1024 * 1024;

export interface PodsApiClientOptions {
  /** gRPC target of the kubelet's socket, e.g. `unix:///var/lib/kubelet/pods-api/pods-api.sock`. */
  readonly target: string;
  /** What each decoded pod keeps (the env names of `decodePodList`). */
  readonly decode: DecodeOptions;
  /**
   * Largest message accepted (`grpc.max_receive_message_length`): a pod list or a pod larger
   * than this fails the call with `RESOURCE_EXHAUSTED`.
   * @default 4194304 (grpc-js's own default, 4 MiB)
   */
  readonly maxReceiveMessageBytes?: number;
  /** API versions tried, in order. @default ['v1alpha1', 'v1beta1'] */
  readonly versions?: readonly PodsApiVersion[];
}

/** Event types; `UNKNOWN` for `UNSPECIFIED` or a number this agent does not know. */
export type PodsApiEventType =
  | 'ADDED'
  | 'MODIFIED'
  | 'DELETED'
  | 'INITIAL_SYNC_COMPLETE'
  | 'UNKNOWN';

export interface PodsApiEvent {
  readonly type: PodsApiEventType;
  /** The type as received (its name, or its number when unknown). */
  readonly wireType: string | number;
  /**
   * The event's pod, decoded; absent on `INITIAL_SYNC_COMPLETE` and `UNKNOWN` events without a
   * pod. A DELETED pod carries only name, namespace and uid (its lists are empty).
   */
  readonly pod?: PodFromProtoResult;
}

const KNOWN_TYPES: ReadonlySet<string> = new Set([
  'ADDED',
  'MODIFIED',
  'DELETED',
  'INITIAL_SYNC_COMPLETE',
]);

function isUnimplemented(error: unknown): boolean {
  return (error as Partial<grpc.ServiceError> | null)?.code === grpc.status.UNIMPLEMENTED;
}

export class PodsApiClient {
  readonly #client: grpc.Client;
  readonly #decode: DecodeOptions;
  readonly #versions: readonly PodsApiVersion[];
  #answered: PodsApiVersion | undefined;

  constructor(options: PodsApiClientOptions) {
    this.#client = new grpc.Client(options.target, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length':
        options.maxReceiveMessageBytes ?? GRPC_DEFAULT_MAX_RECEIVE_BYTES,
    });
    this.#decode = options.decode;
    this.#versions = options.versions ?? PODS_API_VERSIONS;
  }

  /** The version that last answered a call, once one has. */
  get version(): PodsApiVersion | undefined {
    return this.#answered;
  }

  #candidates(): PodsApiVersion[] {
    const answered = this.#answered;
    if (answered === undefined) return [...this.#versions];
    return [answered, ...this.#versions.filter((v) => v !== answered)];
  }

  #toEvent(message: WireWatchPodsEvent): PodsApiEvent {
    const wireType = message.type ?? 'UNSPECIFIED';
    const type =
      typeof wireType === 'string' && KNOWN_TYPES.has(wireType)
        ? (wireType as PodsApiEventType)
        : 'UNKNOWN';
    const carriesPod = type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED';
    if (message.pod === undefined && !carriesPod) return { type, wireType };
    return { type, wireType, pod: decodePodBytes(message.pod ?? Buffer.alloc(0), this.#decode) };
  }

  /**
   * `WatchPods`: the kubelet's initial ADDED events, `INITIAL_SYNC_COMPLETE`, then changes, until
   * the stream ends (the iterator finishes) or fails (it throws the gRPC error). Leaving the loop
   * cancels the call; so does `signal` (the iterator then throws `CANCELLED`), even while it
   * waits for the next event.
   */
  async *watch(signal?: AbortSignal): AsyncGenerator<PodsApiEvent, void, undefined> {
    const versions = this.#candidates();
    for (let i = 0; i < versions.length; i++) {
      const version = versions[i] as PodsApiVersion;
      const method = podsApiService(version).WatchPods;
      if (method === undefined) throw new Error('WatchPods missing from the Pods API proto');
      const call = this.#client.makeServerStreamRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize as (bytes: Buffer) => WireWatchPodsEvent,
        {},
      );
      // The iterator reports errors; this keeps a late CANCELLED from being an unhandled 'error'.
      call.on('error', () => {});
      const cancel = () => call.cancel();
      if (signal?.aborted) call.cancel();
      signal?.addEventListener('abort', cancel, { once: true });
      let answered = false;
      try {
        for await (const message of call as AsyncIterable<WireWatchPodsEvent>) {
          if (!answered) {
            answered = true;
            this.#answered = version;
          }
          yield this.#toEvent(message);
        }
        this.#answered = version;
        return;
      } catch (error) {
        if (!answered && isUnimplemented(error) && i < versions.length - 1) continue;
        throw error;
      } finally {
        signal?.removeEventListener('abort', cancel);
        call.cancel();
      }
    }
  }

  async #unary<Res>(name: 'ListPods' | 'GetPod', request: object): Promise<Res> {
    const versions = this.#candidates();
    let lastError: unknown;
    for (const version of versions) {
      const method = podsApiService(version)[name];
      if (method === undefined) throw new Error(`${name} missing from the Pods API proto`);
      try {
        const response = await new Promise<Res>((resolve, reject) => {
          this.#client.makeUnaryRequest(
            method.path,
            method.requestSerialize,
            method.responseDeserialize as (bytes: Buffer) => Res,
            request,
            (error, value) => (error ? reject(error) : resolve(value as Res)),
          );
        });
        this.#answered = version;
        return response;
      } catch (error) {
        if (!isUnimplemented(error)) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  /** `ListPods`: every pod the kubelet manages, each decoded on its own. */
  async listPods(): Promise<PodFromProtoResult[]> {
    const response = await this.#unary<WireListPodsResponse>('ListPods', {});
    return (response.pods ?? []).map((bytes) => decodePodBytes(bytes, this.#decode));
  }

  /** `GetPod`: one pod by uid (`NOT_FOUND` is thrown as a gRPC error). */
  async getPod(uid: string): Promise<PodFromProtoResult> {
    const response = await this.#unary<WireGetPodResponse>('GetPod', { podUID: uid });
    return decodePodBytes(response.pod ?? Buffer.alloc(0), this.#decode);
  }

  /** Closes the channel; open calls end with `CANCELLED`. */
  close(): void {
    this.#client.close();
  }
}
