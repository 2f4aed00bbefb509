/** The benchmark's results table (markdown-compatible, right-aligned). */
import { derive, type SizeFigures } from './benchFigures.js';

/** `n` with `digits` decimals; `n/a` for NaN or infinities. */
export function fixed(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

const HEADER = [
  'pods',
  'body KiB',
  'floor ms idle/busy pace',
  'fetch-only ms idle/busy',
  'idle ms/poll',
  'idle/floor',
  'idle/fetch',
  'idle ms/s',
  'busy ms/poll',
  'busy/floor',
  'busy ms/s',
  'RSS agent/floor MiB',
  'kubelet KiB/s idle/busy/floor',
  'exit→span p50/p99 ms',
  'spans/s',
];

export function benchTable(rows: readonly SizeFigures[]): string {
  const cells = rows.map((r) => {
    const d = derive(r);
    const k = d.kubeletKiBPerSecond;
    return [
      String(r.pods),
      fixed(r.bodyBytes / 1024, 0),
      `${fixed(r.floorIdleCpuMsPerFetch, 2)}/${fixed(r.floorBusyCpuMsPerFetch, 2)}`,
      `${fixed(r.fetchOnlyIdleCpuMsPerFetch, 2)}/${fixed(r.fetchOnlyBusyCpuMsPerFetch, 2)}`,
      fixed(r.idleCpuMsPerPoll, 2),
      fixed(d.idleToFloor, 2),
      fixed(d.idleToFetchOnly, 2),
      fixed(r.idleCpuMsPerSecond, 1),
      fixed(r.busyCpuMsPerPoll, 2),
      fixed(d.busyToFloor, 2),
      fixed(r.busyCpuMsPerSecond, 1),
      `${fixed(r.agentRssMiB, 0)}/${fixed(r.floorRssMiB, 0)}`,
      `${fixed(k.idle, 0)}/${fixed(k.busy, 0)}/${fixed(k.floor, 0)}`,
      `${fixed(r.latencyP50Ms, 0)}/${fixed(r.latencyP99Ms, 0)} (n=${r.latencies})`,
      fixed(r.spansPerSecond, 0),
    ];
  });
  const widths = HEADER.map((h, i) =>
    Math.max(h.length, ...cells.map((row) => row[i]?.length ?? 0)),
  );
  const line = (row: readonly string[]) =>
    `| ${row.map((c, i) => c.padStart(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(HEADER),
    `|${widths.map((w) => `${'-'.repeat(w + 1)}:`).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}
