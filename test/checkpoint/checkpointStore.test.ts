import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import {
  CHECKPOINT_FILE,
  type CheckpointData,
  CheckpointStore,
  LOCK_FILE,
  serializeCheckpoint,
} from '../../src/checkpoint/checkpointStore.js';
import type { SpanData } from '../../src/core/spanData.js';
import { FakeTimers, settle } from '../support/fakeTimers.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kse-checkpoint-'));
  dirs.push(dir);
  return dir;
};
test.after.always(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const span: SpanData = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: 'b7ad6b7169203331',
  parentSpanId: '00f067aa0ba902b7',
  parentIsRemote: false,
  name: 'container main',
  start: [1_763_892_000, 5],
  end: [1_763_892_001, 999_999_999],
  attributes: { 'k8s.container.name': 'main', 'process.exit.code': 0 },
  events: [],
  status: { code: 'unset' },
  resource: { 'k8s.pod.uid': 'u1' },
  subject: {
    podUid: 'u1',
    role: 'container',
    name: 'main',
    run: 'containerd://a',
    containerId: 'containerd://a',
  },
  key: '4bf92f3577b34da6a3ce929d0e0e4736/u1/container/main/containerd://a',
  podUid: 'u1',
};
const data: CheckpointData = {
  savedAt: [1_763_892_010, 123],
  node: 'worker-1',
  tracker: { pods: [] },
  pending: [span],
};

async function openStore(dir: string, owner = 'pod-a', timers = new FakeTimers(Date.now())) {
  const opened = await CheckpointStore.open({ dir, owner, timers });
  if (!opened.ok) throw new Error(opened.reason);
  return opened.store;
}

/** Counts the store's successful writes. */
function countWrites(store: CheckpointStore): { writes: number } {
  const counter = { writes: 0 };
  store.onWrite = () => {
    counter.writes++;
  };
  return counter;
}

/** Waits (bounded, on real file-system I/O only) until `condition` holds. */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await settle();
  if (!condition()) throw new Error(`${what}: never happened`);
}

test('save then load round-trips; the file is written atomically with a checksum header', async (t) => {
  const dir = tempDir();
  const store = await openStore(dir);
  const counter = countWrites(store);
  t.deepEqual(await store.load(), { kind: 'missing' });
  t.true(await store.requestSave(() => data), 'the save reports that the data is on disk');
  const loaded = await store.load();
  t.is(loaded.kind, 'loaded');
  if (loaded.kind === 'loaded') t.deepEqual(loaded.data, data);
  const text = readFileSync(join(dir, CHECKPOINT_FILE), 'utf8');
  t.regex(text, /^kubelet-span-exporter checkpoint v2 sha256=[0-9a-f]{64}\n/);
  t.is(counter.writes, 1);
  await store.close();
  t.false(await store.requestSave(() => data), 'a closed store saves nothing');
  t.is(counter.writes, 1);
});

test('concurrent save requests coalesce: never two writes at once, the latest data wins', async (t) => {
  const dir = tempDir();
  const store = await openStore(dir);
  const counter = countWrites(store);
  let version = 0;
  const source = () => ({ ...data, savedAt: [1_763_892_000 + ++version, 0] as const });
  const saved = await Promise.all(Array.from({ length: 20 }, () => store.requestSave(source)));
  t.true(
    saved.every((ok) => ok),
    'every request resolves once its data is written',
  );
  t.true(counter.writes < 20, `${counter.writes} writes for 20 requests`);
  t.is(counter.writes, version, 'one serialisation per write');
  const loaded = await store.load();
  t.is(loaded.kind === 'loaded' ? loaded.data.savedAt[0] : 0, 1_763_892_000 + version);
  await store.close();
});

for (const [what, mangle, reason] of [
  ['truncated', (s: string) => s.slice(0, Math.floor(s.length / 2)), /checksum/],
  ['garbage', () => '\u0000\u0001not a checkpoint at all', /header/],
  ['empty', () => '', /header/],
  ['a future format version', (s: string) => s.replace(' v2 ', ' v3 '), /version 3/],
  ['a flipped byte in the body', (s: string) => s.replace('worker-1', 'worker-2'), /checksum/],
] as const) {
  test(`a checkpoint that is ${what} is reported and treated as empty`, async (t) => {
    const dir = tempDir();
    writeFileSync(join(dir, CHECKPOINT_FILE), mangle(serializeCheckpoint(data)));
    const store = await openStore(dir);
    const loaded = await store.load();
    t.is(loaded.kind, 'corrupt');
    if (loaded.kind === 'corrupt') t.regex(loaded.reason, reason);
    // and the next save replaces it
    await store.requestSave(() => data);
    t.is((await store.load()).kind, 'loaded');
    await store.close();
  });
}

