/**
 * Lose nothing, duplicate nothing: the real entry point killed with SIGKILL at random points of a
 * scripted experiment and restarted on the same STATE_DIR; a collector that is down for longer
 * than several retry periods; a kubelet that fails between good polls. Every expected span must
 * arrive; duplicates are counted and reported (t.log), and must stay rare.
 */
import test from 'ava';
import { polled, type Rig } from '../sim/agentRig.js';
import { type ReceivedSpan, startOtlpReceiver } from '../sim/otlpReceiver.js';
import { type PodScript, podAt, podListBody, type RawObject } from '../sim/podBuilder.js';
import { seededRandom } from '../sim/timeline/seededRandom.js';
import { experimentClock } from './support/experimentClock.js';
import { agentOf, playWithKills, rigPool } from './support/recoveryRig.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
const NODE = 'worker-1';
const { sec } = experimentClock(600);
const ctx = { TRACE_PARENT: `{"traceparent":"00-${TRACE}-${PARENT}-01"}` };

/** Pods of the scripted experiment, with when they disappear from the kubelet's list. */
const scripts: { pod: PodScript; removedAt?: number }[] = [
  {
    pod: {
      name: 'exp-job-x1',
      namespace: 'litmus',
      labels: { chaosUID: 'e' },
      creationTimestamp: sec(0),
      restartPolicy: 'Never',
      nodeName: NODE,
      initContainers: [{ name: 'setup', runs: [{ startedAt: sec(1), finishedAt: sec(2) }] }],
      containers: [{ name: 'exp', env: ctx, runs: [{ startedAt: sec(3), finishedAt: sec(55) }] }],
    },
  },
  ...[0, 1, 2, 3].map((i) => ({
    pod: {
      name: `helper-${i}`,
      generateName: 'helper-',
      namespace: 'litmus',
      labels: { chaosUID: 'e' },
      creationTimestamp: sec(5 + i * 10),
      restartPolicy: 'Never' as const,
      nodeName: NODE,
      containers: [
        {
          name: 'kill',
          env: ctx,
          runs: [
            {
              startedAt: sec(6 + i * 10),
              finishedAt: sec(9 + i * 10),
              exitCode: i === 2 ? 1 : 0,
            },
          ],
        },
      ],
    },
    removedAt: 11 + i * 10,
  })),
  {
    pod: {
      name: 'target-0',
      namespace: 'app',
      labels: { chaosUID: 'e' },
      creationTimestamp: sec(0),
      nodeName: NODE,
      containers: [
        {
          name: 'app',
          env: ctx,
          runs: [
            { startedAt: sec(1), finishedAt: sec(16), exitCode: 137 },
            { startedAt: sec(18), finishedAt: sec(36), exitCode: 137 },
            { startedAt: sec(38) },
          ],
        },
      ],
    },
    removedAt: 58,
  },
];
const STEPS = Array.from({ length: 31 }, (_, i) => i * 2); // t = 0, 2, ..., 60

function podsAt(t: number): RawObject[] {
  return scripts
    .filter((s) => Date.parse(s.pod.creationTimestamp) <= Date.parse(sec(t)))
    .filter((s) => s.removedAt === undefined || t < s.removedAt)
    .map((s) => podAt(s.pod, sec(t)));
}

const pool = rigPool({ nodeName: NODE, env: { OTEL_BSP_SCHEDULE_DELAY: '20' } });
const rig = pool.rig;
test.after.always(pool.closeAll);

/** Plays the experiment; `kill(step)` says whether to SIGKILL-and-restart during that step. */
const play = (r: Rig, kill: (step: number) => number | undefined) =>
  playWithKills(r, STEPS, (t) => podListBody(podsAt(t)), kill);

const ids = (spans: readonly ReceivedSpan[]) => spans.map((s) => s.spanId);
function countDuplicates(spans: readonly ReceivedSpan[]): number {
  return spans.length - new Set(ids(spans)).size;
}

let reference: Promise<ReceivedSpan[]> | undefined;
/** The spans of one uninterrupted run (computed once, shared by the tests). */
function referenceSpans(): Promise<ReceivedSpan[]> {
  reference ??= (async () => {
    const r = await rig();
    await play(r, () => undefined);
    await r.receiver.waitFor(
      (s) => s.filter((x) => x.name.startsWith('pod ')).length === 6,
      15_000,
    );
    await r.agent?.stop();
    return [...r.receiver.spans];
  })();
  return reference;
}

test('the uninterrupted experiment: the expected tree, every span once', async (t) => {
  const spans = await referenceSpans();
  t.is(countDuplicates(spans), 0);
  t.deepEqual(
    spans
      .filter((s) => s.name.startsWith('pod '))
      .map((s) => s.name)
      .sort(),
    ['pod exp-job-x1', 'pod helper', 'pod helper', 'pod helper', 'pod helper', 'pod target-0'],
  );
  t.is(spans.filter((s) => s.name === 'container app').length, 3);
  t.is(spans.filter((s) => s.name === 'container kill' && s.status.code === 2).length, 1);
  t.log(`${spans.length} spans expected per run`);
});

