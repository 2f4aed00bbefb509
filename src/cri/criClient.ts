/**
 * The only module that talks to the container runtime: CRI `runtime.v1.RuntimeService` over the
 * runtime's unix socket (containerd, CRI-O), for the nanosecond container and sandbox times the
 * kubelet rounds to seconds. Read-only calls (`ContainerStatus`, `ListPodSandbox`), bounded in
 * number by a queue, each with a deadline; every failure becomes a {@link CriError} with a `kind`.
 */
import * as grpc from '@grpc/grpc-js';
import PQueue from 'p-queue';
import { type Time, timeFromNanos } from '../core/time.js';
import { parseCriEndpoint } from './criEndpoint.js';
import {
  criRuntimeService,
  type WireContainerState,
  type WireContainerStatus,
  type WireContainerStatusRequest,
  type WireContainerStatusResponse,
  type WireListPodSandboxRequest,
  type WireListPodSandboxResponse,
  type WirePodSandbox,
} from './criProto.js';

export { parseCriEndpoint } from './criEndpoint.js';

/** A container as the runtime reports it; times exact to the nanosecond. */
export interface CriContainerStatus {
  /** Runtime container id (without the `containerd://` scheme). */
  readonly id: string;
  readonly state: 'created' | 'running' | 'exited' | 'unknown';
  /** Undefined when the runtime sent 0 (not set). */
  readonly createdAt?: Time;
  /** Undefined when the runtime sent 0 (not started). */
  readonly startedAt?: Time;
  /** Undefined when the runtime sent 0 (not finished). */
  readonly finishedAt?: Time;
  /** Meaningful once `finishedAt` is set. */
  readonly exitCode: number;
  /** CamelCase reason, e.g. `OOMKilled`, `Completed`, `Error`; '' when none. */
  readonly reason: string;
  /** `metadata.attempt` (the restart count at creation); undefined without metadata. */
  readonly attempt?: number;
}

/** A pod sandbox (the pod's network/IPC namespace holder) as the runtime reports it. */
export interface CriSandbox {
  readonly id: string;
  /** Undefined when the runtime sent 0. */
  readonly createdAt?: Time;
  /** State `SANDBOX_READY`. */
  readonly ready: boolean;
  /** `metadata.attempt`; undefined without metadata. */
  readonly attempt?: number;
}

/**
 * Why a CRI call failed: `unavailable` (socket missing, refused, runtime down: gRPC UNAVAILABLE),
 * `timeout` (the per-call deadline passed: DEADLINE_EXCEEDED), `notFound` (gRPC NOT_FOUND where
 * absence is an error; `containerStatus` and `podSandbox` resolve undefined instead, so they never
 * reject with it), `error` (anything else, e.g. PERMISSION_DENIED, UNIMPLEMENTED, a malformed answer).
 */
export type CriErrorKind = 'unavailable' | 'timeout' | 'notFound' | 'error';

/** A failed CRI call. */
export class CriError extends Error {
  readonly kind: CriErrorKind;
  /** gRPC status code, when the failure came from gRPC. */
  readonly code?: number;

  constructor(
    kind: CriErrorKind,
    message: string,
    details: { code?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'CriError';
    this.kind = kind;
    if (details.code !== undefined) this.code = details.code;
  }
}

export interface CriClientOptions {
  /** `unix:///run/containerd/containerd.sock`; a bare absolute path is accepted too. */
  readonly endpoint: string;
  /** Deadline of each call, from when it leaves the queue (ms). @default 2000 */
  readonly timeoutMs?: number;
  /** Calls in flight at once; further calls wait in a queue. @default 4 */
  readonly concurrency?: number;
}

/** Counters since construction. */
export interface CriClientStats {
  /** Calls sent to the runtime. */
  readonly calls: number;
  /** Calls that failed, timeouts included (NOT_FOUND answers are not errors). */
  readonly errors: number;
  /** Calls that failed on their deadline (also counted in `errors`). */
  readonly timeouts: number;
  /** NOT_FOUND answers (containers the runtime no longer knows). */
  readonly notFound: number;
}

/** @default 2000 ms */
const DEFAULT_TIMEOUT_MS = 2000;
/** @default 4 */
const DEFAULT_CONCURRENCY = 4;
/** Pod sandboxes carry the pod UID under this label (containerd, CRI-O). */
const POD_UID_LABEL = 'io.kubernetes.pod.uid';

const CONTAINER_STATES: Record<WireContainerState, CriContainerStatus['state']> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
  CONTAINER_UNKNOWN: 'unknown',
};

