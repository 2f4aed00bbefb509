import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import test from 'ava';
import { type FakeCriServer, startFakeCriServer } from '../../sim/fakeCriServer.js';
import { toNanos } from '../../src/core/time.js';
import {
  CriClient,
  type CriClientOptions,
  CriError,
  type CriErrorKind,
  parseCriEndpoint,
} from '../../src/cri/criClient.js';

const dir = mkdtempSync(`${tmpdir()}/cri-`);
const servers: FakeCriServer[] = [];
const clients: CriClient[] = [];
let socketCounter = 0;

test.after.always(async () => {
  for (const client of clients) client.close();
  await Promise.all(servers.map((server) => server.close()));
  rmSync(dir, { recursive: true, force: true });
});

function socketPath(): string {
  socketCounter++;
  return join(dir, `s${socketCounter}.sock`);
}

async function server(): Promise<FakeCriServer> {
  const s = await startFakeCriServer({ socketPath: socketPath() });
  servers.push(s);
  return s;
}

function client(endpoint: string, options: Partial<CriClientOptions> = {}): CriClient {
  const c = new CriClient({ endpoint, ...options });
  clients.push(c);
  return c;
}

async function kindOf(promise: Promise<unknown>): Promise<{ kind: CriErrorKind; code?: number }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof CriError)) throw error;
    return { kind: error.kind, ...(error.code !== undefined && { code: error.code }) };
  }
  throw new Error('expected a CriError, the call succeeded');
}

// Id and times of an OOM-killed container as CRI-O's ContainerStatus reported them (one of the
// real captures).
const FIXTURE = {
  id: 'd1ec6b5f2586ad2fcc2cdc93599cdbc3ae20c99979b3489109af39c638dd6f56',
  createdAtNs: 1536246646065652988n,
  startedAtNs: 1536246646620452998n,
  finishedAtNs: 1536246646972213988n,
};

test('fixture nanoseconds (> 2^53) round-trip exactly into Time', async (t) => {
  t.true(FIXTURE.createdAtNs > BigInt(Number.MAX_SAFE_INTEGER));
  const s = await server();
  s.setContainer({
    ...FIXTURE,
    name: 'container1',
    attempt: 1,
    state: 'exited',
    exitCode: 137,
    reason: 'Error',
    image: 'docker.io/mrunalp/oom:latest',
  });
  const status = await client(s.endpoint).containerStatus(FIXTURE.id);
  t.deepEqual(status, {
    id: FIXTURE.id,
    state: 'exited',
    createdAt: [1536246646, 65652988],
    startedAt: [1536246646, 620452998],
    finishedAt: [1536246646, 972213988],
    exitCode: 137,
    reason: 'Error',
    attempt: 1,
  });
  t.is(toNanos(status?.createdAt ?? [0, 0]), FIXTURE.createdAtNs);
  t.is(toNanos(status?.startedAt ?? [0, 0]), FIXTURE.startedAtNs);
  t.is(toNanos(status?.finishedAt ?? [0, 0]), FIXTURE.finishedAtNs);
  t.deepEqual(s.calls, [{ method: 'ContainerStatus', id: FIXTURE.id }]);
});

test('an OOM-killed container reports reason OOMKilled; the containerd:// scheme is stripped', async (t) => {
  const s = await server();
  s.setContainer({ ...FIXTURE, state: 'exited', exitCode: 137, reason: 'OOMKilled' });
  const status = await client(s.endpoint).containerStatus(`containerd://${FIXTURE.id}`);
  t.is(status?.reason, 'OOMKilled');
  t.is(status?.exitCode, 137);
  t.is(s.calls[0]?.id, FIXTURE.id);
  t.is((await client(s.endpoint).containerStatus(`cri-o://${FIXTURE.id}`))?.id, FIXTURE.id);
});

test('unset (0) start and finish times of a created container are undefined; states map', async (t) => {
  const s = await server();
  s.setContainer({ id: 'c1', state: 'created', createdAtNs: 1_700_000_000_123_456_789n });
  s.setContainer({ id: 'c2', state: 'running', createdAtNs: 1n, startedAtNs: 2n });
  s.setContainer({ id: 'c3', state: 'unknown', createdAtNs: 0n });
  const c = client(s.endpoint);
  const created = await c.containerStatus('c1');
  t.deepEqual(created, {
    id: 'c1',
    state: 'created',
    createdAt: [1_700_000_000, 123_456_789],
    exitCode: 0,
    reason: '',
    attempt: 0,
  });
  t.false(created !== undefined && 'startedAt' in created);
  t.false(created !== undefined && 'finishedAt' in created);
  const running = await c.containerStatus('c2');
  t.is(running?.state, 'running');
  t.deepEqual(running?.startedAt, [0, 2]);
  const unknown = await c.containerStatus('c3');
  t.is(unknown?.state, 'unknown');
  t.is(unknown?.createdAt, undefined);
});