test('a well-formed checkpoint with an invalid span id is rejected, not exported', async (t) => {
  const dir = tempDir();
  const bad = { ...data, pending: [{ ...span, spanId: '0000000000000000' }] };
  writeFileSync(join(dir, CHECKPOINT_FILE), serializeCheckpoint(bad));
  const store = await openStore(dir);
  t.like(await store.load(), { kind: 'corrupt', reason: 'unexpected structure' });
  await store.close();
});

test('an unwritable state directory fails to open with a reason (the agent then runs without)', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'not-a-dir');
  writeFileSync(file, 'x');
  const opened = await CheckpointStore.open({ dir: join(file, 'state'), owner: 'pod-a' });
  t.false(opened.ok);
  if (!opened.ok) t.regex(opened.reason, /cannot create .*ENOTDIR|ENOTDIR/);
});

test('the lock keeps a second agent out, lets the same pod back in, and expires', async (t) => {
  const dir = tempDir();
  // the first agent's clock never moves: it is SIGKILLed, its heartbeat never runs again
  const first = await openStore(dir, 'pod-a');
  const timers = new FakeTimers(Date.now());
  const other = await CheckpointStore.open({ dir, owner: 'pod-b', timers });
  t.false(other.ok);
  if (!other.ok) t.regex(other.reason, /held by pod-a/);
  // the same pod after a container restart (SIGKILL: the lock was never released)
  const again = await CheckpointStore.open({ dir, owner: 'pod-a', timers: new FakeTimers() });
  t.true(again.ok);
  // a stale lock (no heartbeat for longer than the limit) is taken over
  await timers.advance(120_000);
  const takeover = await CheckpointStore.open({ dir, owner: 'pod-b', timers });
  t.true(takeover.ok);
  t.regex(readFileSync(join(dir, LOCK_FILE), 'utf8'), /pod-b/);
  if (takeover.ok) await takeover.store.close();
  await first.close();
  if (again.ok) await again.store.close();
});

test('close releases the lock', async (t) => {
  const dir = tempDir();
  const store = await openStore(dir, 'pod-a');
  await store.close();
  const next = await CheckpointStore.open({ dir, owner: 'pod-b' });
  t.true(next.ok);
  if (next.ok) await next.store.close();
});

test('the heartbeat keeps the lock fresh while the store is open, and stops at close', async (t) => {
  const dir = tempDir();
  const timers = new FakeTimers(Date.now());
  const opened = await CheckpointStore.open({ dir, owner: 'pod-a', timers, heartbeatMs: 10_000 });
  if (!opened.ok) throw new Error(opened.reason);
  const lock = join(dir, LOCK_FILE);
  const openedAt = timers.now();
  t.deepEqual(timers.pending, [10_000]);
  // two minutes: far past the 30 s staleness limit, but heartbeats every 10 s
  await timers.advance(120_000);
  // (the heartbeats' writes are real file-system I/O and may land in any order)
  await eventually(() => statSync(lock).mtimeMs >= openedAt + 100_000, 'the late heartbeats');
  const second = await CheckpointStore.open({ dir, owner: 'pod-b', timers });
  t.false(second.ok);
  if (!second.ok) t.regex(second.reason, /held by pod-a/);
  await opened.store.close();
  t.deepEqual(timers.pending, [], 'no heartbeat after close');
});

test('a lock is taken over only once its heartbeat is older than the limit', async (t) => {
  const dir = tempDir();
  const holder = await openStore(dir, 'pod-a', new FakeTimers(Date.now()));
  const timers = new FakeTimers(statSync(join(dir, LOCK_FILE)).mtimeMs);
  await timers.advance(29_000);
  const early = await CheckpointStore.open({ dir, owner: 'pod-b', timers, staleLockMs: 30_000 });
  t.false(early.ok);
  await timers.advance(2_000);
  const late = await CheckpointStore.open({ dir, owner: 'pod-b', timers, staleLockMs: 30_000 });
  t.true(late.ok);
  if (late.ok) await late.store.close();
  await holder.close();
});