type Unary<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: Res) => void,
) => grpc.ClientUnaryCall;

interface RuntimeServiceClient extends grpc.Client {
  ContainerStatus: Unary<Partial<WireContainerStatusRequest>, WireContainerStatusResponse>;
  ListPodSandbox: Unary<Partial<WireListPodSandboxRequest>, WireListPodSandboxResponse>;
}

/**
 * Client of the runtime's CRI socket. Connects lazily on the first call and reconnects on its
 * own after the runtime restarts. Calls never wait for a connection (`waitForReady: false`): a
 * missing socket or a runtime that is down fails at once with kind `unavailable`. Returned promises
 * reject only with {@link CriError}.
 */
export class CriClient {
  readonly #client: RuntimeServiceClient;
  readonly #queue: PQueue;
  readonly #timeoutMs: number;
  readonly #socketPath: string;
  #closed = false;
  #calls = 0;
  #errors = 0;
  #timeouts = 0;
  #notFound = 0;

  /** Throws a `TypeError` when the endpoint is invalid (see {@link parseCriEndpoint}). */
  constructor(options: CriClientOptions) {
    const endpoint = parseCriEndpoint(options.endpoint);
    if (!endpoint.ok) throw new TypeError(endpoint.error);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new TypeError(`CRI timeoutMs must be a positive number, got ${timeoutMs}`);
    }
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`CRI concurrency must be a positive integer, got ${concurrency}`);
    }
    this.#timeoutMs = timeoutMs;
    this.#socketPath = endpoint.socketPath;
    this.#queue = new PQueue({ concurrency });
    const Service = criRuntimeService();
    this.#client = new Service(endpoint.target, grpc.credentials.createInsecure(), {
      // The runtime restarts in seconds: do not back off for grpc-js's default two minutes.
      'grpc.initial_reconnect_backoff_ms': 500,
      'grpc.max_reconnect_backoff_ms': 5000,
      'grpc.enable_retries': 0,
    }) as unknown as RuntimeServiceClient;
  }

  /** Counters since construction (a snapshot). */
  get stats(): CriClientStats {
    return {
      calls: this.#calls,
      errors: this.#errors,
      timeouts: this.#timeouts,
      notFound: this.#notFound,
    };
  }

  /**
   * `ContainerStatus` of a container. Accepts the pod status form `containerd://<id>` (any scheme
   * is stripped) or a bare id. Resolves undefined when the runtime no longer knows the container
   * (NOT_FOUND: removed) and, without calling, for an empty id.
   */
  async containerStatus(containerId: string): Promise<CriContainerStatus | undefined> {
    const id = stripScheme(containerId);
    if (id === '') return undefined;
    const response = await this.#call<WireContainerStatusResponse>('ContainerStatus', (m, o, cb) =>
      this.#client.ContainerStatus({ containerId: id, verbose: false }, m, o, cb),
    );
    if (response === undefined) return undefined;
    const status = response.status;
    if (!status) {
      this.#errors++;
      throw new CriError(
        'error',
        `CRI ContainerStatus ${id}: the runtime answered without a status`,
      );
    }
    return toContainerStatus(status);
  }

  /**
   * The sandbox of a pod: `ListPodSandbox` filtered by the label `io.kubernetes.pod.uid`. When the
   * sandbox was recreated (several match), the earliest created; undefined when none.
   */
  async podSandbox(podUid: string): Promise<CriSandbox | undefined> {
    if (podUid === '') return undefined;
    const response = await this.#call<WireListPodSandboxResponse>('ListPodSandbox', (m, o, cb) =>
      this.#client.ListPodSandbox(
        { filter: { id: '', state: null, labelSelector: { [POD_UID_LABEL]: podUid } } },
        m,
        o,
        cb,
      ),
    );
    let earliest: { sandbox: WirePodSandbox; createdNs: bigint | undefined } | undefined;
    for (const sandbox of response?.items ?? []) {
      // Guard against a runtime that ignores the label selector.
      const uid = sandbox.labels[POD_UID_LABEL] ?? sandbox.metadata?.uid;
      if (uid !== podUid) continue;
      const createdNs = nanos(sandbox.createdAt);
      if (earliest === undefined || isEarlier(createdNs, earliest.createdNs)) {
        earliest = { sandbox, createdNs };
      }
    }
    if (earliest === undefined) return undefined;
    const { sandbox, createdNs } = earliest;
    return {
      id: sandbox.id,
      ...(createdNs !== undefined && { createdAt: timeFromNanos(createdNs) }),
      ready: sandbox.state === 'SANDBOX_READY',
      ...(sandbox.metadata && { attempt: sandbox.metadata.attempt }),
    };
  }

  /**
   * Closes the channel. Calls still queued, and later calls, reject with kind `unavailable`;
   * calls in flight finish or fail on their own. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.close();
  }

  /**
   * Runs one unary call through the queue with a deadline. Resolves undefined on NOT_FOUND, rejects
   * with a CriError otherwise.
   */
  #call<Res>(
    method: string,
    invoke: (
      metadata: grpc.Metadata,
      options: grpc.CallOptions,
      callback: (error: grpc.ServiceError | null, response?: Res) => void,
    ) => void,
  ): Promise<Res | undefined> {
    return this.#queue.add(
      () =>
        new Promise<Res | undefined>((resolve, reject) => {
          if (this.#closed) {
            reject(new CriError('unavailable', `CRI ${method}: client closed`));
            return;
          }
          this.#calls++;
          // Fail at once rather than queue while the channel cannot connect.
          const metadata = new grpc.Metadata({ waitForReady: false });
          const options: grpc.CallOptions = { deadline: Date.now() + this.#timeoutMs };
          try {
            invoke(metadata, options, (error, response) => {
              if (!error) {
                if (response === undefined) {
                  this.#errors++;
                  reject(new CriError('error', `CRI ${method}: empty response`));
                } else {
                  resolve(response);
                }
                return;
              }
              if (error.code === grpc.status.NOT_FOUND) {
                this.#notFound++;
                resolve(undefined);
                return;
              }
              reject(this.#toCriError(method, error));
            });
          } catch (cause) {
            // grpc-js throws synchronously only on a closed channel or a serialization failure.
            this.#errors++;
            reject(new CriError('error', `CRI ${method}: ${String(cause)}`, { cause }));
          }
        }),
    );
  }

  #toCriError(method: string, error: grpc.ServiceError): CriError {
    this.#errors++;
    const details = { code: error.code, cause: error };
    switch (error.code) {
      case grpc.status.DEADLINE_EXCEEDED:
        this.#timeouts++;
        return new CriError(
          'timeout',
          `CRI ${method}: no answer within ${this.#timeoutMs} ms from ${this.#socketPath}`,
          details,
        );
      case grpc.status.UNAVAILABLE:
        return new CriError(
          'unavailable',
          `CRI ${method}: runtime unavailable at ${this.#socketPath} (is the socket mounted and ` +
            `the runtime running?): ${error.details}`,
          details,
        );
      case grpc.status.NOT_FOUND:
        return new CriError('notFound', `CRI ${method}: ${error.details}`, details);
      default:
        return new CriError(
          'error',
          `CRI ${method}: ${grpc.status[error.code] ?? error.code}: ${error.details}`,
          details,
        );
    }
  }
}

