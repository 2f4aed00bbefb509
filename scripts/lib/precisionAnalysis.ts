/**
 * The pure half of `scripts/precision.ts`: matching the spans the agent exported to the ground
 * truth, the error of each span edge, whether the truth lay inside the span's stated uncertainty
 * interval, distributions, and the Markdown tables.
 */
import type { ReceivedSpan } from '../../sim/otlpReceiver.js';
import { timeFromNanos, toNanos } from '../../src/core/time.js';
import { edgeFrom, interval } from '../../src/core/timeEdge.js';
import type { TruthPod, TruthRun } from './precisionTimeline.js';
import { median, percentile } from './stats.js';

export type Edge = 'start' | 'end';

/** One edge (start or end) of one span, compared with the truth. */
export interface EdgeSample {
  /** Span time minus true time, ms (negative: the span says earlier than it happened). */
  readonly errorMs: number;
  /** `kse.<edge>.source`: `kubelet`, `cri` or `poll`. */
  readonly source: string;
  /** `kse.<edge>.uncertainty_ms`. */
  readonly uncertaintyMs: number;
  /** The truth lay within the interval the span states. */
  readonly within: boolean;
}

/** A true container run and the span the agent exported for it, if any. */
export interface RunMatch {
  readonly pod: TruthPod;
  readonly run: TruthRun;
  readonly span?: ReceivedSpan;
  readonly start?: EdgeSample;
  readonly end?: EdgeSample;
  /** The span's end carries `kse.end.estimated` (the agent only saw the pod vanish). */
  readonly endEstimated: boolean;
}

/** Slack for the µs rounding of `uncertainty_ms` on the wire, ns. */
const TOLERANCE_NS = 1000n;

/**
 * Whether the true time lies in the interval a span edge states (`interval(edge)` of the core:
 * later than a reported `kubelet`/`cri` time, earlier than the `poll` that noticed).
 */
export function withinStated(
  reportedNs: bigint,
  truthNs: bigint,
  source: string,
  uncertaintyMs: number,
): boolean {
  if (source !== 'kubelet' && source !== 'cri' && source !== 'poll') return false;
  const [lo, hi] = interval(edgeFrom(timeFromNanos(reportedNs), source, uncertaintyMs)).map(
    toNanos,
  );
  return truthNs >= (lo ?? 0n) - TOLERANCE_NS && truthNs <= (hi ?? 0n) + TOLERANCE_NS;
}

/** `a - b` in ms. */
function diffMs(aNs: bigint, bNs: bigint): number {
  return Number(aNs - bNs) / 1e6;
}

/** The `edge` of `span` compared with `truthNs`. */
export function edgeSample(span: ReceivedSpan, edge: Edge, truthNs: bigint): EdgeSample {
  const reportedNs = edge === 'start' ? span.startNs : span.endNs;
  const source = String(span.attributes[`kse.${edge}.source`] ?? 'unknown');
  const uncertainty = Number(span.attributes[`kse.${edge}.uncertainty_ms`] ?? Number.NaN);
  return {
    errorMs: diffMs(reportedNs, truthNs),
    source,
    uncertaintyMs: uncertainty,
    within: Number.isFinite(uncertainty) && withinStated(reportedNs, truthNs, source, uncertainty),
  };
}

/** A span of one container run (`container <name>` or `init-container <name>`). */
function isContainerRunSpan(span: ReceivedSpan): boolean {
  return span.name.startsWith('container ') || span.name.startsWith('init-container ');
}

export interface MatchResult {
  /** One per true run, in timeline order. */
  readonly runs: RunMatch[];
  /** Container-run spans whose `container.id` is no true run's. */
  readonly unmatchedSpans: number;
  /** Further spans for a run that already had one (each run should get exactly one). */
  readonly duplicateSpans: number;
}