test('a removed container resolves undefined (NOT_FOUND) and counts as notFound, not error', async (t) => {
  const s = await server();
  s.setContainer({ id: 'gone', state: 'exited', createdAtNs: 5n });
  const c = client(s.endpoint);
  t.truthy(await c.containerStatus('gone'));
  s.removeContainer('gone');
  t.is(await c.containerStatus('containerd://gone'), undefined);
  t.is(await c.containerStatus('never-existed'), undefined);
  t.deepEqual(c.stats, { calls: 3, errors: 0, timeouts: 0, notFound: 2 });
});

test('an empty container id resolves undefined without calling the runtime', async (t) => {
  const s = await server();
  const c = client(s.endpoint);
  t.is(await c.containerStatus(''), undefined);
  t.is(await c.containerStatus('containerd://'), undefined);
  t.deepEqual(s.calls, []);
  t.is(c.stats.calls, 0);
});

test('podSandbox finds the sandbox by pod UID label', async (t) => {
  const s = await server();
  s.setSandbox({ id: 'sb-other', podUid: 'uid-other', createdAtNs: 1n });
  s.setSandbox({
    id: 'sb-a',
    podUid: 'uid-a',
    createdAtNs: 1536246645999999999n,
    attempt: 0,
  });
  const c = client(s.endpoint);
  t.deepEqual(await c.podSandbox('uid-a'), {
    id: 'sb-a',
    createdAt: [1536246645, 999999999],
    ready: true,
    attempt: 0,
  });
  t.deepEqual(s.calls, [{ method: 'ListPodSandbox', id: 'uid-a' }]);
  t.is(await c.podSandbox('uid-none'), undefined);
});

test('podSandbox returns the earliest created when the sandbox was recreated', async (t) => {
  const s = await server();
  s.setSandbox({
    id: 'sb-new',
    podUid: 'uid-r',
    createdAtNs: 1700000000000000002n,
    attempt: 1,
  });
  s.setSandbox({
    id: 'sb-old',
    podUid: 'uid-r',
    createdAtNs: 1700000000000000001n,
    attempt: 0,
    ready: false,
  });
  const sandbox = await client(s.endpoint).podSandbox('uid-r');
  t.is(sandbox?.id, 'sb-old');
  t.false(sandbox?.ready);
  t.is(sandbox?.attempt, 0);
  t.is(toNanos(sandbox?.createdAt ?? [0, 0]), 1700000000000000001n);
});

test('gRPC status codes map to error kinds with the code; failNext counts are honoured', async (t) => {
  const s = await server();
  s.setContainer({ id: 'c', state: 'running', createdAtNs: 10n });
  const c = client(s.endpoint);
  s.failNext(grpc.status.UNAVAILABLE);
  t.deepEqual(await kindOf(c.containerStatus('c')), {
    kind: 'unavailable',
    code: grpc.status.UNAVAILABLE,
  });
  s.failNext(grpc.status.PERMISSION_DENIED);
  t.deepEqual(await kindOf(c.containerStatus('c')), {
    kind: 'error',
    code: grpc.status.PERMISSION_DENIED,
  });
  s.failNext(grpc.status.INTERNAL, 2);
  t.deepEqual(await kindOf(c.podSandbox('u')), { kind: 'error', code: grpc.status.INTERNAL });
  t.deepEqual(await kindOf(c.containerStatus('c')), { kind: 'error', code: grpc.status.INTERNAL });
  s.failNext(grpc.status.DEADLINE_EXCEEDED);
  t.deepEqual(await kindOf(c.containerStatus('c')), {
    kind: 'timeout',
    code: grpc.status.DEADLINE_EXCEEDED,
  });
  s.failNext(grpc.status.NOT_FOUND);
  t.is(await c.podSandbox('u'), undefined);
  t.is((await c.containerStatus('c'))?.id, 'c');
  t.deepEqual(c.stats, { calls: 7, errors: 5, timeouts: 1, notFound: 1 });
});

test('a call slower than timeoutMs fails with kind timeout, and the next call succeeds', async (t) => {
  const s = await server();
  s.setContainer({ id: 'slow', state: 'running', createdAtNs: 10n });
  // Generous enough for the follow-up call on a loaded machine; the delayed call never answers.
  const c = client(s.endpoint, { timeoutMs: 1500 });
  s.delayNext(600_000);
  const error = await t.throwsAsync(c.containerStatus('slow'), { instanceOf: CriError });
  t.is(error?.kind, 'timeout');
  t.is(error?.code, grpc.status.DEADLINE_EXCEEDED);
  t.regex(error?.message ?? '', /ContainerStatus: no answer within 1500 ms/);
  t.is((await c.containerStatus('slow'))?.id, 'slow');
  t.deepEqual(c.stats, { calls: 2, errors: 1, timeouts: 1, notFound: 0 });
});

