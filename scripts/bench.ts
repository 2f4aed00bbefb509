/**
 * `npm run bench`: the agent's cost and speed against the realistic node simulator (real-shaped
 * 4-6 KB pods with `managedFields`, items in a fresh order per request, JSON only, a status lag),
 * measured at 30, 110, 250 and 500 pods. The agent runs as in a cluster (`node dist/main.js`,
 * default POLL_INTERVAL=250ms and IDLE_POLL_INTERVAL=1s, default selector). Per size:
 *
 * - idle node: only pods nobody selects; the agent polls at IDLE_POLL_INTERVAL. Agent CPU per
 *   poll and per wall second, `reps` windows. Meanwhile, in a child process, the floor: a naive
 *   poller fetching the same body, shuffled per request by a second stand-in, over HTTPS every
 *   250 ms and `JSON.parse`-ing it,
 *   then fetching only (the fetch-only floor), CPU from its `process.cpuUsage()`, and its RSS;
 * - busy node: a Litmus experiment churns (a traced helper pod created every second, running 3 s,
 *   exiting, removed), played at wall-clock speed with a 300 ms status lag; the agent polls at
 *   POLL_INTERVAL. Agent CPU per poll and per second, `reps` windows; for every container exit
 *   the latency from the stand-in first serving its terminated status to its span arriving;
 * - burst: N finished traced pods appear at once: spans per second through the export path.
 * - watch (110 pods; the smoke size with `--smoke`): the same churn fed to a kubelet Pods API
 *   server as well, the agent watching its socket (`KUBELET_PODS_API_SOCKET`): agent CPU per wall
 *   second, `/pods` requests meanwhile, exit → span latency.
 *
 * Steady state: an agent runs for days, so its windows start `startupSeconds` (20 s) after it
 * logged `started`, once module loading, JIT tiering and the first garbage collections are over;
 * the floor process warms up as long before its fetches count. What the agent spends in that
 * startup time is reported on its own line (and in results.json), not hidden.
 *
 * Agent CPU: the scheduler's run time of all its threads (`/proc/<pid>/task/<tid>/sched`, ns;
 * utime+stime of `/proc/<pid>/stat` where that is missing); polls are counted at the stand-in;
 * RSS from `/proc/<pid>/status`. Medians over the repetitions; results in bench/results.json.
 *
 *   tsx scripts/bench.ts [--smoke] [--sizes 30,110] [--reps N] [--out FILE] [--outage]
 *
 * `--smoke`: one small size, one short repetition, no results file (CI keeps it working).
 * `--outage`: instead, a busy node with the collector down vs up (see `lib/outageBench.ts`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type StartedRig, startAgentRig } from '../sim/agentRig.js';
import { startKubeletStandIn } from '../sim/kubeletStandIn.js';
import {
  burstTimelineDocument,
  churnPodsListed,
  churnTimelineDocument,
} from '../sim/timeline/churnTimeline.js';
import { createNodeSimulator, type NodeSimulator } from '../sim/timeline/nodeSimulator.js';
import { scriptedTimeline } from '../sim/timeline/scriptedTimeline.js';
import { type ArrivalLog, recordArrivals } from './lib/arrivals.js';
import { derive, type SizeFigures, targetChecks } from './lib/benchFigures.js';
import { benchTable, fixed } from './lib/benchTable.js';
import { outageBenchTable, runOutageBench } from './lib/outageBench.js';
import { processCpuPreciseMs, processRssMiB } from './lib/procStats.js';
import { median, percentile } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODE = 'bench-node-1';
/** The agent's defaults, stated so the figures say what they assume. */
const POLL_INTERVAL_MS = 250;
const IDLE_POLL_INTERVAL_MS = 1000;
const STATUS_LAG_MS = 300;
const START = '2026-11-23T10:00:00Z';

