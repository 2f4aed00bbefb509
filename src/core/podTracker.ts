import { ATTR } from './attributeNames.js';
import { withRuntimeTimes, withSandboxCreated } from './criTimes.js';
import type { ContainerSpec, ContainerStatus, KubeletPod, TerminatedState } from './kubeletPod.js';
import { KubeletRestartHold } from './kubeletRestartHold.js';
import { podBaseName } from './podBaseName.js';
import { resolvePodContext, type TraceOrigin } from './resolvePodContext.js';
import { NO_RUNTIME, type RuntimeQueries, type RuntimeView } from './runtimeView.js';
import type { AttributeValue, HashFn, SpanData, SpanEvent } from './spanData.js';
import { type ContainerRun, clampToPoll, type PodIdentity, SpanFactory } from './spanFactory.js';
import { compareTime, diffMillis, parseTime, type Time } from './time.js';
import { kubeletEdge, pollEdge, type TimeEdge } from './timeEdge.js';
import {
  type ContainerTrack,
  doneRun,
  fromSnapshot,
  isRunDone,
  MAX_REASONS,
  markRunDone,
  newContainerTrack,
  type PodRef,
  type TrackedPod,
  toSnapshot,
} from './trackedPod.js';
import type { OpenRunSnapshot, TrackerSnapshot } from './trackerSnapshot.js';

export type { PodRef } from './trackedPod.js';

export interface PodTrackerOptions {
  /** Node the agent runs on (`k8s.node.name`). */
  readonly nodeName: string;
  /** Env var names looked up for the trace context, in order (`TRACE_CONTEXT_ENV`). */
  readonly envNames: readonly string[];
  /**
   * Hex digest function used for deterministic span ids and group trace ids (sha256 in the
   * agent; at least 64 hex digits).
   */
  readonly hash: HashFn;
  /**
   * Label naming a pod's run (`TRACE_GROUP_LABEL`): a pod with no trace context but this label
   * is traced in its run's group trace, its pod span a root. Undefined: no fallback.
   * @default undefined
   */
  readonly groupLabel?: string;
  /**
   * Successful polls in a row a pod must be missing from before it counts as gone.
   * @default 2
   */
  readonly missingPollsBeforeGone?: number;
  /**
   * How long a pod must be missing before it counts as gone (ms; `GONE_AFTER`). Its estimated
   * end is still the first poll that missed it.
   * @default 5000
   */
  readonly goneAfterMs?: number;
  /**
   * Longest hold of gone decisions after a kubelet restart was seen (ms; `KUBELET_RESTART_GRACE`).
   * @default 60000
   */
  readonly restartGraceMs?: number;
  /**
   * Events kept on one pod span; further ones are counted in `kse.events.dropped`.
   * @default 128
   */
  readonly maxEventsPerPod?: number;
  /**
   * Gone pods remembered, so a uid that reappears continues where it was, never emitted twice.
   * @default 2000
   */
  readonly rememberGonePods?: number;
  /**
   * Pods tracked at once (traced or not); pods beyond are skipped and counted until room frees up.
   * @default 5000
   */
  readonly maxTrackedPods?: number;
  /**
   * Container-run and phase spans per pod (a container crash-looping for days must not grow one
   * trace without end); further ones are counted in the pod span's `kse.spans.dropped`.
   * @default 1000
   */
  readonly maxSpansPerPod?: number;
  /**
   * Catch-up bound: a pod first seen already finished before this time is not emitted (after a
   * rollout, hours of retained pods are not re-sent). Undefined: every finished pod is emitted.
   */
  readonly catchUpCutoff?: Time;
  /**
   * Reported times later than the poll by more than this (ms) are clamped to the poll time and
   * marked `kse.time.clamped`.
   * @default 60000
   */
  readonly futureToleranceMs?: number;
}

/** What the shell knows about a poll besides its pods. */
export interface PollContext {
  /** Whether the agent's own pod (`POD_UID`) was in the list; undefined: not known. */
  readonly ownPodListed?: boolean;
  /** The poll(s) before this one failed to connect to the kubelet. */
  readonly afterConnectFailure?: boolean;
  /** The runtime's answers for this poll's `runtimeQueries` (CRI). */
  readonly runtime?: RuntimeView;
}

/** Why a kubelet status was ignored as older than what the tracker holds. */
export type StaleKind = 'restart_count_decreased' | 'running_after_terminated' | 'finish_changed';

