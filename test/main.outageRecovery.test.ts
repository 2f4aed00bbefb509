/**
 * The journal checkpoint through the real entry point (`node dist/main.js`) during a collector
 * outage with many pending spans: SIGKILLed at seeded random points while nothing can be
 * delivered, then again while the backlog drains; and the state bound (`STATE_MAX_BYTES`) reached
 * during a long outage. Every expected span must arrive; duplicates only inside the
 * acknowledgement → write window (at most one export batch per kill during the drain).
 */
import test from 'ava';
import { polled, type Rig } from '../sim/agentRig.js';
import { type ReceivedSpan, startOtlpReceiver } from '../sim/otlpReceiver.js';
import { type PodScript, podAt, podListBody } from '../sim/podBuilder.js';
import { seededRandom } from '../sim/timeline/seededRandom.js';
import { experimentClock } from './support/experimentClock.js';
import { agentOf, playWithKills, rigPool } from './support/recoveryRig.js';

const NODE = 'worker-outage';
const TRACE = '7be2a5c0d1e34f5a8b9c0d1e2f3a4b5c';
const { sec } = experimentClock(600);
/** Traced pods per timeline second, and the seconds new pods keep coming. */
const PER_SECOND = 12;
const WAVES = 16;
const BATCH = 32;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
/** A CI step: an init container and two app containers, listed until 6 s after it was created. */
const scripts: { pod: PodScript; created: number }[] = Array.from(
  { length: PER_SECOND * WAVES },
  (_, k) => {
    const s = Math.floor(k / PER_SECOND);
    const env = { TRACEPARENT: `00-${TRACE}-${hex(k + 1, 16)}-01` };
    return {
      created: s,
      pod: {
        name: `step-${hex(k, 4)}`,
        namespace: 'ci',
        labels: { chaosUID: 'outage' },
        creationTimestamp: sec(s),
        restartPolicy: 'Never',
        nodeName: NODE,
        initContainers: [
          { name: 'setup', env, runs: [{ startedAt: sec(s), finishedAt: sec(s + 1) }] },
        ],
        containers: [
          { name: 'step', env, runs: [{ startedAt: sec(s + 1), finishedAt: sec(s + 3) }] },
          {
            name: 'sidecar',
            env,
            runs: [
              { startedAt: sec(s + 1), finishedAt: sec(s + 3), exitCode: k % 5 === 0 ? 1 : 0 },
            ],
          },
        ],
      },
    };
  },
);
const STEPS = Array.from({ length: WAVES + 8 }, (_, i) => i);
const podsAt = (t: number) =>
  scripts.filter((s) => s.created <= t && t < s.created + 6).map((s) => podAt(s.pod, sec(t)));

const pool = rigPool({
  nodeName: NODE,
  env: {
    OTEL_BSP_SCHEDULE_DELAY: '20',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(BATCH),
    EXPORT_RETRY_MAX_BACKOFF: '400ms',
  },
});
const rig = pool.rig;
test.after.always(pool.closeAll);

/** Plays the timeline; `kill(step)` gives a delay after which to SIGKILL and restart. */
const play = (r: Rig, kill?: (step: number) => number | undefined) =>
  playWithKills(r, STEPS, (t) => podListBody(podsAt(t)), kill);

const ids = (spans: readonly ReceivedSpan[]) => spans.map((s) => s.spanId);
const duplicates = (spans: readonly ReceivedSpan[]) => spans.length - new Set(ids(spans)).size;

/** The agent's own count of a metric (summed over label sets matching `labels`). */
async function metric(r: Rig, name: string, labels = ''): Promise<number> {
  const started = await agentOf(r).waitForLog((l) => l.msg === 'started');
  const text = await (await fetch(`http://127.0.0.1:${String(started.httpPort)}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`kubelet_span_exporter_${name}`) && line.includes(labels)) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

let reference: Promise<Set<string>> | undefined;
/** Span ids of one uninterrupted run with the collector up (computed once). */
function expectedIds(): Promise<Set<string>> {
  reference ??= (async () => {
    const r = await rig();
    await play(r);
    const pods = PER_SECOND * WAVES;
    await r.receiver.waitFor(
      (s) => s.filter((x) => x.name.startsWith('pod ')).length === pods,
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await agentOf(r).stop();
    return new Set(ids(r.receiver.spans));
  })();
  return reference;
}

test('SIGKILL at seeded random points during an outage with many pending spans, and while the backlog drains: 0 lost, duplicates only inside the ack → write window', async (t) => {
  const expected = await expectedIds();
  t.true(expected.size >= 1000, `${expected.size} spans expected`);
  const random = seededRandom(12_2026);
  const r = await rig();
  const port = r.receiver.port;
  await r.receiver.close();
  const killSteps = new Set<number>();
  while (killSteps.size < 3) killSteps.add(1 + Math.floor(random() * (STEPS.length - 2)));
  const outageKills = await play(r, (step) =>
    killSteps.has(step) ? Math.floor(random() * 200) : undefined,
  );
  // everything built is pending now
  t.is(await metric(r, 'pending_spans'), expected.size);
  const receiver = await startOtlpReceiver({ port });
  r.receiver = receiver;
  // and killed again while the backlog drains: acknowledged batches may come again, once each
  let drainKills = 0;
  for (const share of [0.2 + random() * 0.2, 0.6 + random() * 0.2]) {
    await receiver.waitFor((s) => s.length >= expected.size * share, 30_000);
    await agentOf(r).stop('SIGKILL');
    drainKills++;
    r.start();
  }
  await receiver.waitFor((s) => [...expected].every((id) => ids(s).includes(id)), 30_000);
  await polled(r.kubelet, 3);
  const got = receiver.spans;
  t.deepEqual(
    [...expected].filter((id) => !ids(got).includes(id)),
    [],
    '0 lost',
  );
  t.deepEqual(
    got.filter((s) => !expected.has(s.spanId)).map((s) => s.name),
    [],
    'no span outside the expected set',
  );
  t.true(
    duplicates(got) <= drainKills * BATCH,
    `${duplicates(got)} duplicates, ${drainKills} kills while draining (batches of ${BATCH})`,
  );
  t.log(
    `${expected.size} spans expected; ${outageKills} SIGKILLs during the outage, ${drainKills} while ` +
      `draining: ${got.length} received, 0 lost, ${duplicates(got)} duplicates`,
  );
  await agentOf(r).stop();
});

test('the state bound reached during a long outage: the oldest pending spans dropped and counted, nothing else lost', async (t) => {
  const expected = await expectedIds();
  const r = await rig({ STATE_MAX_BYTES: '256Ki' });
  const port = r.receiver.port;
  await r.receiver.close();
  await play(r);
  const dropped = await metric(r, 'spans_dropped_total', 'reason="state_bound"');
  const pending = await metric(r, 'pending_spans');
  t.true(dropped > 0, 'the bound was reached');
  t.is(pending + dropped, expected.size, 'what is not pending was dropped, and counted');
  const receiver = await startOtlpReceiver({ port });
  r.receiver = receiver;
  await receiver.waitFor((s) => s.length >= pending, 30_000);
  await polled(r.kubelet, 3);
  const got = receiver.spans;
  t.is(got.length, pending);
  t.is(duplicates(got), 0);
  t.deepEqual(
    got.filter((s) => !expected.has(s.spanId)).map((s) => s.name),
    [],
  );
  t.log(
    `${expected.size} spans built, ${dropped} dropped at the bound (counted), ${got.length} delivered`,
  );
  await agentOf(r).stop();
});
