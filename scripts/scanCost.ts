/**
 * CPU cost of turning one `/pods` body into the selected pods: the full parse (`JSON.parse` of the
 * whole body, `decodePodList`, select) against the item-level path (`selectFromPodList`), on an
 * idle node (no pod carries the selector's key, nothing tracked) and a busy one (three traced
 * pods, tracked), and the scan alone. In-process, no HTTP: the fetch is not included.
 *
 *   npx tsx scripts/scanCost.ts <podlist.json> [pods=110] [rounds=300]
 *
 * `podlist.json` is a kubelet `GET /pods` answer (e.g. a real capture); its items are repeated
 * (fresh uid and name per copy) up to `pods`, and each round serves them in a new random order,
 * as a kubelet does.
 */
import { readFileSync } from 'node:fs';
import { decodePodList } from '../src/core/decodePodList.js';
import { matchesLabels, parseLabelSelector } from '../src/core/labelSelector.js';
import { scanPodList } from '../src/core/podListScan.js';
import { selectFromPodList } from '../src/core/selectFromPodList.js';

type Raw = Record<string, unknown>;

const [file, podsArg, roundsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx scripts/scanCost.ts <podlist.json> [pods=110] [rounds=300]');
  process.exit(2);
}
const podCount = Number(podsArg ?? 110);
const rounds = Number(roundsArg ?? 300);
const parsedSelector = parseLabelSelector('chaosUID');
if (!parsedSelector.ok) throw new Error(parsedSelector.error);
const selector = parsedSelector.selector;
const envNames = ['TRACEPARENT', 'TRACE_PARENT'];

const source = (JSON.parse(readFileSync(file, 'utf8')) as { items: Raw[] }).items;
/** `podCount` pods copied from the file's items, `traced` of them labelled `chaosUID`. */
function node(traced: number): { pods: Raw[]; uids: string[] } {
  const pods: Raw[] = [];
  const uids: string[] = [];
  for (let i = 0; i < podCount; i++) {
    const pod = structuredClone(source[i % source.length]) as Raw;
    const metadata = pod.metadata as Raw;
    const uid = `00000000-0000-4000-8000-${i.toString().padStart(12, '0')}`;
    metadata.uid = uid;
    metadata.name = `${String(metadata.name)}-${i}`;
    if (i < traced) {
      metadata.labels = { ...(metadata.labels as Raw), chaosUID: 'c1' };
      uids.push(uid);
    }
    pods.push(pod);
  }
  return { pods, uids };
}

function shuffled<T>(list: readonly T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Bodies in fresh orders, as `Buffer`s (what the kubelet client returns). */
function bodies(pods: readonly Raw[]): Buffer[] {
  return Array.from({ length: 16 }, () =>
    Buffer.from(
      `${JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: shuffled(pods) })}\n`,
    ),
  );
}

function full(body: Buffer): number {
  const decoded = decodePodList(JSON.parse(body.toString('utf8')), { envNames });
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.pods.filter((pod) => matchesLabels(selector, pod.labels)).length;
}

function itemLevel(body: Buffer, tracked: readonly string[]): number {
  const result = selectFromPodList(body, {
    selectors: [selector],
    namespaces: undefined,
    envNames,
    trackedUids: tracked,
  });
  if (!result.ok) throw result.error;
  return result.selected.length;
}

/** Median ms per body of `run` over `rounds` rounds. */
function measure(list: readonly Buffer[], run: (body: Buffer) => number): number {
  const times: number[] = [];
  for (let r = 0; r < rounds + 30; r++) {
    const body = list[r % list.length] as Buffer;
    const start = performance.now();
    run(body);
    if (r >= 30) times.push(performance.now() - start); // the first rounds warm the JIT
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const idle = node(0);
const busy = node(3);
const idleBodies = bodies(idle.pods);
const busyBodies = bodies(busy.pods);
const size = (idleBodies[0]?.length ?? 0) / 1024;
const rows: [string, number][] = [
  ['full parse (JSON.parse + decode + select)', measure(idleBodies, full)],
  [
    'scan only (scanPodList)',
    measure(idleBodies, (b) => (scanPodList(b, { keys: ['chaosUID'], values: [] }).ok ? 1 : 0)),
  ],
  [
    'item-level, idle node (nothing selected or tracked)',
    measure(idleBodies, (b) => itemLevel(b, [])),
  ],
  [
    'item-level, busy node (3 selected and tracked)',
    measure(busyBodies, (b) => itemLevel(b, busy.uids)),
  ],
  ['full parse, busy node', measure(busyBodies, full)],
];
console.log(
  `${podCount} pods, ${size.toFixed(0)} KiB a body, ${rounds} rounds, median ms per body:`,
);
const floor = rows[0]?.[1] ?? 1;
for (const [what, ms] of rows) {
  console.log(
    `  ${what.padEnd(52)} ${ms.toFixed(3).padStart(8)} ms  (${(ms / floor).toFixed(2)}× full)`,
  );
}
