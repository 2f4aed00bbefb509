/**
 * `npm run bench`: the agent's cost and speed against the node simulator, measured in one run at
 * 30, 110, 250 and 500 pods on the node (realistic 10-15 KB filler pods with managedFields, plus
 * a Litmus experiment whose helper pods churn: one created every second, each running 3 s).
 *
 * Per size, with POLL_INTERVAL=250ms and the agent's other defaults, `reps` times:
 * - idle: nothing changes for a few seconds: agent CPU per poll and per wall second;
 * - churn: the timeline plays at speed 1: agent CPU per poll, and for every container exit the
 *   latency from the simulator starting to serve its terminated state to its span arriving;
 * - new body every poll: the timeline plays at 4x (a new second every 250 ms), so the agent
 *   parses at (almost) every poll (it skips byte-identical bodies): the agent/floor ratio;
 * - burst: 1000 finished traced pods appear at once: spans per second through the export path;
 * then the floor: a child process fetching the same body over HTTPS (keep-alive; the stand-in, as a kubelet, never compresses) and
 * `JSON.parse`-ing it, CPU from its `process.cpuUsage()`; and the agent's steady RSS.
 * Agent CPU is utime+stime from /proc/<pid>/stat; polls are counted at the kubelet stand-in.
 * Then the watch case (110 pods; the smoke size with `--smoke`): the same churn fed to a kubelet
 * Pods API server as well, the agent watching it (`KUBELET_PODS_API_SOCKET`): agent CPU per wall
 * second, `/pods` requests meanwhile, exit → span latency.
 * Medians over the repetitions are reported; results go to bench/results.json.
 *
 *   tsx scripts/bench.ts [--smoke] [--sizes 30,110] [--reps N] [--out FILE]
 *
 * `--smoke`: one size, one short repetition, no results file (CI keeps the benchmark working).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type StartedRig, startAgentRig } from '../sim/agentRig.js';
import {
  burstTimelineDocument,
  churnPodsListed,
  churnTimelineDocument,
} from '../sim/timeline/churnTimeline.js';
import { createNodeSimulator, type NodeSimulator } from '../sim/timeline/nodeSimulator.js';
import { scriptedTimeline } from '../sim/timeline/scriptedTimeline.js';
import { type ArrivalLog, recordArrivals } from './lib/arrivals.js';
import { processCpuMs, processRssMiB } from './lib/procStats.js';
import { median, percentile } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODE = 'bench-node-1';
const POLL_INTERVAL = '250ms';
/**
 * Timeline speed of the "new body every poll" window: a new second every 250 ms, so (almost)
 * every poll sees a changed body and the agent cannot skip parsing a byte-identical one.
 */
const FAST_SPEED = 4;

