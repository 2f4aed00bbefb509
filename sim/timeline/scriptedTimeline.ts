/**
 * Turns a {@link ScriptedTimelineDocument} (already merged with what it `extends`) into a
 * playable {@link Timeline}: pods through `podAt` at each second, filler pods from
 * `unrelatedPod`, trace spans and container exits resolved to seconds after the start.
 *
 * Plain module (no test-framework imports).
 */
import {
  type ContainerScript,
  type PodScript,
  podAt,
  type RunScript,
  unrelatedPod,
} from '../podBuilder.js';
import {
  type ContainerEntry,
  epochSeconds,
  isoSeconds,
  type PodEntry,
  type ScriptedExit,
  type ScriptedTimelineDocument,
  type Timeline,
  TimelineError,
  type TimelineTime,
  type TraceSpanScript,
} from './timeline.js';

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
/** Filler pods beyond this are refused (a typo should not build gigabytes). */
const MAX_UNRELATED_PODS = 5000;
/** Rendered pods kept between calls (a pod is re-rendered at most once per second played). */
const MAX_CACHED_ITEMS = 4000;

/** Seconds after `start` of a timeline time; whole seconds only, as the kubelet reports. */
function toSeconds(time: TimelineTime, start: number, what: string): number {
  if (typeof time === 'number') {
    if (!Number.isInteger(time)) throw new TimelineError(`${what}: whole seconds only (${time})`);
    return time;
  }
  if (typeof time !== 'string') throw new TimelineError(`${what}: expected seconds or RFC 3339`);
  const ms = Date.parse(time);
  if (ms % 1000 !== 0) throw new TimelineError(`${what}: whole seconds only (${time})`);
  return epochSeconds(time, what) - start;
}

interface ResolvedRun {
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly exitCode?: number;
  readonly reason?: string;
}
interface ResolvedContainer {
  readonly entry: ContainerEntry;
  readonly runs: readonly ResolvedRun[];
}
interface ResolvedPod {
  readonly entry: PodEntry;
  readonly namespace: string;
  readonly created: number;
  readonly scheduled?: number;
  readonly deleted?: number;
  readonly removed?: number;
  readonly inits: readonly ResolvedContainer[];
  readonly mains: readonly ResolvedContainer[];
}

function resolveContainer(c: ContainerEntry, start: number, where: string): ResolvedContainer {
  if (typeof c?.name !== 'string' || c.name === '') {
    throw new TimelineError(`${where}: container without a name`);
  }
  if (!Array.isArray(c.runs)) throw new TimelineError(`${where}/${c.name}: runs must be a list`);
  let previousEnd = Number.NEGATIVE_INFINITY;
  const runs = c.runs.map((r, i) => {
    const at = `${where}/${c.name} run ${i}`;
    const startedAt = toSeconds(r.startedAt, start, `${at} startedAt`);
    const finishedAt =
      r.finishedAt === undefined ? undefined : toSeconds(r.finishedAt, start, `${at} finishedAt`);
    if (startedAt < previousEnd) throw new TimelineError(`${at}: starts before the previous ends`);
    if (finishedAt !== undefined && finishedAt < startedAt) {
      throw new TimelineError(`${at}: finishes before it starts`);
    }
    if (finishedAt === undefined && i < c.runs.length - 1) {
      throw new TimelineError(`${at}: only the last run may be unfinished`);
    }
    previousEnd = finishedAt ?? Number.POSITIVE_INFINITY;
    return {
      startedAt,
      ...(finishedAt !== undefined ? { finishedAt } : {}),
      ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
    };
  });
  return { entry: c, runs };
}

