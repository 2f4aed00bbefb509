import { ATTR } from './attributeNames.js';
import type { ContainerSpec, ContainerStatus, KubeletPod, TerminatedState } from './kubeletPod.js';
import { podBaseName } from './podBaseName.js';
import type { HashFn, SpanData, SpanEvent } from './spanData.js';
import { type ContainerRun, clampToPoll, type PodIdentity, SpanFactory } from './spanFactory.js';
import { spanKey } from './spanIdentity.js';
import { compareTime, parseTime, type Time } from './time.js';
import { kubeletEdge, pollEdge, type TimeEdge } from './timeEdge.js';
import { findPodTraceContext } from './traceContext.js';
import type { OpenRunSnapshot, PodSnapshot, TrackerSnapshot } from './trackerSnapshot.js';

export interface PodTrackerOptions {
  /** Node the agent runs on (`k8s.node.name`). */
  readonly nodeName: string;
  /** Env var names looked up for the trace context, in order (`TRACE_CONTEXT_ENV`). */
  readonly envNames: readonly string[];
  /** Hex digest function used for deterministic span ids (sha256 in the agent). */
  readonly hash: HashFn;
  /**
   * Successful polls in a row a pod must be missing from before it counts as gone. A restarting
   * kubelet can briefly answer with an empty or partial list.
   * @default 2
   */
  readonly missingPollsBeforeGone?: number;
  /**
   * Events kept on one pod span; further ones are counted in `kse.events.dropped`.
   * @default 128
   */
  readonly maxEventsPerPod?: number;
  /**
   * Gone pods whose emitted span keys are remembered, so a uid that reappears is not emitted twice.
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
   * marked `kse.time.clamped` (node clock skew, bad data).
   * @default 60000
   */
  readonly futureToleranceMs?: number;
}

export interface PodRef {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
}

/** Something the shell should log or count; the core itself does no I/O. */
export type TrackerNotice =
  | {
      readonly kind: 'podTracked';
      readonly pod: PodRef;
      readonly traceId: string;
      readonly container: string;
      readonly envName: string;
    }
  | { readonly kind: 'noContext'; readonly pod: PodRef; readonly unresolvable: number }
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
  | { readonly kind: 'spanCapReached'; readonly pod: PodRef };

export interface ObserveResult {
  /** Spans that became final with this poll, in the order they were built. */
  readonly spans: SpanData[];
  readonly notices: TrackerNotice[];
}

/** A run seen running and not yet emitted (plain data: it is checkpointed as is). */
type OpenRun = OpenRunSnapshot;

interface ContainerTrack {
  /** Highest restart index observed in any state (-1: none yet). */
  highestIndex: number;
  open?: OpenRun;
}

interface TrackedPod {
  readonly ref: PodRef;
  /** Undefined for a pod without a usable, sampled trace context: tracked only to stay quiet. */
  readonly identity?: PodIdentity;
  readonly firstSeen: Time;
  readonly emitted: Set<string>;
  readonly containers: Map<string, ContainerTrack>;
  readonly events: SpanEvent[];
  readonly eventKeys: Set<string>;
  droppedEvents: number;
  podSpanDone: boolean;
  missing: number;
  firstMissingAt?: Time;
  creation?: Time;
  phase?: string;
  reason?: string;
  deleting: boolean;
  /** The first failed run seen, for the pod span's description: `container x: OOMKilled (exit 137)`. */
  firstFailure?: string;
  /** Latest end of any run seen. */
  latestFinish?: TimeEdge;
  /** `kubernetes.io/config.seen`: when the kubelet first saw the pod (nanoseconds). */
  seen?: Time;
  /** The last poll that listed the pod (before the one in progress, during an update). */
  lastSeenAt: Time;
  /** Whether every container status was terminated at the last poll that listed the pod. */
  allTerminated: boolean;
  /** Child spans emitted so far (capped by `maxSpansPerPod`). */
  childSpans: number;
  /** Child spans not emitted because of the cap. */
  droppedSpans: number;
}

