/**
 * How precise are the agent's span times? Plays a seeded timeline with known nanosecond truth
 * (chaos helpers of 300-900 ms, runs of several seconds, OOM kills, pods deleted soon after they
 * exit) in real time, anchored to the wall clock, to four agents at once (`node dist/main.js`,
 * each with its own kubelet stand-in, OTLP receiver and, with CRI, fake runtime):
 *
 * - CRI on at POLL_INTERVAL 250ms and 1s; CRI off at 1s and 250ms (IDLE_POLL_INTERVAL equal to
 *   POLL_INTERVAL everywhere, so the interval is what the label says).
 *
 * The stand-ins serve what a kubelet would: whole-second times, each change visible only after a
 * seeded status lag of 50-300 ms; the fake runtime holds the exact times. Measures |span − truth|
 * per edge (p50/p90/p99/max), whether the truth lay within each span's stated uncertainty
 * interval, and the share of pods deleted 0.5/1/2 s after exiting whose end was still captured.
 * Prints Markdown tables; the full run writes docs/precision.md and bench/precision.json.
 *
 *   npm run build && npx tsx scripts/precision.ts [--quick] [--seed N] [--write]
 *
 * `--quick`: a ~35 s timeline, nothing written unless `--write`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MAIN_JS, type StartedRig, startAgentRig } from '../sim/agentRig.js';
import { type FakeCriServer, startFakeCriServer } from '../sim/fakeCriServer.js';
import { podListBody } from '../sim/podBuilder.js';
import {
  type CaptureCell,
  captureByDelay,
  captureTable,
  type EdgeSummary,
  formatJson,
  formatMs,
  type MatchResult,
  matchRuns,
  type PrecisionRow,
  precisionTable,
  summarizeEdge,
} from './lib/precisionAnalysis.js';
import {
  criContainerAt,
  generateTimeline,
  KubeletView,
  NS_PER_MS,
  type Timeline,
  timelineActions,
} from './lib/precisionTimeline.js';
import { percentile } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODE = 'precision-node-1';
const DELAYS_MS = [500, 1000, 2000] as const;
const LAG_MS: readonly [number, number] = [50, 300];
/** After the last pod left the list: two missed polls at 1 s, then the export. */
const TAIL_MS = 4000;

interface CellSpec {
  readonly id: string;
  readonly label: string;
  readonly cri: boolean;
  readonly poll: string;
}

const CELLS: readonly CellSpec[] = [
  { id: 'cri-250ms', label: 'CRI on, 250 ms', cri: true, poll: '250ms' },
  { id: 'cri-1s', label: 'CRI on, 1 s', cri: true, poll: '1s' },
  { id: 'kubelet-1s', label: 'CRI off, 1 s', cri: false, poll: '1s' },
  { id: 'kubelet-250ms', label: 'CRI off, 250 ms', cri: false, poll: '250ms' },
];

interface Settings {
  readonly quick: boolean;
  readonly seed: number;
  readonly write: boolean;
  readonly durationS: number;
  readonly precisionPods: number;
  readonly racePodsPerDelay: number;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      seed: { type: 'string' },
      write: { type: 'boolean' },
    },
    strict: true,
  });
  const quick = values.quick === true;
  const seed = Number(values.seed ?? 20_250_601);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new Error(`--seed: a whole number from 0 to 4294967295: ${values.seed}`);
  }
  return {
    quick,
    seed,
    write: values.write === true || !quick,
    durationS: quick ? 32 : 210,
    precisionPods: quick ? 14 : 120,
    racePodsPerDelay: quick ? 5 : 40,
  };
}

interface Cell {
  readonly spec: CellSpec;
  readonly rig: StartedRig;
  readonly cri?: FakeCriServer;
}

async function startCell(spec: CellSpec): Promise<Cell> {
  const cri = spec.cri ? await startFakeCriServer() : undefined;
  try {
    const rig = await startAgentRig({
      nodeName: NODE,
      env: {
        POLL_INTERVAL: spec.poll,
        IDLE_POLL_INTERVAL: spec.poll,
        OTEL_BSP_SCHEDULE_DELAY: '200',
        ...(cri ? { CRI_ENDPOINT: cri.endpoint } : {}),
      },
      startTimeoutMs: 30_000,
    });
    return { spec, rig, ...(cri ? { cri } : {}) };
  } catch (error) {
    await cri?.close();
    throw error;
  }
}

