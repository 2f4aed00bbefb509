/**
 * The Pods API source against the simulated kubelet Pods API on a unix socket, feeding a real
 * tracker: initial sync as one list, events as upserts and deletions, reconnects, resyncs, junk.
 * Back-off and resync timers run on fake timers; the socket is real, so the tests wait for I/O
 * (never for time).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import test from 'ava';
import { buildPod, plusSeconds, type RawObject } from '../../sim/podBuilder.js';
import { PodsApiServer, type PodsApiServerOptions } from '../../sim/podsapi/podsApiServer.js';
import { podToProtoMessage } from '../../sim/podsapi/podToProtoMessage.js';
import { encodePodMessage } from '../../sim/podsapi/simPodsApiProto.js';
import { seededRandom } from '../../sim/timeline/seededRandom.js';
import { parsePodSelector } from '../../src/core/podSelector.js';
import type { TrackerNotice } from '../../src/core/podTracker.js';
import type { SpanData } from '../../src/core/spanData.js';
import { timeFromMillis } from '../../src/core/time.js';
import { PodsApiClient } from '../../src/podsapi/podsApiClient.js';
import type { PodObservation, PodObservationSink } from '../../src/sources/podSource.js';
import { PodsApiSource } from '../../src/sources/podsApiSource.js';
import type {
  BadPodKind,
  PodsApiDownReason,
  PodsApiSourceOptions,
} from '../../src/sources/podsApiSourceOptions.js';
import { FakeTimers } from '../support/fakeTimers.js';
import { newTracker, PARENT_ID, TRACE_ID } from '../support/trackerInput.js';

const T0 = '2025-11-23T09:59:00Z';
const CONTEXT = { TRACEPARENT: `00-${TRACE_ID}-${PARENT_ID}-01` };

type Phase = 'Running' | 'Succeeded' | 'Pending';

function pod(name: string, phase: Phase = 'Running', labels = { chaosUID: 'run-1' }): RawObject {
  const uid = `${name.padEnd(8, '0').slice(0, 8)}-0000-4000-8000-000000000000`;
  return buildPod({
    name,
    uid,
    creationTimestamp: T0,
    phase,
    labels,
    containers: [
      phase === 'Running'
        ? { name: 'main', state: 'running', startedAt: plusSeconds(T0, 2), env: CONTEXT }
        : phase === 'Pending'
          ? { name: 'main', state: 'waiting', env: CONTEXT }
          : {
              name: 'main',
              state: 'terminated',
              startedAt: plusSeconds(T0, 2),
              finishedAt: plusSeconds(T0, 5),
              exitCode: 0,
              env: CONTEXT,
            },
    ],
  });
}
const uidOf = (raw: RawObject) => (raw.metadata as { uid: string }).uid;

interface Harness {
  server: PodsApiServer;
  source: PodsApiSource;
  timers: FakeTimers;
  observations: PodObservation[];
  spans: SpanData[];
  notices: TrackerNotice[];
  availability: string[];
  reconnects: { reason: PodsApiDownReason; retryInMs: number }[];
  bad: BadPodKind[];
  events: string[];
  resyncs: number;
  tracked: () => string[];
  socketPath: string;
}

/** Waits (for I/O, not time) until `check` holds. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function start(
  t: { teardown: (fn: () => void | Promise<void>) => void },
  serverOptions: Omit<PodsApiServerOptions, 'socketPath'> | 'none',
  sourceOptions: Partial<PodsApiSourceOptions> = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'pods-api-src-'));
  const socketPath = join(dir, 'pods-api.sock');
  const server =
    serverOptions === 'none'
      ? (undefined as unknown as PodsApiServer)
      : await PodsApiServer.start({ socketPath, ...serverOptions });
  const timers = new FakeTimers();
  const tracker = newTracker({ envNames: ['TRACEPARENT'] });
  const selectors = parsePodSelector('chaosUID');
  if (!selectors.ok) throw new Error(selectors.error);
  const h: Harness = {
    server,
    socketPath,
    timers,
    observations: [],
    spans: [],
    notices: [],
    availability: [],
    reconnects: [],
    bad: [],
    events: [],
    resyncs: 0,
    tracked: () => [...tracker.trackedUids()],
    source: undefined as unknown as PodsApiSource,
  };
  const sink: PodObservationSink = {
    async observe(observation) {
      h.observations.push(observation);
      const result =
        observation.kind === 'list'
          ? tracker.observe(observation.pods, observation.at, observation.context)
          : observation.kind === 'upsert'
            ? tracker.observePod(observation.pod, observation.at)
            : observation.kind === 'deleted'
              ? tracker.observeDeleted(observation.uid, observation.at)
              : { spans: [], notices: [] };
      h.spans.push(...result.spans);
      h.notices.push(...result.notices);
    },
    trackedUids: () => tracker.trackedUids(),
  };
  h.source = new PodsApiSource({
    client: new PodsApiClient({
      target: `unix://${socketPath}`,
      decode: { envNames: ['TRACEPARENT'] },
    }),
    socketPath,
    selectors: selectors.alternatives,
    namespaces: undefined,
    now: () => timeFromMillis(timers.now()),
    timers,
    hooks: {
      availability: (live, reason) => h.availability.push(live ? 'live' : `down ${reason}`),
      reconnect: (reason, retryInMs) => h.reconnects.push({ reason, retryInMs }),
      badPod: (kind) => h.bad.push(kind),
      event: (type) => h.events.push(type),
      resync: () => h.resyncs++,
    },
    ...sourceOptions,
  });
  t.teardown(async () => {
    await h.source.stop();
    await h.server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  h.source.start(sink);
  return h;
}

const kinds = (h: Harness) => h.observations.map((o) => o.kind);
const names = (o: PodObservation | undefined) =>
  o?.kind === 'list' ? o.pods.map((p) => p.name).sort() : o?.kind === 'upsert' ? [o.pod.name] : [];

test('the initial sync is one list of the selected pods; then upserts and deletions, no ListPods', async (t) => {
  const other = pod('other', 'Running', { app: 'web' } as never);
  const h = await start(t, { pods: [pod('a'), pod('b'), other] });
  await until(() => h.observations.length === 1, 'the initial list');
  t.deepEqual(kinds(h), ['list']);
  t.deepEqual(names(h.observations[0]), ['a', 'b']);
  t.deepEqual(h.availability, ['live']);
  t.true(h.source.live);

  h.server.setPods([pod('a', 'Succeeded'), pod('c'), other]);
  await until(() => h.observations.length === 4, 'the changes');
  t.deepEqual(kinds(h), ['list', 'upsert', 'upsert', 'deleted']);
  t.deepEqual(names(h.observations[1]), ['a']);
  t.deepEqual(names(h.observations[2]), ['c']);
  t.like(h.observations[3], { kind: 'deleted', uid: uidOf(pod('b')) });
  // b ended at once: its pod span is built
  t.true(h.spans.some((s) => s.subject.role === 'pod' && s.subject.podUid === uidOf(pod('b'))));
  t.deepEqual(h.events, [
    'ADDED',
    'ADDED',
    'ADDED',
    'INITIAL_SYNC_COMPLETE',
    'MODIFIED',
    'ADDED',
    'DELETED',
  ]);
  t.deepEqual(h.server.calls, { watchPods: 1, listPods: 0, getPod: 0 });
  t.deepEqual(h.reconnects, []);
});

test('a tracked pod that stops matching the selector is deleted; an unselected one is never sent', async (t) => {
  const h = await start(t, { pods: [pod('a')] });
  await until(() => h.observations.length === 1, 'the initial list');
  h.server.setPods([
    pod('a', 'Running', { app: 'web' } as never),
    pod('x', 'Running', { app: 'x' } as never),
  ]);
  await until(() => h.observations.length === 2, 'the deletion');
  t.like(h.observations[1], { kind: 'deleted', uid: uidOf(pod('a')) });
  t.deepEqual(h.tracked(), []);
});

test('FAILED_PRECONDITION at start: down (initializing), back-off reconnects, live once the kubelet is ready', async (t) => {
  const h = await start(t, { pods: [pod('a')], initializing: true });
  await until(() => h.reconnects.length === 1, 'the first refusal');
  t.deepEqual(h.availability, ['down initializing']);
  t.deepEqual(h.reconnects, [{ reason: 'initializing', retryInMs: 250 }]);
  t.false(h.source.live);
  await h.timers.advance(250);
  await until(() => h.reconnects.length === 2, 'the second refusal');
  t.is(h.reconnects[1]?.retryInMs, 500, 'the back-off doubles');
  h.server.initializing = false;
  await h.timers.advance(500);
  await until(() => h.observations.length === 1, 'the initial list');
  t.deepEqual(names(h.observations[0]), ['a']);
  t.deepEqual(h.availability, ['down initializing', 'live']);
});

test('the back-off is capped at 5 s', async (t) => {
  const h = await start(t, { pods: [], initializing: true });
  for (let i = 1; i <= 7; i++) {
    await until(() => h.reconnects.length === i, `refusal ${i}`);
    await h.timers.advance(h.reconnects[i - 1]?.retryInMs ?? 0);
  }
  t.deepEqual(
    h.reconnects.map((r) => r.retryInMs),
    [250, 500, 1000, 2000, 4000, 5000, 5000],
  );
  t.deepEqual(h.availability, ['down initializing'], 'down announced once');
});

test('a dropped stream (UNAVAILABLE, RESOURCE_EXHAUSTED) reconnects and resyncs with a new initial list', async (t) => {
  const h = await start(t, { pods: [pod('a'), pod('b')] });
  await until(() => h.observations.length === 1, 'the initial list');
  for (const [code, reason] of [
    [grpc.status.UNAVAILABLE, 'unavailable'],
    [grpc.status.RESOURCE_EXHAUSTED, 'resource_exhausted'],
  ] as const) {
    const before = h.observations.length;
    h.server.dropWatches(code);
    await until(() => h.reconnects.length > 0 && h.reconnects.at(-1)?.reason === reason, reason);
    t.is(h.reconnects.at(-1)?.retryInMs, 250, 'a stream that was live starts the back-off anew');
    t.is(h.availability.at(-1), `down ${reason}`);
    await h.timers.advance(250);
    await until(() => h.observations.length === before + 1, 'the new initial list');
    t.is(h.observations.at(-1)?.kind, 'list');
    t.is(h.availability.at(-1), 'live');
  }
  t.is(h.server.calls.watchPods, 3);
});

test('a pod deleted while disconnected: the reconnect list misses it, a confirming list 5 s later ends it', async (t) => {
  const h = await start(t, { pods: [pod('a'), pod('b')] });
  await until(() => h.observations.length === 1, 'the initial list');
  await h.timers.advance(1000);
  h.server.initializing = true;
  h.server.dropWatches(grpc.status.UNAVAILABLE);
  await until(() => h.reconnects.length === 1, 'the drop');
  // meanwhile b is deleted: no watch is open to hear it
  h.server.setPods([pod('a')]);
  h.server.initializing = false;
  await h.timers.advance(250);
  await until(() => h.observations.length === 2, 'the reconnect list');
  const reconnectedAt = h.timers.now();
  t.deepEqual(names(h.observations[1]), ['a']);
  t.true(h.tracked().includes(uidOf(pod('b'))), 'missing once is not gone yet');
  t.deepEqual(h.timers.pending[0], 5000, 'a confirming list is due in 5 s');
  await h.timers.advance(5000);
  await until(() => h.observations.length === 3, 'the confirming list');
  t.is(h.server.calls.listPods, 1);
  t.false(h.tracked().includes(uidOf(pod('b'))));
  const podSpan = h.spans.find(
    (s) => s.subject.role === 'pod' && s.subject.podUid === uidOf(pod('b')),
  );
  t.truthy(podSpan, 'b ended');
  // its end is the first list that missed it
  t.deepEqual(podSpan?.end, timeFromMillis(reconnectedAt));
  // nothing missing any more: the next resync is the periodic one
  t.deepEqual(h.timers.pending, [300_000]);
});

test('every 5 minutes a ListPods resync is a list; a hung stream is detected and reopened', async (t) => {
  const h = await start(t, { pods: [pod('a')] });
  await until(() => h.observations.length === 1, 'the initial list');
  t.deepEqual(h.timers.pending, [300_000]);
  await h.timers.advance(300_000);
  await until(() => h.resyncs === 1, 'the first resync');
  t.deepEqual(kinds(h), ['list', 'list']);
  t.deepEqual(h.reconnects, [], 'a quiet stream that agrees with the list is fine');
  // now the stream hangs: the node changes, the stream says nothing
  h.server.muted = true;
  h.server.setPods([pod('a'), pod('c')]);
  await h.timers.advance(300_000);
  await until(() => h.reconnects.length === 1, 'the hung stream found');
  t.deepEqual(names(h.observations[2]), ['a', 'c'], 'the resync repaired the view');
  t.deepEqual(h.reconnects[0], { reason: 'hung', retryInMs: 250 });
  h.server.muted = false;
  await h.timers.advance(250);
  await until(() => h.availability.at(-1) === 'live' && h.observations.length === 4, 'reopened');
  t.is(h.server.calls.watchPods, 2);
});

test('a liveness tick follows a healthy quiet stream, and stops following a dead one', async (t) => {
  const h = await start(t, { pods: [pod('a')] });
  await until(() => h.observations.length === 1, 'the initial list');
  await h.timers.advance(240_000);
  t.is(h.source.lastAttemptMs, h.timers.now(), 'quiet but live');
  h.server.initializing = true;
  h.server.dropWatches(grpc.status.UNAVAILABLE);
  await until(() => h.reconnects.length === 1, 'the drop');
  const downAt = h.timers.now();
  await h.timers.advance(250);
  await until(() => h.reconnects.length === 2, 'the refused reconnect');
  t.is(h.source.lastAttemptMs, downAt + 250, 'the last attempt, not now');
});

test('junk survives: undecodable bytes, a pod without uid, an unknown event type; counted by kind', async (t) => {
  const h = await start(t, { pods: [pod('a')] });
  await until(() => h.observations.length === 1, 'the initial list');
  h.server.sendRaw('MODIFIED', Buffer.from([0xff, 0xff, 0xff, 0x0f, 0x01]));
  const noUid = structuredClone(pod('z')) as { metadata: { uid?: string } };
  delete noUid.metadata.uid;
  h.server.sendModified(noUid as RawObject);
  h.server.sendRaw(42, encodePodMessage({ metadata: { name: 'q' } }));
  h.server.sendRaw('ADDED', Buffer.from('not a pod at all'));
  h.server.setPods([pod('a', 'Succeeded')]);
  await until(() => h.observations.length === 2, 'the change after the junk');
  t.deepEqual(names(h.observations[1]), ['a']);
  t.deepEqual(h.bad, ['undecodable', 'no_uid', 'undecodable']);
  t.true(h.events.includes('UNKNOWN'));
  t.deepEqual(h.reconnects, []);
});

test('fuzzed messages: 300 random payloads and types, mutated real pods; the stream survives them all', async (t) => {
  const h = await start(t, { pods: [pod('a')] });
  await until(() => h.observations.length === 1, 'the initial list');
  const random = seededRandom(14);
  const real = encodePodMessage(podToProtoMessage(pod('m')));
  const types = ['ADDED', 'MODIFIED', 'DELETED', 'INITIAL_SYNC_COMPLETE', 0, 5, 99] as const;
  for (let i = 0; i < 300; i++) {
    let bytes: Buffer;
    if (i % 2 === 0) {
      bytes = Buffer.from(
        Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)),
      );
    } else {
      // a real pod with a few bytes flipped or cut short
      bytes = Buffer.from(real);
      for (let k = 0; k < 3; k++)
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      if (random() < 0.3) bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
    }
    h.server.sendRaw(types[Math.floor(random() * types.length)] ?? 'MODIFIED', bytes);
  }
  h.server.setPods([pod('a', 'Succeeded')]);
  await until(
    () =>
      h.observations.some(
        (o) => o.kind === 'upsert' && o.pod.name === 'a' && o.pod.phase === 'Succeeded',
      ),
    'the real change after the junk',
  );
  t.deepEqual(h.reconnects, [], 'never reconnected');
  t.true(h.bad.length > 0);
  t.true(h.source.live);
  // whatever decoded was a pod; nothing the fuzz produced was delivered as a list
  t.deepEqual(h.observations.filter((o) => o.kind === 'list').length, 1);
});

/** A pod of two containers: `main` running or exited, `side` running (the pod stays live). */
function twoContainers(main: 'running' | 'exited'): RawObject {
  return buildPod({
    name: 'two',
    uid: '77777777-0000-4000-8000-000000000000',
    creationTimestamp: T0,
    phase: 'Running',
    labels: { chaosUID: 'run-1' },
    containers: [
      main === 'running'
        ? { name: 'main', state: 'running', startedAt: plusSeconds(T0, 2), env: CONTEXT }
        : {
            name: 'main',
            state: 'terminated',
            startedAt: plusSeconds(T0, 2),
            finishedAt: plusSeconds(T0, 5),
            exitCode: 0,
            env: CONTEXT,
          },
      { name: 'side', state: 'running', startedAt: plusSeconds(T0, 2) },
    ],
  });
}