function resolvePod(p: PodEntry, start: number, index: number): ResolvedPod {
  const where = `pods[${index}]${typeof p?.name === 'string' ? ` (${p.name})` : ''}`;
  if (typeof p?.name !== 'string' || p.name === '') throw new TimelineError(`${where}: no name`);
  if (p.creationTimestamp === undefined) {
    throw new TimelineError(`${where}: no creationTimestamp`);
  }
  if (!Array.isArray(p.containers) || p.containers.length === 0) {
    throw new TimelineError(`${where}: containers must be a non-empty list`);
  }
  const created = toSeconds(p.creationTimestamp, start, `${where} creationTimestamp`);
  const opt = (time: TimelineTime | undefined, what: string) =>
    time === undefined ? undefined : toSeconds(time, start, `${where} ${what}`);
  const removed = opt(p.removedAt, 'removedAt');
  if (removed !== undefined && removed <= created) {
    throw new TimelineError(`${where}: removedAt must be after creationTimestamp`);
  }
  const scheduled = opt(p.scheduledAt, 'scheduledAt');
  const deleted = opt(p.deletedAt, 'deletedAt');
  return {
    entry: p,
    namespace: p.namespace ?? 'default',
    created,
    ...(scheduled !== undefined ? { scheduled } : {}),
    ...(deleted !== undefined ? { deleted } : {}),
    ...(removed !== undefined ? { removed } : {}),
    inits: (p.initContainers ?? []).map((c) => resolveContainer(c, start, where)),
    mains: p.containers.map((c) => resolveContainer(c, start, where)),
  };
}

function resolveSpans(doc: ScriptedTimelineDocument, start: number): TraceSpanScript[] {
  return (doc.traceSpans ?? []).map((s, i) => {
    const where = `traceSpans[${i}]${typeof s?.name === 'string' ? ` (${s.name})` : ''}`;
    const traceId = s.traceId ?? doc.traceId;
    if (typeof s.name !== 'string' || typeof s.service !== 'string') {
      throw new TimelineError(`${where}: name and service are required`);
    }
    if (traceId === undefined || !HEX32.test(traceId)) {
      throw new TimelineError(`${where}: traceId must be 32 lowercase hex digits`);
    }
    if (!HEX16.test(s.spanId)) throw new TimelineError(`${where}: spanId must be 16 hex digits`);
    if (s.parentSpanId !== undefined && !HEX16.test(s.parentSpanId)) {
      throw new TimelineError(`${where}: parentSpanId must be 16 hex digits`);
    }
    const startSeconds = toSeconds(s.start, start, `${where} start`);
    const endSeconds = toSeconds(s.end, start, `${where} end`);
    if (endSeconds < startSeconds) throw new TimelineError(`${where}: ends before it starts`);
    return {
      name: s.name,
      service: s.service,
      traceId,
      spanId: s.spanId,
      ...(s.parentSpanId !== undefined ? { parentSpanId: s.parentSpanId } : {}),
      startSeconds,
      endSeconds,
      attributes: { ...(s.attributes ?? {}) },
      ...(s.error !== undefined ? { error: s.error } : {}),
    };
  });
}

function exitsOf(pods: readonly ResolvedPod[]): ScriptedExit[] {
  const exits: ScriptedExit[] = [];
  for (const pod of pods) {
    for (const c of [...pod.inits, ...pod.mains]) {
      c.runs.forEach((run, i) => {
        if (run.finishedAt === undefined) return;
        if (pod.removed !== undefined && run.finishedAt >= pod.removed) return;
        exits.push({
          key: `${pod.namespace}/${pod.entry.name}/${c.entry.name}/${i}`,
          namespace: pod.namespace,
          pod: pod.entry.name,
          container: c.entry.name,
          run: i,
          exitCode: run.exitCode ?? 0,
          atSeconds: run.finishedAt,
          ...(pod.removed !== undefined ? { removedSeconds: pod.removed } : {}),
        });
      });
    }
  }
  return exits.sort((a, b) => a.atSeconds - b.atSeconds);
}

function latestMentioned(pods: readonly ResolvedPod[], spans: readonly TraceSpanScript[]): number {
  let latest = 0;
  for (const p of pods) {
    for (const t of [p.created, p.scheduled, p.deleted, p.removed]) {
      if (t !== undefined) latest = Math.max(latest, t);
    }
    for (const c of [...p.inits, ...p.mains]) {
      for (const r of c.runs) latest = Math.max(latest, r.startedAt, r.finishedAt ?? 0);
    }
  }
  for (const s of spans) latest = Math.max(latest, s.endSeconds);
  return latest;
}

