/**
 * `npm run demo`: plays a timeline (default: a LitmusChaos container-kill run) through a kubelet
 * stand-in to the real agent (`node dist/main.js`, configured by env as in a cluster), receives
 * its spans on an embedded OTLP/gRPC receiver together with the traced tool's own spans, prints
 * the trace as a terminal waterfall and writes `trace.jaeger.json` (Jaeger's own JSON: the Jaeger
 * UI opens it on its own), `trace.otlp.json` (OTLP/JSON: needs a running Jaeger, whose
 * `/api/transform` converts it) and `trace.html` (self-contained SVG timeline). A timeline whose
 * pods run on several nodes (`nodeName`) gets one kubelet stand-in and one agent per node, all
 * sending to the one receiver.
 *
 *   tsx scripts/demo.ts [--speed N] [--timeline NAME|FILE] [--out DIR] [--offset SECONDS]
 *
 * Exits 1 when no span of the agent arrived, 2 on bad arguments.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type StartedRig, startAgentRig } from '../sim/agentRig.js';
import type { ReceivedSpan } from '../sim/otlpReceiver.js';
import { loadTimeline } from '../sim/timeline/loadTimeline.js';
import { createNodeSimulator, type NodeSimulator } from '../sim/timeline/nodeSimulator.js';
import { timelineForNode, timelineNodes } from '../sim/timeline/nodeTimeline.js';
import { useColor } from './lib/colorPolicy.js';
import { toJaegerJson } from './lib/jaegerJson.js';
import { toOtlpJson } from './lib/otlpJson.js';
import { sendSpans } from './lib/otlpSend.js';
import { toolSpans } from './lib/toolSpans.js';
import { renderTraceHtml } from './lib/traceHtml.js';
import { renderWaterfall } from './lib/waterfall.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TIMELINES = join(ROOT, 'timelines');
const DEFAULT_TIMELINE = join(TIMELINES, 'litmus-container-kill.yaml');
const DEFAULT_SPEED = 4;
/** After the last second is played: how long the span count must stay unchanged, ms. */
const SETTLE_MS = 1500;
/** Upper bound on waiting for spans to settle, ms. */
const SETTLE_LIMIT_MS = 15_000;

const USAGE = `usage: tsx scripts/demo.ts [--speed N] [--timeline FILE] [--out DIR] [--offset SECONDS]
  --speed N         timeline seconds per wall second (default ${DEFAULT_SPEED})
  --timeline NAME   a timeline of timelines/ by name (litmus-container-kill, stock-litmus,
                    mixed-litmus, argo-workflow, busy-node), or a file: scripted (.yaml/.json)
                    or recorded (.jsonl) (default litmus-container-kill)
  --out DIR         where trace.jaeger.json, trace.otlp.json and trace.html go (default demo-output)
  --offset SECONDS  start playing at this second of the timeline (default 0)`;

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseOptions() {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        speed: { type: 'string' },
        timeline: { type: 'string' },
        out: { type: 'string' },
        offset: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const speed = Number(values.speed ?? DEFAULT_SPEED);
  if (!(speed > 0 && speed <= 1000)) fail(`--speed must be a number in (0, 1000]: ${values.speed}`);
  const offset = Number(values.offset ?? 0);
  if (!Number.isInteger(offset) || offset < 0)
    fail(`--offset must be whole seconds: ${values.offset}`);
  return {
    speed,
    offset,
    timeline: timelinePath(values.timeline),
    out: resolve(String(values.out ?? 'demo-output')),
  };
}

/** `stock-litmus` → `timelines/stock-litmus.yaml`; anything else is a path. */
function timelinePath(value: string | boolean | undefined): string {
  if (value === undefined || typeof value === 'boolean') return DEFAULT_TIMELINE;
  const named = join(TIMELINES, `${value}.yaml`);
  return /^[a-z0-9-]+$/.test(value) && existsSync(named) ? named : resolve(value);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the receiver's span count has not changed for {@link SETTLE_MS}. */
async function settle(rig: StartedRig): Promise<void> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  let count = rig.receiver.spans.length;
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(100);
    if (rig.receiver.spans.length !== count) {
      count = rig.receiver.spans.length;
      since = Date.now();
    } else if (Date.now() - since >= SETTLE_MS) {
      return;
    }
  }
}