test('a MODIFIED older than what the tracker holds never reopens a run: a staleStatus notice', async (t) => {
  const h = await start(t, { pods: [twoContainers('running')] });
  await until(() => h.observations.length === 1, 'the initial list');
  h.server.setPods([twoContainers('exited')]);
  await until(() => h.spans.some((s) => s.name === 'container main'), 'main exited');
  const main = h.spans.find((s) => s.name === 'container main');
  const ofTwo = () => h.spans.filter((s) => s.subject.podUid === uidOf(twoContainers('running')));
  const spansBefore = ofTwo().length;
  // the kubelet can send an older status: main running again
  h.server.sendModified(twoContainers('running'));
  h.server.setPods([twoContainers('exited'), pod('a')]);
  await until(() => h.observations.length === 4, 'the stale upsert and the next change');
  t.like(h.observations[2], { kind: 'upsert' });
  t.true(h.notices.some((n) => n.kind === 'staleStatus' && n.stale === 'running_after_terminated'));
  t.is(ofTwo().length, spansBefore, 'no run reopened or shortened');
  t.deepEqual(main?.end, h.spans.find((s) => s.name === 'container main')?.end);
});

test('UNIMPLEMENTED on both versions: down, and the next try 5 minutes later', async (t) => {
  const h = await start(t, { pods: [pod('a')], versions: [] });
  await until(() => h.reconnects.length === 1, 'the refusal');
  t.deepEqual(h.reconnects, [{ reason: 'unimplemented', retryInMs: 300_000 }]);
  t.deepEqual(h.availability, ['down unimplemented']);
  t.deepEqual(h.timers.pending, [300_000]);
});