/** Pairs every true run with the container-run span carrying its `container.id`. */
export function matchRuns(pods: readonly TruthPod[], spans: readonly ReceivedSpan[]): MatchResult {
  const byId = new Map<string, ReceivedSpan[]>();
  for (const span of spans) {
    if (!isContainerRunSpan(span)) continue;
    const id = String(span.attributes['container.id'] ?? '');
    const list = byId.get(id) ?? [];
    list.push(span);
    byId.set(id, list);
  }
  const runs: RunMatch[] = [];
  let duplicateSpans = 0;
  const known = new Set<string>();
  for (const pod of pods) {
    for (const run of pod.runs) {
      known.add(run.containerId);
      const found = byId.get(run.containerId) ?? [];
      duplicateSpans += Math.max(0, found.length - 1);
      const span = found[0];
      runs.push(
        span
          ? {
              pod,
              run,
              span,
              start: edgeSample(span, 'start', run.startNs),
              end: edgeSample(span, 'end', run.finishNs),
              endEstimated: span.attributes['kse.end.estimated'] === true,
            }
          : { pod, run, endEstimated: false },
      );
    }
  }
  let unmatchedSpans = 0;
  for (const [id, list] of byId) if (!known.has(id)) unmatchedSpans += list.length;
  return { runs, unmatchedSpans, duplicateSpans };
}

/** What the agent kept of a run whose pod was deleted soon after it exited. */
export type Outcome = 'captured' | 'estimatedEnd' | 'noSpan';

/**
 * `captured`: a container-run span whose end was reported (`kubelet` or `cri`), not estimated;
 * `estimatedEnd`: a span ended at the poll that noticed the pod gone; `noSpan`: nothing.
 */
export function outcomeOf(match: RunMatch): Outcome {
  if (!match.span || !match.end) return 'noSpan';
  const reported = match.end.source === 'kubelet' || match.end.source === 'cri';
  return reported && !match.endEstimated ? 'captured' : 'estimatedEnd';
}

export interface Distribution {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles of `values` (NaN for none). */
export function distribution(values: readonly number[]): Distribution {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
  };
}

export interface EdgeSummary extends Distribution {
  /** Samples per source. */
  readonly sources: Record<string, number>;
  /** Share of samples whose truth lay within the stated interval (0..1). */
  readonly within: number;
  /** The same over `kubelet` and `cri` sources only (NaN without such samples). */
  readonly withinReported: number;
  /** Median stated uncertainty, ms. */
  readonly medianUncertaintyMs: number;
  /** Samples where the span says later than the truth (expected only for `poll`). */
  readonly late: number;
}

/** Distribution of |error| and the interval checks of some edge samples. */
export function summarizeEdge(samples: readonly EdgeSample[]): EdgeSummary {
  const sources: Record<string, number> = {};
  for (const s of samples) sources[s.source] = (sources[s.source] ?? 0) + 1;
  const reported = samples.filter((s) => s.source === 'kubelet' || s.source === 'cri');
  const share = (xs: readonly EdgeSample[]) =>
    xs.length === 0 ? Number.NaN : xs.filter((s) => s.within).length / xs.length;
  return {
    ...distribution(samples.map((s) => Math.abs(s.errorMs))),
    sources,
    within: share(samples),
    withinReported: share(reported),
    medianUncertaintyMs: median(samples.map((s) => s.uncertaintyMs)),
    late: samples.filter((s) => s.errorMs > 0).length,
  };
}

export interface CaptureCell {
  readonly total: number;
  readonly captured: number;
  readonly estimatedEnd: number;
  readonly noSpan: number;
}

/** Outcomes of the `deletion` group's runs per deletion delay (ms). */
export function captureByDelay(runs: readonly RunMatch[]): Map<number, CaptureCell> {
  const cells = new Map<
    number,
    { total: number; captured: number; estimatedEnd: number; noSpan: number }
  >();
  for (const match of runs) {
    const delay = match.pod.deleteAfterMs;
    if (match.pod.group !== 'deletion' || delay === undefined) continue;
    const cell = cells.get(delay) ?? { total: 0, captured: 0, estimatedEnd: 0, noSpan: 0 };
    cell.total++;
    cell[outcomeOf(match)]++;
    cells.set(delay, cell);
  }
  return new Map([...cells].sort(([a], [b]) => a - b));
}

