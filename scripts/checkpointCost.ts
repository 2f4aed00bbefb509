/**
 * What the journal checkpoint (`src/checkpoint/journalCheckpoint`) costs on a busy node during a
 * collector outage: 5000 tracked pods (snapshots of the real `PodTracker`, fed pods built here) and
 * 15 000 pending spans, in a real directory with the default fsync policy (`fdatasync`).
 *
 * Measures, with `perf_hooks.monitorEventLoopDelay` (1 ms resolution), the event loop's longest
 * stall (max, p99) while appending poll records, while compacting, and while opening (replay);
 * bytes written per minute at 4 polls a second with one pod changing (compaction amortised); and
 * the peak on disk relative to `maxBytes`. Target: stalls ≤ 50 ms.
 *
 *   npx tsx scripts/checkpointCost.ts [--dir DIR] [--polls N]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DEFAULT_STATE_MAX_BYTES, JournalCheckpoint } from '../src/checkpoint/journalCheckpoint.js';
import { decodePodList } from '../src/core/decodePodList.js';
import { PodTracker } from '../src/core/podTracker.js';
import type { SpanData } from '../src/core/spanData.js';
import type { Time } from '../src/core/time.js';
import type { PodSnapshot } from '../src/core/trackerSnapshot.js';

const PODS = 5000;
const PENDING_SPANS = 15_000;
const SPANS_PER_OUTAGE_POLL = 100;

const { values } = parseArgs({
  options: { dir: { type: 'string' }, polls: { type: 'string', default: '240' } },
});
const polls = Number(values.polls);
const base = values.dir ?? tmpdir();
const dir = mkdtempSync(join(base, 'kse-checkpoint-cost-'));

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const iso = (s: number) => new Date(s * 1000).toISOString();
const T0 = 1_763_892_000;

/** A kubelet `/pods` item: an init container done, an app (restarted once) and a sidecar running. */
function kubeletItem(i: number) {
  const traceparent = `00-${hex(i + 1, 8)}4bf92f3577b34da6${hex(i, 8)}-${hex(i + 7, 16)}-01`;
  const env = [
    { name: 'TRACEPARENT', value: traceparent },
    { name: 'JOB_ID', value: `job-${i}` },
  ];
  const created = T0 + (i % 600);
  return {
    metadata: {
      name: `ci-job-${i}-abcde`,
      namespace: `team-${i % 40}`,
      uid: `0000${hex(i, 4)}-1111-4222-8333-${hex(i, 12)}`,
      generateName: `ci-job-${i}-`,
      creationTimestamp: iso(created),
      labels: { app: 'ci', 'batch.kubernetes.io/job-name': `ci-job-${i}` },
      annotations: {
        'kubernetes.io/config.seen': `${iso(created)}`,
        'kubernetes.io/config.source': 'api',
      },
    },
    spec: {
      nodeName: 'node-1',
      initContainers: [{ name: 'fetch', image: 'registry.example/fetch:1.4', env }],
      containers: [
        { name: 'main', image: 'registry.example/runner:2.7.1', env },
        { name: 'sidecar', image: 'registry.example/proxy:0.9', env },
      ],
    },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: iso(created) },
        { type: 'Initialized', status: 'True', lastTransitionTime: iso(created + 3) },
        { type: 'Ready', status: 'True', lastTransitionTime: iso(created + 9) },
      ],
      initContainerStatuses: [
        {
          name: 'fetch',
          restartCount: 0,
          image: 'registry.example/fetch:1.4',
          containerID: `containerd://${hex(i, 64)}`,
          state: {
            terminated: {
              exitCode: 0,
              reason: 'Completed',
              startedAt: iso(created + 1),
              finishedAt: iso(created + 3),
              containerID: `containerd://${hex(i, 64)}`,
            },
          },
          lastState: {},
        },
      ],
      containerStatuses: [
        {
          name: 'main',
          restartCount: 1,
          image: 'registry.example/runner:2.7.1',
          containerID: `containerd://${hex(i + 1, 64)}`,
          state: { running: { startedAt: iso(created + 8) } },
          lastState: {
            terminated: {
              exitCode: 137,
              reason: 'OOMKilled',
              startedAt: iso(created + 4),
              finishedAt: iso(created + 7),
              containerID: `containerd://${hex(i + 2, 64)}`,
            },
          },
        },
        {
          name: 'sidecar',
          restartCount: 0,
          image: 'registry.example/proxy:0.9',
          containerID: `containerd://${hex(i + 3, 64)}`,
          state: { running: { startedAt: iso(created + 4) } },
          lastState: {},
        },
      ],
    },
  };
}