const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);
/** Waiting reasons on the normal path; everything else is worth an event. */
const ORDINARY_WAITING = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * The per-pod lifecycle tracker: fed the selected pods of every successful poll and the time of
 * that poll, it returns the spans that became final. Pure: no I/O, no clock, no randomness.
 *
 * Never call it for a failed poll: a pod counts as gone only after it is missing from
 * `missingPollsBeforeGone` successful polls in a row.
 */
export class PodTracker {
  readonly #options: Required<Omit<PodTrackerOptions, 'catchUpCutoff'>> &
    Pick<PodTrackerOptions, 'catchUpCutoff'>;
  readonly #factory: SpanFactory;
  readonly #pods = new Map<string, TrackedPod>();
  readonly #gone = new Map<string, Set<string>>();
  /** Notices of the observe() call in progress. */
  #notices: TrackerNotice[] = [];
  /** Time of the observe() call in progress. */
  #now: Time = [0, 0];
  #revision = 0;

  constructor(options: PodTrackerOptions, snapshot?: TrackerSnapshot) {
    this.#options = {
      missingPollsBeforeGone: 2,
      maxEventsPerPod: 128,
      rememberGonePods: 2000,
      maxTrackedPods: 5000,
      maxSpansPerPod: 1000,
      futureToleranceMs: 60_000,
      ...options,
    };
    this.#factory = new SpanFactory(options.hash);
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
   * Grows whenever state worth a checkpoint changes (pods added or removed, spans built, runs
   * opened or closed, events recorded); equal revisions mean equal snapshots.
   */
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

  /** Uids of the pods currently tracked. */
  trackedUids(): IterableIterator<string> {
    return this.#pods.keys();
  }