/** The {@link PodScript} of a pod with its times as RFC 3339 at `base + t`. */
function podScriptAt(pod: ResolvedPod, base: number): PodScript {
  const iso = (t: number) => isoSeconds(base + t);
  const container = (c: ResolvedContainer): ContainerScript => ({
    ...c.entry,
    runs: c.runs.map(
      (r): RunScript => ({
        startedAt: iso(r.startedAt),
        ...(r.finishedAt !== undefined ? { finishedAt: iso(r.finishedAt) } : {}),
        ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
      }),
    ),
  });
  const {
    removedAt: _removed,
    creationTimestamp: _created,
    scheduledAt: _scheduled,
    deletedAt: _deleted,
    initContainers: _inits,
    containers: _mains,
    ...rest
  } = pod.entry;
  return {
    ...rest,
    creationTimestamp: iso(pod.created),
    ...(pod.scheduled !== undefined ? { scheduledAt: iso(pod.scheduled) } : {}),
    ...(pod.deleted !== undefined ? { deletedAt: iso(pod.deleted) } : {}),
    ...(pod.inits.length > 0 ? { initContainers: pod.inits.map(container) } : {}),
    containers: pod.mains.map(container),
  };
}

/** Checks a merged document and makes it playable. Throws {@link TimelineError}. */
export function scriptedTimeline(doc: ScriptedTimelineDocument): Timeline {
  if (doc?.kind !== 'ScriptedTimeline') {
    throw new TimelineError('kind: expected ScriptedTimeline');
  }
  if (typeof doc.node !== 'string' || doc.node === '') throw new TimelineError('node: required');
  const start = epochSeconds(doc.start, 'start');
  if (Date.parse(doc.start) % 1000 !== 0) throw new TimelineError('start: whole seconds only');
  const unrelated = doc.unrelatedPods ?? 0;
  if (!Number.isInteger(unrelated) || unrelated < 0 || unrelated > MAX_UNRELATED_PODS) {
    throw new TimelineError(`unrelatedPods: an integer from 0 to ${MAX_UNRELATED_PODS}`);
  }
  const pods = (doc.pods ?? []).map((p, i) => resolvePod(p, start, i));
  const seen = new Set<string>();
  for (const p of pods) {
    const id = `${p.namespace}/${p.entry.name}`;
    if (seen.has(id)) throw new TimelineError(`pods: ${id} appears twice`);
    seen.add(id);
  }
  const traceSpans = resolveSpans(doc, start);
  const endSeconds =
    doc.end === undefined
      ? latestMentioned(pods, traceSpans) + 3
      : toSeconds(doc.end, start, 'end');
  if (endSeconds < 0) throw new TimelineError('end: before start');

  // Filler pods do not change over time and are not moved: like real long-running pods.
  const filler = Array.from({ length: unrelated }, (_, i) =>
    JSON.stringify(unrelatedPod(i, doc.node)),
  );
  let cacheShift = 0;
  let scripts = pods.map((p) => podScriptAt(p, start));
  const cache = new Map<string, string>();

  return {
    name: doc.name ?? 'scripted timeline',
    nodeName: doc.node,
    startEpochSeconds: start,
    endSeconds,
    traceSpans,
    exits: exitsOf(pods),
    itemsAt(t, shiftSeconds) {
      if (shiftSeconds !== cacheShift) {
        cacheShift = shiftSeconds;
        scripts = pods.map((p) => podScriptAt(p, start + shiftSeconds));
        cache.clear();
      }
      const items = [...filler];
      pods.forEach((p, i) => {
        if (t < p.created || (p.removed !== undefined && t >= p.removed)) return;
        const key = `${i}@${t}`;
        let text = cache.get(key);
        if (text === undefined) {
          if (cache.size >= MAX_CACHED_ITEMS) cache.clear();
          text = JSON.stringify(
            podAt(scripts[i] as PodScript, isoSeconds(start + shiftSeconds + t)),
          );
          cache.set(key, text);
        }
        items.push(text);
      });
      return items;
    },
  };
}