function buildState(): { pods: PodSnapshot[]; spans: SpanData[] } {
  const decoded = decodePodList(
    { kind: 'PodList', items: Array.from({ length: PODS }, (_, i) => kubeletItem(i)) },
    { envNames: ['TRACEPARENT'] },
  );
  if (!decoded.ok || decoded.pods.length !== PODS) throw new Error('pods did not decode');
  const tracker = new PodTracker({
    nodeName: 'node-1',
    envNames: ['TRACEPARENT'],
    hash: (input) => createHash('sha256').update(input).digest('hex'),
    maxTrackedPods: PODS,
  });
  const built: SpanData[] = [];
  for (let poll = 0; poll < 2; poll++) {
    const now: Time = [T0 + 700 + poll, 0];
    built.push(...tracker.observe(decoded.pods, now).spans);
  }
  const pods = [...tracker.snapshot().pods];
  if (pods.length !== PODS || built.length === 0) {
    throw new Error(`tracker state not built: ${pods.length} pods, ${built.length} spans`);
  }
  // The outage's backlog: the tracker's spans, repeated with distinct keys up to 15 000.
  const spans: SpanData[] = [];
  for (let i = 0; spans.length < PENDING_SPANS; i++) {
    const s = built[i % built.length] as SpanData;
    spans.push({ ...s, key: `${s.key}#${Math.floor(i / built.length)}`, spanId: hex(i + 1, 16) });
  }
  return { pods, spans };
}

interface Stall {
  maxMs: number;
  p99Ms: number;
  wallMs: number;
}

async function measure(run: () => Promise<void>): Promise<Stall> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  // Let the monitor's timer start before the work does.
  await new Promise((r) => setTimeout(r, 20));
  h.enable();
  const started = performance.now();
  await run();
  const wallMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 5));
  h.disable();
  return { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, wallMs };
}

const mib = (b: number) => (b / 1024 / 1024).toFixed(2);
const ms = (s: Stall) =>
  `max ${s.maxMs.toFixed(1)} ms, p99 ${s.p99Ms.toFixed(1)} ms (wall ${s.wallMs.toFixed(0)} ms)`;

const startedBuild = performance.now();
const { pods, spans } = buildState();
const podBytes = pods.reduce((n, p) => n + JSON.stringify(p).length, 0);
console.log(
  `state: ${pods.length} pods (${mib(podBytes)} MiB JSON, built in ${(performance.now() - startedBuild).toFixed(0)} ms), ${spans.length} pending spans; dir ${dir}`,
);