  /** Whether any traced pod has not finished yet (the poll loop polls faster then). */
  get hasLivePods(): boolean {
    for (const pod of this.#pods.values()) if (pod.identity && !pod.podSpanDone) return true;
    return false;
  }

  observe(pods: readonly KubeletPod[], now: Time): ObserveResult {
    const spans: SpanData[] = [];
    const notices: TrackerNotice[] = [];
    this.#notices = notices;
    this.#now = now;
    const listed = new Set<string>();
    let overCap = 0;
    for (const pod of pods) {
      if (listed.has(pod.uid)) {
        notices.push({ kind: 'duplicateUid', pod: refOf(pod) });
        continue;
      }
      listed.add(pod.uid);
      let tracked = this.#pods.get(pod.uid);
      if (!tracked) {
        if (this.#pods.size >= this.#options.maxTrackedPods) {
          overCap++;
          continue;
        }
        tracked = this.#startTracking(pod, now, notices);
        this.#pods.set(pod.uid, tracked);
        this.#revision++;
      }
      tracked.missing = 0;
      tracked.firstMissingAt = undefined;
      if (tracked.identity) this.#update(tracked, tracked.identity, pod, now, spans);
      tracked.lastSeenAt = now;
    }
    for (const [uid, tracked] of this.#pods) {
      if (listed.has(uid)) continue;
      tracked.missing++;
      if (tracked.missing === 1) tracked.firstMissingAt = now;
      if (tracked.missing < this.#options.missingPollsBeforeGone) continue;
      if (tracked.identity) this.#finalize(tracked, tracked.identity, spans);
      this.#pods.delete(uid);
      this.#revision++;
      this.#remember(uid, tracked.emitted);
      notices.push({ kind: 'podGone', pod: tracked.ref, traced: tracked.identity !== undefined });
    }
    if (overCap > 0) notices.push({ kind: 'podCapReached', skipped: overCap });
    return { spans, notices };
  }

  #startTracking(pod: KubeletPod, now: Time, notices: TrackerNotice[]): TrackedPod {
    const ref = refOf(pod);
    const found = findPodTraceContext(pod, this.#options.envNames);
    let identity: PodIdentity | undefined;
    switch (found.kind) {
      case 'found': {
        const { traceId, spanId, traceState } = found.context;
        identity = {
          uid: pod.uid,
          name: pod.name,
          namespace: pod.namespace,
          baseName: podBaseName(pod.name, pod.generateName, pod.labels),
          nodeName: this.#options.nodeName,
          traceId,
          contextSpanId: spanId,
          ...(traceState ? { traceState } : {}),
          podSpanId: this.#factory.podSpanId(traceId, pod.uid),
        };
        notices.push({
          kind: 'podTracked',
          pod: ref,
          traceId,
          container: found.container,
          envName: found.envName,
        });
        break;
      }
      case 'notSampled':
        notices.push({ kind: 'notSampled', pod: ref, traceId: found.context.traceId });
        break;
      case 'invalid':
        notices.push({
          kind: 'invalidContext',
          pod: ref,
          container: found.container,
          envName: found.envName,
          error: found.error,
        });
        break;
      case 'none':
        notices.push({ kind: 'noContext', pod: ref, unresolvable: found.unresolvable });
        break;
    }
    const remembered = this.#gone.get(pod.uid);
    this.#gone.delete(pod.uid);
    let done = remembered?.has(spanKey(identity?.traceId ?? '', pod.uid, 'pod')) ?? false;
    if (identity && !done && this.#finishedBeforeCutoff(pod)) {
      done = true;
      notices.push({ kind: 'catchUpSkipped', pod: ref });
    }
    return {
      ref,
      ...(identity ? { identity } : {}),
      firstSeen: now,
      emitted: remembered ?? new Set(),
      containers: new Map(),
      events: [],
      eventKeys: new Set(),
      droppedEvents: 0,
      podSpanDone: done,
      missing: 0,
      deleting: false,
      allTerminated: false,
      childSpans: 0,
      droppedSpans: 0,
      lastSeenAt: now,
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

  /** Emits a child span of the pod, within the per-pod cap and clamped to the poll time. */
  #child(tracked: TrackedPod, span: SpanData, spans: SpanData[]): void {
    this.#revision++;
    if (tracked.childSpans >= this.#options.maxSpansPerPod) {
      if (tracked.droppedSpans === 0) {
        this.#notices.push({ kind: 'spanCapReached', pod: tracked.ref });
      }
      tracked.droppedSpans++;
      return;
    }
    tracked.childSpans++;
    spans.push(clampToPoll(span, this.#now, this.#options.futureToleranceMs));
  }

  #update(
    tracked: TrackedPod,
    identity: PodIdentity,
    pod: KubeletPod,
    now: Time,
    spans: SpanData[],
  ): void {
    if (tracked.podSpanDone) return;
    tracked.creation ??= parseTime(pod.creationTimestamp);
    tracked.phase = pod.phase;
    tracked.reason = pod.reason;
    tracked.deleting = pod.deletionTimestamp !== undefined;

    const seen = parseTime(pod.annotations['kubernetes.io/config.seen']);
    if (seen) {
      tracked.seen ??= seen;
      this.#addEvent(tracked, 'kubelet-saw', 'kubelet saw pod', seen, 'kubelet', {});
    }
    if (pod.reason) {
      this.#addEvent(tracked, `reason/${pod.reason}`, pod.reason, now, 'pod.status.reason', {});
    }

    this.#phaseSpans(tracked, identity, pod, now, spans);

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
        this.#container(tracked, identity, role, status, spec, sidecar, shuttingDown, now, spans);
        if (status.state.terminated === undefined) allTerminated = false;
      }
    }
    tracked.allTerminated = allTerminated;

    if (TERMINAL_PHASES.has(pod.phase ?? '') && !this.#hasOpenRuns(tracked)) {
      spans.push(
        this.#podSpan(tracked, identity, tracked.latestFinish ?? pollEdge(now, tracked.lastSeenAt)),
      );
    }
  }

  #phaseSpans(
    tracked: TrackedPod,
    identity: PodIdentity,
    pod: KubeletPod,
    now: Time,
    spans: SpanData[],
  ) {
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
      const key = spanKey(identity.traceId, identity.uid, 'phase', name);
      if (tracked.emitted.has(key)) return;
      tracked.emitted.add(key);
      this.#child(tracked, this.#factory.phaseSpan(identity, name, start, end), spans);
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
    role: 'init-container' | 'container',
    status: ContainerStatus,
    spec: ContainerSpec | undefined,
    sidecar: boolean,
    shuttingDown: boolean,
    now: Time,
    spans: SpanData[],
  ): void {
    const trackKey = `${role}/${status.name}`;
    let track = tracked.containers.get(trackKey);
    if (!track) {
      track = { highestIndex: -1 };
      tracked.containers.set(trackKey, track);
    }
    // A status older than what this container already showed (a stale list): ignore it.
    if (track.open && status.restartCount < track.open.index) return;
    const image = status.image || spec?.image;
    const { state, lastState } = status;

    const finished: { term: TerminatedState; index: number; current: boolean }[] = [];
    if (lastState.terminated) {
      const index = state.waiting ? status.restartCount : status.restartCount - 1;
      finished.push({ term: lastState.terminated, index: Math.max(0, index), current: false });
    }
    if (state.terminated) {
      finished.push({ term: state.terminated, index: status.restartCount, current: true });
    }
    const running = state.running
      ? {
          runKey: status.containerID || `#${status.restartCount}`,
          index: status.restartCount,
          start: parseTime(state.running.startedAt),
        }
      : undefined;

    for (const { term, index, current } of finished) {
      const containerId = term.containerID || (current ? status.containerID : undefined);
      const runKey = containerId || `#${index}`;
      const key = spanKey(identity.traceId, identity.uid, role, status.name, runKey);
      if (tracked.emitted.has(key)) continue;
      const open = track.open?.runKey === runKey ? track.open : undefined;
      const startedAt = parseTime(term.startedAt) ?? open?.start;
      const start = startedAt ? kubeletEdge(startedAt, open?.firstSeenAt ?? now) : undefined;
      const finishedAt = parseTime(term.finishedAt);
      // No finishedAt (ContainerStatusUnknown): it ended between the last poll and this one.
      const end = finishedAt ? kubeletEdge(finishedAt, now) : pollEdge(now, tracked.lastSeenAt);
      this.#noteFinish(tracked, end);
      const expectedStop =
        current && tracked.deleting
          ? ('pod_deletion' as const)
          : sidecar && shuttingDown
            ? ('sidecar_shutdown' as const)
            : undefined;
      const run: ContainerRun = {
        role,
        containerName: status.name,
        index,
        runKey,
        ...(containerId ? { containerId } : {}),
        ...(image ? { image } : {}),
        ...(start ? { start } : {}),
        end,
        ...(term.exitCode !== undefined ? { exitCode: term.exitCode } : {}),
        ...(term.signal !== undefined ? { signal: term.signal } : {}),
        ...(term.reason ? { reason: term.reason } : {}),
        unobservedRuns: open ? open.unobservedRuns : Math.max(0, index - track.highestIndex - 1),
        sidecar,
        ...(expectedStop ? { expectedStop } : {}),
      };
      tracked.emitted.add(key);
      const failed = term.reason === 'OOMKilled' || (term.exitCode ?? 0) !== 0;
      if (failed && !expectedStop && !tracked.firstFailure) {
        tracked.firstFailure = `${role} ${status.name}: ${term.reason ?? 'Error'} (exit ${term.exitCode ?? 'unknown'})`;
      }
      this.#child(
        tracked,
        this.#factory.containerRunSpan(identity, run, this.#creationEdge(tracked)),
        spans,
      );
      track.highestIndex = Math.max(track.highestIndex, index);
      if (open) track.open = undefined;
    }

    // A run seen running that is neither running now nor shown terminated was lost between
    // polls (restarted twice, or its status was dropped): end it where the next run began.
    if (track.open && track.open.runKey !== running?.runKey) {
      const end = pollEdge(running?.start ?? now, tracked.lastSeenAt);
      this.#closeOpenRun(tracked, identity, role, status.name, track, end, sidecar, spans);
    }

    if (running) {
      const key = spanKey(identity.traceId, identity.uid, role, status.name, running.runKey);
      if (!tracked.emitted.has(key) && !track.open) {
        track.open = {
          runKey: running.runKey,
          index: running.index,
          firstSeenAt: now,
          ...(running.start ? { start: running.start } : {}),
          ...(status.containerID ? { containerId: status.containerID } : {}),
          ...(image ? { image } : {}),
          unobservedRuns: Math.max(0, running.index - track.highestIndex - 1),
        };
        track.highestIndex = Math.max(track.highestIndex, running.index);
        this.#revision++;
      }
    }

    const waiting = state.waiting?.reason;
    if (waiting && !ORDINARY_WAITING.has(waiting)) {
      this.#addEvent(
        tracked,
        `waiting/${trackKey}/${waiting}/${status.restartCount}`,
        waiting,
        now,
        'container.waiting',
        {
          [ATTR.k8sContainerName]: status.name,
          [ATTR.k8sContainerRestartCount]: status.restartCount,
        },
      );
    }
  }

  /** Ends the run `track` holds open at `end` (an estimate) and emits it once. */
  #closeOpenRun(
    tracked: TrackedPod,
    identity: PodIdentity,
    role: 'init-container' | 'container',
    name: string,
    track: ContainerTrack,
    end: TimeEdge,
    sidecar: boolean,
    spans: SpanData[],
  ): void {
    const open = track.open;
    if (!open) return;
    track.open = undefined;
    const key = spanKey(identity.traceId, identity.uid, role, name, open.runKey);
    if (tracked.emitted.has(key)) return;
    tracked.emitted.add(key);
    this.#child(
      tracked,
      this.#openRunSpan(tracked, identity, role, name, open, end, { sidecar }),
      spans,
    );
  }

  #openRunSpan(
    tracked: TrackedPod,
    identity: PodIdentity,
    role: 'init-container' | 'container',
    name: string,
    open: OpenRun,
    end: TimeEdge,
    flags: { sidecar: boolean },
  ): SpanData {
    return this.#factory.containerRunSpan(
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
        sidecar: flags.sidecar,
        ...(tracked.deleting ? { expectedStop: 'pod_deletion' as const } : {}),
      },
      this.#creationEdge(tracked),
    );
  }

  /** The pod left the kubelet's list: end what is still open at the poll that noticed. */
  #finalize(tracked: TrackedPod, identity: PodIdentity, spans: SpanData[]): void {
    const noticed = tracked.firstMissingAt ?? tracked.firstSeen;
    if (tracked.podSpanDone) return;
    for (const [trackKey, track] of tracked.containers) {
      if (!track.open) continue;
      const slash = trackKey.indexOf('/');
      const role = trackKey.slice(0, slash) as 'init-container' | 'container';
      const name = trackKey.slice(slash + 1);
      const end = pollEdge(noticed, tracked.lastSeenAt);
      this.#closeOpenRun(tracked, identity, role, name, track, end, false, spans);
    }
    const end = tracked.allTerminated && tracked.latestFinish ? tracked.latestFinish : undefined;
    spans.push(this.#podSpan(tracked, identity, end ?? pollEdge(noticed, tracked.lastSeenAt)));
  }

  /** Pod creation, narrowed by the kubelet's first sight of the pod. */
  #creationEdge(tracked: TrackedPod): TimeEdge {
    return tracked.creation
      ? kubeletEdge(tracked.creation, tracked.seen ?? tracked.firstSeen)
      : pollEdge(tracked.firstSeen);
  }

  #noteFinish(tracked: TrackedPod, end: TimeEdge): void {
    if (!tracked.latestFinish || compareTime(end.time, tracked.latestFinish.time) > 0) {
      tracked.latestFinish = end;
    }
  }

  #podSpan(tracked: TrackedPod, identity: PodIdentity, end: TimeEdge): SpanData {
    tracked.podSpanDone = true;
    this.#revision++;
    tracked.emitted.add(spanKey(identity.traceId, identity.uid, 'pod'));
    const events = [...tracked.events].sort((a, b) => compareTime(a.time, b.time));
    const span = this.#factory.podSpan(
      identity,
      {
        start: this.#creationEdge(tracked),
        end,
        startEstimated: tracked.creation === undefined,
      },
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
    return clampToPoll(span, this.#now, this.#options.futureToleranceMs);
  }

  #hasOpenRuns(tracked: TrackedPod): boolean {
    for (const track of tracked.containers.values()) if (track.open) return true;
    return false;
  }

  #addEvent(
    tracked: TrackedPod,
    key: string,
    name: string,
    time: Time,
    source: string,
    attributes: Record<string, string | number>,
  ): void {
    if (tracked.eventKeys.has(key)) return;
    tracked.eventKeys.add(key);
    this.#revision++;
    if (tracked.events.length >= this.#options.maxEventsPerPod) {
      tracked.droppedEvents++;
      return;
    }
    tracked.events.push({ name, time, attributes: { ...attributes, [ATTR.eventSource]: source } });
  }

  #remember(uid: string, emitted: Set<string>): void {
    this.#gone.set(uid, emitted);
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

