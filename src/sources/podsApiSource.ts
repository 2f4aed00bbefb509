/**
 * Owns the kubelet Pods API source: a `WatchPods` stream over the kubelet's unix socket (KEP-4188)
 * turned into pod observations, with a `ListPods` resync every few minutes.
 *
 * - On every (re)connect the watch is opened first; its initial ADDED events up to
 *   `INITIAL_SYNC_COMPLETE` become ONE `list` observation (a full resync: tracked pods absent from
 *   it are gone by the same rules as a polled list). Then ADDED/MODIFIED of a selected pod →
 *   `upsert`; DELETED (name, namespace and uid only) of a tracked pod → `deleted` (ended at once
 *   with its last known status); a tracked pod that stops matching the selector → `deleted`.
 * - Every `resyncIntervalMs` a `ListPods` becomes a `list` observation: it repairs events a slow
 *   consumer may have lost. When the stream said nothing since the list was asked for and the list
 *   disagrees with what the stream told (pods added or removed), the stream is hung: it is
 *   cancelled and opened again. After a list in which tracked pods were missing, another list
 *   follows `confirmGoneMs` later, so the tracker's gone rule (missing from two lists, for
 *   `GONE_AFTER`) decides within seconds rather than at the next periodic resync.
 * - Failures: `FAILED_PRECONDITION` (kubelet initializing), `UNAVAILABLE`, `RESOURCE_EXHAUSTED`, a
 *   watch whose initial sync does not complete within `initialSyncTimeoutMs`, a stream that ended
 *   or failed otherwise → reconnect after a back-off (doubling from
 *   `initialBackoffMs`, capped at `maxBackoffMs`); `UNIMPLEMENTED` on every version (the feature gate
 *   off) or no socket file → try again after `unavailableRetryMs`. Meanwhile the source is not
 *   live: {@link PodsApiSourceHooks.availability} tells the composition (`FallbackSource`) to poll
 *   `/pods`, until the next initial sync has been delivered.
 * - A message whose pod does not decode, or a pod without uid, is reported to
 *   {@link PodsApiSourceHooks.badPod} (counted, logged once per kind) and skipped; the stream goes on.
 *
 * Observations go to the sink one at a time (the stream and the resync share one queue), each
 * awaited before the next event is read: a slow consumer slows the stream down (and the kubelet may
 * then drop it with `RESOURCE_EXHAUSTED`, which the next initial sync repairs).
 */
import { existsSync } from 'node:fs';
import type { KubeletPod } from '../core/kubeletPod.js';
import { selectPods } from '../core/selectPods.js';
import type { PodFromProtoResult } from '../podsapi/podFromProto.js';
import { realTimers, type TimerHandle, type Timers } from '../timers.js';
import type { PodObservation, PodObservationSink, PodSource } from './podSource.js';
import {
  badPodKind,
  downReason,
  type PodsApiDownReason,
  type PodsApiSourceOptions,
} from './podsApiSourceOptions.js';

const LIVENESS_GRACE_MS = 60_000;

export class PodsApiSource implements PodSource {
  readonly #options: PodsApiSourceOptions;
  readonly #timers: Timers;
  readonly #resyncIntervalMs: number;
  #sink: PodObservationSink | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  /** Cancels the open watch. */
  #watchAbort: AbortController | undefined;
  /** Why the open watch was cancelled by this source (undefined: stop, or not cancelled). */
  #cancelReason: PodsApiDownReason | undefined;
  /** Wakes the reconnect wait early (stop). */
  #wake: (() => void) | undefined;
  #waitTimer: TimerHandle | undefined;
  #resyncTimer: TimerHandle | undefined;
  /** Observations are handed over one at a time, in order. */
  #tail: Promise<void> = Promise.resolve();
  #live = false;
  /** Failed connects in a row (0 once an initial sync is delivered). */
  #failures = 0;
  #lastAttemptMs = 0;
  /** Last message of the stream or successful resync (epoch ms). */
  #lastActivityMs = 0;
  /** Uids of every pod on the node as the stream told (not only the selected ones). */
  readonly #streamUids = new Set<string>();

  constructor(options: PodsApiSourceOptions) {
    this.#options = options;
    this.#timers = options.timers ?? realTimers;
    this.#resyncIntervalMs = options.resyncIntervalMs ?? 300_000;
  }