try {
  // The outage so far: every pod tracked, the backlog in segments of one poll's spans each.
  let { checkpoint } = await JournalCheckpoint.open(dir);
  for (let i = 0; i < spans.length / SPANS_PER_OUTAGE_POLL; i++) {
    const podSlice = pods.slice(
      (i * PODS * SPANS_PER_OUTAGE_POLL) / spans.length,
      ((i + 1) * PODS * SPANS_PER_OUTAGE_POLL) / spans.length,
    );
    await checkpoint.recordPoll(
      podSlice,
      [],
      spans.slice(i * SPANS_PER_OUTAGE_POLL, (i + 1) * SPANS_PER_OUTAGE_POLL),
    );
  }
  await checkpoint.close();
  // Compaction of the 5000 pods (forced: the default threshold is a 1 MiB journal).
  ({ checkpoint } = await JournalCheckpoint.open(dir, { compactMinBytes: 0 }));
  const compaction = await measure(async () => {
    if (!(await checkpoint.compactIfNeeded())) throw new Error('compaction was not due');
  });
  const afterCompaction = checkpoint.stats;

  // Steady outage: 4 polls a second, one pod changing; every 8th poll also builds a span.
  const written0 = checkpoint.stats.bytesWritten;
  const appends = await measure(async () => {
    for (let p = 0; p < polls; p++) {
      const pod = pods[p % 50] as PodSnapshot;
      const changed: PodSnapshot = { ...pod, lastSeenAt: [T0 + 800 + p, 0] };
      const newSpans = p % 8 === 0 ? [{ ...(spans[p] as SpanData), key: `poll-${p}` }] : [];
      await checkpoint.recordPoll([changed], [], newSpans);
    }
  });
  const perPoll = (checkpoint.stats.bytesWritten - written0) / polls;
  const appendOnly = await measure(async () => {
    for (let p = 0; p < polls; p++) {
      const pod = pods[p % 50] as PodSnapshot;
      await checkpoint.recordPoll([{ ...pod, lastSeenAt: [T0 + 900 + p, 0] }], [], []);
    }
  });
  const recordBytes = (checkpoint.stats.bytesWritten - written0 - perPoll * polls) / polls;
  await checkpoint.close();

  // Restart: open and replay everything.
  let loaded: Awaited<ReturnType<typeof JournalCheckpoint.open>>['loaded'] | undefined;
  const open = await measure(async () => {
    const opened = await JournalCheckpoint.open(dir, { compactMinBytes: 0 });
    loaded = opened.loaded;
    checkpoint = opened.checkpoint;
  });
  // Compaction under load: polls go on (one pod changing each) while the snapshot is rewritten.
  let pollsDuringCompaction = 0;
  const underLoad = await measure(async () => {
    let compacting = true;
    const compaction = checkpoint.compactIfNeeded().finally(() => {
      compacting = false;
    });
    for (let p = 0; compacting || p < 10; p++) {
      const pod = pods[p % 50] as PodSnapshot;
      await checkpoint.recordPoll([{ ...pod, lastSeenAt: [T0 + 1000 + p, 0] }], [], []);
      if (compacting) pollsDuringCompaction++;
    }
    await compaction;
  });
  const peak = checkpoint.stats.peakBytes;
  await checkpoint.close();

  const perMinute = perPoll * 240;
  // A compaction rewrites the snapshot once the journal reaches max(1 MiB, half the snapshot).
  const snapshot = afterCompaction.snapshotBytes;
  const threshold = Math.max(1024 * 1024, snapshot / 2);
  const amortised = perMinute * (1 + snapshot / threshold);
  console.log(`\n| measurement | figure |\n| --- | --- |`);
  console.log(
    `| record append (${polls} polls, 1 pod changing, 1 in 8 with a span) | ${ms(appends)} |`,
  );
  console.log(`| record append (${polls} polls, 1 pod changing, no span) | ${ms(appendOnly)} |`);
  console.log(`| compaction (${PODS} pods) | ${ms(compaction)} |`);
  console.log(
    `| compaction with polls going on (${pollsDuringCompaction} records appended meanwhile) | ${ms(underLoad)} |`,
  );
  console.log(
    `| open + replay (${loaded?.tracker.pods.length} pods, ${loaded?.stats.pendingSpans} pending spans in ${loaded?.stats.segments} segments) | ${ms(open)} |`,
  );
  console.log(
    `| bytes written per poll | ${perPoll.toFixed(0)} B (record only: ${recordBytes.toFixed(0)} B) |`,
  );
  console.log(
    `| bytes written per minute at 4 polls/s | ${(perMinute / 1024).toFixed(0)} KiB; with compaction amortised ${(amortised / 1024).toFixed(0)} KiB |`,
  );
  console.log(
    `| on disk after compaction | ${mib(afterCompaction.bytes)} MiB: segments ${mib(afterCompaction.segmentBytes)}, snapshot ${mib(snapshot)}, journal ${mib(afterCompaction.journalBytes)} |`,
  );
  console.log(`| compaction every | ${(threshold / perMinute).toFixed(1)} min at this rate |`);
  console.log(
    `| peak on disk since the last open / maxBytes | ${mib(peak)} MiB / ${mib(DEFAULT_STATE_MAX_BYTES)} MiB = ${(peak / DEFAULT_STATE_MAX_BYTES).toFixed(2)} (emptyDir at 2× maxBytes: ${(peak / (2 * DEFAULT_STATE_MAX_BYTES)).toFixed(2)}) |`,
  );
  console.log(
    `| peak during the outage run (before the restart) | ${mib(afterCompaction.peakBytes)} MiB = ${(afterCompaction.peakBytes / DEFAULT_STATE_MAX_BYTES).toFixed(2)} × maxBytes |`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
