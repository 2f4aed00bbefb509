/**
 * The simulated Pods API as a client sees it: the agent's `PodsApiClient` (and, for the raw
 * wire, a bare grpc-js client) against `PodsApiServer` on a unix socket.
 */
import * as grpc from '@grpc/grpc-js';
import test from 'ava';
import { buildPod, plusSeconds, type RawObject } from '../../../sim/podBuilder.js';
import type { PodsApiEvent } from '../../../src/podsapi/podsApiClient.js';
import { podsApiService } from '../../../src/podsapi/podsApiProto.js';
import { eventsAfterSync, startPodsApiPair } from '../../support/podsApiPair.js';

const T0 = '2025-06-01T08:00:00Z';

function pod(name: string, uid: string, phase: 'Running' | 'Succeeded' = 'Running'): RawObject {
  return buildPod({
    name,
    uid,
    creationTimestamp: T0,
    phase,
    labels: { app: name },
    containers: [
      phase === 'Running'
        ? { name: 'main', state: 'running', startedAt: plusSeconds(T0, 2) }
        : { name: 'main', state: 'terminated', startedAt: plusSeconds(T0, 2), exitCode: 0 },
    ],
  });
}

const A = pod('a', '33333333-0000-4000-8000-000000000000');
const B = pod('b', '11111111-0000-4000-8000-000000000000');
const C = pod('c', '22222222-0000-4000-8000-000000000000');

/** What an event says, for comparisons: type and the pod's name and uid. */
function summary(event: PodsApiEvent): string {
  if (event.pod === undefined) return event.type;
  if (!event.pod.ok) return `${event.type} !${event.pod.error}`;
  return `${event.type} ${event.pod.pod.name} ${event.pod.pod.uid}`;
}