interface Settings {
  readonly sizes: readonly number[];
  readonly reps: number;
  readonly warmupSeconds: number;
  readonly idleSeconds: number;
  readonly churnSeconds: number;
  /** Wall seconds of the window where the timeline plays at {@link FAST_SPEED}. */
  readonly fastSeconds: number;
  readonly burstPods: number;
  readonly floorFetches: number;
  readonly out: string | undefined;
  readonly smoke: boolean;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean' },
      sizes: { type: 'string' },
      reps: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const smoke = values.smoke === true;
  const sizes = (values.sizes ?? (smoke ? '30' : '30,110,250,500')).split(',').map(Number);
  if (sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 5000)) {
    throw new Error(`--sizes: whole numbers from 1 to 5000: ${values.sizes}`);
  }
  const reps = Number(values.reps ?? (smoke ? 1 : 3));
  if (!Number.isInteger(reps) || reps < 1 || reps > 20) throw new Error('--reps: 1 to 20');
  return {
    sizes,
    reps,
    warmupSeconds: smoke ? 2 : 3,
    idleSeconds: smoke ? 1.5 : 4,
    churnSeconds: smoke ? 5 : 10,
    fastSeconds: smoke ? 2 : 4,
    burstPods: smoke ? 100 : 1000,
    floorFetches: smoke ? 5 : 30,
    out: smoke ? values.out : resolve(values.out ?? join(ROOT, 'bench', 'results.json')),
    smoke,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Window {
  readonly cpuMs: number;
  readonly polls: number;
  readonly wallMs: number;
}

/** Agent CPU, polls and wall time spent while `during` runs. */
async function measure(rig: StartedRig, during: () => Promise<unknown>): Promise<Window> {
  const pid = rig.agent.child.pid as number;
  const cpu0 = processCpuMs(pid);
  const polls0 = rig.kubelet.requests;
  const t0 = performance.now();
  await during();
  return {
    cpuMs: processCpuMs(pid) - cpu0,
    polls: rig.kubelet.requests - polls0,
    wallMs: performance.now() - t0,
  };
}

interface RepResult {
  changedCpuMsPerPoll: number;
  idleCpuMsPerPoll: number;
  idleCpuMsPerSecond: number;
  churnCpuMsPerPoll: number;
  rssMiB: number;
  spansPerSecond: number;
  burstSpans: number;
}

interface SizeResult {
  pods: number;
  listedPods: number;
  bodyBytes: number;
  reps: RepResult[];
  latenciesMs: number[];
  exitsServed: number;
  floorCpuMsPerFetch: number[];
  /** Distinct messages of the agent's warn/error log lines during this size's run. */
  agentWarnings: string[];
  median: {
    agentCpuMsPerPoll: number;
    agentChangedCpuMsPerPoll: number;
    agentIdleCpuMsPerPoll: number;
    floorCpuMsPerFetch: number;
    ratio: number;
    idleCpuMsPerSecond: number;
    rssMiB: number;
    latencyP50Ms: number;
    latencyP99Ms: number;
    spansPerSecond: number;
  };
}

/** Runs the floor worker against the body served now; CPU ms per fetch, per round. */
async function floor(rig: StartedRig, fetches: number, rounds: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kse-floor-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), rig.kubelet.caPem);
    writeFileSync(join(dir, 'token'), rig.kubelet.token, { mode: 0o600 });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./lib/floorWorker.ts', import.meta.url))],
      {
        env: {
          PATH: process.env.PATH ?? '',
          FLOOR_URL: `${rig.kubelet.url}/pods`,
          FLOOR_TOKEN_FILE: join(dir, 'token'),
          FLOOR_CA_FILE: join(dir, 'ca.crt'),
          FLOOR_FETCHES: String(fetches),
          FLOOR_ROUNDS: String(rounds),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    if (code !== 0) throw new Error(`floor worker exited ${code}: ${err.slice(-500)}`);
    return (JSON.parse(out) as { cpuMsPerFetch: number[] }).cpuMsPerFetch;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Container-exit latencies: served terminated state → its span at the receiver. */
function latencies(rig: StartedRig, sim: NodeSimulator, log: ArrivalLog): number[] {
  const out: number[] = [];
  const spans = rig.receiver.spans;
  for (const exit of sim.timeline.exits) {
    const served = sim.servedExits.get(exit.key);
    if (served === undefined) continue;
    const index = spans.findIndex(
      (s) =>
        s.name === `container ${exit.container}` &&
        s.resource['k8s.pod.name'] === exit.pod &&
        s.attributes['k8s.container.restart_count'] === exit.run,
    );
    const arrived = log.arrivals[index];
    if (index >= 0 && arrived !== undefined) out.push(arrived - served);
  }
  return out;
}

/** Serves `pods` finished traced pods at once; spans/s from serving to the last arrival. */
async function burst(
  rig: StartedRig,
  log: ArrivalLog,
  pods: number,
  unrelated: number,
  rep: number,
): Promise<{ spans: number; perSecond: number }> {
  const traceId = `b0b0${String(rep).padStart(4, '0')}${'0'.repeat(23)}1`;
  const timeline = scriptedTimeline({
    ...burstTimelineDocument({ node: NODE, pods, label: `r${rep}`, traceId }),
    unrelatedPods: unrelated,
  });
  const sim = createNodeSimulator({ timeline, standIn: rig.kubelet, rebase: true });
  sim.seek(0);
  await sleep(1000);
  const body = sim.bodyAt(13); // built before the clock starts
  const served = Date.now();
  rig.kubelet.setBody(body);
  const ofBurst = () => rig.receiver.spans.filter((s) => s.traceId === traceId).length;
  let count = 0;
  let stableSince = Date.now();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await sleep(100);
    const now = ofBurst();
    if (now !== count) {
      count = now;
      stableSince = Date.now();
    } else if (count > 0 && Date.now() - stableSince > 1500) {
      break;
    }
  }
  let last = served;
  rig.receiver.spans.forEach((s, i) => {
    if (s.traceId === traceId) last = Math.max(last, log.arrivals[i] ?? served);
  });
  sim.seek(20); // the burst's pods are gone
  await sleep(1000);
  return { spans: count, perSecond: count / Math.max(0.001, (last - served) / 1000) };
}

async function benchSize(pods: number, s: Settings): Promise<SizeResult> {
  const unrelated = Math.max(0, pods - churnPodsListed({}));
  const fastTimelineSeconds = Math.ceil(s.fastSeconds * FAST_SPEED);
  const duration = Math.ceil(s.reps * (s.churnSeconds + fastTimelineSeconds)) + 12;
  const timeline = scriptedTimeline(
    churnTimelineDocument({ node: NODE, unrelatedPods: unrelated, durationSeconds: duration }),
  );
  const rig = await startAgentRig({ nodeName: NODE, env: { POLL_INTERVAL } });
  try {
    const pid = rig.agent.child.pid as number;
    // The fast windows move the served clock ahead of the wall clock, idle windows let it fall
    // behind: start behind by what the fast windows gain, so it never runs ahead.
    const lead = Math.ceil(s.reps * (fastTimelineSeconds - s.fastSeconds));
    const shiftSeconds = Math.floor(Date.now() / 1000) - timeline.startEpochSeconds - lead;
    const sim = createNodeSimulator({ timeline, standIn: rig.kubelet, speed: 1, shiftSeconds });
    sim.seek(0);
    const log = recordArrivals(rig.receiver);
    await sim.play(s.warmupSeconds);
    const reps: RepResult[] = [];
    let bodyBytes = 0;
    let listedPods = 0;
    for (let r = 0; r < s.reps; r++) {
      const idle = await measure(rig, () => sleep(s.idleSeconds * 1000));
      const rssMiB = processRssMiB(pid);
      if (r === 0) {
        const body = sim.bodyAt(sim.current ?? 0);
        bodyBytes = Buffer.byteLength(body);
        listedPods = (JSON.parse(body) as { items: unknown[] }).items.length;
      }
      const churn = await measure(rig, () => sim.play((sim.current ?? 0) + s.churnSeconds));
      const changed = await measure(rig, () =>
        sim.play((sim.current ?? 0) + fastTimelineSeconds, FAST_SPEED),
      );
      reps.push({
        changedCpuMsPerPoll: changed.cpuMs / Math.max(1, changed.polls),
        idleCpuMsPerPoll: idle.cpuMs / Math.max(1, idle.polls),
        idleCpuMsPerSecond: idle.cpuMs / (idle.wallMs / 1000),
        churnCpuMsPerPoll: churn.cpuMs / Math.max(1, churn.polls),
        rssMiB,
        spansPerSecond: 0,
        burstSpans: 0,
      });
    }
    await sleep(1500); // last exits reach the receiver
    const latenciesMs = latencies(rig, sim, log);
    const floorCpuMsPerFetch = await floor(rig, s.floorFetches, s.reps);
    for (let r = 0; r < s.reps; r++) {
      const b = await burst(rig, log, s.burstPods, unrelated, r);
      const rep = reps[r] as RepResult;
      rep.spansPerSecond = b.perSecond;
      rep.burstSpans = b.spans;
    }
    log.stop();
    const agentCpu = median(reps.map((r) => r.churnCpuMsPerPoll));
    const changedCpu = median(reps.map((r) => r.changedCpuMsPerPoll));
    const floorCpu = median(floorCpuMsPerFetch);
    return {
      pods,
      listedPods,
      bodyBytes,
      reps,
      latenciesMs,
      exitsServed: sim.servedExits.size,
      floorCpuMsPerFetch,
      agentWarnings: [
        ...new Set(
          rig.agent.logs
            .filter((l) => ['warn', 'error', 'fatal', 40, 50, 60].includes(l.level as string))
            .map((l) => String(l.msg)),
        ),
      ],
      median: {
        agentCpuMsPerPoll: agentCpu,
        agentChangedCpuMsPerPoll: changedCpu,
        agentIdleCpuMsPerPoll: median(reps.map((r) => r.idleCpuMsPerPoll)),
        floorCpuMsPerFetch: floorCpu,
        ratio: changedCpu / floorCpu,
        idleCpuMsPerSecond: median(reps.map((r) => r.idleCpuMsPerSecond)),
        rssMiB: median(reps.map((r) => r.rssMiB)),
        latencyP50Ms: percentile(latenciesMs, 50),
        latencyP99Ms: percentile(latenciesMs, 99),
        spansPerSecond: median(reps.map((r) => r.spansPerSecond)),
      },
    };
  } finally {
    await rig.close();
  }
}

/** The watch case: the same churn through the kubelet Pods API instead of `/pods` polling. */
interface WatchResult {
  readonly pods: number;
  /** Agent CPU per wall second while the timeline churns (ms/s). */
  readonly cpuMsPerSecond: number;
  /** `/pods` requests at the stand-in while the stream was healthy. */
  readonly podsRequests: number;
  readonly watchesOpened: number;
  readonly latenciesMs: number[];
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
}

/**
 * `pods` on the node, churning at speed 1 for `reps × churnSeconds`, fed to a Pods API server (no
 * status lag) and to the `/pods` stand-in alike; the agent watches the socket. Latency: the second
 * the simulator serves a terminated container → its span at the receiver.
 */
async function benchWatch(pods: number, s: Settings): Promise<WatchResult> {
  const unrelated = Math.max(0, pods - churnPodsListed({}));
  const seconds = Math.ceil(s.reps * s.churnSeconds);
  const timeline = scriptedTimeline(
    churnTimelineDocument({ node: NODE, unrelatedPods: unrelated, durationSeconds: seconds + 12 }),
  );
  const rig = await startAgentRig({ nodeName: NODE, env: { POLL_INTERVAL }, podsApi: true });
  try {
    await rig.podsApi?.waitForWatches(1);
    const sim = createNodeSimulator({
      timeline,
      standIn: rig.kubelet,
      ...(rig.podsApi ? { podsApi: rig.podsApi } : {}),
      rebase: true,
    });
    sim.seek(0);
    const log = recordArrivals(rig.receiver);
    await sim.play(s.warmupSeconds);
    const requests0 = rig.kubelet.requests;
    const churn = await measure(rig, () => sim.play((sim.current ?? 0) + seconds));
    await sleep(1500); // last exits reach the receiver
    const latenciesMs = latencies(rig, sim, log);
    log.stop();
    return {
      pods,
      cpuMsPerSecond: churn.cpuMs / (churn.wallMs / 1000),
      podsRequests: rig.kubelet.requests - requests0,
      watchesOpened: rig.podsApi?.calls.watchPods ?? 0,
      latenciesMs,
      latencyP50Ms: percentile(latenciesMs, 50),
      latencyP99Ms: percentile(latenciesMs, 99),
    };
  } finally {
    await rig.close();
  }
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** The results table (markdown-compatible). */
export function table(results: readonly SizeResult[]): string {
  const header = [
    'pods',
    'body KiB',
    'churn ms/poll',
    'new-body ms/poll',
    'floor ms/fetch',
    'agent/floor',
    'idle CPU ms/s',
    'RSS MiB',
    'exit→span p50/p99 ms',
    'spans/s',
  ];
  const rows = results.map((r) => [
    String(r.pods),
    f(r.bodyBytes / 1024, 0),
    f(r.median.agentCpuMsPerPoll, 2),
    f(r.median.agentChangedCpuMsPerPoll, 2),
    f(r.median.floorCpuMsPerFetch, 2),
    f(r.median.ratio, 2),
    f(r.median.idleCpuMsPerSecond, 1),
    f(r.median.rssMiB, 0),
    `${f(r.median.latencyP50Ms, 0)}/${f(r.median.latencyP99Ms, 0)} (n=${r.latenciesMs.length})`,
    f(r.median.spansPerSecond, 0),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

function machine() {
  let distro = '';
  try {
    distro = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // not Linux-standard: leave empty
  }
  return {
    node: process.version,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    nproc: availableParallelism(),
    arch: arch(),
    kernel: release(),
    os: distro,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
}

async function main(): Promise<void> {
  const s = settings();
  const results: SizeResult[] = [];
  for (const size of s.sizes) {
    process.stderr.write(`bench: ${size} pods...\n`);
    results.push(await benchSize(size, s));
  }
  const watchSize = s.smoke ? (s.sizes[0] ?? 30) : 110;
  process.stderr.write(`bench: ${watchSize} pods, Pods API watch...\n`);
  const watch = await benchWatch(watchSize, s);
  const info = machine();
  process.stdout.write(
    `kubelet-span-exporter bench${s.smoke ? ' (smoke)' : ''}: POLL_INTERVAL=${POLL_INTERVAL}, ` +
      `${s.reps} rep(s), medians; node ${info.node}, ${info.cpuModel}, nproc ${info.nproc}\n` +
      `${table(results)}\n` +
      `Pods API watch, ${watch.pods} pods churning: agent CPU ${f(watch.cpuMsPerSecond, 1)} ms/s, ` +
      `/pods requests ${watch.podsRequests}, watches opened ${watch.watchesOpened}, exit→span p50/p99 ` +
      `${f(watch.latencyP50Ms, 0)}/${f(watch.latencyP99Ms, 0)} ms (n=${watch.latenciesMs.length})\n`,
  );
  if (s.out !== undefined) {
    mkdirSync(dirname(s.out), { recursive: true });
    const doc = {
      generatedAt: new Date().toISOString(),
      machine: info,
      settings: { ...s, out: undefined, pollInterval: POLL_INTERVAL },
      definitions: {
        agentCpuMsPerPoll:
          'agent utime+stime (/proc/<pid>/stat) during churn / polls at the stand-in',
        agentIdleCpuMsPerPoll: 'the same while the served body does not change',
        floorCpuMsPerFetch:
          'child process: HTTPS keep-alive fetch (uncompressed, as a kubelet serves) + JSON.parse of the same body, process.cpuUsage()',
        ratio: 'agentChangedCpuMsPerPoll / floorCpuMsPerFetch',
        idleCpuMsPerSecond: 'agent CPU per wall second while nothing changes',
        rssMiB: 'VmRSS of the agent after each idle window',
        latency:
          'simulator starts serving a terminated container → its span arrives at the receiver',
        spansPerSecond: `burst of ${s.burstPods} finished traced pods: spans / (last arrival - served)`,
        watch:
          'KUBELET_PODS_API_SOCKET: the churn fed to a Pods API server without status lag; agent CPU per wall second, /pods requests during it, exit latency as above',
      },
      results,
      watch,
    };
    writeFileSync(s.out, `${JSON.stringify(doc, null, 2)}\n`);
    process.stderr.write(`bench: wrote ${s.out}\n`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