const nowNs = () => BigInt(Date.now()) * NS_PER_MS;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Plays the timeline into every cell in real time; returns how late each change was, ms. */
async function play(timeline: Timeline, cells: readonly Cell[]): Promise<number[]> {
  const view = new KubeletView(timeline, NODE);
  const actions = timelineActions(timeline);
  const lateness: number[] = [];
  for (const action of actions) {
    const waitMs = Number(action.atNs - nowNs()) / 1e6;
    if (waitMs > 0) await sleep(Math.ceil(waitMs));
    const t = nowNs() > action.atNs ? nowNs() : action.atNs;
    lateness.push(Number(t - action.atNs) / 1e6);
    if (action.kind === 'cri') {
      const container = criContainerAt(action.pod, action.run, t);
      if (container) for (const cell of cells) cell.cri?.setContainer(container);
    } else {
      const body = podListBody(view.podsAt(t));
      for (const cell of cells) cell.rig.kubelet.setBody(body);
    }
  }
  return lateness;
}

interface CellResult {
  readonly spec: CellSpec;
  readonly match: MatchResult;
  readonly start: EdgeSummary;
  readonly end: EdgeSummary;
  /** Ends of the deletion group's runs that got a span. */
  readonly deletionEnd: EdgeSummary;
  readonly capture: Map<number, CaptureCell>;
  readonly exitCode: number | string;
  readonly criCalls: number;
}

function analyse(cell: Cell, timeline: Timeline, exitCode: number | string): CellResult {
  const match = matchRuns(timeline.pods, cell.rig.receiver.spans);
  const samples = (edge: 'start' | 'end', group = 'precision') =>
    match.runs.flatMap((r) => {
      if (r.pod.group !== group) return [];
      const s = r[edge];
      return s ? [s] : [];
    });
  return {
    spec: cell.spec,
    match,
    start: summarizeEdge(samples('start')),
    end: summarizeEdge(samples('end')),
    deletionEnd: summarizeEdge(samples('end', 'deletion')),
    capture: captureByDelay(match.runs),
    exitCode,
    criCalls: cell.cri?.calls.length ?? 0,
  };
}

const ORDER_PRECISION = ['cri-250ms', 'cri-1s', 'kubelet-1s', 'kubelet-250ms'];
const ORDER_CAPTURE = ['kubelet-1s', 'kubelet-250ms', 'cri-1s', 'cri-250ms'];
const ordered = (results: readonly CellResult[], order: readonly string[]) =>
  order.flatMap((id) => results.filter((r) => r.spec.id === id));

function tables(results: readonly CellResult[]): {
  precision: string;
  capture: string;
  deletionEnds: string;
  coverage: string;
} {
  const rows: PrecisionRow[] = ordered(results, ORDER_PRECISION).flatMap((r) => [
    { label: r.spec.label, edge: 'start' as const, summary: r.start },
    { label: r.spec.label, edge: 'end' as const, summary: r.end },
  ]);
  const capture = captureTable(
    ordered(results, ORDER_CAPTURE).map((r) => ({ label: r.spec.label, cells: r.capture })),
    DELAYS_MS,
  );
  const coverage = [
    '| cell | precision runs with a span | unmatched spans | duplicate spans | CRI calls | agent exit |',
    '| --- | --- | --- | --- | --- | --- |',
    ...ordered(results, ORDER_PRECISION).map((r) => {
      const runs = r.match.runs.filter((m) => m.pod.group === 'precision');
      const withSpan = runs.filter((m) => m.span).length;
      return `| ${r.spec.label} | ${withSpan}/${runs.length} | ${r.match.unmatchedSpans} | ${r.match.duplicateSpans} | ${r.criCalls} | ${r.exitCode} |`;
    }),
  ].join('\n');
  const deletionEnds = precisionTable(
    ordered(results, ORDER_CAPTURE).map((r) => ({
      label: r.spec.label,
      edge: 'end' as const,
      summary: r.deletionEnd,
    })),
  );
  return { precision: precisionTable(rows), capture, deletionEnds, coverage };
}

interface RunInfo {
  readonly settings: Settings;
  readonly timeline: Timeline;
  readonly lateness: readonly number[];
  readonly wallS: number;
  readonly startedAt: string;
}

function describeTimeline(timeline: Timeline): Record<string, number> {
  const count: Record<string, number> = { pods: timeline.pods.length, runs: 0 };
  for (const pod of timeline.pods) {
    count[pod.kind] = (count[pod.kind] ?? 0) + 1;
    count.runs = (count.runs ?? 0) + pod.runs.length;
  }
  return count;
}