test('SIGKILL at random points, restart on the same STATE_DIR: 0 lost, at most one batch duplicated per kill', async (t) => {
  const expected = new Set(ids(await referenceSpans()));
  const BATCH = 4;
  const RUNS = 4;
  let totalKills = 0;
  let totalDuplicates = 0;
  let totalReceived = 0;
  for (let run = 0; run < RUNS; run++) {
    const random = seededRandom(1000 + run); // the same seed, the same kill points
    const killSteps = new Set([1 + Math.floor(random() * 14), 15 + Math.floor(random() * 15)]);
    // small batches: a duplicate can only be a batch acknowledged just before a kill, before
    // the checkpoint recorded the acknowledgement (the ack → checkpoint-write window)
    const r = await rig({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(BATCH) });
    const kills = await play(r, (step) =>
      killSteps.has(step) ? Math.floor(random() * 150) : undefined,
    );
    totalKills += kills;
    await r.receiver.waitFor((s) => [...expected].every((id) => ids(s).includes(id)), 20_000);
    const got = r.receiver.spans;
    t.true(
      [...expected].every((id) => ids(got).includes(id)),
      `run ${run}: 0 lost`,
    );
    t.true(
      countDuplicates(got) <= kills * BATCH,
      `run ${run}: at most one batch duplicated per kill (${countDuplicates(got)} spans, ${kills} kills)`,
    );
    const unexpected = got.filter((s) => !expected.has(s.spanId));
    t.deepEqual(
      unexpected.map((s) => s.name),
      [],
      `run ${run}: no span outside the expected set`,
    );
    totalDuplicates += countDuplicates(got);
    totalReceived += got.length;
    await r.agent?.stop();
  }
  t.log(
    `${RUNS} runs, ${totalKills} SIGKILLs: ${expected.size * RUNS} spans expected, all delivered; ` +
      `${totalReceived} received, ${totalDuplicates} duplicates`,
  );
});

/** The parts of a span that must not depend on how the agent got to see it. */
const essence = (s: ReceivedSpan) =>
  JSON.stringify({
    id: s.spanId,
    parent: s.parentSpanId,
    name: s.name,
    // estimated ends are the poll that noticed: they move with poll timing
    start: String(s.startNs),
    end: s.attributes['kse.end.estimated'] ? 'estimated' : String(s.endNs),
    status: s.status,
    exit: s.attributes['process.exit.code'] ?? null,
  });

test('kubelet failures between good polls change nothing in the spans', async (t) => {
  const expected = (await referenceSpans()).map(essence).sort();
  const r = await rig({ KUBELET_TIMEOUT: '300ms', KUBELET_MAX_RESPONSE_BYTES: '512Ki' });
  const faults = [
    { status: 500 },
    { status: 503 },
    { delayMs: 2000 },
    // The client sends a request again, once, when a reused connection is reset before any
    // response byte (as browsers and Go do): two resets in a row make the poll fail.
    [{ destroy: true as const }, { destroy: true as const }],
    { status: 401 },
    { status: 403 },
    { truncate: true as const },
    { truncate: 'chunked' as const },
    { raw: '{"kind":"PodList","items":[' },
    { raw: 'not json at all' },
    { raw: `{"kind":"PodList","items":[],"pad":"${'x'.repeat(600 * 1024)}"}` },
    { raw: '{"kind":"PodList"}' },
    { raw: '{"kind":"PodList","items":"none"}' },
    { raw: '{"kind":"Status","status":"Failure"}' },
    // a kubelet that restarts can answer 200 with an empty list for a moment
    { raw: '{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}' },
  ];
  const kinds = new Set<string>();
  r.start();
  for (const [step, time] of STEPS.entries()) {
    r.kubelet.setBody(podListBody(podsAt(time)));
    await polled(r.kubelet, 2);
    const fault = faults[step % faults.length];
    if (fault && step < faults.length * 2) {
      for (const one of [fault].flat()) r.kubelet.injectFault(one);
      await polled(r.kubelet, 2);
    }
  }
  await polled(r.kubelet, 3);
  await r.receiver.waitFor((s) => s.filter((x) => x.name.startsWith('pod ')).length === 6, 20_000);
  for (const line of agentOf(r).logs) if (typeof line.kind === 'string') kinds.add(line.kind);
  t.deepEqual(r.receiver.spans.map(essence).sort(), expected);
  // every injected fault maps to one logged kind: 5xx http, the delay timeout, the reset
  // connection, 401, 403, both truncations, the bodies that are no PodList, the oversized body
  t.deepEqual([...kinds].sort(), [
    'connection',
    'forbidden',
    'http',
    'malformed',
    'timeout',
    'tooLarge',
    'truncated',
    'unauthorized',
  ]);
  t.log(`kubelet failures seen: ${[...kinds].sort().join(', ')}`);
  await agentOf(r).stop();
});

test('collector down for longer than several retry periods, then back: every span once', async (t) => {
  const expected = new Set(ids(await referenceSpans()));
  const r = await rig({ EXPORT_RETRY_MAX_BACKOFF: '400ms' });
  const port = r.receiver.port;
  await r.receiver.close();
  r.start();
  for (const time of STEPS) {
    r.kubelet.setBody(podListBody(podsAt(time)));
    await polled(r.kubelet, 2);
  }
  await polled(r.kubelet, 3);
  await agentOf(r).waitForLog((l) => l.msg === 'span export failed; retrying');
  const receiver = await startOtlpReceiver({ port });
  r.receiver = receiver;
  await receiver.waitFor((s) => [...expected].every((id) => ids(s).includes(id)), 30_000);
  t.is(countDuplicates(receiver.spans), 0);
  t.is(receiver.spans.length, expected.size);
  t.log(
    `${expected.size} spans expected, ${receiver.spans.length} delivered after the outage, 0 duplicates`,
  );
  await agentOf(r).stop();
});
