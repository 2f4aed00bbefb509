/**
 * `npm run bench -- --outage`: a busy node with the collector down vs up (issue 12). The same
 * timeline (traced pods created at a steady rate, each with an init container and two app
 * containers, finishing a few seconds later and deleted) is played twice through the real agent
 * (`node dist/main.js`) with its checkpoint on: once with the collector up, once with it down
 * for the whole run (every span stays pending and checkpointed). Agent CPU (utime + stime) over
 * the run; the target is down/up ≤ 1.2. Also reported: spans built, the checkpoint's peak on disk.
 *
 * Plain module; `scripts/bench.ts` calls {@link runOutageBench}.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentRig } from '../../sim/agentRig.js';
import { litmusTraceParentValue } from '../../sim/podBuilder.js';
import { createNodeSimulator } from '../../sim/timeline/nodeSimulator.js';
import { scriptedTimeline } from '../../sim/timeline/scriptedTimeline.js';
import type { PodEntry, ScriptedTimelineDocument } from '../../sim/timeline/timeline.js';
import { processCpuPreciseMs } from './procStats.js';

const NODE = 'bench-outage-node';
const TRACE_ID = '0ff1ce0ff1ce0ff1ce0ff1ce0ff1ce01';

export interface OutageBenchOptions {
  /** Seconds of timeline played (new pods stop 6 s before the end). @default 24 */
  readonly seconds?: number;
  /** Traced pods created per second. @default 30 */
  readonly podsPerSecond?: number;
  /** Filler pods of other workloads listed throughout. @default 100 */
  readonly unrelatedPods?: number;
}

export interface OutageRun {
  readonly collector: 'up' | 'down';
  readonly cpuMs: number;
  readonly polls: number;
  /** Spans the agent built (its `spans_built_total`). */
  readonly spansBuilt: number;
  /** Spans pending at the end (its `pending_spans`). */
  readonly pendingSpans: number;
  /** Largest size of STATE_DIR sampled during the run, bytes. */
  readonly peakStateBytes: number;
}

export interface OutageBenchResult {
  readonly pods: number;
  readonly runs: readonly [OutageRun, OutageRun];
  /** CPU with the collector down / with it up (target ≤ 1.2). */
  readonly cpuRatio: number;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** The busy node: `podsPerSecond` traced pods a second, each living about 5 s. */
function outageTimeline(options: Required<OutageBenchOptions>): ScriptedTimelineDocument {
  const pods: PodEntry[] = [];
  const last = options.seconds - 6;
  for (let s = 0; s < last; s++) {
    for (let j = 0; j < options.podsPerSecond; j++) {
      const k = s * options.podsPerSecond + j;
      const env = { TRACE_PARENT: litmusTraceParentValue(TRACE_ID, hex(k + 1, 16)) };
      pods.push({
        name: `ci-step-${hex(k, 5)}`,
        namespace: 'ci',
        labels: { chaosUID: 'outage-bench' },
        creationTimestamp: s,
        restartPolicy: 'Never',
        nodeName: NODE,
        removedAt: s + 6,
        initContainers: [{ name: 'setup', env, runs: [{ startedAt: s, finishedAt: s + 1 }] }],
        containers: [
          { name: 'step', env, runs: [{ startedAt: s + 1, finishedAt: s + 4 }] },
          {
            name: 'sidecar',
            env,
            runs: [
              { startedAt: s + 1, finishedAt: s + 4, ...(k % 7 === 3 ? { exitCode: 1 } : {}) },
            ],
          },
        ],
      });
    }
  }
  return {
    kind: 'ScriptedTimeline',
    name: `outage bench (${pods.length} traced pods)`,
    start: '2026-11-23T10:00:00Z',
    end: options.seconds,
    node: NODE,
    unrelatedPods: options.unrelatedPods,
    pods,
  };
}

function dirBytes(dir: string): number {
  let total = 0;
  try {
    for (const name of readdirSync(dir)) {
      try {
        total += statSync(join(dir, name)).size;
      } catch {
        // deleted meanwhile
      }
    }
  } catch {
    // not created yet
  }
  return total;
}

/** One metric's value (summed over its label sets) from the agent's `/metrics`. */
async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`kubelet_span_exporter_${name}`)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

async function oneRun(
  collector: 'up' | 'down',
  document: ScriptedTimelineDocument,
): Promise<OutageRun> {
  const stateDir = mkdtempSync(join(tmpdir(), 'kse-outage-bench-'));
  const rig = await startAgentRig({
    nodeName: NODE,
    env: { STATE_DIR: join(stateDir, 'state') },
  });
  try {
    const started = await rig.agent.waitForLog((l) => l.msg === 'started').catch(() => undefined);
    const port = Number(started?.httpPort);
    if (collector === 'down') await rig.receiver.close();
    const sim = createNodeSimulator({
      timeline: scriptedTimeline(document),
      standIn: rig.kubelet,
      rebase: true,
    });
    sim.seek(0);
    const pid = rig.agent.child.pid as number;
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, dirBytes(join(stateDir, 'state')));
    }, 200);
    const cpu0 = processCpuPreciseMs(pid);
    const polls0 = rig.kubelet.requests;
    await sim.play();
    await new Promise((r) => setTimeout(r, 2000)); // the last pods end and are exported
    const cpuMs = processCpuPreciseMs(pid) - cpu0;
    const polls = rig.kubelet.requests - polls0;
    clearInterval(sampler);
    const result: OutageRun = {
      collector,
      cpuMs,
      polls,
      spansBuilt: Number.isFinite(port) ? await metric(port, 'spans_built_total') : Number.NaN,
      pendingSpans: Number.isFinite(port) ? await metric(port, 'pending_spans') : Number.NaN,
      peakStateBytes: peak,
    };
    return result;
  } finally {
    await rig.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Plays the busy node with the collector up, then down; CPU ratio down/up. */
export async function runOutageBench(options: OutageBenchOptions = {}): Promise<OutageBenchResult> {
  const resolved = {
    seconds: options.seconds ?? 24,
    podsPerSecond: options.podsPerSecond ?? 30,
    unrelatedPods: options.unrelatedPods ?? 100,
  };
  const document = outageTimeline(resolved);
  const up = await oneRun('up', document);
  const down = await oneRun('down', document);
  return { pods: document.pods?.length ?? 0, runs: [up, down], cpuRatio: down.cpuMs / up.cpuMs };
}

/** The result as Markdown lines. */
export function outageBenchTable(result: OutageBenchResult): string {
  const mib = (b: number) => (b / 1024 / 1024).toFixed(2);
  return [
    `Busy node, collector down vs up (${result.pods} traced pods, checkpoint on):`,
    '',
    '| collector | agent CPU ms | polls | spans built | pending at end | peak STATE_DIR MiB |',
    '| --- | --- | --- | --- | --- | --- |',
    ...result.runs.map(
      (r) =>
        `| ${r.collector} | ${r.cpuMs.toFixed(0)} | ${r.polls} | ${r.spansBuilt} | ${r.pendingSpans} | ${mib(r.peakStateBytes)} |`,
    ),
    '',
    `CPU down/up: ${result.cpuRatio.toFixed(2)} (target ≤ 1.2)`,
  ].join('\n');
}