test('a missing socket file fails with kind unavailable, for both calls', async (t) => {
  const path = socketPath();
  const c = client(path, { timeoutMs: 30_000 });
  const error = await t.throwsAsync(c.containerStatus('x'), { instanceOf: CriError });
  t.is(error?.kind, 'unavailable');
  t.is(error?.code, grpc.status.UNAVAILABLE);
  t.true(error?.message.includes(path));
  t.is((await kindOf(c.podSandbox('u'))).kind, 'unavailable');
  t.deepEqual(c.stats, { calls: 2, errors: 2, timeouts: 0, notFound: 0 });
});

test('a regular file where the socket should be fails with kind unavailable', async (t) => {
  const path = socketPath();
  writeFileSync(path, 'not a socket');
  const c = client(`unix://${path}`, { timeoutMs: 30_000 });
  t.is((await kindOf(c.containerStatus('x'))).kind, 'unavailable');
});

test('a runtime restart: unavailable while down, then the same client reconnects', async (t) => {
  const first = await server();
  first.setContainer({ id: 'c', state: 'running', createdAtNs: 10n });
  const c = client(first.endpoint);
  t.is((await c.containerStatus('c'))?.id, 'c');
  await first.close();
  t.is((await kindOf(c.containerStatus('c'))).kind, 'unavailable');

  const second = await startFakeCriServer({ socketPath: first.socketPath });
  servers.push(second);
  second.setContainer({ id: 'c', state: 'exited', createdAtNs: 10n, exitCode: 1 });
  let status = await c.containerStatus('c').catch((e: unknown) => e);
  // grpc-js may still be backing off from the failed connect; a later call goes through.
  for (let i = 0; i < 40 && status instanceof CriError; i++) {
    t.is(status.kind, 'unavailable');
    await new Promise((resolve) => setTimeout(resolve, 250));
    status = await c.containerStatus('c').catch((e: unknown) => e);
  }
  t.like(status, { id: 'c', state: 'exited', exitCode: 1 });
});

test('no more than `concurrency` calls are in flight at once', async (t) => {
  const s = await server();
  for (let i = 0; i < 10; i++) s.setContainer({ id: `c${i}`, state: 'running', createdAtNs: 1n });
  const c = client(s.endpoint, { concurrency: 3, timeoutMs: 30_000 });
  s.pause();
  const results = Array.from({ length: 10 }, (_, i) => c.containerStatus(`c${i}`));
  // Wait until the bound is reached, then give any excess call time to arrive before releasing.
  while (s.inFlight < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.is(s.inFlight, 3);
  s.resume();
  const statuses = await Promise.all(results);
  t.deepEqual(
    statuses.map((status) => status?.id),
    Array.from({ length: 10 }, (_, i) => `c${i}`),
  );
  t.is(s.maxInFlight, 3);
  t.is(s.calls.length, 10);
});

test('after close, calls reject with kind unavailable without reaching the runtime', async (t) => {
  const s = await server();
  s.setContainer({ id: 'c', state: 'running', createdAtNs: 1n });
  const c = client(s.endpoint);
  c.close();
  c.close();
  t.is((await kindOf(c.containerStatus('c'))).kind, 'unavailable');
  t.deepEqual(s.calls, []);
});

test('a bare socket path works end to end (fake server in its own temp dir, removed on close)', async (t) => {
  const s = await startFakeCriServer();
  servers.push(s);
  t.is(s.endpoint, `unix://${s.socketPath}`);
  s.setContainer({ id: 'c', state: 'running', createdAtNs: 1n });
  t.is((await client(s.socketPath).containerStatus('c'))?.state, 'running');
  await s.close();
  t.false(existsSync(dirname(s.socketPath)));
});

test('an invalid endpoint or option throws at construction', (t) => {
  t.throws(() => new CriClient({ endpoint: 'tcp://127.0.0.1:1' }), {
    instanceOf: TypeError,
    message: /not supported/,
  });
  t.throws(() => new CriClient({ endpoint: '/x.sock', concurrency: 0 }), {
    message: /concurrency/,
  });
  t.throws(() => new CriClient({ endpoint: '/x.sock', timeoutMs: 0 }), { message: /timeoutMs/ });
});

test('parseCriEndpoint is re-exported for configuration validation', (t) => {
  t.like(parseCriEndpoint('unix:///run/containerd/containerd.sock'), {
    ok: true,
    target: 'unix:///run/containerd/containerd.sock',
  });
  t.false(parseCriEndpoint('npipe:////./pipe/x').ok);
});