  /**
   * Liveness: while the stream is live and has spoken (a message or a resync) within a resync
   * interval and a minute, now; otherwise the last attempt (connect) or message, whichever is later.
   */
  get lastAttemptMs(): number {
    const now = this.#timers.now();
    if (this.#live && now - this.#lastActivityMs <= this.#resyncIntervalMs + LIVENESS_GRACE_MS) {
      return now;
    }
    return Math.max(this.#lastAttemptMs, this.#lastActivityMs);
  }

  /** Whether the stream currently delivers (its initial sync done, not failed since). */
  get live(): boolean {
    return this.#live;
  }

  start(sink: PodObservationSink): void {
    this.#sink = sink;
    this.#stopped = false;
    this.#running = this.#run(sink);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timers.clearTimeout(this.#resyncTimer);
    this.#timers.clearTimeout(this.#waitTimer);
    this.#wake?.();
    this.#watchAbort?.abort();
    await this.#running;
    // A resync still waiting for its answer is not awaited: once stopped, it delivers nothing.
    this.#options.client.close();
    await this.#tail;
  }

  #deliver(observation: PodObservation): Promise<void> {
    const sink = this.#sink;
    if (sink === undefined) return Promise.resolve();
    const delivered = this.#tail.then(() => sink.observe(observation));
    this.#tail = delivered.catch(() => {});
    return delivered;
  }

  #setLive(live: boolean, reason?: PodsApiDownReason): void {
    if (live === this.#live && live) return;
    this.#live = live;
    this.#options.hooks?.availability?.(live, reason);
  }