async function main(): Promise<number> {
  const options = parseOptions();
  const stderr = (line: string) => process.stderr.write(`${line}\n`);
  let timeline: ReturnType<typeof loadTimeline>;
  try {
    timeline = loadTimeline(options.timeline);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (options.offset > timeline.endSeconds) {
    fail(`--offset ${options.offset} is past the timeline's end (${timeline.endSeconds} s)`);
  }
  const seconds = timeline.endSeconds - options.offset;
  stderr(
    `demo: playing ${timeline.name} (${seconds} s of node time at ${options.speed}x, ` +
      `~${Math.ceil(seconds / options.speed)} s) to node dist/main.js`,
  );

  // One kubelet stand-in and one agent per node; every agent sends to the first rig's receiver.
  const nodes = timelineNodes(timeline);
  const rigs: StartedRig[] = [];
  try {
    for (const node of nodes) {
      const first = rigs[0];
      rigs.push(
        await startAgentRig({
          nodeName: node,
          env: {
            POLL_INTERVAL: '100ms',
            GONE_AFTER: '1s',
            OTEL_BSP_SCHEDULE_DELAY: '100',
            ...(first ? { OTEL_EXPORTER_OTLP_ENDPOINT: first.receiver.url } : {}),
          },
        }),
      );
    }
  } catch (error) {
    for (const r of rigs) await r.close();
    throw error;
  }
  const rig = rigs[0] as StartedRig;
  try {
    const progress = process.stderr.isTTY === true;
    const simulators: NodeSimulator[] = [];
    for (const [i, node] of nodes.entries()) {
      const first = simulators[0];
      simulators.push(
        createNodeSimulator({
          timeline: nodes.length > 1 ? timelineForNode(timeline, node) : timeline,
          standIn: (rigs[i] as StartedRig).kubelet,
          speed: options.speed,
          offsetSeconds: options.offset,
          // As a real kubelet: a pod's change shows in /pods after the API-server round trip.
          statusLagMs: 300,
          // every node serves the same instant as the same wall-clock time
          ...(first ? { shiftSeconds: first.shiftSeconds } : { rebase: true }),
          onStep:
            progress && i === 0
              ? (t) =>
                  process.stderr.write(
                    `\r  node time +${t}s / ${timeline.endSeconds}s, ${rig.receiver.spans.length} spans received `,
                  )
              : undefined,
        }),
      );
    }
    const simulator = simulators[0] as NodeSimulator;
    await Promise.all(simulators.map((s) => s.play()));
    if (progress) process.stderr.write('\n');
    await settle(rig);
    const exitCodes: (number | string)[] = [];
    for (const r of rigs) exitCodes.push(await r.agent.stop());
    const exitCode = exitCodes.find((c) => c !== 0) ?? 0;
    const polls = rigs.reduce((n, r) => n + r.kubelet.requests, 0);
    const agentSpans = rig.receiver.spans.length;

    // The traced tool's own spans, as it would have exported them during the run.
    const base = timeline.startEpochSeconds + simulator.shiftSeconds;
    const tool = toolSpans(timeline.traceSpans, base);
    if (tool.length > 0) await sendSpans(rig.receiver.url, tool);
    await rig.receiver.waitFor((s) => s.length >= agentSpans + tool.length, 5000);
    const spans: readonly ReceivedSpan[] = rig.receiver.spans;

    const color = useColor(process.stdout, process.env);
    const errors = spans.filter((s) => s.status.code === 2).length;
    process.stdout.write(
      `kubelet-span-exporter demo: ${timeline.name}, ${seconds} s of node time at ${options.speed}x\n` +
        `${nodes.length === 1 ? 'agent' : `${nodes.length} agents (${nodes.join(', ')})`}: ` +
        `${polls} kubelet polls, ${agentSpans} spans exported, exit code ${exitCode}; ` +
        `tool spans: ${tool.length}; ${errors} spans with error status\n\n`,
    );
    process.stdout.write(renderWaterfall(spans, { color }));

    mkdirSync(options.out, { recursive: true });
    const jaegerPath = join(options.out, 'trace.jaeger.json');
    const jsonPath = join(options.out, 'trace.otlp.json');
    const htmlPath = join(options.out, 'trace.html');
    writeFileSync(jaegerPath, `${JSON.stringify(toJaegerJson(spans), null, 2)}\n`);
    writeFileSync(jsonPath, `${JSON.stringify(toOtlpJson(spans), null, 2)}\n`);
    writeFileSync(htmlPath, renderTraceHtml(spans, `kubelet-span-exporter demo: ${timeline.name}`));
    const shown = (p: string) =>
      relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p);
    process.stdout.write(
      `\nwrote ${shown(jaegerPath)} (Jaeger JSON: Jaeger UI, Search → Upload), ` +
        `${shown(jsonPath)} (OTLP/JSON) and ${shown(htmlPath)}\n`,
    );
    if (agentSpans === 0) {
      stderr('demo: no span arrived from the agent');
      return 1;
    }
    return 0;
  } finally {
    for (const r of rigs) await r.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
