/**
 * The contract of the Pods API source: its options, the hooks through which it reports
 * availability, events and bad pods, and how failures map to the metrics' reasons and kinds.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import type { LabelSelector } from '../core/labelSelector.js';
import type { Time } from '../core/time.js';
import type { PodsApiClient, PodsApiEventType } from '../podsapi/podsApiClient.js';
import type { Timers } from '../timers.js';

/** Why the stream is not (or no longer) delivering: the `reason` label of the metrics. */
export type PodsApiDownReason =
  | 'initializing'
  | 'unavailable'
  | 'resource_exhausted'
  | 'stream_ended'
  | 'hung'
  | 'unimplemented'
  | 'no_socket'
  | 'error';

/** A pod of a message the source skipped: the `kind` of its log line and counter. */
export type BadPodKind = 'undecodable' | 'no_uid' | 'malformed';

/** What the source tells the composition root (metrics, logs, the fallback). */
export interface PodsApiSourceHooks {
  /** One message of the watch, by type (`UNKNOWN` for a type this agent does not know). */
  event?(type: PodsApiEventType): void;
  /** A `ListPods` resync was delivered. */
  resync?(): void;
  /** The stream is down for `reason`; a reconnect follows after `retryInMs`. */
  reconnect?(reason: PodsApiDownReason, retryInMs: number, error: unknown): void;
  /**
   * `true` once a full view (an initial sync) has been delivered and events follow; `false`, with
   * the reason, when the stream cannot deliver (at start, and whenever it goes down).
   */
  availability?(live: boolean, reason?: PodsApiDownReason): void;
  /** A message's pod was skipped: it does not decode, or has no uid. */
  badPod?(kind: BadPodKind, error: string): void;
  /** A `ListPods` resync failed (the stream goes on; the next resync is on schedule). */
  resyncFailed?(error: unknown): void;
}

export interface PodsApiSourceOptions {
  /** The kubelet Pods API client (its receive limit from `KUBELET_MAX_RESPONSE_BYTES`). */
  readonly client: Pick<PodsApiClient, 'watch' | 'listPods' | 'close'>;
  /**
   * The socket file (`KUBELET_PODS_API_SOCKET` without `unix://`): when it does not exist, the
   * next try is `unavailableRetryMs` away.
   */
  readonly socketPath: string;
  /** Selector alternatives (POD_SELECTOR). */
  readonly selectors: readonly LabelSelector[];
  /** Namespaces whose pods may be selected (POD_NAMESPACES); undefined: all. */
  readonly namespaces: readonly string[] | undefined;
  /** The agent's own pod uid (POD_UID): whether a list holds it tells a kubelet restart apart. */
  readonly podUid?: string;
  /** Wall-clock time of an observation. */
  readonly now: () => Time;
  /** Clock and scheduler. @default realTimers */
  readonly timers?: Timers;
  /** Time between two `ListPods` resyncs (ms). @default 300000 */
  readonly resyncIntervalMs?: number;
  /** A list that missed tracked pods is followed by another this much later (ms). @default 5000 */
  readonly confirmGoneMs?: number;
  /** First reconnect back-off (ms), doubling per failure in a row. @default 250 */
  readonly initialBackoffMs?: number;
  /** Longest reconnect back-off (ms). @default 5000 */
  readonly maxBackoffMs?: number;
  /** Wait before trying again when the API is not there (no socket, UNIMPLEMENTED) (ms). @default 300000 */
  readonly unavailableRetryMs?: number;
  /**
   * A watch whose initial sync is not complete this long after it was opened is cancelled and
   * counts as down (`hung`) (ms). @default 30000
   */
  readonly initialSyncTimeoutMs?: number;
  /** Whether the socket file exists. @default `existsSync(socketPath)` */
  readonly socketExists?: () => boolean;
  readonly hooks?: PodsApiSourceHooks;
}

/** The reason of a failed or ended watch. */
export function downReason(error: unknown): PodsApiDownReason {
  switch ((error as { code?: unknown } | null)?.code) {
    case grpcStatus.FAILED_PRECONDITION:
      return 'initializing';
    case grpcStatus.UNAVAILABLE:
      return 'unavailable';
    case grpcStatus.RESOURCE_EXHAUSTED:
      return 'resource_exhausted';
    case grpcStatus.UNIMPLEMENTED:
      return 'unimplemented';
    default:
      return 'error';
  }
}

export function badPodKind(error: string): BadPodKind {
  if (error.startsWith('metadata.uid')) return 'no_uid';
  if (error.startsWith('pod: not a')) return 'undecodable';
  return 'malformed';
}

/** A stream that stays open, quiet, is still healthy this long past a due resync (ms). */
