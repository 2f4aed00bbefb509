/**
 * Renders received spans as a terminal waterfall: one block per trace, spans as a tree by parent
 * id, a bar per span on a shared time scale, its duration and notes (exit code, restarts,
 * errors). Error rows are red only when `color` is set (the caller decides: stdout is a TTY and
 * NO_COLOR is unset).
 */
import type { ReceivedSpan } from '../../sim/otlpReceiver.js';
import { formatDuration, serviceOf, spanNotes } from './spanLabels.js';
import { buildTraceTrees, type SpanNode, type TraceTree } from './spanTree.js';

export interface WaterfallOptions {
  /** ANSI colours (errors red, tree and axis dim). @default false */
  readonly color?: boolean;
  /** Width of the bar column, characters. @default 40 */
  readonly barWidth?: number;
  /** Width of the name column (tree and span name), characters. @default 48 */
  readonly nameWidth?: number;
}

const RED = '\u001b[31m';
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';
const SERVICE_WIDTH = 22;

function fitWidth(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  return `${chars.slice(0, width - 1).join('')}…`;
}

function clockTime(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString().slice(11, 19);
}

/** The bar of one span on a `width`-cell scale from `start` to `end` (ns). */
function bar(span: ReceivedSpan, start: bigint, end: bigint, width: number): string {
  const total = end > start ? end - start : 1n;
  const cell = (ns: bigint): number => Number(((ns - start) * BigInt(width)) / total);
  const from = Math.min(width - 1, Math.max(0, cell(span.startNs)));
  const to = Math.min(width, Math.max(from, cell(span.endNs)));
  if (to === from) return `${' '.repeat(from)}▏${' '.repeat(width - from - 1)}`;
  return `${' '.repeat(from)}${'█'.repeat(to - from)}${' '.repeat(width - to)}`;
}

function renderTree(tree: TraceTree, options: Required<WaterfallOptions>): string[] {
  const { color, barWidth, nameWidth } = options;
  const dim = (s: string) => (color ? `${DIM}${s}${RESET}` : s);
  const total = tree.endNs - tree.startNs;
  const errors = tree.rows.filter((n) => n.span.status.code === 2).length;
  const lines = [
    `trace ${tree.traceId}  ${tree.spanCount} spans, ${errors} with errors, ` +
      `${formatDuration(total)} (${clockTime(tree.startNs)} → ${clockTime(tree.endNs)} UTC)`,
  ];
  const endLabel = `+${formatDuration(total)}`;
  const axis = `0s${' '.repeat(Math.max(1, barWidth - 2 - endLabel.length))}${endLabel}`;
  lines.push(
    dim(`${' '.repeat(nameWidth)} ${fitWidth('service', SERVICE_WIDTH)} |${axis}| duration  notes`),
  );
  const walk = (node: SpanNode, prefix: string, last: boolean, root: boolean): void => {
    const s = node.span;
    const branch = root ? '' : last ? '└─ ' : '├─ ';
    const label = fitWidth(`${prefix}${branch}${s.name}`, nameWidth);
    const notes = spanNotes(s);
    if (node.orphan) notes.push(`parent ${s.parentSpanId} not received`);
    const row =
      `${label} ${fitWidth(serviceOf(s), SERVICE_WIDTH)} |${bar(s, tree.startNs, tree.endNs, barWidth)}| ` +
      `${formatDuration(s.endNs - s.startNs).padStart(8)}  ${s.status.code === 2 ? '✗ ' : ''}${notes.join(', ')}`.trimEnd();
    lines.push(color && s.status.code === 2 ? `${RED}${row}${RESET}` : row);
    const childPrefix = root ? '' : `${prefix}${last ? '   ' : '│  '}`;
    node.children.forEach((child, i) => {
      walk(child, childPrefix, i === node.children.length - 1, false);
    });
  };
  tree.roots.forEach((root) => {
    walk(root, '', true, true);
  });
  return lines;
}

/** The whole waterfall text (ends with a newline); `(no spans)` when there are none. */
export function renderWaterfall(
  spans: readonly ReceivedSpan[],
  options: WaterfallOptions = {},
): string {
  const resolved: Required<WaterfallOptions> = {
    color: options.color ?? false,
    barWidth: options.barWidth ?? 40,
    nameWidth: options.nameWidth ?? 48,
  };
  const trees = buildTraceTrees(spans);
  if (trees.length === 0) return '(no spans)\n';
  return `${trees.map((t) => renderTree(t, resolved).join('\n')).join('\n\n')}\n`;
}