  async #run(sink: PodObservationSink): Promise<void> {
    const options = this.#options;
    const socketExists = options.socketExists ?? (() => existsSync(options.socketPath));
    let announced = false;
    while (!this.#stopped) {
      this.#lastAttemptMs = this.#timers.now();
      let reason: PodsApiDownReason;
      let error: unknown;
      if (!socketExists()) {
        reason = 'no_socket';
        error = new Error(`no socket at ${options.socketPath}`);
      } else {
        try {
          await this.#watch(sink);
          reason = this.#cancelReason ?? 'stream_ended';
          error = new Error('the watch ended');
        } catch (caught) {
          reason = this.#cancelReason ?? downReason(caught);
          error = caught;
        }
      }
      this.#cancelReason = undefined;
      this.#timers.clearTimeout(this.#resyncTimer);
      if (this.#stopped) break;
      const absent = reason === 'no_socket' || reason === 'unimplemented';
      const failures = ++this.#failures;
      const retryInMs = absent
        ? (options.unavailableRetryMs ?? 300_000)
        : Math.min(
            options.maxBackoffMs ?? 5000,
            (options.initialBackoffMs ?? 250) * 2 ** Math.min(failures - 1, 20),
          );
      options.hooks?.reconnect?.(reason, retryInMs, error);
      if (this.#live || !announced) this.#setLive(false, reason);
      announced = true;
      await this.#wait(retryInMs);
    }
    this.#live = false;
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stopped) return resolve();
      this.#wake = () => {
        this.#wake = undefined;
        this.#timers.clearTimeout(this.#waitTimer);
        resolve();
      };
      this.#waitTimer = this.#timers.setTimeout(() => this.#wake?.(), ms);
    });
  }

  /** One watch, until it ends or fails. */
  async #watch(sink: PodObservationSink): Promise<void> {
    const abort = new AbortController();
    this.#watchAbort = abort;
    const initial: KubeletPod[] = [];
    let synced = false;
    // A socket that accepts but never completes the initial sync is as good as down.
    const syncDeadline = this.#timers.setTimeout(() => {
      this.#cancelReason = 'hung';
      abort.abort();
    }, this.#options.initialSyncTimeoutMs ?? 30_000);
    try {
      for await (const event of this.#options.client.watch(abort.signal)) {
        this.#lastActivityMs = this.#timers.now();
        this.#options.hooks?.event?.(event.type);
        if (event.type === 'INITIAL_SYNC_COMPLETE') {
          if (synced) continue;
          synced = true;
          this.#timers.clearTimeout(syncDeadline);
          this.#failures = 0;
          this.#streamUids.clear();
          for (const pod of initial) this.#streamUids.add(pod.uid);
          // Live first: what a fallback still has in flight is older than this view.
          this.#setLive(true);
          const missing = await this.#deliverList(initial);
          initial.length = 0;
          this.#scheduleResync(
            missing ? (this.#options.confirmGoneMs ?? 5000) : this.#resyncIntervalMs,
          );
          continue;
        }
        if (event.type === 'UNKNOWN' || event.pod === undefined) continue;
        const pod = this.#decoded(event.pod);
        if (pod === undefined) continue;
        if (!synced) {
          if (event.type !== 'DELETED') initial.push(pod);
          continue;
        }
        if (event.type === 'DELETED') {
          this.#streamUids.delete(pod.uid);
          if (this.#isTracked(sink, pod.uid)) {
            await this.#deliver({ kind: 'deleted', uid: pod.uid, at: this.#options.now() });
          }
          continue;
        }
        this.#streamUids.add(pod.uid);
        if (this.#selected(pod)) {
          await this.#deliver({ kind: 'upsert', pod, at: this.#options.now() });
        } else if (this.#isTracked(sink, pod.uid)) {
          await this.#deliver({ kind: 'deleted', uid: pod.uid, at: this.#options.now() });
        }
      }
    } finally {
      this.#timers.clearTimeout(syncDeadline);
      this.#watchAbort = undefined;
    }
  }

  #decoded(result: PodFromProtoResult): KubeletPod | undefined {
    if (result.ok) return result.pod;
    this.#options.hooks?.badPod?.(badPodKind(result.error), result.error);
    return undefined;
  }

  #selected(pod: KubeletPod): boolean {
    return selectPods([pod], this.#options.selectors, this.#options.namespaces).length === 1;
  }

  #isTracked(sink: PodObservationSink, uid: string): boolean {
    for (const tracked of sink.trackedUids()) if (tracked === uid) return true;
    return false;
  }

  /**
   * A full view: the selected pods as one `list`. Returns whether pods the consumer still tracks
   * after it are missing from it (on their way to gone: another list should confirm it soon).
   */
  async #deliverList(all: readonly KubeletPod[]): Promise<boolean> {
    const options = this.#options;
    const listed = new Set(all.map((p) => p.uid));
    await this.#deliver({
      kind: 'list',
      pods: selectPods(all, options.selectors, options.namespaces),
      at: options.now(),
      context: options.podUid ? { ownPodListed: listed.has(options.podUid) } : {},
      diagnostics: { malformed: [] },
    });
    const sink = this.#sink;
    if (sink === undefined) return false;
    for (const uid of sink.trackedUids()) if (!listed.has(uid)) return true;
    return false;
  }

  #scheduleResync(ms: number): void {
    this.#timers.clearTimeout(this.#resyncTimer);
    if (this.#stopped) return;
    this.#resyncTimer = this.#timers.setTimeout(() => {
      this.#resync().catch((error: unknown) => this.#options.hooks?.resyncFailed?.(error));
    }, ms);
  }

  /** `ListPods` as a `list` observation; detects a hung stream; confirms pods gone. */
  async #resync(): Promise<void> {
    const sink = this.#sink;
    if (this.#stopped || !this.#live || sink === undefined) return;
    const askedAt = this.#timers.now();
    let results: PodFromProtoResult[];
    try {
      results = await this.#options.client.listPods();
    } catch (error) {
      this.#options.hooks?.resyncFailed?.(error);
      this.#scheduleResync(this.#resyncIntervalMs);
      return;
    }
    if (this.#stopped || !this.#live) return;
    const pods: KubeletPod[] = [];
    for (const result of results) {
      const pod = this.#decoded(result);
      if (pod !== undefined) pods.push(pod);
    }
    const quiet = this.#lastActivityMs < askedAt;
    const disagrees =
      pods.length !== this.#streamUids.size || pods.some((p) => !this.#streamUids.has(p.uid));
    this.#lastActivityMs = this.#timers.now();
    const missing = await this.#deliverList(pods);
    this.#options.hooks?.resync?.();
    if (quiet && disagrees) {
      // The stream said nothing while the node changed: it is hung. The next watch resyncs.
      this.#cancelReason = 'hung';
      this.#watchAbort?.abort();
      return;
    }
    this.#scheduleResync(missing ? (this.#options.confirmGoneMs ?? 5000) : this.#resyncIntervalMs);
  }
}
