import { request } from 'node:https';
import test from 'ava';
import {
  acceptsJson,
  goJson,
  type KubeletStandIn,
  type KubeletStandInOptions,
  startKubeletStandIn,
} from '../../sim/kubeletStandIn.js';
import { buildPod, plusSeconds, podListBody, type RawObject } from '../../sim/podBuilder.js';

const T0 = '2026-11-23T10:00:00Z';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** One `GET /pods` on a fresh connection; rejects on a connection error (e.g. refused). */
function get(kubelet: KubeletStandIn, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${kubelet.url}/pods`,
      {
        ca: kubelet.caPem,
        agent: false,
        headers: { Authorization: `Bearer ${kubelet.token}`, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const names = (text: string): string[] =>
  (JSON.parse(text) as { items: { metadata: { name: string } }[] }).items.map(
    (p) => p.metadata.name,
  );

function pods(n: number): RawObject[] {
  return Array.from({ length: n }, (_, i) =>
    buildPod({
      name: `pod-${i}`,
      namespace: 'shop',
      creationTimestamp: plusSeconds(T0, i),
      phase: 'Running',
      containers: [{ name: 'app', state: 'running', startedAt: plusSeconds(T0, i + 2) }],
    }),
  );
}

const started: KubeletStandIn[] = [];
test.after.always(async () => {
  for (const s of started) await s.close();
});

async function standIn(options: KubeletStandInOptions = {}): Promise<KubeletStandIn> {
  const s = await startKubeletStandIn(options);
  started.push(s);
  return s;
}

/** A manual timer: restart phases advance only when the test says so. */
function manualSchedule() {
  const pending: { ms: number; run: () => void }[] = [];
  const waiters: (() => void)[] = [];
  return {
    schedule: (run: () => void, ms: number) => {
      pending.push({ run, ms });
      waiters.shift()?.();
    },
    /** Resolves with the next timer once one is set (after the stand-in's awaits). */
    async next(): Promise<{ ms: number; run: () => void }> {
      if (pending.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
      return pending.shift() as { ms: number; run: () => void };
    },
  };
}

test('items come in a fresh order on every request; the set and each item stay the same', async (t) => {
  const kubelet = await standIn();
  const list = pods(6);
  kubelet.setBody(podListBody(list));
  const orders: string[] = [];
  for (let i = 0; i < 8; i++) orders.push(names((await get(kubelet)).text).join(' '));
  for (let i = 1; i < orders.length; i++) t.not(orders[i], orders[i - 1], `request ${i}`);
  const expected = list.map((p) => (p.metadata as { name: string }).name).sort();
  for (const order of orders) t.deepEqual(order.split(' ').sort(), expected);
  // each item is byte for byte the pod as Go encodes it
  const text = (await get(kubelet)).text;
  for (const pod of list) t.true(text.includes(goJson(pod)));
  t.true(text.startsWith('{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{'));
  t.true(text.endsWith(']}\n'));

  // a seed repeats: another stand-in with the same seed serves the same orders
  const twin = await standIn({ seed: 1 });
  twin.setBody(podListBody(list));
  const twinOrders: string[] = [];
  for (let i = 0; i < 8; i++) twinOrders.push(names((await get(twin)).text).join(' '));
  t.deepEqual(twinOrders, orders);
  const other = await standIn({ seed: 99 });
  other.setBody(podListBody(list));
  const otherOrders: string[] = [];
  for (let i = 0; i < 8; i++) otherOrders.push(names((await get(other)).text).join(' '));
  t.notDeepEqual(otherOrders, orders);
});

test('one pod, non-list bodies and order as-set are served unchanged', async (t) => {
  const kubelet = await standIn();
  kubelet.setBody(podListBody(pods(1)));
  const first = (await get(kubelet)).text;
  t.is((await get(kubelet)).text, first);
  kubelet.setBody('not json');
  t.is((await get(kubelet)).text, 'not json');
  const asSet = await standIn({ order: 'as-set' });
  const pretty = JSON.stringify({ kind: 'PodList', items: pods(3) }, null, 2);
  asSet.setBody(pretty);
  t.is((await get(asSet)).text, pretty);
  t.is((await get(asSet)).text, pretty);
});

test('JSON as Go encodes it: <, > and & escaped', async (t) => {
  t.is(goJson({ a: 'x && y <z>' }), '{"a":"x \\u0026\\u0026 y \\u003cz\\u003e"}');
  const kubelet = await standIn();
  kubelet.setBody(
    podListBody([
      buildPod({
        name: 'p',
        creationTimestamp: T0,
        phase: 'Running',
        containers: [{ name: 'c', command: ['sh', '-c', 'a && b > c'], state: 'running' }],
      }),
    ]),
  );
  const text = (await get(kubelet)).text;
  t.true(text.includes('"a \\u0026\\u0026 b \\u003e c"'));
  t.false(text.includes('&&'));
});

test('JSON only: a protobuf-only Accept is 406, never gzip even when asked', async (t) => {
  const kubelet = await standIn();
  kubelet.setBody(podListBody(pods(2)));
  const protobuf = await get(kubelet, { Accept: 'application/vnd.kubernetes.protobuf' });
  t.is(protobuf.status, 406);
  t.is(protobuf.text, '406: Not Acceptable');
  for (const accept of [
    'application/json',
    'application/vnd.kubernetes.protobuf, application/json',
    'application/vnd.kubernetes.protobuf;q=1, */*;q=0.1',
    '*/*',
  ]) {
    const ok = await get(kubelet, { Accept: accept });
    t.is(ok.status, 200, accept);
    t.is(ok.headers['content-type'], 'application/json');
  }
  t.false(acceptsJson('application/json;q=0, application/vnd.kubernetes.protobuf'));
  t.true(acceptsJson(undefined));
  const zipped = await get(kubelet, { 'Accept-Encoding': 'gzip, deflate' });
  t.is(zipped.status, 200);
  t.is(zipped.headers['content-encoding'], undefined);
  t.is(names(zipped.text).length, 2);
});

test('restart: refused, then empty, then a partial list, then whole; config.seen reset', async (t) => {
  const timer = manualSchedule();
  const kubelet = await standIn({ schedule: timer.schedule });
  const list = pods(12);
  kubelet.setBody(podListBody(list));
  const before = JSON.parse((await get(kubelet)).text) as { items: RawObject[] };
  const seenOf = (pod: RawObject) =>
    ((pod.metadata as RawObject).annotations as Record<string, string>)[
      'kubernetes.io/config.seen'
    ] as string;
  const oldSeen = new Map(before.items.map((p) => [(p.metadata as RawObject).uid, seenOf(p)]));
  // a request in flight when the kubelet goes away fails as well
  kubelet.injectFault({ delayMs: 60_000 });
  const requests = kubelet.requests;
  const inFlight = get(kubelet);
  while (kubelet.requests === requests) await new Promise((resolve) => setTimeout(resolve, 5));

  const done = kubelet.restart({
    refusedMs: 600,
    emptyMs: 1600,
    partialMs: 1000,
    seenAtEpochSeconds: Date.parse('2026-11-23T11:00:00Z') / 1000,
  });
  const refused = await timer.next();
  t.is(kubelet.phase, 'refused');
  t.is(refused.ms, 600);
  await t.throwsAsync(inFlight);
  await t.throwsAsync(get(kubelet), { code: 'ECONNREFUSED' });
  await t.throwsAsync(get(kubelet), { code: 'ECONNREFUSED' });

  refused.run();
  const empty = await timer.next();
  t.is(kubelet.phase, 'empty');
  t.is(empty.ms, 1600);
  t.deepEqual(names((await get(kubelet)).text), []);

  empty.run();
  const partial = await timer.next();
  t.is(kubelet.phase, 'partial');
  const all = list.map((p) => (p.metadata as { name: string }).name);
  const part1 = names((await get(kubelet)).text);
  const part2 = names((await get(kubelet)).text);
  t.true(part1.length > 0 && part1.length < all.length, `partial: ${part1.length}`);
  t.deepEqual([...part2].sort(), [...part1].sort(), 'the same part while partial');
  for (const name of part1) t.true(all.includes(name));

  partial.run();
  await done;
  t.is(kubelet.phase, 'up');
  const after = JSON.parse((await get(kubelet)).text) as { items: RawObject[] };
  t.deepEqual(after.items.map((p) => (p.metadata as { name: string }).name).sort(), all.sort());
  for (const pod of after.items) {
    const seen = seenOf(pod);
    t.not(seen, oldSeen.get((pod.metadata as RawObject).uid));
    // 11:00:00Z shown in the node's zone, nine digits, as before
    t.regex(seen, /^2026-11-23T13:00:00\.\d{9}\+02:00$/);
  }
  t.is(kubelet.restarts, 1);

  // pods created after the restart keep their own config.seen; a new body keeps the reset
  const newcomer = buildPod({
    name: 'late',
    creationTimestamp: T0,
    phase: 'Pending',
    containers: [{ name: 'c', state: 'waiting' }],
  });
  kubelet.setBody(podListBody([...list, newcomer]));
  const later = JSON.parse((await get(kubelet)).text) as { items: RawObject[] };
  for (const pod of later.items) {
    const name = (pod.metadata as { name: string }).name;
    if (name === 'late') t.is(seenOf(pod), seenOf(newcomer));
    else t.regex(seenOf(pod), /^2026-11-23T13:00:00\./);
  }
});

test('random faults: a seeded share of requests, counted; the same seed, the same faults', async (t) => {
  const run = async () => {
    const kubelet = await standIn({
      randomFaults: { share: 0.3, seed: 7, slowMs: 20 },
    });
    kubelet.setBody(podListBody(pods(3)));
    const outcomes: string[] = [];
    for (let i = 0; i < 120; i++) {
      try {
        const answer = await get(kubelet);
        let parsed = true;
        try {
          JSON.parse(answer.text);
        } catch {
          parsed = false;
        }
        outcomes.push(answer.status === 200 && parsed ? 'ok' : `bad ${answer.status}`);
      } catch {
        outcomes.push('broken');
      }
    }
    return { outcomes, served: kubelet.faultsServed };
  };
  const first = await run();
  const { injected, ...random } = first.served;
  const total = Object.values(random).reduce((a, b) => a + b, 0);
  t.is(injected, 0);
  t.true(total >= 0.2 * 120 && total <= 0.4 * 120, `faults: ${total} of 120`);
  for (const kind of ['status', 'truncate', 'garble', 'slow'] as const) {
    t.true(random[kind] > 0, `${kind} served`);
  }
  const failed = first.outcomes.filter((o) => o !== 'ok').length;
  // a slow answer still delivers the body; every other fault is a failed poll
  t.is(failed, total - random.slow);
  const second = await run();
  t.deepEqual(second.outcomes, first.outcomes);
  t.deepEqual(second.served, first.served);
});

test('order as-set: a restart still serves empty, then partial lists, in the given order', async (t) => {
  const timer = manualSchedule();
  const kubelet = await standIn({ order: 'as-set', schedule: timer.schedule });
  const body = podListBody(pods(6));
  kubelet.setBody(body);
  const done = kubelet.restart({ refusedMs: 1, emptyMs: 1, partialMs: 1 });
  (await timer.next()).run();
  const empty = await timer.next();
  t.deepEqual(names((await get(kubelet)).text), []);
  empty.run();
  const partial = await timer.next();
  const part = names((await get(kubelet)).text);
  const all = names(body);
  t.true(part.length > 0 && part.length < all.length);
  t.deepEqual(
    part,
    all.filter((n) => part.includes(n)),
    'in the given order',
  );
  partial.run();
  await done;
  t.is((await get(kubelet)).text, body);
});
