/**
 * Fuzz: /pods bodies built from our fixtures in test/fixtures/kubelet/ (shaped like the real
 * captures) and from the pod builder, mutated at random (fields deleted, retyped, times garbled,
 * restart counts moved back, uids duplicated), fed poll after poll through decode → select →
 * track. The core must never throw and never build an invalid span (ids, order of times,
 * attribute types).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import { type PodScript, podAt } from '../../sim/podBuilder.js';
import { decodePodList } from '../../src/core/decodePodList.js';
import { parseLabelSelector } from '../../src/core/labelSelector.js';
import { PodTracker } from '../../src/core/podTracker.js';
import { selectPods } from '../../src/core/selectPods.js';
import { isSpanData, type SpanData } from '../../src/core/spanData.js';
import { timeFromMillis } from '../../src/core/time.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const FIXTURES = new URL('../fixtures/kubelet/', import.meta.url);
const CONTEXT = '{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}';
const selector = parseLabelSelector('chaosUID');
if (!selector.ok) throw new Error(selector.error);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Fixture pods made traceable: the chaosUID label and a Litmus TRACE_PARENT. */
function fixturePods(): Json[] {
  const out: Json[] = [];
  for (const file of ['podlist-init-and-restart.json', 'podlist-short-lived-succeeded.json']) {
    const list = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8'));
    for (const pod of list.items) {
      pod.metadata.labels = { ...pod.metadata.labels, chaosUID: 'fuzz' };
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
        c.env = [{ name: 'TRACE_PARENT', value: CONTEXT }, ...(c.env ?? [])];
      }
      out.push(pod);
    }
  }
  return out;
}

const T0 = Date.parse('2026-11-23T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z');
const script: PodScript = {
  name: 'fuzz-helper',
  namespace: 'litmus',
  labels: { chaosUID: 'fuzz' },
  creationTimestamp: at(0),
  restartPolicy: 'Always',
  initContainers: [{ name: 'init', runs: [{ startedAt: at(1), finishedAt: at(2) }] }],
  containers: [
    {
      name: 'main',
      env: { TRACE_PARENT: CONTEXT },
      runs: [
        { startedAt: at(3), finishedAt: at(6), exitCode: 137, reason: 'OOMKilled' },
        { startedAt: at(8), finishedAt: at(9), exitCode: 1 },
        { startedAt: at(11) },
      ],
    },
  ],
};
const timeline: Json[][] = [0, 2, 4, 7, 8, 10, 12].map((s) => [podAt(script, at(s)) as Json]);

/** Every path to a value inside `value` (objects and arrays). */
function paths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const key = Array.isArray(value) ? Number(k) : k;
      out.push([...prefix, key]);
      paths(v as Json, [...prefix, key], out);
    }
  }
  return out;
}

const weird: Json[] = [
  null,
  '',
  'garbage',
  '2099-01-01T00:00:00Z',
  '1970-01-01T00:00:00Z',
  '2026-02-31T00:00:00Z',
  '2026-11-23T10:00:00.123456789+02:00',
  -1,
  1e300,
  Number.MAX_SAFE_INTEGER,
  true,
  [],
  {},
  { terminated: { exitCode: 1, startedAt: null, finishedAt: null } },
];

const mutation = fc.record({
  which: fc.nat(),
  op: fc.constantFrom('delete', 'weird', 'random'),
  weird: fc.constantFrom(...weird),
  random: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
});

function mutate(pods: Json[], muts: { which: number; op: string; weird: Json; random: Json }[]) {
  const copy = structuredClone(pods);
  for (const m of muts) {
    const all = paths(copy);
    const path = all[m.which % Math.max(1, all.length)];
    if (!path || path.length === 0) continue;
    let parent: Json = copy;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string, Json>)[key] as Json;
    const last = path.at(-1) as string | number;
    if (parent === null || typeof parent !== 'object') continue;
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else {
      (parent as Record<string | number, Json>)[last] = m.op === 'weird' ? m.weird : m.random;
    }
  }
  return copy;
}

function checkSpans(t: { true: (v: boolean, m?: string) => void }, spans: readonly SpanData[]) {
  for (const span of spans) t.true(isSpanData(span), JSON.stringify(span));
}

test('mutated kubelet bodies, poll after poll: no throw, every span valid', (t) => {
  const fixtures = fixturePods();
  let total = 0;
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          base: fc.nat(),
          mutations: fc.array(mutation, { maxLength: 6 }),
          duplicate: fc.boolean(),
          asText: fc.constantFrom('json', 'truncated'),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      (polls) => {
        const tracker = new PodTracker({
          nodeName: 'n1',
          envNames: ['TRACEPARENT', 'TRACE_PARENT'],
          hash: sha256,
          maxSpansPerPod: 50,
        });
        let now = T0 + 1000;
        const built: SpanData[] = [];
        for (const poll of polls) {
          const frame = timeline[poll.base % timeline.length] ?? [];
          let items = mutate([...frame, ...fixtures], poll.mutations);
          if (poll.duplicate && items.length > 0) items = [...items, items[0] as Json];
          let text = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items });
          if (poll.asText === 'truncated') text = text.slice(0, Math.floor(text.length * 0.7));
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            continue; // the agent counts this poll as failed and changes nothing
          }
          const decoded = decodePodList(json, { envNames: ['TRACEPARENT', 'TRACE_PARENT'] });
          if (!decoded.ok) continue;
          const selected = selectPods(decoded.pods, [selector.selector], undefined);
          now += 250;
          built.push(...tracker.observe(selected, timeFromMillis(now)).spans);
        }
        // and then everything vanishes: open runs and pods are finalized
        built.push(...tracker.observe([], timeFromMillis(now + 250)).spans);
        built.push(...tracker.observe([], timeFromMillis(now + 5250)).spans);
        checkSpans(t, built);
        total += built.length;
        t.is(tracker.trackedPods, 0);
        const keys = built.map((s) => s.key);
        t.is(new Set(keys).size, keys.length, 'no span built twice');
      },
    ),
    { numRuns: 150, seed: 20261123 },
  );
  // the fuzz exercised span building, not only rejection
  t.true(total > 1000, `${total} spans built`);
  t.log(`${total} spans built and checked over 150 mutated poll sequences`);
});