// ---------------------------------------------------------------- Markdown

/** ms for a table: `0`, three decimals below 1, one below 10, else whole. */
export function formatMs(ms: number): string {
  if (Number.isNaN(ms)) return '–';
  if (ms === 0) return '0';
  const abs = Math.abs(ms);
  return ms.toFixed(abs < 1 ? 3 : abs < 10 ? 1 : 0);
}

/** A share as a whole percentage (one decimal when not whole). */
export function formatShare(share: number): string {
  if (Number.isNaN(share)) return '–';
  const pct = share * 100;
  return `${Number.isInteger(Math.round(pct * 10) / 10) ? pct.toFixed(0) : pct.toFixed(1)} %`;
}

export interface PrecisionRow {
  readonly label: string;
  readonly edge: Edge;
  readonly summary: EdgeSummary;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Part 1: |span − truth| per cell and edge. */
export function precisionTable(rows: readonly PrecisionRow[]): string {
  return table(
    [
      'cell',
      'edge',
      'n',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'sources',
      'truth within stated interval',
      'median stated uncertainty ms',
    ],
    rows.map(({ label, edge, summary: s }) => [
      label,
      edge,
      String(s.n),
      formatMs(s.p50),
      formatMs(s.p90),
      formatMs(s.p99),
      formatMs(s.max),
      Object.entries(s.sources)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
      `${formatShare(s.within)}${
        s.sources.poll ? ` (kubelet/cri ${formatShare(s.withinReported)})` : ''
      }`,
      formatMs(s.medianUncertaintyMs),
    ]),
  );
}

/** Part 2: share of quickly deleted pods whose end was still captured, per cell and delay. */
export function captureTable(
  rows: readonly { label: string; cells: ReadonlyMap<number, CaptureCell> }[],
  delaysMs: readonly number[],
): string {
  return table(
    [
      'cell',
      ...delaysMs.map((d) => `deleted ${d / 1000} s after exit`),
      'missed: estimated end / no span',
    ],
    rows.map(({ label, cells }) => {
      let estimated = 0;
      let none = 0;
      const shares = delaysMs.map((d) => {
        const c = cells.get(d);
        if (!c || c.total === 0) return '–';
        estimated += c.estimatedEnd;
        none += c.noSpan;
        return `${formatShare(c.captured / c.total)} (${c.captured}/${c.total})`;
      });
      return [label, ...shares, `${estimated} / ${none}`];
    }),
  );
}

// ---------------------------------------------------------------- JSON

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * JSON with two-space indentation where arrays of scalars sit on one line when they fit in
 * `width` columns (as Biome formats JSON), so the results file passes `biome check`.
 */
export function formatJson(value: unknown, width = 100): string {
  const plain = JSON.parse(JSON.stringify(value)) as Json;
  const render = (v: Json, indent: string, prefix: number): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      if (v.every((x) => x === null || typeof x !== 'object')) {
        const line = `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
        if (prefix + line.length + 1 <= width) return line;
      }
      const items = v.map((x) => `${inner}${render(x, inner, inner.length)}`);
      return `[\n${items.join(',\n')}\n${indent}]`;
    }
    const entries = Object.entries(v);
    if (entries.length === 0) return '{}';
    const items = entries.map(([k, x]) => {
      const key = `${JSON.stringify(k)}: `;
      return `${inner}${key}${render(x, inner, inner.length + key.length)}`;
    });
    return `{\n${items.join(',\n')}\n${indent}}`;
  };
  return `${render(plain, '', 0)}\n`;
}
