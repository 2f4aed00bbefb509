/**
 * Plays a {@link Timeline} through the kubelet stand-in: at every second `t` of the timeline the
 * stand-in serves exactly the pods a kubelet would list then (second-precision times, removed
 * pods gone). One simulator for the tests (`seek`), the demo and the benchmark (`play`).
 *
 * Time frames: second `t` is served as `timeline start + shiftSeconds + t`. Without `rebase` the
 * shift is 0 (the timeline's own dates, for tests). With `rebase` the shift is chosen so that the
 * served clock never runs ahead of the wall clock and reaches it when play ends: at speed 1 the
 * served times are the wall clock, faster plays start in the recent past. The agent then treats
 * the pods as current (its catch-up window skips old finished pods, and it clamps times more than
 * a minute in the future).
 *
 * As a real kubelet: the stand-in shuffles the items per request; with `statusLagMs` a change of
 * an ordinary pod reaches `/pods` that long after it happened (the kubelet lists the status its
 * API-server watch echoed back), while static pods (`config.source: file`) show theirs at once;
 * {@link NodeSimulator.restart} plays a kubelet restart through the stand-in.
 *
 * With `podsApi` the same seconds also feed a simulated kubelet Pods API (`setPods` with the pods
 * `/pods` serves, parsed), but WITHOUT the status lag: the Pods API reads the kubelet's status
 * manager, so an ordinary pod's change reaches the watch at the second it happens, while `/pods`
 * may still echo the older status. A restart drops the open watches (`UNAVAILABLE`) and answers
 * `FAILED_PRECONDITION` until the stand-in serves the whole list again.
 *
 * Plain module (no test-framework imports).
 */
import { status } from '@grpc/grpc-js';
import type { KubeletStandIn, RestartOptions } from '../kubeletStandIn.js';
import type { RawObject } from '../podBuilder.js';
import type { PodsApiServer } from '../podsapi/podsApiServer.js';
import { isoSeconds, type ScriptedExit, type Timeline } from './timeline.js';

export interface NodeSimulatorOptions {
  readonly timeline: Timeline;
  /** Where the bodies go (the stand-in's `setBody`; `restart` for {@link NodeSimulator.restart}). */
  readonly standIn: Pick<KubeletStandIn, 'setBody'> & Partial<Pick<KubeletStandIn, 'restart'>>;
  /**
   * How long after a served second the ordinary pods show it (ms): until then `/pods` lists the
   * static pods of the new second and the other pods as they were (the API-server round trip of
   * the kubelet's status). A few hundred ms on a real node. @default 0
   */
  readonly statusLagMs?: number;
  /**
   * A simulated kubelet Pods API fed the same pods as `/pods`, at once (no status lag);
   * `dropWatches` and `initializing` play a restart on it too. @default none
   */
  readonly podsApi?: Pick<PodsApiServer, 'setPods'> &
    Partial<Pick<PodsApiServer, 'dropWatches' | 'initializing'>>;
  /** Timer of the status lag (tests pass a manual one); returns a cancel function. @default setTimeout */
  readonly schedule?: (run: () => void, ms: number) => () => void;
  /** Timeline seconds per wall-clock second. @default 1 */
  readonly speed?: number;
  /** Second of the timeline where play starts. @default 0 */
  readonly offsetSeconds?: number;
  /** Move served times next to the wall clock (see above). @default false */
  readonly rebase?: boolean;
  /** An explicit shift (whole seconds), for callers that plan their own schedule; wins over `rebase`. */
  readonly shiftSeconds?: number;
  /** Called after each second is served. */
  readonly onStep?: (t: number) => void;
  /** Wall clock, ms since the epoch. @default Date.now */
  readonly now?: () => number;
}

export interface NodeSimulator {
  readonly timeline: Timeline;
  /** Seconds added to every time of the timeline when served. */
  readonly shiftSeconds: number;
  readonly speed: number;
  /** The second currently served (undefined before the first `seek`/`play`). */
  readonly current: number | undefined;
  /** RFC 3339 (whole seconds) that second `t` is served as. */
  isoAt(t: number): string;
  /** The `/pods` body of second `t` (compact JSON and a newline, as the kubelet sends). */
  bodyAt(t: number): string;
  /** Serves second `t` now (stops a play in progress). */
  seek(t: number): void;
  /**
   * Serves every second from `offsetSeconds` (or the one after the current) up to `until`
   * (default the timeline's end) at `speed` (default the simulator's); resolves when the last
   * one is served or on `stop`.
   */
  play(until?: number, speed?: number): Promise<void>;
  /** Stops a play in progress (its promise resolves). */
  stop(): void;
  /**
   * Plays a kubelet restart through the stand-in (refused, empty, partial, whole): every pod
   * listed then gets a new `config.seen` at the second being served. Play goes on meanwhile.
   */
  restart(options: Omit<RestartOptions, 'seenAtEpochSeconds'>): Promise<void>;
  /**
   * Wall time (ms) when each scripted exit was first served, by {@link ScriptedExit.key} (after
   * the status lag: when `/pods` first showed it).
   */
  readonly servedExits: ReadonlyMap<string, number>;
}

/** A pod the kubelet read from a manifest file: its status skips the API-server round trip. */
function isStaticPodText(item: string): boolean {
  return item.includes('"kubernetes.io/config.source":"file"');
}

/** `{"kind":"PodList",...,"items":[...]}` + newline from pod JSON texts (as `podListBody`). */
function podListText(items: readonly string[]): string {
  return `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[${items.join(',')}]}\n`;
}