/** What every span key of the pod starts with (see `spanKey`). */
function keyPrefix(pod: Pick<TrackedPod, 'identity' | 'ref'>): string {
  return pod.identity ? `${pod.identity.traceId}/${pod.ref.uid}/` : '';
}

function toSnapshot(pod: TrackedPod): PodSnapshot {
  return {
    ref: pod.ref,
    ...(pod.identity ? { identity: pod.identity } : {}),
    firstSeen: pod.firstSeen,
    // Keys share the `traceId/uid/` prefix: stored without it (a third of a pod's checkpoint).
    emitted: [...pod.emitted].map((key) => key.slice(keyPrefix(pod).length)),
    containers: [...pod.containers].map(([key, track]) => ({
      key,
      highestIndex: track.highestIndex,
      ...(track.open ? { open: track.open } : {}),
    })),
    events: pod.events,
    eventKeys: [...pod.eventKeys],
    droppedEvents: pod.droppedEvents,
    podSpanDone: pod.podSpanDone,
    missing: pod.missing,
    ...(pod.firstMissingAt ? { firstMissingAt: pod.firstMissingAt } : {}),
    ...(pod.creation ? { creation: pod.creation } : {}),
    ...(pod.phase ? { phase: pod.phase } : {}),
    ...(pod.reason ? { reason: pod.reason } : {}),
    deleting: pod.deleting,
    ...(pod.latestFinish ? { latestFinish: pod.latestFinish } : {}),
    ...(pod.seen ? { seen: pod.seen } : {}),
    ...(pod.firstFailure ? { firstFailure: pod.firstFailure } : {}),
    lastSeenAt: pod.lastSeenAt,
    allTerminated: pod.allTerminated,
    childSpans: pod.childSpans,
    droppedSpans: pod.droppedSpans,
  };
}

function fromSnapshot(pod: PodSnapshot): TrackedPod {
  return {
    ...pod,
    emitted: new Set(pod.emitted.map((suffix) => keyPrefix(pod) + suffix)),
    containers: new Map(
      pod.containers.map((c) => [
        c.key,
        { highestIndex: c.highestIndex, ...(c.open ? { open: c.open } : {}) },
      ]),
    ),
    events: [...pod.events],
    eventKeys: new Set(pod.eventKeys),
  };
}
