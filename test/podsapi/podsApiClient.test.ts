import * as grpc from '@grpc/grpc-js';
import test from 'ava';
import { buildPod, plusSeconds, type RawObject } from '../../sim/podBuilder.js';
import { podToProtoMessage } from '../../sim/podsapi/podToProtoMessage.js';
import { encodePodMessage } from '../../sim/podsapi/simPodsApiProto.js';
import { PodsApiClient, type PodsApiEvent } from '../../src/podsapi/podsApiClient.js';
import { eventsAfterSync, startPodsApiPair } from '../support/podsApiPair.js';

const T0 = '2025-06-01T08:00:00Z';

function pod(name: string, annotations: Record<string, string> = {}): RawObject {
  return buildPod({
    name,
    creationTimestamp: T0,
    phase: 'Running',
    annotations,
    containers: [{ name: 'main', state: 'running', startedAt: plusSeconds(T0, 2) }],
  });
}

async function untilSynced(client: PodsApiClient): Promise<PodsApiEvent[]> {
  const events: PodsApiEvent[] = [];
  for await (const event of client.watch()) {
    events.push(event);
    if (event.type === 'INITIAL_SYNC_COMPLETE') break;
  }
  return events;
}

const code = (error: unknown) => (error as { code?: number }).code;

test('falls back from v1alpha1 to v1beta1 on UNIMPLEMENTED, for watch and list', async (t) => {
  const { server, client } = await startPodsApiPair(t, { pods: [pod('a')], versions: ['v1beta1'] });
  t.is(client.version, undefined);
  const events = await untilSynced(client);
  t.deepEqual(
    events.map((e) => e.type),
    ['ADDED', 'INITIAL_SYNC_COMPLETE'],
  );
  t.is(client.version, 'v1beta1');
  const listed = await client.listPods();
  t.true(listed.length === 1 && listed[0]?.ok === true);
  // The alpha call is refused by grpc-js (no such service) and never counted; the list went
  // straight to the beta.
  t.deepEqual(server.calls, { watchPods: 1, listPods: 1, getPod: 0 });
});

test('a list also falls back on its own, and the version that answered is tried first', async (t) => {
  const { client } = await startPodsApiPair(t, { pods: [pod('a')], versions: ['v1beta1'] });
  t.is((await client.listPods()).length, 1);
  t.is(client.version, 'v1beta1');
});

test('UNIMPLEMENTED on both versions is thrown (the gate is off)', async (t) => {
  const { client } = await startPodsApiPair(t, { pods: [pod('a')], versions: [] });
  t.is(code(await t.throwsAsync(client.listPods())), grpc.status.UNIMPLEMENTED);
  const error = await t.throwsAsync(async () => {
    for await (const _ of client.watch()) t.fail('no event');
  });
  t.is(code(error), grpc.status.UNIMPLEMENTED);
  t.is(client.version, undefined);
});

test('a message over 4 MiB fails with the default receive limit and arrives with a larger one', async (t) => {
  const big = pod('big', { 'example.com/blob': 'x'.repeat(5 * 1024 * 1024) });
  t.true(encodePodMessage(podToProtoMessage(big)).length > 4 * 1024 * 1024);
  const { server, client } = await startPodsApiPair(t, { pods: [big] });
  t.is(code(await t.throwsAsync(client.listPods())), grpc.status.RESOURCE_EXHAUSTED);
  const watchError = await t.throwsAsync(() => untilSynced(client));
  t.is(code(watchError), grpc.status.RESOURCE_EXHAUSTED);

  const roomy = new PodsApiClient({
    target: server.target,
    decode: { envNames: ['TRACEPARENT'] },
    maxReceiveMessageBytes: 16 * 1024 * 1024,
  });
  t.teardown(() => roomy.close());
  const listed = await roomy.listPods();
  t.true(listed[0]?.ok && listed[0].pod.name === 'big');
  const events = await untilSynced(roomy);
  t.true(events[0]?.pod?.ok && events[0].pod.pod.name === 'big');
});

test('undecodable pod bytes, a pod without uid and an unknown event type are typed events; the stream goes on', async (t) => {
  const { server, client } = await startPodsApiPair(t, { pods: [] });
  const noUid = pod('no-uid');
  (noUid.metadata as Record<string, unknown>).uid = undefined;
  const seen = await eventsAfterSync(client, 5, () => {
    server.sendRaw('ADDED', Buffer.from([0x0a, 0x05, 0x01]));
    server.sendRaw('MODIFIED', encodePodMessage(podToProtoMessage(noUid)));
    server.sendRaw(9);
    server.sendRaw('ADDED');
    server.setPods([pod('fine')]);
  });
  t.like(seen[0], {
    type: 'ADDED',
    pod: { ok: false, error: 'pod: not a protobuf v1.Pod (3 bytes)' },
  });
  t.like(seen[1], {
    type: 'MODIFIED',
    pod: {
      ok: false,
      name: 'no-uid',
      error: 'metadata.uid: expected a non-empty string, got an empty string',
    },
  });
  t.deepEqual(seen[2], { type: 'UNKNOWN', wireType: 9 });
  t.like(seen[3], { type: 'ADDED', pod: { ok: false } });
  t.true(seen[4]?.type === 'ADDED' && seen[4].pod?.ok && seen[4].pod.pod.name === 'fine');
});

test('a FAILED_PRECONDITION at start is thrown without trying the beta', async (t) => {
  const { server, client } = await startPodsApiPair(t, { pods: [], initializing: true });
  const error = await t.throwsAsync(() => untilSynced(client));
  t.is(code(error), grpc.status.FAILED_PRECONDITION);
  t.is(server.calls.watchPods, 1);
});

test('an abort signal cancels a watch that waits for its next event (CANCELLED), the server forgets it', async (t) => {
  const { server, client } = await startPodsApiPair(t, { pods: [pod('a')] });
  const controller = new AbortController();
  const types: string[] = [];
  const error = await t.throwsAsync(async () => {
    for await (const event of client.watch(controller.signal)) {
      types.push(event.type);
      if (event.type === 'INITIAL_SYNC_COMPLETE') {
        await server.waitForWatches(1);
        controller.abort();
      }
    }
  });
  t.is(code(error), grpc.status.CANCELLED);
  t.deepEqual(types, ['ADDED', 'INITIAL_SYNC_COMPLETE']);
  // an already aborted signal never gets an event
  const aborted = await t.throwsAsync(async () => {
    for await (const _ of client.watch(AbortSignal.abort())) t.fail('no event');
  });
  t.is(code(aborted), grpc.status.CANCELLED);
});