function renderDoc(info: RunInfo, results: readonly CellResult[]): string {
  const t = tables(results);
  const counts = describeTimeline(info.timeline);
  const precisionRuns = info.timeline.pods
    .filter((p) => p.group === 'precision')
    .reduce((n, p) => n + p.runs.length, 0);
  const byId = (id: string) => results.find((r) => r.spec.id === id);
  const k1 = byId('kubelet-1s');
  const k250 = byId('kubelet-250ms');
  const late = info.lateness;
  const pollEnds = results.reduce((n, r) => n + (r.end.sources.poll ?? 0), 0);
  const pollNote =
    pollEnds === 0
      ? '- No edge of this group had a `poll` source: every exit was reported before the pod left.'
      : '- `poll` ends (a run whose pod left the list before its exit was reported) are late by\n' +
        '  the deletion delay plus up to a poll interval; their interval is only what the agent saw\n' +
        "  and can miss the truth when the kubelet's status lagged behind the exit.";
  return `# Precision of span times

Measured by \`scripts/precision.ts\` (\`npm run build && npx tsx scripts/precision.ts\`;
\`--quick\` for a small run that writes nothing). This run: ${info.startedAt}, seed
${info.settings.seed} (it fixes every offset; the anchor, hence each time's sub-second part, is the
moment of the run), a ${info.settings.durationS} s timeline, ${info.wallS.toFixed(0)} s wall time, Node ${process.version},
${availableParallelism()} CPUs. Raw numbers: \`bench/precision.json\`.

## Method

- **Ground truth.** A seeded timeline of ${counts.pods} pods (${counts.runs} container runs),
  anchored to the real wall clock (truth = now + offset, in nanoseconds, at random sub-second offsets):
  one experiment pod running through the whole timeline (it keeps a traced pod live, as a Litmus
  experiment does), chaos helpers running 300–900 ms, runs of 2–8 s (some exit 1), OOM kills
  (exit 137; two in three restarted once under \`OnFailure\`), all deleted 2.5–5 s after their
  last exit (group *precision*, ${precisionRuns} runs); plus ${info.settings.racePodsPerDelay} helpers
  each deleted exactly 0.5, 1 and 2 s after exiting (group *deletion*). Pods overlap (several live at once).
- **What the agent sees.** A kubelet stand-in per cell serves what a kubelet would: every time
  truncated to the whole second, and each change (pod listed, container started, exited)
  visible only ${LAG_MS[0]}–${LAG_MS[1]} ms (seeded, per change) after it happened; a deleted pod
  leaves the list at its deletion. A fake CRI runtime (cells with CRI) holds the exact nanoseconds: a container
  exists from its creation, runs from its start, has exited from its exit, and is kept for the
  whole run (a real runtime keeps exited containers until garbage collection, about a minute).
  The player applied changes ${formatMs(percentile(late, 50))} ms late at the median,
  ${formatMs(percentile(late, 99))} ms at p99 (timer slack, on top of the lag).
- **Cells.** The same timeline plays to four agents at once (\`node dist/main.js\`, each with its
  own stand-in, OTLP/gRPC receiver and runtime, \`STATE_DIR=none\`, \`HTTP_PORT=0\`,
  \`IDLE_POLL_INTERVAL\` = \`POLL_INTERVAL\`), so every cell saw identical truth and lag.
- **Matching.** Each true run is paired with the container-run span carrying its
  \`container.id\`; error = span time − true time. *Within stated interval*: the truth lies in
  \`[reported, reported + uncertainty_ms]\` for \`kubelet\`/\`cri\` edges, in
  \`[reported − uncertainty_ms, reported]\` for \`poll\` ends.

## 1. |span time − truth|, group *precision*

${t.precision}

- **CRI on:** starts and ends are the runtime's own nanoseconds: error 0 whatever the poll
  interval.
- **CRI off:** a kubelet-reported time is the truth truncated to the second, so the span is
  early by the sub-second part of the true time — spread over [0, 1 s), the same at 1 s and at
  250 ms polling (both cells saw the same truth). Polling faster does not move the reported time;
  it narrows the *stated* uncertainty (last column): the first poll that shows the change bounds
  the truth from above, so the interval ends there or 1 s after the reported time, whichever is
  earlier (median ${formatMs(k1?.start.medianUncertaintyMs ?? Number.NaN)} ms at 1 s, ${formatMs(k250?.start.medianUncertaintyMs ?? Number.NaN)} ms at 250 ms, for starts).
${pollNote}

Coverage and sanity:

${t.coverage}

## 2. Pods deleted soon after exiting: end still captured

Share of the *deletion* group's runs with a span whose end was reported (\`kse.end.source\`
\`kubelet\` or \`cri\`, no \`kse.end.estimated\`):

${t.capture}

- Without CRI the exit is captured only if a poll falls between the kubelet showing it (after
  its lag) and the deletion; a pod that vanishes first gets an estimated end at the poll that
  noticed (*estimated end*), or no span at all if no poll saw its container running (*no span*).
- With CRI, a run the agent saw running gets its real \`finished_at\` from the runtime even after
  the pod vanished; what remains missing are pods no poll saw with a started container.

|span end − truth| of the runs in this group that got a span (estimated ends have source
\`poll\`):

${t.deletionEnds}

- An estimated end is the poll that first missed the pod: late by the deletion delay plus up to
  a poll interval. Its stated interval (from the last poll that listed the pod) holds the truth
  only if the exit happened after that poll; with the kubelet's lag the exit is often earlier,
  so unlike reported edges, \`poll\` edges are not guaranteed to contain the truth.
`;
}

