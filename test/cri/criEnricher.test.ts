import test from 'ava';
import type { SpanData } from '../../src/core/spanData.js';
import { spanKey } from '../../src/core/spanIdentity.js';
import { CriClient, CriError } from '../../src/cri/criClient.js';
import { CriEnricher, type CriFallbackReason } from '../../src/cri/criEnricher.js';
import { startFakeCriServer } from '../support/fakeCriServer.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const span = (role: 'container' | 'phase', name: string, run = ''): SpanData => ({
  traceId: TRACE,
  spanId: 'b7ad6b7169203331',
  parentSpanId: '00f067aa0ba902b7',
  parentIsRemote: false,
  name: `${role} ${name}`,
  start: [1_700_000_010, 0],
  end: [1_700_000_020, 0],
  attributes: { 'kse.start.source': 'kubelet', 'kse.end.source': 'kubelet' },
  events: [],
  status: { code: 'unset' },
  resource: {},
  key: spanKey(TRACE, 'pod-uid', role, name, run),
  podUid: 'pod-uid',
});

function enricher(client: ConstructorParameters<typeof CriEnricher>[0]['client']) {
  const outcomes: string[] = [];
  const e = new CriEnricher({
    client,
    onEnriched: (kind) => outcomes.push(kind),
    onFallback: (reason: CriFallbackReason) => outcomes.push(reason),
  });
  return { e, outcomes };
}

test('against a real (fake) runtime: container and sandbox times replaced, others untouched', async (t) => {
  const cri = await startFakeCriServer();
  try {
    cri.setContainer({
      id: 'abc',
      state: 'exited',
      createdAtNs: 1_700_000_010_100_000_000n,
      startedAtNs: 1_700_000_010_200_000_001n,
      finishedAtNs: 1_700_000_019_900_000_002n,
      exitCode: 0,
      reason: 'Completed',
    });
    cri.setSandbox({ id: 'sb', podUid: 'pod-uid', createdAtNs: 1_700_000_009_500_000_003n });
    const client = new CriClient({ endpoint: cri.endpoint });
    const { e, outcomes } = enricher(client);
    const [run, sandbox, scheduling, noId] = await e.enrich([
      span('container', 'main', 'containerd://abc'),
      span('phase', 'sandbox'),
      span('phase', 'scheduling'),
      span('container', 'lost', '#3'),
    ]);
    t.deepEqual(run?.start, [1_700_000_010, 200_000_001]);
    t.deepEqual(run?.end, [1_700_000_019, 900_000_002]);
    t.deepEqual(sandbox?.start, [1_700_000_009, 500_000_003]);
    t.deepEqual(scheduling?.start, [1_700_000_010, 0], 'no CRI time for scheduling');
    t.deepEqual(noId?.start, [1_700_000_010, 0]);
    t.deepEqual(outcomes.sort(), ['container', 'noId', 'sandbox']);
    client.close();
  } finally {
    await cri.close();
  }
});

test('every failure keeps the kubelet times and says why', async (t) => {
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
    const { e, outcomes } = enricher(failing(error));
    const original = span('container', 'main', 'containerd://abc');
    const [out] = await e.enrich([original]);
    t.deepEqual(out, original);
    t.deepEqual(outcomes, [reason]);
  }
  const { e, outcomes } = enricher({
    containerStatus: async () => undefined,
    podSandbox: async () => undefined,
  });
  await e.enrich([span('container', 'main', 'containerd://removed'), span('phase', 'sandbox')]);
  t.deepEqual(outcomes, ['gone', 'gone']);
});