/** `containerd://abc` → `abc`; a bare id is returned unchanged. */
function stripScheme(containerId: string): string {
  const at = containerId.indexOf('://');
  return (at >= 0 ? containerId.slice(at + 3) : containerId).trim();
}

/** An int64 decimal string → nanoseconds; 0, negative or malformed → undefined (not set). */
function nanos(value: string): bigint | undefined {
  let ns: bigint;
  try {
    ns = BigInt(value);
  } catch {
    return undefined;
  }
  return ns > 0n ? ns : undefined;
}

/** Unset times sort after every set time. */
function isEarlier(a: bigint | undefined, b: bigint | undefined): boolean {
  if (a === undefined) return false;
  return b === undefined || a < b;
}

function toTime(value: string): Time | undefined {
  const ns = nanos(value);
  return ns === undefined ? undefined : timeFromNanos(ns);
}

function toContainerStatus(status: WireContainerStatus): CriContainerStatus {
  const createdAt = toTime(status.createdAt);
  const startedAt = toTime(status.startedAt);
  const finishedAt = toTime(status.finishedAt);
  return {
    id: status.id,
    state: CONTAINER_STATES[status.state] ?? 'unknown',
    ...(createdAt && { createdAt }),
    ...(startedAt && { startedAt }),
    ...(finishedAt && { finishedAt }),
    exitCode: status.exitCode,
    reason: status.reason,
    ...(status.metadata && { attempt: status.metadata.attempt }),
  };
}