test('no socket: down, tried again every 5 minutes, live once the kubelet serves it', async (t) => {
  const h = await start(t, 'none');
  await until(() => h.reconnects.length === 1, 'the missing socket');
  t.deepEqual(h.reconnects, [{ reason: 'no_socket', retryInMs: 300_000 }]);
  t.deepEqual(h.availability, ['down no_socket']);
  h.server = await PodsApiServer.start({ socketPath: h.socketPath, pods: [pod('a')] });
  await h.timers.advance(299_999);
  t.is(h.server.calls.watchPods, 0);
  await h.timers.advance(1);
  await until(() => h.observations.length === 1, 'the initial list');
  t.deepEqual(h.availability, ['down no_socket', 'live']);
});

test('a socket that accepts a watch but never completes its initial sync: down (hung) after 30 s', async (t) => {
  let opened = 0;
  const silent = {
    async *watch(signal?: AbortSignal) {
      opened++;
      await new Promise<void>((_resolve, reject) =>
        signal?.addEventListener('abort', () =>
          reject(Object.assign(new Error('1 CANCELLED'), { code: grpc.status.CANCELLED })),
        ),
      );
    },
    listPods: async () => [],
    close: () => {},
  };
  const h = await start(t, { pods: [pod('a')] }, { client: silent as never });
  await until(() => opened === 1, 'the watch opened');
  await h.timers.advance(29_999);
  t.deepEqual(h.reconnects, []);
  await h.timers.advance(1);
  await until(() => h.reconnects.length === 1, 'the deadline');
  t.deepEqual(h.reconnects, [{ reason: 'hung', retryInMs: 250 }]);
  t.deepEqual(h.availability, ['down hung']);
});
