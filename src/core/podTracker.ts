/**
 * Owns the public tracker (`PodTracker`): membership of the pods it tracks, gone detection (with
 * the kubelet restart hold), the caps on tracked and remembered pods, and the revision; it
 * orchestrates the pure pieces (`startTracking`, `updatePod`, `endPod`) over one `Observation`
 * per call.
 */
import { collectRuntimeQueries } from './collectRuntimeQueries.js';
import { endPod } from './endPod.js';
import { type KubeletPod, SEEN_ANNOTATION } from './kubeletPod.js';
import { KubeletRestartHold } from './kubeletRestartHold.js';
import { markChanged, newObservation, type Observation } from './observation.js';
import {
  type PodTrackerOptions,
  type ResolvedTrackerOptions,
  resolveTrackerOptions,
} from './podTrackerOptions.js';
import type { TraceOrigin } from './resolvePodContext.js';
import type { RuntimeQueries, RuntimeView } from './runtimeView.js';
import type { SpanData } from './spanData.js';
import { SpanFactory } from './spanFactory.js';
import { startTracking } from './startTracking.js';
import { compareTime, diffMillis, parseTime, type Time } from './time.js';
import { fromSnapshot, hasOpenRuns, refOf, type TrackedPod, toSnapshot } from './trackedPod.js';
import type { TrackerNotice } from './trackerNotice.js';
import type { PodSnapshot, TrackerSnapshot } from './trackerSnapshot.js';
import { updatePod } from './updatePod.js';

export type { PodTrackerOptions } from './podTrackerOptions.js';
export type { TrackerNotice } from './trackerNotice.js';

/** What the shell knows about a poll besides its pods. */
export interface PollContext {
  /** Whether the agent's own pod (`POD_UID`) was in the list; undefined: not known. */
  readonly ownPodListed?: boolean;
  /** The poll(s) before this one failed to connect to the kubelet. */
  readonly afterConnectFailure?: boolean;
  /** The runtime's answers for this poll's `runtimeQueries` (CRI). */
  readonly runtime?: RuntimeView;
}

/** What the shell knows about a single-pod change (a push source) besides the pod. */
export interface PodChangeContext {
  /** The runtime's answers for `runtimeQueries([pod])` (CRI). */
  readonly runtime?: RuntimeView;
}

/** What changed in the snapshot since the last `takeChanges` (or the construction). */
export interface TrackerChanges {
  /** Pods added or whose persisted state changed: their snapshot now. */
  readonly pods: PodSnapshot[];
  /** Uids no longer tracked. */
  readonly removed: string[];
}

export interface ObserveResult {
  /** Spans that became final with this observation, in the order they were built. */
  readonly spans: SpanData[];
  readonly notices: TrackerNotice[];
}

const sameTime = (a: Time | undefined, b: Time | undefined) =>
  a === b || (a !== undefined && b !== undefined && compareTime(a, b) === 0);

/**
 * The per-pod lifecycle tracker: fed the selected pods of every successful poll and the time of
 * that poll, it returns the spans that became final. Pure: no I/O, no clock, no randomness.
 *
 * Never call it for a failed poll. A pod counts as gone only after it is missing from
 * `missingPollsBeforeGone` successful polls and for `goneAfterMs`, and never while a kubelet
 * restart is being held (see {@link KubeletRestartHold}). A push source calls `observePod` for
 * each upsert, `observeDeleted` for each deletion and `observe` for a resync.
 */
export class PodTracker {
  readonly #options: ResolvedTrackerOptions;
  readonly #factory: SpanFactory;
  readonly #pods = new Map<string, TrackedPod>();
  /** Ended pods, oldest first (bounded): a uid that comes back continues where it was. */
  readonly #gone = new Map<string, TrackedPod>();
  readonly #hold: KubeletRestartHold;
  #previousListed = new Set<string>();
  #ownPodListedBefore = false;
  #revision = 0;
  /** Pods changed, and uids removed, since the last `takeChanges` (disjoint). */
  readonly #dirty = new Set<string>();
  readonly #removed = new Set<string>();

