/**
 * Renders received spans as one self-contained HTML page: an inline SVG timeline per trace (a row
 * per span, indented by depth, a bar on a shared time axis coloured by service, errors red) with
 * a tooltip per span listing its attributes. No scripts, styles or fonts from anywhere else.
 */
import type { ReceivedSpan, ReceivedValue } from '../../sim/otlpReceiver.js';
import { formatDuration, serviceOf, spanNotes } from './spanLabels.js';
import { buildTraceTrees, type TraceTree } from './spanTree.js';

const ROW = 20;
const LABEL_WIDTH = 380;
const CHART_WIDTH = 680;
const NOTES_WIDTH = 250;
const WIDTH = LABEL_WIDTH + CHART_WIDTH + NOTES_WIDTH;
const TOP = 34;
const PALETTE = ['#4e79a7', '#59a14f', '#b07aa1', '#f28e2b', '#76b7b2', '#edc948', '#9c755f'];
const ERROR = '#d62728';

/** Escapes text for XML/HTML content and attribute values. */
function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function valueText(v: ReceivedValue): string {
  if (Buffer.isBuffer(v)) return `0x${v.toString('hex')}`;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'object' && v !== null) return JSON.stringify(v, (_k, x) => String(x));
  return String(v);
}

/** A step for axis ticks giving at most ~10 ticks over `totalMs`. */
function tickStepMs(totalMs: number): number {
  for (const step of [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 300_000]) {
    if (totalMs / step <= 10) return step;
  }
  return 600_000;
}

function traceSvg(tree: TraceTree, colors: Map<string, string>): string {
  const height = TOP + tree.rows.length * ROW + 10;
  const total = Number(tree.endNs - tree.startNs) / 1e6 || 1;
  const x = (ns: bigint) => LABEL_WIDTH + (Number(ns - tree.startNs) / 1e6 / total) * CHART_WIDTH;
  const parts: string[] = [];
  const step = tickStepMs(total);
  for (let ms = 0, i = 0; ms <= total && i < 100; ms += step, i++) {
    const tx = LABEL_WIDTH + (ms / total) * CHART_WIDTH;
    parts.push(
      `<line x1="${tx.toFixed(1)}" y1="${TOP - 6}" x2="${tx.toFixed(1)}" y2="${height - 6}" class="tick"/>`,
      `<text x="${tx.toFixed(1)}" y="${TOP - 12}" class="axis">${escapeXml(formatDuration(BigInt(ms) * 1_000_000n))}</text>`,
    );
  }
  tree.rows.forEach((node, i) => {
    const s = node.span;
    const y = TOP + i * ROW;
    const service = serviceOf(s);
    const error = s.status.code === 2;
    const fill = error ? ERROR : (colors.get(service) ?? PALETTE[0]);
    const x1 = x(s.startNs);
    const w = Math.max(2, x(s.endNs) - x1);
    const tooltip = [
      `${s.name} (${service})`,
      `duration ${formatDuration(s.endNs - s.startNs)}`,
      `span ${s.spanId}${s.parentSpanId ? ` parent ${s.parentSpanId}` : ''}`,
      ...(error ? [`status ERROR ${s.status.message}`] : []),
      ...Object.entries(s.attributes).map(([k, v]) => `${k} = ${valueText(v)}`),
      ...s.events.map((e) => `event ${e.name}`),
    ].join('\n');
    if (i % 2 === 1) {
      parts.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${ROW}" class="stripe"/>`);
    }
    parts.push(
      `<g><title>${escapeXml(tooltip)}</title>`,
      `<text x="${8 + node.depth * 16}" y="${y + 14}" class="${error ? 'label err' : 'label'}">${escapeXml(s.name)}</text>`,
      `<rect x="${x1.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${ROW - 8}" rx="2" fill="${fill}"/>`,
      `<text x="${LABEL_WIDTH + CHART_WIDTH + 8}" y="${y + 14}" class="${error ? 'notes err' : 'notes'}">${escapeXml(
        [formatDuration(s.endNs - s.startNs), ...spanNotes(s)].join(' · '),
      )}</text></g>`,
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
    `viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="trace ${tree.traceId}">` +
    `${parts.join('')}</svg>`
  );
}

/** The complete HTML document. */
export function renderTraceHtml(spans: readonly ReceivedSpan[], title: string): string {
  const trees = buildTraceTrees(spans);
  const colors = new Map<string, string>();
  for (const s of spans) {
    const service = serviceOf(s);
    if (!colors.has(service)) colors.set(service, PALETTE[colors.size % PALETTE.length] ?? '#888');
  }
  const legend = [...colors.entries()]
    .map(
      ([service, color]) =>
        `<span class="key"><i style="background:${color}"></i>${escapeXml(service)}</span>`,
    )
    .concat(`<span class="key"><i style="background:${ERROR}"></i>error status</span>`)
    .join('');
  const sections = trees
    .map((tree) => {
      const errors = tree.rows.filter((n) => n.span.status.code === 2).length;
      return (
        `<section><h2>trace <code>${tree.traceId}</code></h2>` +
        `<p>${tree.spanCount} spans · ${errors} with error status · ` +
        `${escapeXml(formatDuration(tree.endNs - tree.startNs))} · starts ` +
        `${new Date(Number(tree.startNs / 1_000_000n)).toISOString()}</p>` +
        `${traceSvg(tree, colors)}</section>`
      );
    })
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:16px 0 2px}p{margin:2px 0 8px;color:#555}
.key{margin-right:14px;white-space:nowrap}.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border-radius:2px}
svg text{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:#222}
svg .axis{fill:#777;text-anchor:middle}svg .tick{stroke:#e4e4e4}svg .stripe{fill:#f6f7f9}
svg .err{fill:${ERROR}}svg .notes{fill:#555}svg .notes.err{fill:${ERROR}}
</style></head><body>
<h1>${escapeXml(title)}</h1><div>${legend}</div>
${sections || '<p>(no spans)</p>'}
</body></html>
`;
}