function toJson(info: RunInfo, results: readonly CellResult[]): unknown {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    generatedAt: info.startedAt,
    settings: {
      ...info.settings,
      lagMs: LAG_MS,
      deleteDelaysMs: DELAYS_MS,
      node: process.version,
      cpus: availableParallelism(),
    },
    timeline: describeTimeline(info.timeline),
    wallSeconds: round(info.wallS),
    playerLatenessMs: {
      p50: round(percentile(info.lateness, 50)),
      p99: round(percentile(info.lateness, 99)),
      max: round(Math.max(...info.lateness)),
    },
    cells: results.map((r) => ({
      id: r.spec.id,
      label: r.spec.label,
      cri: r.spec.cri,
      pollInterval: r.spec.poll,
      agentExit: r.exitCode,
      criCalls: r.criCalls,
      unmatchedSpans: r.match.unmatchedSpans,
      duplicateSpans: r.match.duplicateSpans,
      precision: { start: r.start, end: r.end, deletionGroupEnd: r.deletionEnd },
      capture: Object.fromEntries([...r.capture].map(([d, c]) => [`${d}ms`, c])),
      // [group, kind, restart index, deleteAfterMs, start error ms, start source, start
      //  uncertainty ms, end error ms, end source, end uncertainty ms, end estimated]
      runs: r.match.runs.map((m) => [
        m.pod.group,
        m.pod.kind,
        m.run.index,
        m.pod.deleteAfterMs ?? null,
        m.start ? round(m.start.errorMs) : null,
        m.start?.source ?? null,
        m.start?.uncertaintyMs ?? null,
        m.end ? round(m.end.errorMs) : null,
        m.end?.source ?? null,
        m.end?.uncertaintyMs ?? null,
        m.endEstimated,
      ]),
    })),
  };
}

async function main(): Promise<void> {
  const s = settings();
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`npm run build\` first`);
  const startedAt = new Date().toISOString();
  const wallStart = performance.now();
  process.stderr.write(
    `precision: ${s.quick ? 'quick' : 'full'} run, seed ${s.seed}, ${s.durationS} s timeline, ${CELLS.length} agents\n`,
  );
  const cells: Cell[] = [];
  try {
    const started = await Promise.allSettled(CELLS.map(startCell));
    for (const r of started) if (r.status === 'fulfilled') cells.push(r.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;

    const timeline = generateTimeline({
      seed: s.seed,
      anchorNs: nowNs() + 1000n * NS_PER_MS,
      durationS: s.durationS,
      precisionPods: s.precisionPods,
      racePodsPerDelay: s.racePodsPerDelay,
      deleteDelaysMs: DELAYS_MS,
      lagMs: LAG_MS,
    });
    const lateness = await play(timeline, cells);
    await sleep(TAIL_MS);
    const exits = await Promise.all(cells.map((c) => c.rig.agent.stop()));
    const results = cells.map((c, i) => analyse(c, timeline, exits[i] ?? 'unknown'));
    const info: RunInfo = {
      settings: s,
      timeline,
      lateness,
      wallS: (performance.now() - wallStart) / 1000,
      startedAt,
    };
    const t = tables(results);
    process.stdout.write(
      `\n## |span time − truth| (group precision)\n\n${t.precision}\n\n${t.coverage}\n\n` +
        `## Deleted soon after exiting: end still captured\n\n${t.capture}\n\n` +
        `Ends of those runs' spans:\n\n${t.deletionEnds}\n\n`,
    );
    if (s.write) {
      const jsonPath = join(ROOT, 'bench', 'precision.json');
      const docPath = join(ROOT, 'docs', 'precision.md');
      mkdirSync(dirname(jsonPath), { recursive: true });
      writeFileSync(jsonPath, formatJson(toJson(info, results)));
      writeFileSync(docPath, renderDoc(info, results));
      process.stdout.write(`wrote ${docPath} and ${jsonPath}\n`);
    }
  } finally {
    await Promise.all(
      cells.map(async (c) => {
        await c.rig.close();
        await c.cri?.close();
      }),
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `precision: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