  constructor(options: PodTrackerOptions, snapshot?: TrackerSnapshot) {
    this.#options = resolveTrackerOptions(options);
    this.#factory = new SpanFactory(options.hash);
    this.#hold = new KubeletRestartHold({
      stableForMs: this.#options.goneAfterMs,
      graceMs: this.#options.restartGraceMs,
    });
    if (snapshot) for (const pod of snapshot.pods) this.#pods.set(pod.ref.uid, fromSnapshot(pod));
  }

  /**
   * Everything needed to resume after a restart: per pod, the spans already built and the runs
   * still open. Plain data (JSON-serialisable); see `trackerSnapshot.ts`.
   */
  snapshot(): TrackerSnapshot {
    return { pods: [...this.#pods.values()].map(toSnapshot) };
  }

  /**
   * The pods whose persisted state changed and the uids removed since the last call (or the
   * construction), then starts over: applied to the snapshot as of that call (pods upserted by
   * uid, removed uids deleted), they give `snapshot()`. The cost follows the change, not the state.
   */
  takeChanges(): TrackerChanges {
    const pods: PodSnapshot[] = [];
    for (const uid of this.#dirty) {
      const tracked = this.#pods.get(uid);
      if (tracked) pods.push(toSnapshot(tracked));
    }
    const removed = [...this.#removed];
    this.#dirty.clear();
    this.#removed.clear();
    return { pods, removed };
  }

  /** Changes whenever the snapshot does: equal revisions mean equal snapshots. */
  get revision(): number {
    return this.#revision;
  }

  /** Pods currently tracked (traced or not). */
  get trackedPods(): number {
    return this.#pods.size;
  }

  /** Pods currently tracked that have a sampled trace context. */
  get tracedPods(): number {
    let n = 0;
    for (const pod of this.#pods.values()) if (pod.identity) n++;
    return n;
  }

  /** Pods currently tracked that are traced, by origin (`context`, `group`). */
  tracedPodsByOrigin(): Record<TraceOrigin, number> {
    const counts = { context: 0, group: 0 };
    for (const pod of this.#pods.values())
      if (pod.identity) counts[pod.identity.origin ?? 'context']++;
    return counts;
  }

  /** Uids of the pods currently tracked. */
  trackedUids(): IterableIterator<string> {
    return this.#pods.keys();
  }

  /** Whether any traced pod has not finished yet (the poll loop polls faster then). */
  get hasLivePods(): boolean {
    for (const pod of this.#pods.values()) {
      if (pod.identity && (!pod.podSpanDone || (pod.reappeared && hasOpenRuns(pod)))) return true;
    }
    return false;
  }

  /** Whether gone decisions are held because of a kubelet restart. */
  get holdingForRestart(): boolean {
    return this.#hold.holding;
  }

  /**
   * The runtime lookups `observe` would use for these pods: runs about to be built (terminated,
   * or open runs the kubelet no longer shows running), open runs of pods missing from the list
   * (looked up from the first miss on: the runtime forgets removed containers within about a
   * minute), and sandboxes of pods whose `sandbox` span is about to be built.
   */
  runtimeQueries(pods: readonly KubeletPod[]): RuntimeQueries {
    return collectRuntimeQueries(pods, { current: this.#pods, gone: this.#gone });
  }

  /**
   * A whole list (a poll, or a push source's resync): every listed pod is upserted, and pods
   * missing from it move towards gone.
   */
  observe(pods: readonly KubeletPod[], now: Time, context: PollContext = {}): ObserveResult {
    const obs = this.#observation(now, context.runtime);
    const listed = new Set<string>();
    const signs: string[] = [];
    let overCap = 0;
    for (const pod of pods) {
      if (listed.has(pod.uid)) {
        obs.notices.push({ kind: 'duplicateUid', pod: refOf(pod) });
        continue;
      }
      listed.add(pod.uid);
      if (!this.#upsert(obs, pod, signs)) overCap++;
    }

    if (context.afterConnectFailure) signs.push('connection_refused');
    if (context.ownPodListed === false && this.#ownPodListedBefore) signs.push('own_pod_missing');
    if (context.ownPodListed !== undefined) this.#ownPodListedBefore = context.ownPodListed;
    const hold = this.#hold.observe({
      now,
      listChanged: !sameSet(listed, this.#previousListed),
      restartSignal: signs.length > 0,
    });
    this.#previousListed = listed;
    if (hold.started) obs.notices.push({ kind: 'kubeletRestart', signs });

    for (const [uid, tracked] of this.#pods) {
      if (listed.has(uid)) continue;
      tracked.missing++;
      if (tracked.missing === 1) tracked.firstMissingAt = now;
      markChanged(obs, tracked);
      if (hold.holding || tracked.missing < this.#options.missingPollsBeforeGone) continue;
      if (diffMillis(tracked.firstMissingAt ?? now, now) < this.#options.goneAfterMs) continue;
      this.#end(obs, tracked);
    }
    if (overCap > 0) obs.notices.push({ kind: 'podCapReached', skipped: overCap });
    return this.#finish(obs);
  }

  /**
   * One pod added or changed (a push source): upserted as `observe` would, without touching the
   * other pods or gone detection.
   */
  observePod(pod: KubeletPod, now: Time, context: PodChangeContext = {}): ObserveResult {
    const obs = this.#observation(now, context.runtime);
    if (!this.#upsert(obs, pod, [])) obs.notices.push({ kind: 'podCapReached', skipped: 1 });
    return this.#finish(obs);
  }

  /**
   * One pod deleted (a push source's DELETED event): it ends at once with its last known status,
   * its open runs at `now` as a poll edge, its pod span as when a poll finds it gone.
   */
  observeDeleted(uid: string, now: Time, context: PodChangeContext = {}): ObserveResult {
    const obs = this.#observation(now, context.runtime);
    const tracked = this.#pods.get(uid);
    if (tracked) {
      tracked.missing = Math.max(1, tracked.missing);
      tracked.firstMissingAt = now;
      markChanged(obs, tracked);
      this.#end(obs, tracked);
    }
    return this.#finish(obs);
  }

  #observation(now: Time, runtime: RuntimeView | undefined): Observation {
    return newObservation(now, runtime, { options: this.#options, factory: this.#factory });
  }

  #finish(obs: Observation): ObserveResult {
    this.#revision += obs.changes;
    for (const uid of obs.touched) {
      if (this.#pods.has(uid)) {
        this.#dirty.add(uid);
        this.#removed.delete(uid);
      } else {
        this.#removed.add(uid);
        this.#dirty.delete(uid);
      }
    }
    return { spans: obs.spans, notices: obs.notices };
  }

  /**
   * Tracks `pod` (new, reappeared, or known) and brings it up to date. Returns false when it is
   * new and `maxTrackedPods` is reached. Adds a restart sign to `signs` when its `config.seen`
   * changed.
   */
  #upsert(obs: Observation, pod: KubeletPod, signs: string[]): boolean {
    const { now } = obs;
    let tracked = this.#pods.get(pod.uid);
    if (!tracked) {
      if (this.#pods.size >= this.#options.maxTrackedPods) return false;
      tracked = this.#reappeared(obs, pod) ?? startTracking(obs, pod);
      this.#pods.set(pod.uid, tracked);
      markChanged(obs, tracked);
    }
    const seen = parseTime(pod.annotations[SEEN_ANNOTATION]);
    if (seen && tracked.seenLatest && !sameTime(seen, tracked.seenLatest)) {
      if (!signs.includes('config_seen_changed')) signs.push('config_seen_changed');
    }
    if (seen) tracked.seenLatest = seen;
    if (tracked.missing !== 0) {
      tracked.missing = 0;
      tracked.firstMissingAt = undefined;
      markChanged(obs, tracked);
    }
    const before = obs.changes;
    if (tracked.identity) updatePod(obs, tracked, tracked.identity, pod);
    tracked.lastSeenAt = now;
    // The snapshot's `lastSeenAt` moves with the pod's other changes only (equal revisions,
    // equal snapshots); restored, it is a poll that listed the pod, never a later one.
    if (obs.changes !== before) tracked.persistedSeenAt = now;
    return true;
  }

  /** The pod is gone: ends what is open, forgets it (remembering it as gone) and reports it. */
  #end(obs: Observation, tracked: TrackedPod): void {
    if (tracked.identity) endPod(obs, tracked, tracked.identity);
    this.#pods.delete(tracked.ref.uid);
    obs.changes++;
    obs.touched.add(tracked.ref.uid);
    this.#remember(tracked);
    obs.notices.push({ kind: 'podGone', pod: tracked.ref, traced: tracked.identity !== undefined });
  }

  /** A pod ended earlier and listed again: it continues with the state it had. */
  #reappeared(obs: Observation, pod: KubeletPod): TrackedPod | undefined {
    const tracked = this.#gone.get(pod.uid);
    if (!tracked) return undefined;
    this.#gone.delete(pod.uid);
    tracked.missing = 0;
    tracked.firstMissingAt = undefined;
    tracked.reappeared = tracked.podSpanDone;
    obs.notices.push({ kind: 'podReappeared', pod: tracked.ref });
    return tracked;
  }

  #remember(tracked: TrackedPod): void {
    this.#gone.set(tracked.ref.uid, tracked);
    while (this.#gone.size > this.#options.rememberGonePods) {
      const oldest = this.#gone.keys().next().value;
      if (oldest === undefined) break;
      this.#gone.delete(oldest);
    }
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
