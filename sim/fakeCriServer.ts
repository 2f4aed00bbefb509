/**
 * A fake container runtime for tests, demos and benchmarks: a real grpc-js server on a unix socket
 * serving CRI `runtime.v1.RuntimeService/ContainerStatus` and `ListPodSandbox` from in-memory data,
 * decoded and encoded with the agent's own `proto/cri_runtime_v1.proto`.
 *
 * Plain module (no test-framework imports). Like containerd, it answers NOT_FOUND for an unknown
 * container and labels each sandbox with `io.kubernetes.pod.{uid,name,namespace}`. Faults are
 * one-off and queued: `failNext`, `delayNext`; `pause`/`resume` hold calls for concurrency checks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  criRuntimeService,
  type WireContainerStatus,
  type WireContainerStatusRequest,
  type WireContainerStatusResponse,
  type WireListPodSandboxRequest,
  type WireListPodSandboxResponse,
  type WirePodSandbox,
} from '../src/cri/criProto.js';

/** A container the fake runtime knows. Times are nanoseconds since the epoch. */
export interface FakeContainer {
  id: string;
  /** @default 'container' */
  name?: string;
  /** @default 0 */
  attempt?: number;
  state: 'created' | 'running' | 'exited' | 'unknown';
  createdAtNs: bigint;
  /** @default 0n (not started) */
  startedAtNs?: bigint;
  /** @default 0n (not finished) */
  finishedAtNs?: bigint;
  /** @default 0 */
  exitCode?: number;
  /** @default '' */
  reason?: string;
  /** @default '' */
  image?: string;
}

/** A pod sandbox the fake runtime knows. */
export interface FakeSandbox {
  id: string;
  podUid: string;
  /** @default 'pod' */
  name?: string;
  /** @default 'default' */
  namespace?: string;
  createdAtNs: bigint;
  /** @default true */
  ready?: boolean;
  /** @default 0 */
  attempt?: number;
}

export interface FakeCriServer {
  /** `unix:///…/cri.sock`: what the agent's CRI endpoint setting takes. */
  readonly endpoint: string;
  readonly socketPath: string;
  /** Adds or replaces (by id) a container. */
  setContainer(c: FakeContainer): void;
  /** Forgets a container: later ContainerStatus calls answer NOT_FOUND. */
  removeContainer(id: string): void;
  /** Adds or replaces (by id) a sandbox. */
  setSandbox(s: FakeSandbox): void;
  /** Forgets a sandbox. */
  removeSandbox(id: string): void;
  /** The next `times` calls (any method; default 1) answer this gRPC status code. */
  failNext(code: number, times?: number): void;
  /** The next `times` calls (default 1) are answered after `ms` milliseconds. */
  delayNext(ms: number, times?: number): void;
  /** Holds every call from now on (after recording it) until {@link resume}. */
  pause(): void;
  /** Releases held calls and stops holding new ones. */
  resume(): void;
  /** Every call received, in arrival order (`id`: the container id or the pod UID filter). */
  readonly calls: { method: string; id?: string }[];
  /** Calls received and not yet answered. */
  readonly inFlight: number;
  /** Highest `inFlight` seen. */
  readonly maxInFlight: number;
  /** Stops the server (pending calls are cancelled) and removes the socket (and its temp dir). */
  close(): Promise<void>;
}

const STATES: Record<FakeContainer['state'], WireContainerStatus['state']> = {
  created: 'CONTAINER_CREATED',
  running: 'CONTAINER_RUNNING',
  exited: 'CONTAINER_EXITED',
  unknown: 'CONTAINER_UNKNOWN',
};

/**
 * Starts the fake runtime on `socketPath` (default: `cri.sock` in a new temp directory, removed on
 * close). Fails if the path is already bound.
 */