interface Settings {
  readonly sizes: readonly number[];
  readonly reps: number;
  /**
   * From the agent's start (and the floor's) to the first measured window: module loading, JIT
   * tiering and the first garbage collections settle, so the windows show the steady state an agent
   * that runs for days costs. What the agent spends in it is reported on its own.
   */
  readonly startupSeconds: number;
  /** Before the busy windows, the churn plays this long (its code paths warm up). */
  readonly warmupSeconds: number;
  readonly idleSeconds: number;
  readonly busySeconds: number;
  readonly burstPods: number;
  readonly floorFetches: number;
  readonly out: string | undefined;
  readonly smoke: boolean;
  /** `--outage`: only the busy node with the collector down vs up (`lib/outageBench`). */
  readonly outage: boolean;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean' },
      sizes: { type: 'string' },
      reps: { type: 'string' },
      out: { type: 'string' },
      outage: { type: 'boolean' },
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
    startupSeconds: smoke ? 2 : 20,
    warmupSeconds: smoke ? 2 : 10,
    idleSeconds: smoke ? 4 : 12,
    busySeconds: smoke ? 5 : 10,
    burstPods: smoke ? 100 : 1000,
    floorFetches: smoke ? 3 : 12,
    out: smoke ? values.out : resolve(values.out ?? join(ROOT, 'bench', 'results.json')),
    smoke,
    outage: values.outage === true,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Window {
  readonly cpuMs: number;
  readonly polls: number;
  readonly wallMs: number;
  readonly rssMiB: number;
}

/** Agent CPU, polls, wall time spent while `during` runs; RSS at its end. */
async function measure(rig: StartedRig, during: () => Promise<unknown>): Promise<Window> {
  const pid = rig.agent.child.pid as number;
  const cpu0 = processCpuPreciseMs(pid);
  const polls0 = rig.kubelet.requests;
  const t0 = performance.now();
  await during();
  return {
    cpuMs: processCpuPreciseMs(pid) - cpu0,
    polls: rig.kubelet.requests - polls0,
    wallMs: performance.now() - t0,
    rssMiB: processRssMiB(pid),
  };
}

const perPoll = (w: Window) => w.cpuMs / Math.max(1, w.polls);
const perSecond = (w: Window) => w.cpuMs / (w.wallMs / 1000);
const pollsPerSecond = (w: Window) => w.polls / (w.wallMs / 1000);

interface FloorResult {
  /** Per pace: CPU ms of each fetch, with and without `JSON.parse`. */
  readonly paces: { paceMs: number; parseCpuMs: number[]; fetchOnlyCpuMs: number[] }[];
  readonly rssMiB: number;
  readonly bytes: number;
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;

/** Mean CPU ms per fetch at `paceMs`, parsing or fetch-only (every fetch counts, GC included). */
function floorAt(result: FloorResult, paceMs: number, parse: boolean): number {
  const pace = result.paces.find((p) => p.paceMs === paceMs);
  return pace === undefined ? Number.NaN : mean(parse ? pace.parseCpuMs : pace.fetchOnlyCpuMs);
}

/** The floor worker compiled to plain JavaScript: no loader in its process, as the agent has none. */
function floorScript(dir: string): string {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  const source = fileURLToPath(new URL('./lib/floorWorker.ts', import.meta.url));
  const args = ['--ignoreConfig', '--outDir', dir, '--rootDir', dirname(source)];
  args.push('--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022');
  args.push('--types', 'node', '--skipLibCheck', source);
  const compiled = spawnSync(tsc, args, { encoding: 'utf8' });
  if (compiled.status !== 0)
    throw new Error(`tsc floorWorker: ${compiled.stdout}${compiled.stderr}`);
  const path = join(dir, 'floorWorker.mjs');
  renameSync(join(dir, 'floorWorker.js'), path);
  return path;
}

/**
 * Runs the floor worker against a stand-in of its own serving `body` (shuffled per request, as
 * the agent's), so that its requests are not counted as the agent's polls.
 */
async function floor(body: string, fetches: number, warmupMs: number): Promise<FloorResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kse-floor-'));
  const kubelet = await startKubeletStandIn({ seed: 2 });
  kubelet.setBody(body);
  try {
    writeFileSync(join(dir, 'ca.crt'), kubelet.caPem);
    writeFileSync(join(dir, 'token'), kubelet.token, { mode: 0o600 });
    const child = spawn(process.execPath, [floorScript(dir)], {
      env: {
        PATH: process.env.PATH ?? '',
        FLOOR_URL: `${kubelet.url}/pods`,
        FLOOR_TOKEN_FILE: join(dir, 'token'),
        FLOOR_CA_FILE: join(dir, 'ca.crt'),
        FLOOR_FETCHES: String(fetches),
        FLOOR_WARMUP_MS: String(warmupMs),
        FLOOR_PACES_MS: `${IDLE_POLL_INTERVAL_MS},${POLL_INTERVAL_MS}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
    return JSON.parse(out) as FloorResult;
  } finally {
    await kubelet.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Container-exit latencies: served terminated state → its span at the receiver. */
function latencies(
  rig: StartedRig,
  sim: NodeSimulator,
  log: ArrivalLog,
): { key: string; ms: number }[] {
  const out: { key: string; ms: number }[] = [];
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
    if (index >= 0 && arrived !== undefined) out.push({ key: exit.key, ms: arrived - served });
  }
  return out;
}

/** Serves `pods` finished traced pods at once; spans/s from serving to the last arrival. */
async function burst(
  rig: StartedRig,
  log: ArrivalLog,
  pods: number,
  unrelated: number,
): Promise<{ spans: number; perSecond: number }> {
  const traceId = `b0b0${'0'.repeat(27)}1`;
  const timeline = scriptedTimeline({
    ...burstTimelineDocument({ node: NODE, pods, label: 'b', traceId }),
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
  return { spans: count, perSecond: count / Math.max(0.001, (last - served) / 1000) };
}

interface SizeResult {
  readonly figures: SizeFigures;
  readonly raw: {
    readonly idle: Window[];
    readonly busy: Window[];
    readonly floor: FloorResult;
    readonly latenciesMs: number[];
    /** Exits whose span took over 2 s (which ones, to look into). */
    readonly slowExits: { key: string; ms: number }[];
    readonly exitsServed: number;
    readonly burstSpans: number;
    readonly listedPods: number;
  };
  /** Distinct messages of the agent's warn/error log lines during this size's run. */
  readonly agentWarnings: string[];
}

async function benchSize(pods: number, s: Settings): Promise<SizeResult> {
  const rig = await startAgentRig({
    nodeName: NODE,
    env: {
      POLL_INTERVAL: `${POLL_INTERVAL_MS}ms`,
      IDLE_POLL_INTERVAL: `${IDLE_POLL_INTERVAL_MS}ms`,
    },
  });
  try {
    // Idle node: `pods` pods of other workloads, none selected.
    const idleTimeline = scriptedTimeline({
      kind: 'ScriptedTimeline',
      name: `idle (${pods} unrelated pods)`,
      start: START,
      end: 60,
      node: NODE,
      unrelatedPods: pods,
      pods: [],
    });
    const idleSim = createNodeSimulator({
      timeline: idleTimeline,
      standIn: rig.kubelet,
      rebase: true,
    });
    idleSim.seek(0);
    const idleBody = idleSim.bodyAt(0);
    const bodyBytes = Buffer.byteLength(idleBody);
    // The floor polls the same shuffled bodies meanwhile, in its own process, after the same
    // startup time.
    const floorDone = floor(idleBody, s.floorFetches, s.startupSeconds * 1000);
    await sleep(s.startupSeconds * 1000);
    const pid = rig.agent.child.pid as number;
    const startup = { cpuMs: processCpuPreciseMs(pid), polls: rig.kubelet.requests };
    const idle: Window[] = [];
    for (let r = 0; r < s.reps; r++) {
      idle.push(await measure(rig, () => sleep(s.idleSeconds * 1000)));
    }
    const floorResult = await floorDone;

    // Busy node: the experiment churns, at wall-clock speed.
    const unrelated = Math.max(0, pods - churnPodsListed({}));
    const duration = Math.ceil(s.warmupSeconds + s.reps * s.busySeconds) + 8;
    const timeline = scriptedTimeline({
      ...churnTimelineDocument({ node: NODE, unrelatedPods: unrelated, durationSeconds: duration }),
      start: START,
    });
    const sim = createNodeSimulator({
      timeline,
      standIn: rig.kubelet,
      rebase: true,
      statusLagMs: STATUS_LAG_MS,
    });
    const log = recordArrivals(rig.receiver);
    // One play through all windows: every second is served for a whole second (a play that
    // ends and another that starts would serve the second at the seam for an instant only).
    const playing = sim.play(s.warmupSeconds + s.reps * s.busySeconds + 1);
    await sleep(s.warmupSeconds * 1000);
    const listedPods = (JSON.parse(sim.bodyAt(sim.current ?? 0)) as { items: unknown[] }).items
      .length;
    const busy: Window[] = [];
    for (let r = 0; r < s.reps; r++) {
      busy.push(await measure(rig, () => sleep(s.busySeconds * 1000)));
    }
    await playing;
    await sleep(1500); // the last exits reach the receiver
    const exitLatencies = latencies(rig, sim, log);
    const latenciesMs = exitLatencies.map((l) => l.ms);
    const b = await burst(rig, log, s.burstPods, unrelated);
    log.stop();

    const figures: SizeFigures = {
      pods,
      bodyBytes,
      floorIdleCpuMsPerFetch: floorAt(floorResult, IDLE_POLL_INTERVAL_MS, true),
      fetchOnlyIdleCpuMsPerFetch: floorAt(floorResult, IDLE_POLL_INTERVAL_MS, false),
      floorBusyCpuMsPerFetch: floorAt(floorResult, POLL_INTERVAL_MS, true),
      fetchOnlyBusyCpuMsPerFetch: floorAt(floorResult, POLL_INTERVAL_MS, false),
      floorRssMiB: floorResult.rssMiB,
      floorPollsPerSecond: 1000 / POLL_INTERVAL_MS,
      idleCpuMsPerPoll: median(idle.map(perPoll)),
      idleCpuMsPerSecond: median(idle.map(perSecond)),
      idlePollsPerSecond: median(idle.map(pollsPerSecond)),
      busyCpuMsPerPoll: median(busy.map(perPoll)),
      busyCpuMsPerSecond: median(busy.map(perSecond)),
      busyPollsPerSecond: median(busy.map(pollsPerSecond)),
      agentRssMiB: Math.max(median(idle.map((w) => w.rssMiB)), median(busy.map((w) => w.rssMiB))),
      latencyP50Ms: percentile(latenciesMs, 50),
      latencyP99Ms: percentile(latenciesMs, 99),
      latencies: latenciesMs.length,
      spansPerSecond: b.perSecond,
      startupSeconds: s.startupSeconds,
      startupCpuMs: startup.cpuMs,
      startupPolls: startup.polls,
    };
    return {
      figures,
      raw: {
        idle,
        busy,
        floor: floorResult,
        latenciesMs,
        slowExits: exitLatencies.filter((l) => l.ms > 2000),
        exitsServed: sim.servedExits.size,
        burstSpans: b.spans,
        listedPods,
      },
      agentWarnings: [
        ...new Set(
          rig.agent.logs
            .filter((l) => ['warn', 'error', 'fatal', 40, 50, 60].includes(l.level as string))
            .map((l) => String(l.msg)),
        ),
      ],
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
  const seconds = Math.ceil(s.reps * s.busySeconds);
  const timeline = scriptedTimeline(
    churnTimelineDocument({ node: NODE, unrelatedPods: unrelated, durationSeconds: seconds + 12 }),
  );
  const rig = await startAgentRig({
    nodeName: NODE,
    env: { POLL_INTERVAL: `${POLL_INTERVAL_MS}ms` },
    podsApi: true,
  });
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
    const latenciesMs = latencies(rig, sim, log).map((l) => l.ms);
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

const load = () => loadavg().map((l) => Number(l.toFixed(2)));

async function main(): Promise<void> {
  const s = settings();
  if (s.outage) {
    const outage = await runOutageBench(s.smoke ? { seconds: 10, podsPerSecond: 10 } : {});
    process.stdout.write(`${outageBenchTable(outage)}\n`);
    return;
  }
  const loadBefore = load();
  const results: SizeResult[] = [];
  for (const size of s.sizes) {
    process.stderr.write(`bench: ${size} pods... (load ${load().join(' ')})\n`);
    results.push(await benchSize(size, s));
  }
  const watchSize = s.smoke ? (s.sizes[0] ?? 30) : 110;
  process.stderr.write(`bench: ${watchSize} pods, Pods API watch...\n`);
  const watch = await benchWatch(watchSize, s);
  const loadAfter = load();
  const info = machine();
  const figures = results.map((r) => r.figures);
  const targets = figures.map((f) =>
    targetChecks(f)
      .map((c) => `${c.name} ${fixed(c.value, 2)} (≤ ${c.limit}: ${c.met ? 'met' : 'MISSED'})`)
      .join('; '),
  );
  process.stdout.write(
    `kubelet-span-exporter bench${s.smoke ? ' (smoke)' : ''}: POLL_INTERVAL=${POLL_INTERVAL_MS}ms, ` +
      `IDLE_POLL_INTERVAL=${IDLE_POLL_INTERVAL_MS}ms, ${s.reps} rep(s), medians; node ${info.node}, ` +
      `${info.cpuModel}, nproc ${info.nproc}; load ${loadBefore.join(' ')} → ${loadAfter.join(' ')}\n` +
      `${benchTable(figures)}\n` +
      figures.map((f, i) => `${f.pods} pods: ${targets[i]}\n`).join('') +
      figures
        .map(
          (f) =>
            `${f.pods} pods: startup (process start to ${f.startupSeconds} s after "started", ` +
            `not in the windows): ${fixed(f.startupCpuMs, 0)} ms CPU over ${f.startupPolls} polls\n`,
        )
        .join('') +
      results
        .filter((r) => r.agentWarnings.length > 0)
        .map((r) => `${r.figures.pods} pods: agent warnings: ${r.agentWarnings.join(' | ')}\n`)
        .join('') +
      `Pods API watch, ${watch.pods} pods churning: agent CPU ${f(watch.cpuMsPerSecond, 1)} ms/s, ` +
      `/pods requests ${watch.podsRequests}, watches opened ${watch.watchesOpened}, exit→span p50/p99 ` +
      `${f(watch.latencyP50Ms, 0)}/${f(watch.latencyP99Ms, 0)} ms (n=${watch.latenciesMs.length})\n`,
  );
  if (s.out !== undefined) {
    mkdirSync(dirname(s.out), { recursive: true });
    const doc = {
      generatedAt: new Date().toISOString(),
      machine: info,
      loadAverage: { before: loadBefore, after: loadAfter },
      settings: {
        ...s,
        out: undefined,
        pollIntervalMs: POLL_INTERVAL_MS,
        idlePollIntervalMs: IDLE_POLL_INTERVAL_MS,
        statusLagMs: STATUS_LAG_MS,
      },
      definitions: {
        floorIdleCpuMsPerFetch:
          'child process (plain node, no loader, its own stand-in serving the idle body shuffled) fetching /pods over HTTPS keep-alive every idlePollIntervalMs and JSON.parse-ing it: mean process.cpuUsage() per fetch, the pause before it included',
        fetchOnlyIdleCpuMsPerFetch:
          'the same without JSON.parse (body read into one buffer), interleaved with the parsing fetches',
        floorBusyCpuMsPerFetch: 'the same every pollIntervalMs',
        fetchOnlyBusyCpuMsPerFetch: 'the same every pollIntervalMs',
        floorRssMiB: 'VmRSS of the floor process at its end',
        idleCpuMsPerPoll:
          'agent CPU (sum of se.sum_exec_runtime of its threads) while only unselected pods are listed / polls at the stand-in',
        busyCpuMsPerPoll:
          'the same while the churn experiment plays at wall-clock speed (traced pods created, running, exiting, removed)',
        agentRssMiB:
          'VmRSS of the agent at the end of each window: the larger of the idle and busy medians',
        kubeletKiBPerSecond:
          'body KiB × polls per second (the floor: a naive poller at pollIntervalMs all the time)',
        latency:
          'the stand-in first serves a terminated container (after the status lag) → its span arrives at the receiver',
        spansPerSecond: `burst of ${s.burstPods} finished traced pods: spans / (last arrival - served)`,
        startupCpuMs:
          'agent CPU from its process start to startupSeconds after its started line (module loading, JIT tiering, first GCs); the windows above start after it, and the floor process warms up as long before its fetches count',
        watch:
          'KUBELET_PODS_API_SOCKET: the churn fed to a Pods API server without status lag; agent CPU per wall second, /pods requests during it, exit latency as above',
      },
      results: results.map((r) => ({
        ...r,
        derived: derive(r.figures),
        targets: targetChecks(r.figures),
      })),
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
