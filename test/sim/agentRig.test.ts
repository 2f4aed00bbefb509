/**
 * The rig's optional kubelet Pods API: a server on a unix socket in the rig's directory, named to
 * the agent by `KUBELET_PODS_API_SOCKET`, stopped with the rig. (The agent itself is not started.)
 */
import { existsSync } from 'node:fs';
import test from 'ava';
import { createRig } from '../../sim/agentRig.js';
import { buildPod } from '../../sim/podBuilder.js';
import { PodsApiClient } from '../../src/podsapi/podsApiClient.js';

test('without podsApi the agent is given no Pods API socket', async (t) => {
  const rig = await createRig();
  t.teardown(() => rig.close());
  t.is(rig.podsApi, undefined);
  t.false('KUBELET_PODS_API_SOCKET' in rig.env);
});

test('podsApi: a server in the rig directory, passed as unix:///…, removed on close', async (t) => {
  const pod = buildPod({
    name: 'p',
    uid: '11111111-0000-4000-8000-000000000000',
    creationTimestamp: '2025-06-01T08:00:00Z',
    phase: 'Running',
    containers: [{ name: 'main', state: 'running', startedAt: '2025-06-01T08:00:01Z' }],
  });
  const rig = await createRig({ podsApi: { versions: ['v1beta1'], pods: [pod] } });
  const target = rig.env.KUBELET_PODS_API_SOCKET ?? '';
  t.is(target, rig.podsApi?.target ?? 'none');
  t.true(target.startsWith(`unix://${rig.dir}/`), target);
  const client = new PodsApiClient({ target, decode: { envNames: [] } });
  const seen: string[] = [];
  for await (const event of client.watch()) {
    seen.push(event.pod?.ok ? `${event.type} ${event.pod.pod.name}` : event.type);
    if (event.type === 'INITIAL_SYNC_COMPLETE') break;
  }
  client.close();
  t.deepEqual(seen, ['ADDED p', 'INITIAL_SYNC_COMPLETE']);
  t.is(client.version, 'v1beta1');
  const socket = target.slice('unix://'.length);
  t.true(existsSync(socket));
  await rig.close();
  t.false(existsSync(socket));
});