/** Something the shell should log or count; the core itself does no I/O. */
export type TrackerNotice =
  | {
      readonly kind: 'podTracked';
      readonly pod: PodRef;
      readonly traceId: string;
      readonly origin: TraceOrigin;
      /** Where the context was found (origin `context`). */
      readonly container?: string;
      readonly envName?: string;
      /** The run's group trace id, when the pod carries a valid group label. */
      readonly groupTraceId?: string;
    }
  | {
      readonly kind: 'noContext';
      readonly pod: PodRef;
      readonly unresolvable: number;
      /** The group label is present but its value cannot name a run (empty, invalid). */
      readonly groupProblem?: string;
    }
  | { readonly kind: 'notSampled'; readonly pod: PodRef; readonly traceId: string }
  | {
      readonly kind: 'invalidContext';
      readonly pod: PodRef;
      readonly container: string;
      readonly envName: string;
      readonly error: string;
    }
  | { readonly kind: 'podGone'; readonly pod: PodRef; readonly traced: boolean }
  | { readonly kind: 'duplicateUid'; readonly pod: PodRef }
  /** A pod that finished before the catch-up cutoff: tracked, not emitted. */
  | { readonly kind: 'catchUpSkipped'; readonly pod: PodRef }
  /** Pods of this poll not tracked because `maxTrackedPods` was reached. */
  | { readonly kind: 'podCapReached'; readonly skipped: number }
  /** A span of this pod not emitted because `maxSpansPerPod` was reached. */
  | { readonly kind: 'spanCapReached'; readonly pod: PodRef }
  /** A kubelet restart was seen: gone decisions are held until the list is stable. */
  | { readonly kind: 'kubeletRestart'; readonly signs: readonly string[] }
  /** A pod listed again after it had been ended: its later runs continue under its pod span. */
  | { readonly kind: 'podReappeared'; readonly pod: PodRef }
  /** A status older than what the tracker holds, ignored. */
  | { readonly kind: 'staleStatus'; readonly pod: PodRef; readonly stale: StaleKind };

export interface ObserveResult {
  /** Spans that became final with this poll, in the order they were built. */
  readonly spans: SpanData[];
  readonly notices: TrackerNotice[];
}

type Role = 'init-container' | 'container';

/** Everything one `observe` call works with. */
interface PollRun {
  readonly now: Time;
  readonly runtime: RuntimeView;
  readonly spans: SpanData[];
  readonly notices: TrackerNotice[];
}

const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);
/** Waiting reasons on the normal path; everything else is worth an event. */
const ORDINARY_WAITING = new Set(['ContainerCreating', 'PodInitializing']);
const SEEN_ANNOTATION = 'kubernetes.io/config.seen';

const sameTime = (a: Time | undefined, b: Time | undefined) =>
  a === b || (a !== undefined && b !== undefined && compareTime(a, b) === 0);

/**
 * The per-pod lifecycle tracker: fed the selected pods of every successful poll and the time of
 * that poll, it returns the spans that became final. Pure: no I/O, no clock, no randomness.
 *
 * Never call it for a failed poll. A pod counts as gone only after it is missing from
 * `missingPollsBeforeGone` successful polls and for `goneAfterMs`, and never while a kubelet
 * restart is being held (see {@link KubeletRestartHold}).
 */
export class PodTracker {
  readonly #options: Required<Omit<PodTrackerOptions, 'catchUpCutoff' | 'groupLabel'>> &
    Pick<PodTrackerOptions, 'catchUpCutoff' | 'groupLabel'>;
  readonly #factory: SpanFactory;
  readonly #pods = new Map<string, TrackedPod>();
  /** Ended pods, oldest first (bounded): a uid that comes back continues where it was. */
  readonly #gone = new Map<string, TrackedPod>();
  readonly #hold: KubeletRestartHold;
  #previousListed = new Set<string>();
  #ownPodListedBefore = false;
  #revision = 0;