function grpcCode(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

test('a watch gets ADDED for every pod sorted by uid, then INITIAL_SYNC_COMPLETE without a pod', async (t) => {
  const { client } = await startPodsApiPair(t, { pods: [A, B, C] });
  const seen: string[] = [];
  for await (const event of client.watch()) {
    seen.push(summary(event));
    if (event.type === 'INITIAL_SYNC_COMPLETE') {
      t.is(event.pod, undefined);
      break;
    }
  }
  t.deepEqual(seen, [
    'ADDED b 11111111-0000-4000-8000-000000000000',
    'ADDED c 22222222-0000-4000-8000-000000000000',
    'ADDED a 33333333-0000-4000-8000-000000000000',
    'INITIAL_SYNC_COMPLETE',
  ]);
  t.is(client.version, 'v1alpha1');
});

test('setPods: ADDED for a new pod, MODIFIED for a changed one, nothing for an unchanged one, DELETED with only name, namespace and uid', async (t) => {
  const D = pod('d', '44444444-0000-4000-8000-000000000000');
  const { server, client } = await startPodsApiPair(t, { pods: [A, B, D] });
  const changedB = pod('b', '11111111-0000-4000-8000-000000000000', 'Succeeded');
  // A first and unchanged: an event for it would come first.
  const seen = await eventsAfterSync(client, 3, () => server.setPods([A, changedB, C]));
  t.deepEqual(seen.map(summary), [
    'MODIFIED b 11111111-0000-4000-8000-000000000000',
    'ADDED c 22222222-0000-4000-8000-000000000000',
    'DELETED d 44444444-0000-4000-8000-000000000000',
  ]);
  const modified = seen[0]?.pod;
  t.true(modified?.ok && modified.pod.phase === 'Succeeded');
  const deleted = seen[2]?.pod;
  if (!deleted?.ok) return t.fail('DELETED pod did not decode');
  t.like(deleted.pod, { name: 'd', namespace: 'default', labels: {}, annotations: {} });
  t.deepEqual(
    [deleted.pod.containers, deleted.pod.containerStatuses, deleted.pod.conditions],
    [[], [], []],
  );
  t.false('phase' in deleted.pod);
  t.false('creationTimestamp' in deleted.pod);
});

test('sendModified sends a pod as given (an older status) without changing the list', async (t) => {
  const { server, client } = await startPodsApiPair(t, { pods: [A] });
  const older = buildPod({
    name: 'a',
    uid: '33333333-0000-4000-8000-000000000000',
    creationTimestamp: T0,
    phase: 'Pending',
    containers: [{ name: 'main', state: 'waiting' }],
  });
  for await (const event of client.watch()) {
    if (event.type === 'INITIAL_SYNC_COMPLETE') server.sendModified(older);
    if (event.type === 'MODIFIED') {
      t.true(event.pod?.ok && event.pod.pod.phase === 'Pending');
      break;
    }
  }
  const listed = await client.listPods();
  t.true(listed[0]?.ok && listed[0].pod.phase === 'Running');
});

test('initializing: every call answers FAILED_PRECONDITION, and is served once it is over', async (t) => {
  const { server, client } = await startPodsApiPair(t, { pods: [A], initializing: true });
  const listError = await t.throwsAsync(client.listPods());
  t.is(grpcCode(listError), grpc.status.FAILED_PRECONDITION);
  t.regex(listError?.message ?? '', /Kubelet is initializing/);
  const watchError = await t.throwsAsync(async () => {
    for await (const _ of client.watch()) t.fail('no event while initializing');
  });
  t.is(grpcCode(watchError), grpc.status.FAILED_PRECONDITION);
  t.is(grpcCode(await t.throwsAsync(client.getPod('x'))), grpc.status.FAILED_PRECONDITION);
  t.deepEqual(server.calls, { watchPods: 1, listPods: 1, getPod: 1 });
  server.initializing = false;
  t.is((await client.listPods()).length, 1);
});

test('rate limit: ListPods and GetPod answer RESOURCE_EXHAUSTED, WatchPods is not limited', async (t) => {
  const { server, client } = await startPodsApiPair(t, { pods: [A] });
  server.rateLimited = true;
  t.is(grpcCode(await t.throwsAsync(client.listPods())), grpc.status.RESOURCE_EXHAUSTED);
  t.is(
    grpcCode(await t.throwsAsync(client.getPod('33333333-0000-4000-8000-000000000000'))),
    grpc.status.RESOURCE_EXHAUSTED,
  );
  for await (const event of client.watch()) if (event.type === 'INITIAL_SYNC_COMPLETE') break;
  server.rateLimited = false;
  const one = await client.getPod('33333333-0000-4000-8000-000000000000');
  t.true(one.ok && one.pod.name === 'a');
  t.is(grpcCode(await t.throwsAsync(client.getPod('nope'))), grpc.status.NOT_FOUND);
});

test('dropWatches ends an open watch with its code after the events already sent', async (t) => {
  const { server, client } = await startPodsApiPair(t, { pods: [A] });
  const seen: string[] = [];
  const error = await t.throwsAsync(async () => {
    for await (const event of client.watch()) {
      seen.push(event.type);
      if (event.type === 'INITIAL_SYNC_COMPLETE') {
        server.setPods([A, B]);
        server.dropWatches(grpc.status.RESOURCE_EXHAUSTED, 'watch client channel closed');
      }
    }
  });
  t.is(grpcCode(error), grpc.status.RESOURCE_EXHAUSTED);
  t.deepEqual(seen, ['ADDED', 'INITIAL_SYNC_COMPLETE', 'ADDED']);
  t.is(server.openWatches, 0);
});

test('a version not served answers UNIMPLEMENTED on the wire', async (t) => {
  const { server } = await startPodsApiPair(t, { pods: [A], versions: ['v1beta1'] });
  const raw = new grpc.Client(server.target, grpc.credentials.createInsecure());
  t.teardown(() => raw.close());
  const call = (version: 'v1alpha1' | 'v1beta1') =>
    new Promise<{ code: number }>((resolve) => {
      const method = podsApiService(version).ListPods;
      if (method === undefined) throw new Error('no ListPods');
      raw.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        {},
        (error) => resolve({ code: error?.code ?? grpc.status.OK }),
      );
    });
  t.is((await call('v1alpha1')).code, grpc.status.UNIMPLEMENTED);
  t.is((await call('v1beta1')).code, grpc.status.OK);
});

test('waitForWatches resolves once a watch has its initial events', async (t) => {
  const { server, client } = await startPodsApiPair(t, { pods: [A, B] });
  const waited = server.waitForWatches(1);
  const iterator = client.watch();
  const first = await iterator.next();
  await waited;
  t.is(server.openWatches, 1);
  t.is(first.value?.type, 'ADDED');
  await iterator.return(undefined);
});

test('muted: the list changes, open watches hear nothing (a hung stream), ListPods tells the truth', async (t) => {
  const { server, client } = await startPodsApiPair(t, { pods: [A] });
  const seen = await eventsAfterSync(client, 1, () => {
    server.muted = true;
    server.setPods([A, B]);
    server.sendModified(A);
    server.muted = false;
    server.setPods([A, B, C]);
  });
  // only the change made after unmuting arrived
  t.deepEqual(seen.map(summary), ['ADDED c 22222222-0000-4000-8000-000000000000']);
  const listed = await client.listPods();
  t.is(listed.length, 3);
});
