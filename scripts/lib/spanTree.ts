/**
 * Arranges received spans as trees: per trace, children under their parent (by parent span id),
 * siblings by start time then name. A span whose parent was not received is a root (flagged
 * `orphan`), so nothing is lost from the picture.
 */
import type { ReceivedSpan } from '../../sim/otlpReceiver.js';

export interface SpanNode {
  readonly span: ReceivedSpan;
  readonly children: SpanNode[];
  /** Nesting depth (0 for roots). */
  readonly depth: number;
  /** The span names a parent that is not among the spans. */
  readonly orphan: boolean;
}

export interface TraceTree {
  readonly traceId: string;
  readonly roots: readonly SpanNode[];
  /** Every node, depth first, in display order. */
  readonly rows: readonly SpanNode[];
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly spanCount: number;
}

const byStart = (a: ReceivedSpan, b: ReceivedSpan): number =>
  a.startNs < b.startNs
    ? -1
    : a.startNs > b.startNs
      ? 1
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : a.spanId < b.spanId
            ? -1
            : 1;

/** One tree per trace id, traces ordered by their first span's start. */
export function buildTraceTrees(spans: readonly ReceivedSpan[]): TraceTree[] {
  const byTrace = new Map<string, ReceivedSpan[]>();
  for (const s of spans) {
    const list = byTrace.get(s.traceId) ?? [];
    list.push(s);
    byTrace.set(s.traceId, list);
  }
  const trees: TraceTree[] = [];
  for (const [traceId, list] of byTrace) {
    // Keep one span per id (a retried export can deliver a span twice).
    const unique = new Map<string, ReceivedSpan>();
    for (const s of list) if (!unique.has(s.spanId)) unique.set(s.spanId, s);
    const sorted = [...unique.values()].sort(byStart);
    const childrenOf = new Map<string, ReceivedSpan[]>();
    const roots: ReceivedSpan[] = [];
    for (const s of sorted) {
      if (s.parentSpanId !== '' && unique.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
        const siblings = childrenOf.get(s.parentSpanId) ?? [];
        siblings.push(s);
        childrenOf.set(s.parentSpanId, siblings);
      } else {
        roots.push(s);
      }
    }
    const rows: SpanNode[] = [];
    const visited = new Set<string>();
    const build = (span: ReceivedSpan, depth: number, orphan: boolean): SpanNode => {
      visited.add(span.spanId);
      const node: SpanNode = { span, children: [], depth, orphan };
      rows.push(node);
      for (const child of childrenOf.get(span.spanId) ?? []) {
        if (!visited.has(child.spanId)) node.children.push(build(child, depth + 1, false));
      }
      return node;
    };
    const rootNodes = roots.map((s) => build(s, 0, s.parentSpanId !== ''));
    // Spans on a parent cycle are reachable from no root: show them as roots too.
    for (const s of sorted) if (!visited.has(s.spanId)) rootNodes.push(build(s, 0, true));
    let startNs = sorted[0]?.startNs ?? 0n;
    let endNs = startNs;
    for (const s of sorted) {
      if (s.startNs < startNs) startNs = s.startNs;
      if (s.endNs > endNs) endNs = s.endNs;
    }
    trees.push({ traceId, roots: rootNodes, rows, startNs, endNs, spanCount: sorted.length });
  }
  return trees.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
}
