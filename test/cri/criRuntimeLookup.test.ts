import test from 'ava';
import { startFakeCriServer } from '../../sim/fakeCriServer.js';
import { CriClient, CriError } from '../../src/cri/criClient.js';
import { type CriFallbackReason, CriRuntimeLookup } from '../../src/cri/criRuntimeLookup.js';

function lookupWith(client: ConstructorParameters<typeof CriRuntimeLookup>[0]['client']) {
  const outcomes: string[] = [];
  const lookup = new CriRuntimeLookup({
    client,
    onAnswered: (kind) => outcomes.push(kind),
    onFallback: (reason: CriFallbackReason) => outcomes.push(reason),
  });
  return { lookup, outcomes };
}

test('against a real (fake) runtime: nanosecond container and sandbox times in the view', async (t) => {
  const cri = await startFakeCriServer();
  try {
    cri.setContainer({
      id: 'abc',
      state: 'exited',
      createdAtNs: 1_700_000_010_100_000_000n,
      startedAtNs: 1_700_000_010_200_000_001n,
      finishedAtNs: 1_700_000_019_900_000_002n,
      exitCode: 137,
      reason: 'OOMKilled',
    });
    cri.setSandbox({ id: 'sb', podUid: 'pod-uid', createdAtNs: 1_700_000_009_500_000_003n });
    const client = new CriClient({ endpoint: cri.endpoint });
    const { lookup, outcomes } = lookupWith(client);
    const view = await lookup.lookup({
      containerIds: ['containerd://abc', 'containerd://removed'],
      sandboxPodUids: ['pod-uid'],
    });
    t.deepEqual(view.container('containerd://abc'), {
      createdAt: [1_700_000_010, 100_000_000],
      startedAt: [1_700_000_010, 200_000_001],
      finishedAt: [1_700_000_019, 900_000_002],
      exited: true,
      exitCode: 137,
      reason: 'OOMKilled',
    });
    t.is(view.container('containerd://removed'), undefined);
    t.deepEqual(view.sandboxCreated('pod-uid'), [1_700_000_009, 500_000_003]);
    t.deepEqual(outcomes.sort(), ['container', 'gone', 'sandbox']);
    client.close();
  } finally {
    await cri.close();
  }
});

test('exited containers and sandboxes are asked once; running ones every time', async (t) => {
  const calls: string[] = [];
  const { lookup } = lookupWith({
    containerStatus: async (id) => {
      calls.push(id);
      return {
        id,
        state: id.endsWith('run') ? 'running' : 'exited',
        startedAt: [1, 0],
        ...(id.endsWith('run') ? {} : { finishedAt: [2, 0] }),
        exitCode: 0,
        reason: '',
      };
    },
    podSandbox: async (uid) => {
      calls.push(uid);
      return { id: 's', createdAt: [0, 5], ready: true };
    },
  });
  const queries = { containerIds: ['c://done', 'c://run'], sandboxPodUids: ['p'] };
  await lookup.lookup(queries);
  const second = await lookup.lookup(queries);
  t.deepEqual(calls.sort(), ['c://done', 'c://run', 'c://run', 'p']);
  t.deepEqual(second.container('c://done')?.finishedAt, [2, 0]);
  t.false(second.container('c://run')?.exited);
});

test('the cache is bounded: the oldest answers are forgotten', async (t) => {
  let calls = 0;
  const small = new CriRuntimeLookup({
    client: {
      containerStatus: async (id) => {
        calls++;
        return { id, state: 'exited', exitCode: 0, reason: '' };
      },
      podSandbox: async () => undefined,
    },
    maxCached: 2,
  });
  for (const id of ['a', 'b', 'c']) await small.lookup({ containerIds: [id], sandboxPodUids: [] });
  calls = 0;
  await small.lookup({ containerIds: ['b', 'c'], sandboxPodUids: [] });
  t.is(calls, 0, 'the two newest are cached');
  await small.lookup({ containerIds: ['a'], sandboxPodUids: [] });
  t.is(calls, 1, 'the oldest was evicted');
});

test('every failure leaves the container out of the view and says why', async (t) => {
  const failing = (error: unknown) => ({
    containerStatus: async () => {
      throw error;
    },
    podSandbox: async () => {
      throw error;
    },
  });
  for (const [error, reason] of [
    [new CriError('unavailable', 'no socket'), 'unavailable'],
    [new CriError('timeout', 'slow'), 'timeout'],
    [new CriError('notFound', 'gone'), 'gone'],
    [new Error('bug'), 'error'],
  ] as const) {
    const { lookup, outcomes } = lookupWith(failing(error));
    const view = await lookup.lookup({ containerIds: ['containerd://abc'], sandboxPodUids: ['p'] });
    t.is(view.container('containerd://abc'), undefined);
    t.is(view.sandboxCreated('p'), undefined);
    t.deepEqual(outcomes, [reason, reason]);
  }
});