export async function startFakeCriServer(
  options: { socketPath?: string } = {},
): Promise<FakeCriServer> {
  const ownDir = options.socketPath === undefined ? mkdtempSync(join(tmpdir(), 'cri-')) : undefined;
  const socketPath = options.socketPath ?? join(ownDir as string, 'cri.sock');
  const containers = new Map<string, FakeContainer>();
  const sandboxes = new Map<string, FakeSandbox>();
  const failures: number[] = [];
  const delays: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let held: (() => void)[] | undefined;
  const calls: { method: string; id?: string }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  /** Records the call, applies hold/delay/failure, then answers with `answer()`. */
  function handle<Res>(
    method: string,
    id: string,
    callback: grpc.sendUnaryData<Res>,
    answer: () => Res | grpc.ServiceError,
  ): void {
    calls.push({ method, id });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const failure = failures.shift();
    const delay = delays.shift();
    const respond = (): void => {
      inFlight--;
      if (failure !== undefined) {
        callback(serviceError(failure, `injected failure (${grpc.status[failure] ?? failure})`));
        return;
      }
      const result = answer();
      if (result instanceof Error) callback(result);
      else callback(null, result);
    };
    const afterDelay = (): void => {
      if (delay === undefined || delay <= 0) {
        respond();
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond();
      }, delay);
      timers.add(timer);
    };
    if (held) held.push(afterDelay);
    else afterDelay();
  }

  const server = new grpc.Server();
  server.addService(criRuntimeService().service, {
    ContainerStatus(
      call: grpc.ServerUnaryCall<WireContainerStatusRequest, WireContainerStatusResponse>,
      callback: grpc.sendUnaryData<WireContainerStatusResponse>,
    ) {
      const id = call.request.containerId;
      handle('ContainerStatus', id, callback, () => {
        const c = containers.get(id);
        if (!c)
          return serviceError(
            grpc.status.NOT_FOUND,
            `an error occurred when try to find container "${id}": not found`,
          );
        return { status: toWireStatus(c), info: {} };
      });
    },
    ListPodSandbox(
      call: grpc.ServerUnaryCall<WireListPodSandboxRequest, WireListPodSandboxResponse>,
      callback: grpc.sendUnaryData<WireListPodSandboxResponse>,
    ) {
      const filter = call.request.filter;
      const selector = filter?.labelSelector ?? {};
      handle('ListPodSandbox', selector['io.kubernetes.pod.uid'] ?? '', callback, () => {
        const items = [...sandboxes.values()].map(toWireSandbox).filter((s) => {
          if (filter?.id && s.id !== filter.id) return false;
          if (filter?.state && s.state !== filter.state.state) return false;
          return Object.entries(selector).every(([k, v]) => s.labels[k] === v);
        });
        return { items };
      });
    },
  } satisfies grpc.UntypedServiceImplementation);

  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${socketPath}`, grpc.ServerCredentials.createInsecure(), (error) =>
      error ? reject(error) : resolve(),
    );
  }).catch((error: unknown) => {
    server.forceShutdown();
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    throw error;
  });

  let closed: Promise<void> | undefined;
  return {
    endpoint: `unix://${socketPath}`,
    socketPath,
    setContainer(c) {
      containers.set(c.id, { ...c });
    },
    removeContainer(id) {
      containers.delete(id);
    },
    setSandbox(s) {
      sandboxes.set(s.id, { ...s });
    },
    removeSandbox(id) {
      sandboxes.delete(id);
    },
    failNext(code, times = 1) {
      for (let i = 0; i < times; i++) failures.push(code);
    },
    delayNext(ms, times = 1) {
      for (let i = 0; i < times; i++) delays.push(ms);
    },
    pause() {
      held ??= [];
    },
    resume() {
      const release = held ?? [];
      held = undefined;
      for (const go of release) go();
    },
    calls,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    close() {
      closed ??= (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        held = undefined;
        server.forceShutdown();
        rmSync(socketPath, { force: true });
        if (ownDir) rmSync(ownDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}

function serviceError(code: number, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), {
    code,
    details,
    metadata: new grpc.Metadata(),
  });
}

function toWireStatus(c: FakeContainer): WireContainerStatus {
  return {
    id: c.id,
    metadata: { name: c.name ?? 'container', attempt: c.attempt ?? 0 },
    state: STATES[c.state],
    createdAt: c.createdAtNs.toString(),
    startedAt: (c.startedAtNs ?? 0n).toString(),
    finishedAt: (c.finishedAtNs ?? 0n).toString(),
    exitCode: c.exitCode ?? 0,
    image: { image: c.image ?? '' },
    imageRef: c.image ?? '',
    reason: c.reason ?? '',
    message: '',
    labels: { 'io.kubernetes.container.name': c.name ?? 'container' },
    annotations: {},
  };
}

function toWireSandbox(s: FakeSandbox): WirePodSandbox {
  const name = s.name ?? 'pod';
  const namespace = s.namespace ?? 'default';
  return {
    id: s.id,
    metadata: { name, uid: s.podUid, namespace, attempt: s.attempt ?? 0 },
    state: s.ready === false ? 'SANDBOX_NOTREADY' : 'SANDBOX_READY',
    createdAt: s.createdAtNs.toString(),
    labels: {
      'io.kubernetes.pod.uid': s.podUid,
      'io.kubernetes.pod.name': name,
      'io.kubernetes.pod.namespace': namespace,
    },
    annotations: {},
    runtimeHandler: '',
  };
}