export function createNodeSimulator(options: NodeSimulatorOptions): NodeSimulator {
  const { timeline, standIn } = options;
  const speed = options.speed ?? 1;
  if (!(speed > 0 && Number.isFinite(speed))) throw new RangeError(`speed must be > 0: ${speed}`);
  const offset = options.offsetSeconds ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > timeline.endSeconds) {
    throw new RangeError(`offset must be a whole second within 0..${timeline.endSeconds}`);
  }
  const now = options.now ?? Date.now;
  const lag = options.statusLagMs ?? 0;
  if (!(lag >= 0 && Number.isFinite(lag))) throw new RangeError(`statusLagMs must be >= 0: ${lag}`);
  const schedule =
    options.schedule ??
    ((run: () => void, ms: number) => {
      const handle = setTimeout(run, ms);
      return () => clearTimeout(handle);
    });
  const remaining = timeline.endSeconds - offset;
  if (options.shiftSeconds !== undefined && !Number.isInteger(options.shiftSeconds)) {
    throw new RangeError(`shiftSeconds must be whole seconds: ${options.shiftSeconds}`);
  }
  const shiftSeconds =
    options.shiftSeconds ??
    (options.rebase
      ? Math.floor(now() / 1000) +
        Math.ceil(remaining / speed) -
        (timeline.startEpochSeconds + timeline.endSeconds)
      : 0);

  let current: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let finishPlay: (() => void) | undefined;
  const servedExits = new Map<string, number>();

  const bodyAt = (t: number) => podListText(timeline.itemsAt(t, shiftSeconds));
  const listed = (exit: ScriptedExit, t: number) =>
    exit.atSeconds <= t && (exit.removedSeconds === undefined || t < exit.removedSeconds);
  /** Records the exits of second `t` now listed (of the pods `only` names, if given). */
  const recordExits = (t: number, only?: ReadonlySet<string>): void => {
    const at = now();
    for (const exit of timeline.exits) {
      if (exit.atSeconds > t) break;
      if (only !== undefined && !only.has(`${exit.namespace}/${exit.pod}`)) continue;
      if (!servedExits.has(exit.key) && listed(exit, t)) servedExits.set(exit.key, at);
    }
  };
  const podIds = (items: readonly string[]): Set<string> =>
    new Set(
      items.map((text) => {
        const { metadata } = JSON.parse(text) as {
          metadata: { name: string; namespace?: string };
        };
        return `${metadata.namespace ?? 'default'}/${metadata.name}`;
      }),
    );

  /** Ordinary pods as the kubelet's API view has them (after the lag); undefined before any. */
  let apiView: readonly string[] | undefined;
  /** Static pods of the second served last (no lag). */
  let staticView: readonly string[] = [];
  const pendingLag = new Set<() => void>();
  const publish = (): void => standIn.setBody(podListText([...staticView, ...(apiView ?? [])]));

  const serve = (t: number): void => {
    current = t;
    const items = timeline.itemsAt(t, shiftSeconds);
    // The status manager's view: every pod as it is now, whatever `/pods` lags behind.
    options.podsApi?.setPods(items.map((text) => JSON.parse(text) as RawObject));
    staticView = items.filter(isStaticPodText);
    if (lag === 0 || apiView === undefined) {
      apiView = items.filter((i) => !isStaticPodText(i));
      publish();
      recordExits(t);
    } else {
      // Static pods now; the others once the kubelet's status made the API-server round trip.
      publish();
      if (staticView.length > 0) recordExits(t, podIds(staticView));
      const cancel = schedule(() => {
        pendingLag.delete(cancel);
        apiView = items.filter((i) => !isStaticPodText(i));
        publish();
        recordExits(t);
      }, lag);
      pendingLag.add(cancel);
    }
    options.onStep?.(t);
  };

  const stop = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const finish = finishPlay;
    finishPlay = undefined;
    finish?.();
  };

  return {
    timeline,
    shiftSeconds,
    speed,
    get current() {
      return current;
    },
    get servedExits() {
      return servedExits;
    },
    isoAt: (t) => isoSeconds(timeline.startEpochSeconds + shiftSeconds + t),
    bodyAt,
    seek(t) {
      stop();
      // A jump, not a step: changes still in flight from before it are dropped.
      for (const cancel of pendingLag) cancel();
      pendingLag.clear();
      serve(t);
    },
    async restart(restart) {
      if (standIn.restart === undefined) throw new Error('this stand-in cannot restart');
      const podsApi = options.podsApi;
      if (podsApi?.dropWatches !== undefined) {
        podsApi.initializing = true;
        podsApi.dropWatches(status.UNAVAILABLE, 'kubelet restarting');
      }
      try {
        await standIn.restart({
          ...restart,
          seenAtEpochSeconds: timeline.startEpochSeconds + shiftSeconds + (current ?? offset),
        });
      } finally {
        if (podsApi?.dropWatches !== undefined) podsApi.initializing = false;
      }
    },
    play(until = timeline.endSeconds, playSpeed = speed) {
      if (!(playSpeed > 0 && Number.isFinite(playSpeed))) {
        throw new RangeError(`speed must be > 0: ${playSpeed}`);
      }
      stop();
      const first = current === undefined ? offset : current + 1;
      const last = Math.min(until, timeline.endSeconds);
      return new Promise<void>((resolve) => {
        finishPlay = resolve;
        if (first > last) {
          stop();
          return;
        }
        const wallStart = now();
        const step = (t: number): void => {
          serve(t);
          if (t >= last) {
            stop();
            return;
          }
          const due = wallStart + ((t + 1 - first) * 1000) / playSpeed;
          timer = setTimeout(() => step(t + 1), Math.max(0, due - now()));
        };
        step(first);
      });
    },
    stop,
  };
}