  constructor(options: PodTrackerOptions, snapshot?: TrackerSnapshot) {
    this.#options = {
      missingPollsBeforeGone: 2,
      goneAfterMs: 5000,
      restartGraceMs: 60_000,
      maxEventsPerPod: 128,
      rememberGonePods: 2000,
      maxTrackedPods: 5000,
      maxSpansPerPod: 1000,
      futureToleranceMs: 60_000,
      ...options,
    };
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
    const ids = new Set<string>();
    const sandboxes: string[] = [];
    const listed = new Set<string>();
    for (const pod of pods) {
      listed.add(pod.uid);
      const tracked = this.#pods.get(pod.uid) ?? this.#gone.get(pod.uid);
      if (tracked && (!tracked.identity || (tracked.podSpanDone && !tracked.reappeared))) continue;
      for (const [role, statuses] of [
        ['init-container', pod.initContainerStatuses],
        ['container', pod.containerStatuses],
      ] as const) {
        for (const status of statuses) {
          const track = tracked?.containers.get(`${role}/${status.name}`);
          for (const run of finishedRuns(status)) {
            const id = run.term.containerID || (run.current ? status.containerID : undefined);
            if (id && !(track && isRunDone(track, id, run.index))) ids.add(id);
          }
          const open = track?.open;
          if (open?.containerId && !(status.state.running && status.containerID === open.runKey)) {
            ids.add(open.containerId);
          }
        }
      }
      const ready = pod.conditions.some(
        (c) => c.type === 'PodReadyToStartContainers' && c.status === 'True',
      );
      if (ready && !tracked?.emitted.has('phase/sandbox')) sandboxes.push(pod.uid);
    }
    for (const [uid, tracked] of this.#pods) {
      if (listed.has(uid) || !tracked.identity) continue;
      for (const track of tracked.containers.values()) {
        if (track.open?.containerId) ids.add(track.open.containerId);
      }
    }
    return { containerIds: [...ids], sandboxPodUids: sandboxes };
  }

  observe(pods: readonly KubeletPod[], now: Time, context: PollContext = {}): ObserveResult {
    const run: PollRun = {
      now,
      runtime: context.runtime ?? NO_RUNTIME,
      spans: [],
      notices: [],
    };
    const listed = new Set<string>();
    const signs: string[] = [];
    let overCap = 0;
    for (const pod of pods) {
      if (listed.has(pod.uid)) {
        run.notices.push({ kind: 'duplicateUid', pod: refOf(pod) });
        continue;
      }
      listed.add(pod.uid);
      let tracked = this.#pods.get(pod.uid);
      if (!tracked) {
        if (this.#pods.size >= this.#options.maxTrackedPods) {
          overCap++;
          continue;
        }
        tracked = this.#reappeared(pod, run) ?? this.#startTracking(pod, now, run.notices);
        this.#pods.set(pod.uid, tracked);
        this.#mark(tracked);
      }
      const seen = parseTime(pod.annotations[SEEN_ANNOTATION]);
      if (seen && tracked.seenLatest && !sameTime(seen, tracked.seenLatest)) {
        if (!signs.includes('config_seen_changed')) signs.push('config_seen_changed');
      }
      if (seen) tracked.seenLatest = seen;
      if (tracked.missing !== 0) {
        tracked.missing = 0;
        tracked.firstMissingAt = undefined;
        this.#mark(tracked);
      }
      const revision = this.#revision;
      if (tracked.identity) this.#update(tracked, tracked.identity, pod, run);
      tracked.lastSeenAt = now;
      // The snapshot's `lastSeenAt` moves with the pod's other changes only (equal revisions,
      // equal snapshots); restored, it is a poll that listed the pod, never a later one.
      if (this.#revision !== revision) tracked.persistedSeenAt = now;
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
    if (hold.started) run.notices.push({ kind: 'kubeletRestart', signs });

    for (const [uid, tracked] of this.#pods) {
      if (listed.has(uid)) continue;
      tracked.missing++;
      if (tracked.missing === 1) tracked.firstMissingAt = now;
      this.#mark(tracked);
      if (hold.holding || tracked.missing < this.#options.missingPollsBeforeGone) continue;
      if (diffMillis(tracked.firstMissingAt ?? now, now) < this.#options.goneAfterMs) continue;
      if (tracked.identity) this.#finalize(tracked, tracked.identity, run);
      this.#pods.delete(uid);
      this.#revision++;
      this.#remember(tracked);
      run.notices.push({
        kind: 'podGone',
        pod: tracked.ref,
        traced: tracked.identity !== undefined,
      });
    }
    if (overCap > 0) run.notices.push({ kind: 'podCapReached', skipped: overCap });
    return { spans: run.spans, notices: run.notices };
  }

  /** Records that persisted state of `tracked` changed. */
  #mark(tracked: TrackedPod): void {
    this.#revision++;
    tracked.persistedSeenAt = tracked.lastSeenAt;
  }

  /** Sets a field, marking the pod when the value changes. */
  #set<K extends 'phase' | 'reason' | 'deleting' | 'allTerminated' | 'firstFailure'>(
    tracked: TrackedPod,
    key: K,
    value: TrackedPod[K],
  ): void {
    if (tracked[key] === value) return;
    tracked[key] = value;
    this.#mark(tracked);
  }

  /** A pod ended earlier and listed again: it continues with the state it had. */
  #reappeared(pod: KubeletPod, run: PollRun): TrackedPod | undefined {
    const tracked = this.#gone.get(pod.uid);
    if (!tracked) return undefined;
    this.#gone.delete(pod.uid);
    tracked.missing = 0;
    tracked.firstMissingAt = undefined;
    tracked.reappeared = tracked.podSpanDone;
    run.notices.push({ kind: 'podReappeared', pod: tracked.ref });
    return tracked;
  }

  #startTracking(pod: KubeletPod, now: Time, notices: TrackerNotice[]): TrackedPod {
    const ref = refOf(pod);
    // The context decision: made here once, kept for the pod's life (and in the checkpoint).
    const decision = resolvePodContext(pod, {
      envNames: this.#options.envNames,
      hash: this.#options.hash,
      ...(this.#options.groupLabel !== undefined ? { groupLabel: this.#options.groupLabel } : {}),
    });
    let identity: PodIdentity | undefined;
    switch (decision.kind) {
      case 'traced': {
        const { traceId, parentSpanId, traceState, origin, group, source } = decision.identity;
        identity = {
          uid: pod.uid,
          name: pod.name,
          namespace: pod.namespace,
          baseName: podBaseName(pod.name, pod.generateName, pod.labels),
          nodeName: this.#options.nodeName,
          traceId,
          contextSpanId: parentSpanId ?? '',
          ...(traceState ? { traceState } : {}),
          podSpanId: this.#factory.podSpanId(traceId, pod.uid),
          origin,
          ...(group
            ? { groupKey: group.key, groupValue: group.value, groupTraceId: group.traceId }
            : {}),
        };
        notices.push({
          kind: 'podTracked',
          pod: ref,
          traceId,
          origin,
          ...(source ? { container: source.container, envName: source.envName } : {}),
          ...(group ? { groupTraceId: group.traceId } : {}),
        });
        break;
      }
      case 'notSampled':
        notices.push({ kind: 'notSampled', pod: ref, traceId: decision.traceId });
        break;
      case 'invalid':
        notices.push({
          kind: 'invalidContext',
          pod: ref,
          container: decision.container,
          envName: decision.envName,
          error: decision.error,
        });
        break;
      case 'none':
        notices.push({ kind: 'noContext', pod: ref, unresolvable: decision.unresolvable });
        break;
      case 'badGroupValue':
        notices.push({
          kind: 'noContext',
          pod: ref,
          unresolvable: decision.unresolvable,
          groupProblem: `label ${decision.key}: ${decision.problem}`,
        });
        break;
    }
    let done = false;
    if (identity && this.#finishedBeforeCutoff(pod)) {
      done = true;
      notices.push({ kind: 'catchUpSkipped', pod: ref });
    }
    return {
      ref,
      ...(identity ? { identity } : {}),
      firstSeen: now,
      emitted: new Set(),
      containers: new Map(),
      events: [],
      reasonsSeen: [],
      droppedEvents: 0,
      podSpanDone: done,
      reappeared: false,
      missing: 0,
      deleting: false,
      allTerminated: false,
      childSpans: 0,
      droppedSpans: 0,
      lastSeenAt: now,
      persistedSeenAt: now,
    };
  }

  /** A pod already finished, and finished before the catch-up cutoff. */
  #finishedBeforeCutoff(pod: KubeletPod): boolean {
    const cutoff = this.#options.catchUpCutoff;
    if (!cutoff || !TERMINAL_PHASES.has(pod.phase ?? '')) return false;
    let end = parseTime(pod.creationTimestamp);
    for (const status of [...pod.initContainerStatuses, ...pod.containerStatuses]) {
      for (const term of [status.state.terminated, status.lastState.terminated]) {
        const t = parseTime(term?.finishedAt);
        if (t && (!end || compareTime(t, end) > 0)) end = t;
      }
    }
    return end !== undefined && compareTime(end, cutoff) < 0;
  }

  /**
   * Emits a child span of the pod, within the per-pod cap and clamped to the poll time; the pod
   * span will enclose it. Returns whether it was emitted.
   */
  #child(tracked: TrackedPod, span: SpanData, run: PollRun): boolean {
    this.#mark(tracked);
    if (tracked.childSpans >= this.#options.maxSpansPerPod) {
      if (tracked.droppedSpans === 0) {
        run.notices.push({ kind: 'spanCapReached', pod: tracked.ref });
      }
      tracked.droppedSpans++;
      return false;
    }
    tracked.childSpans++;
    const final = clampToPoll(span, run.now, this.#options.futureToleranceMs);
    const start = edgeOf(final, 'start');
    const end = edgeOf(final, 'end');
    if (!tracked.childStart || compareTime(start.time, tracked.childStart.time) < 0) {
      tracked.childStart = start;
    }
    if (!tracked.childEnd || compareTime(end.time, tracked.childEnd.time) > 0) {
      tracked.childEnd = end;
    }
    run.spans.push(final);
    return true;
  }

  #update(tracked: TrackedPod, identity: PodIdentity, pod: KubeletPod, run: PollRun): void {
    if (tracked.podSpanDone && !tracked.reappeared) return;
    const { now } = run;
    if (!tracked.creation) {
      const creation = parseTime(pod.creationTimestamp);
      if (creation) {
        tracked.creation = creation;
        this.#mark(tracked);
      }
    }
    this.#set(tracked, 'phase', pod.phase);
    this.#set(tracked, 'reason', pod.reason);
    this.#set(tracked, 'deleting', pod.deletionTimestamp !== undefined);

    if (!tracked.podSpanDone) {
      const seen = parseTime(pod.annotations[SEEN_ANNOTATION]);
      if (seen && !tracked.seen) {
        tracked.seen = seen;
        this.#mark(tracked);
        this.#addEvent(tracked, 'kubelet saw pod', seen, 'kubelet', {});
      }
      if (pod.reason && !tracked.reasonsSeen.includes(pod.reason)) {
        if (tracked.reasonsSeen.length < MAX_REASONS) tracked.reasonsSeen.push(pod.reason);
        this.#addEvent(tracked, pod.reason, now, 'pod.status.reason', {});
      }
      this.#phaseSpans(tracked, identity, pod, run);
    }

    const shuttingDown =
      tracked.deleting ||
      TERMINAL_PHASES.has(pod.phase ?? '') ||
      (pod.containerStatuses.length > 0 &&
        pod.containerStatuses.every((s) => s.state.terminated !== undefined));
    const specs = new Map<string, ContainerSpec>();
    for (const c of pod.initContainers) specs.set(`init-container/${c.name}`, c);
    for (const c of pod.containers) specs.set(`container/${c.name}`, c);
    let allTerminated = true;
    for (const [role, statuses] of [
      ['init-container', pod.initContainerStatuses],
      ['container', pod.containerStatuses],
    ] as const) {
      for (const status of statuses) {
        const spec = specs.get(`${role}/${status.name}`);
        const sidecar = role === 'init-container' && spec?.restartPolicy === 'Always';
        this.#container(tracked, identity, role, status, spec, { sidecar, shuttingDown }, run);
        if (status.state.terminated === undefined) allTerminated = false;
      }
    }
    this.#set(tracked, 'allTerminated', allTerminated);

    if (!tracked.podSpanDone && TERMINAL_PHASES.has(pod.phase ?? '') && !hasOpenRuns(tracked)) {
      run.spans.push(
        this.#podSpan(
          tracked,
          identity,
          tracked.latestFinish ?? pollEdge(now, tracked.lastSeenAt),
          run,
        ),
      );
    }
  }

  #phaseSpans(tracked: TrackedPod, identity: PodIdentity, pod: KubeletPod, run: PollRun) {
    const { now } = run;
    const trueAt = (type: string): Time | undefined => {
      const c = pod.conditions.find((x) => x.type === type && x.status === 'True');
      return c ? parseTime(c.lastTransitionTime) : undefined;
    };
    const scheduled = trueAt('PodScheduled');
    const sandboxReady = trueAt('PodReadyToStartContainers');
    // Creation and scheduling happened before the kubelet saw the pod (config.seen, in ns);
    // later conditions before the poll that first shows them.
    const bySeen = tracked.seen ?? now;
    const phase = (name: string, start: TimeEdge | undefined, end: TimeEdge | undefined) => {
      if (!start || !end) return;
      const key = `phase/${name}`;
      if (tracked.emitted.has(key)) return;
      tracked.emitted.add(key);
      let span = this.#factory.phaseSpan(identity, name, start, end);
      const sandboxAt = name === 'sandbox' ? run.runtime.sandboxCreated(identity.uid) : undefined;
      if (sandboxAt) span = withSandboxCreated(span, sandboxAt);
      this.#child(tracked, span, run);
    };
    const edge = (t: Time | undefined, observedBy: Time) =>
      t ? kubeletEdge(t, observedBy) : undefined;
    phase('scheduling', edge(tracked.creation, bySeen), edge(scheduled, bySeen));
    phase('sandbox', edge(scheduled, bySeen), edge(sandboxReady, now));
    if (pod.initContainers.length > 0) {
      let firstInitStart: Time | undefined;
      for (const s of pod.initContainerStatuses) {
        const t = parseTime(s.state.terminated?.startedAt ?? s.state.running?.startedAt);
        if (t && (!firstInitStart || compareTime(t, firstInitStart) < 0)) firstInitStart = t;
      }
      phase(
        'initialization',
        edge(sandboxReady ?? firstInitStart ?? scheduled, now),
        edge(trueAt('Initialized'), now),
      );
    }
  }

  #container(
    tracked: TrackedPod,
    identity: PodIdentity,
    role: Role,
    status: ContainerStatus,
    spec: ContainerSpec | undefined,
    flags: { sidecar: boolean; shuttingDown: boolean },
    run: PollRun,
  ): void {
    const { now } = run;
    const trackKey = `${role}/${status.name}`;
    let track = tracked.containers.get(trackKey);
    if (!track) {
      track = newContainerTrack();
      tracked.containers.set(trackKey, track);
      this.#mark(tracked);
    }
    // Never go backwards: a status older than what this container already showed is ignored.
    if (status.restartCount < track.highestRestartCount) {
      this.#stale(tracked, 'restart_count_decreased', run);
      return;
    }
    if (status.restartCount > track.highestRestartCount) {
      track.highestRestartCount = status.restartCount;
      this.#mark(tracked);
    }
    const image = status.image || spec?.image;
    const running = status.state.running
      ? {
          runKey: status.containerID || `#${status.restartCount}`,
          index: status.restartCount,
          start: parseTime(status.state.running.startedAt),
        }
      : undefined;

    const finished = finishedRuns(status);
    const claimed = new Set(finished.map((f) => f.term.containerID).filter(Boolean));
    for (const { term, index, current } of finished) {
      const containerId = term.containerID || (current ? status.containerID : undefined);
      const open = track.open;
      // A run the kubelet lost (`ContainerStatusUnknown`) has no container id: it is the open
      // run when that one started no later and no other entry claims its id.
      const adopt = !containerId && open && open.index <= index && !claimed.has(open.runKey);
      const runKey = containerId || (adopt && open ? open.runKey : `#${index}`);
      const previous = doneRun(track, runKey);
      if (previous) {
        if (previous.finishedAt && term.finishedAt && previous.finishedAt !== term.finishedAt) {
          this.#stale(tracked, 'finish_changed', run);
        }
        continue;
      }
      if (isRunDone(track, runKey, index)) continue;
      const openRun = open?.runKey === runKey ? open : undefined;
      const startedAt = parseTime(term.startedAt) ?? openRun?.start;
      const start = startedAt ? kubeletEdge(startedAt, openRun?.firstSeenAt ?? now) : undefined;
      const finishedAt = parseTime(term.finishedAt);
      // No finishedAt (ContainerStatusUnknown): it ended between the last poll and this one.
      const end = finishedAt ? kubeletEdge(finishedAt, now) : pollEdge(now, tracked.lastSeenAt);
      const expectedStop =
        current && tracked.deleting
          ? ('pod_deletion' as const)
          : flags.sidecar && flags.shuttingDown
            ? ('sidecar_shutdown' as const)
            : undefined;
      const realId = containerId ?? openRun?.containerId;
      const containerRun: ContainerRun = {
        role,
        containerName: status.name,
        index,
        runKey,
        ...(realId ? { containerId: realId } : {}),
        ...(image ? { image } : {}),
        ...(start ? { start } : {}),
        end,
        ...(term.exitCode !== undefined ? { exitCode: term.exitCode } : {}),
        ...(term.signal !== undefined ? { signal: term.signal } : {}),
        ...(term.reason ? { reason: term.reason } : {}),
        unobservedRuns: openRun
          ? openRun.unobservedRuns
          : Math.max(0, index - track.highestIndex - 1),
        sidecar: flags.sidecar,
        ...(expectedStop ? { expectedStop } : {}),
      };
      markRunDone(track, {
        runKey,
        index,
        ...(term.finishedAt ? { finishedAt: term.finishedAt } : {}),
      });
      const failed = term.reason === 'OOMKilled' || (term.exitCode ?? 0) !== 0;
      if (failed && !expectedStop && !tracked.firstFailure) {
        this.#set(
          tracked,
          'firstFailure',
          `${role} ${status.name}: ${term.reason ?? 'Error'} (exit ${term.exitCode ?? 'unknown'})`,
        );
      }
      this.#runSpan(tracked, identity, containerRun, run);
      track.highestIndex = Math.max(track.highestIndex, index);
      if (openRun) track.open = undefined;
    }

    if (running && isRunDone(track, running.runKey, running.index)) {
      // Running again after it was shown terminated: an older status (stale list).
      if (status.containerID) this.#stale(tracked, 'running_after_terminated', run);
      return;
    }

    // A run seen running that is neither running now nor shown terminated was lost between
    // polls (restarted twice, or its status was dropped): end it where the next run began.
    if (track.open && track.open.runKey !== running?.runKey) {
      const end = pollEdge(running?.start ?? now, tracked.lastSeenAt);
      this.#closeOpenRun(tracked, identity, role, status.name, track, end, run);
    }

    if (running && !track.open) {
      track.open = {
        runKey: running.runKey,
        index: running.index,
        firstSeenAt: now,
        ...(running.start ? { start: running.start } : {}),
        ...(status.containerID ? { containerId: status.containerID } : {}),
        ...(image ? { image } : {}),
        unobservedRuns: Math.max(0, running.index - track.highestIndex - 1),
        ...(flags.sidecar ? { sidecar: true } : {}),
      };
      track.highestIndex = Math.max(track.highestIndex, running.index);
      this.#mark(tracked);
    }

    const waiting = status.state.waiting?.reason;
    if (waiting && !ORDINARY_WAITING.has(waiting) && !tracked.podSpanDone) {
      const marks = track.waitingMarks;
      if (marks.restartCount !== status.restartCount) {
        track.waitingMarks = { restartCount: status.restartCount, reasons: [] };
      }
      const reasons = track.waitingMarks.reasons;
      if (!reasons.includes(waiting) && reasons.length < MAX_REASONS) {
        reasons.push(waiting);
        this.#addEvent(tracked, waiting, now, 'container.waiting', {
          [ATTR.k8sContainerName]: status.name,
          [ATTR.k8sContainerRestartCount]: status.restartCount,
        });
      }
    }
  }

  #stale(tracked: TrackedPod, stale: StaleKind, run: PollRun): void {
    run.notices.push({ kind: 'staleStatus', pod: tracked.ref, stale });
  }

  /** Builds a container-run span (with the runtime's times when known) and emits it. */
  #runSpan(tracked: TrackedPod, identity: PodIdentity, containerRun: ContainerRun, run: PollRun) {
    let span = this.#factory.containerRunSpan(identity, containerRun, this.#creationEdge(tracked));
    const runtime = containerRun.containerId
      ? run.runtime.container(containerRun.containerId)
      : undefined;
    if (runtime) span = withRuntimeTimes(span, runtime);
    if (this.#child(tracked, span, run)) {
      const end = edgeOf(span, 'end');
      if (!tracked.latestFinish || compareTime(end.time, tracked.latestFinish.time) > 0) {
        tracked.latestFinish = end;
      }
    }
  }

  /** Ends the run `track` holds open at `end` (an estimate) and emits it once. */
  #closeOpenRun(
    tracked: TrackedPod,
    identity: PodIdentity,
    role: Role,
    name: string,
    track: ContainerTrack,
    end: TimeEdge,
    run: PollRun,
  ): void {
    const open: OpenRunSnapshot | undefined = track.open;
    if (!open) return;
    track.open = undefined;
    this.#mark(tracked);
    if (isRunDone(track, open.runKey, open.index)) return;
    markRunDone(track, { runKey: open.runKey, index: open.index });
    this.#runSpan(
      tracked,
      identity,
      {
        role,
        containerName: name,
        index: open.index,
        runKey: open.runKey,
        ...(open.containerId ? { containerId: open.containerId } : {}),
        ...(open.image ? { image: open.image } : {}),
        ...(open.start ? { start: kubeletEdge(open.start, open.firstSeenAt) } : {}),
        end,
        unobservedRuns: open.unobservedRuns,
        sidecar: open.sidecar === true,
        ...(tracked.deleting ? { expectedStop: 'pod_deletion' as const } : {}),
      },
      run,
    );
  }

  /** The pod left the kubelet's list: end what is still open at the poll that first missed it. */
  #finalize(tracked: TrackedPod, identity: PodIdentity, run: PollRun): void {
    const noticed = tracked.firstMissingAt ?? tracked.firstSeen;
    if (tracked.podSpanDone && !tracked.reappeared) return;
    for (const [trackKey, track] of tracked.containers) {
      if (!track.open) continue;
      const slash = trackKey.indexOf('/');
      const role = trackKey.slice(0, slash) as Role;
      const name = trackKey.slice(slash + 1);
      const end = pollEdge(noticed, tracked.lastSeenAt);
      this.#closeOpenRun(tracked, identity, role, name, track, end, run);
    }
    if (tracked.podSpanDone) return;
    const end = tracked.allTerminated && tracked.latestFinish ? tracked.latestFinish : undefined;
    run.spans.push(
      this.#podSpan(tracked, identity, end ?? pollEdge(noticed, tracked.lastSeenAt), run),
    );
  }

  /** Pod creation, narrowed by the kubelet's first sight of the pod. */
  #creationEdge(tracked: TrackedPod): TimeEdge {
    return tracked.creation
      ? kubeletEdge(tracked.creation, tracked.seen ?? tracked.firstSeen)
      : pollEdge(tracked.firstSeen);
  }

  /** The pod span: from creation to `end`, widened to enclose every child span built. */
  #podSpan(tracked: TrackedPod, identity: PodIdentity, end: TimeEdge, run: PollRun): SpanData {
    tracked.podSpanDone = true;
    tracked.emitted.add('pod/');
    this.#mark(tracked);
    let start = this.#creationEdge(tracked);
    let encloses = false;
    if (tracked.childStart && compareTime(tracked.childStart.time, start.time) < 0) {
      start = tracked.childStart;
      encloses = true;
    }
    let podEnd = end;
    if (tracked.childEnd && compareTime(tracked.childEnd.time, podEnd.time) > 0) {
      podEnd = tracked.childEnd;
      encloses = true;
    }
    const events = [...tracked.events].sort((a, b) => compareTime(a.time, b.time));
    let span = this.#factory.podSpan(
      identity,
      { start, end: podEnd, startEstimated: tracked.creation === undefined },
      {
        ...(tracked.phase ? { phase: tracked.phase } : {}),
        ...(tracked.reason ? { reason: tracked.reason } : {}),
        ...(tracked.firstFailure ? { firstFailure: tracked.firstFailure } : {}),
        failed: tracked.phase === 'Failed',
        droppedSpans: tracked.droppedSpans,
      },
      events,
      tracked.droppedEvents,
    );
    if (encloses) {
      span = { ...span, attributes: { ...span.attributes, [ATTR.timeEnclosesChildren]: true } };
    }
    return clampToPoll(span, run.now, this.#options.futureToleranceMs);
  }

  #addEvent(
    tracked: TrackedPod,
    name: string,
    time: Time,
    source: string,
    attributes: Record<string, string | number>,
  ): void {
    this.#mark(tracked);
    if (tracked.events.length >= this.#options.maxEventsPerPod) {
      tracked.droppedEvents++;
      return;
    }
    tracked.events.push({ name, time, attributes: { ...attributes, [ATTR.eventSource]: source } });
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

function refOf(pod: KubeletPod): PodRef {
  return { uid: pod.uid, namespace: pod.namespace, name: pod.name };
}

function hasOpenRuns(tracked: TrackedPod): boolean {
  for (const track of tracked.containers.values()) if (track.open) return true;
  return false;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/**
 * The terminated runs a container status shows, with their restart index: `lastState` is the
 * run before the current one (the current one itself while the container waits to restart).
 */
function finishedRuns(
  status: ContainerStatus,
): { term: TerminatedState; index: number; current: boolean }[] {
  const runs: { term: TerminatedState; index: number; current: boolean }[] = [];
  const { state, lastState } = status;
  if (lastState.terminated) {
    const index = state.waiting ? status.restartCount : status.restartCount - 1;
    runs.push({ term: lastState.terminated, index: Math.max(0, index), current: false });
  }
  if (state.terminated) {
    runs.push({ term: state.terminated, index: status.restartCount, current: true });
  }
  return runs;
}

/** A built span's start or end as an edge (its time, source and uncertainty attributes). */
function edgeOf(span: SpanData, which: 'start' | 'end'): TimeEdge {
  const source = span.attributes[which === 'start' ? ATTR.startSource : ATTR.endSource];
  const uncertainty: AttributeValue | undefined =
    span.attributes[which === 'start' ? ATTR.startUncertaintyMs : ATTR.endUncertaintyMs];
  return {
    time: which === 'start' ? span.start : span.end,
    source: source === 'cri' || source === 'poll' ? source : 'kubelet',
    uncertaintyMs: typeof uncertainty === 'number' ? uncertainty : 0,
  };
}

export type { SpanEvent };
