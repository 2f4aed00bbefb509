/**
 * A simulated kubelet Pods API (KEP-4188) on a unix socket, serving `ListPods`, `GetPod` and
 * `WatchPods` from a list of raw pods (the JSON the simulated `/pods` serves), encoded with the
 * simulator's own `.proto` the way the kubelet's Go code encodes them.
 *
 * Behaviour, as the real kubelet's (`kubelet-and-cri.md`, "The kubelet Pods API"):
 * - a new watch gets ADDED for every current pod sorted by uid, then one INITIAL_SYNC_COMPLETE
 *   without a pod, then ADDED/MODIFIED/DELETED as {@link PodsApiServer.setPods} changes the list;
 *   DELETED carries only name, namespace and uid;
 * - while `initializing` every call answers FAILED_PRECONDITION ("Kubelet is initializing");
 * - while `rateLimited`, ListPods and GetPod answer RESOURCE_EXHAUSTED (WatchPods is not limited);
 * - versions not in `versions` are not registered, so their calls answer UNIMPLEMENTED (e.g.
 *   `['v1beta1']`: a kubelet that moved to the beta; `[]`: the feature gate off);
 * - `dropWatches()` ends every open watch with an error status (the kubelet drops a slow
 *   consumer with RESOURCE_EXHAUSTED; a restarting kubelet's streams end UNAVAILABLE);
 * - while `muted`, open watches are sent nothing (a hung stream: the list changes, the stream
 *   stays silent; ListPods still answers with the current list);
 * - `sendModified(pod)` sends a MODIFIED for a pod as given, without changing the list (e.g. an
 *   older status, which the real kubelet can send); `sendRaw` sends arbitrary pod bytes.
 *
 * Plain module (no test-framework imports).
 */
import { rmSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { RawObject } from '../podBuilder.js';
import { deletedPodMessage, podToProtoMessage } from './podToProtoMessage.js';
import {
  encodePodMessage,
  type SimEventType,
  type SimPodsApiVersion,
  simPodsService,
} from './simPodsApiProto.js';

export interface PodsApiServerOptions {
  /** Absolute path of the unix socket (a stale file there is removed). */
  readonly socketPath: string;
  /** @default [] */
  readonly pods?: readonly RawObject[];
  /** Versions served; the others answer UNIMPLEMENTED. @default ['v1alpha1'] */
  readonly versions?: readonly SimPodsApiVersion[];
  /** Start answering FAILED_PRECONDITION. @default false */
  readonly initializing?: boolean;
}

/** Calls received, per method (including refused ones). */
export interface PodsApiCallCounts {
  watchPods: number;
  listPods: number;
  getPod: number;
}

interface StoredPod {
  readonly raw: RawObject;
  readonly json: string;
}

interface WatchEventMessage {
  type: SimEventType | number;
  pod?: Buffer;
}

function uidOf(pod: RawObject): string {
  const metadata = pod.metadata as { uid?: unknown } | undefined;
  return typeof metadata?.uid === 'string' ? metadata.uid : '';
}

function statusError(code: grpc.status, details: string): Partial<grpc.StatusObject> {
  return { code, details };
}

export class PodsApiServer {
  /** gRPC target of the socket (`unix:///…`). */
  readonly target: string;
  /** Every call answers FAILED_PRECONDITION while true. */
  initializing: boolean;
  /** ListPods and GetPod answer RESOURCE_EXHAUSTED while true. */
  rateLimited = false;
  /** Open watches are sent nothing while true (a hung stream). */
  muted = false;
  readonly calls: PodsApiCallCounts = { watchPods: 0, listPods: 0, getPod: 0 };

  readonly #server: grpc.Server;
  readonly #socketPath: string;
  #pods = new Map<string, StoredPod>();
  readonly #watches = new Set<grpc.ServerWritableStream<object, WatchEventMessage>>();
  #watchWaiters: { count: number; resolve: () => void }[] = [];

  private constructor(server: grpc.Server, options: PodsApiServerOptions) {
    this.#server = server;
    this.#socketPath = options.socketPath;
    this.target = `unix://${options.socketPath}`;
    this.initializing = options.initializing ?? false;
    this.#pods = PodsApiServer.#index(options.pods ?? []);
  }

  /** Binds the socket and serves `versions`. */
  static async start(options: PodsApiServerOptions): Promise<PodsApiServer> {
    const server = new grpc.Server();
    const sim = new PodsApiServer(server, options);
    for (const version of options.versions ?? ['v1alpha1']) {
      server.addService(simPodsService(version), sim.#handlers());
    }
    rmSync(options.socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.bindAsync(
        `unix:${options.socketPath}`,
        grpc.ServerCredentials.createInsecure(),
        (error) => (error ? reject(error) : resolve()),
      );
    });
    return sim;
  }

  static #index(pods: readonly RawObject[]): Map<string, StoredPod> {
    const out = new Map<string, StoredPod>();
    for (const raw of pods) out.set(uidOf(raw), { raw, json: JSON.stringify(raw) });
    return out;
  }

  /** Watch streams currently open. */
  get openWatches(): number {
    return this.#watches.size;
  }

  /** Resolves once at least `count` watch streams are open (their initial events are sent). */
  waitForWatches(count: number): Promise<void> {
    if (this.#watches.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.#watchWaiters.push({ count, resolve }));
  }

  #sortedPods(): StoredPod[] {
    return [...this.#pods.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, pod]) => pod);
  }

  #broadcast(message: WatchEventMessage): void {
    if (this.muted) return;
    for (const call of this.#watches) call.write(message);
  }

  /**
   * Replaces the pod list: open watches get ADDED for new uids and MODIFIED for changed pods (in
   * the list's order), then DELETED (name, namespace and uid only) for the uids that are gone.
   */
  setPods(pods: readonly RawObject[]): void {
    const next = PodsApiServer.#index(pods);
    const previous = this.#pods;
    this.#pods = next;
    for (const [uid, pod] of next) {
      const before = previous.get(uid);
      if (before === undefined) {
        this.#broadcast({ type: 'ADDED', pod: encodePodMessage(podToProtoMessage(pod.raw)) });
      } else if (before.json !== pod.json) {
        this.#broadcast({ type: 'MODIFIED', pod: encodePodMessage(podToProtoMessage(pod.raw)) });
      }
    }
    for (const [uid, pod] of previous) {
      if (!next.has(uid)) {
        this.#broadcast({ type: 'DELETED', pod: encodePodMessage(deletedPodMessage(pod.raw)) });
      }
    }
  }

  /** Sends MODIFIED for `pod` as given (e.g. an older status) without changing the list. */
  sendModified(pod: RawObject): void {
    this.#broadcast({ type: 'MODIFIED', pod: encodePodMessage(podToProtoMessage(pod)) });
  }

  /** Sends an event with arbitrary pod bytes (or none) and type (a name or any number). */
  sendRaw(type: SimEventType | number, pod?: Uint8Array): void {
    const message: WatchEventMessage = { type };
    if (pod !== undefined) message.pod = Buffer.from(pod);
    this.#broadcast(message);
  }

  /** Ends every open watch with `code` (after the events already written). */
  dropWatches(code: grpc.status = grpc.status.UNAVAILABLE, details = 'watch dropped'): void {
    for (const call of [...this.#watches]) {
      this.#watches.delete(call);
      call.emit('error', statusError(code, details));
    }
  }

  #refuse(kind: 'any' | 'unary'): Partial<grpc.StatusObject> | undefined {
    if (this.initializing) {
      return statusError(grpc.status.FAILED_PRECONDITION, 'Kubelet is initializing');
    }
    if (kind === 'unary' && this.rateLimited) {
      return statusError(grpc.status.RESOURCE_EXHAUSTED, 'rate limit exceeded');
    }
    return undefined;
  }

  #handlers(): grpc.UntypedServiceImplementation {
    return {
      WatchPods: (call: grpc.ServerWritableStream<object, WatchEventMessage>) => {
        this.calls.watchPods++;
        const refused = this.#refuse('any');
        if (refused) {
          call.emit('error', refused);
          return;
        }
        for (const pod of this.#sortedPods()) {
          call.write({ type: 'ADDED', pod: encodePodMessage(podToProtoMessage(pod.raw)) });
        }
        call.write({ type: 'INITIAL_SYNC_COMPLETE' });
        this.#watches.add(call);
        const forget = () => this.#watches.delete(call);
        call.on('cancelled', forget);
        call.on('close', forget);
        const ready = this.#watchWaiters.filter((w) => this.#watches.size >= w.count);
        this.#watchWaiters = this.#watchWaiters.filter((w) => this.#watches.size < w.count);
        for (const waiter of ready) waiter.resolve();
      },
      ListPods: (
        _call: grpc.ServerUnaryCall<object, object>,
        callback: grpc.sendUnaryData<object>,
      ) => {
        this.calls.listPods++;
        const refused = this.#refuse('unary');
        if (refused) return callback(refused, null);
        const pods = this.#sortedPods().map((p) => encodePodMessage(podToProtoMessage(p.raw)));
        callback(null, { pods });
      },
      GetPod: (
        call: grpc.ServerUnaryCall<{ podUID?: string }, object>,
        callback: grpc.sendUnaryData<object>,
      ) => {
        this.calls.getPod++;
        const refused = this.#refuse('unary');
        if (refused) return callback(refused, null);
        const pod = this.#pods.get(call.request.podUID ?? '');
        if (pod === undefined) {
          return callback(statusError(grpc.status.NOT_FOUND, 'pod not found'), null);
        }
        callback(null, { pod: encodePodMessage(podToProtoMessage(pod.raw)) });
      },
    };
  }

  /** Stops serving (open calls are cancelled) and removes the socket. */
  async stop(): Promise<void> {
    this.#watches.clear();
    this.#server.forceShutdown();
    rmSync(this.#socketPath, { force: true });
  }
}
