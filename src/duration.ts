/**
 * Durations as Kubernetes users write them: Go's `time.ParseDuration` syntax (`250ms`, `2s`,
 * `1m30s`, `1.5h`), measured here in milliseconds.
 */

const NANOS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 MICRO SIGN, as Go accepts
  μs: 1_000n, // U+03BC GREEK SMALL LETTER MU, as Go accepts
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Longest duration Go represents: the int64 nanosecond maximum (about 292 years). */
const MAX_NANOS = 2n ** 63n - 1n;

const WHOLE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const COMPONENT = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/g;

/**
 * Parses a Go-style duration into milliseconds (fractional below one millisecond, e.g. `500us`
 * is `0.5`). A sequence of decimal numbers each with a unit — `ns`, `us` (or `µs`), `ms`, `s`,
 * `m`, `h` — optionally signed: `250ms`, `2s`, `1m30s`, `1.5s`, `-1h`. Units are case-sensitive.
 * As in Go, fractions finer than a nanosecond are truncated and `0` alone is accepted; any other
 * bare number is rejected because its unit would be a guess. Surrounding whitespace is not
 * trimmed.
 *
 * @returns milliseconds, or `undefined` when `text` is not a duration or exceeds Go's range
 *   (about 292 years).
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  if (!WHOLE.test(text)) return undefined;
  const negative = text.startsWith('-');
  let nanos = 0n;
  for (const match of text.matchAll(COMPONENT)) {
    const [, whole = '', fraction = '', unit = ''] = match;
    const perUnit = NANOS_PER_UNIT[unit];
    if (perUnit === undefined) return undefined;
    nanos += BigInt(whole || '0') * perUnit;
    if (fraction !== '') nanos += (BigInt(fraction) * perUnit) / 10n ** BigInt(fraction.length);
    if (nanos > MAX_NANOS) return undefined;
  }
  // One correctly rounded division while exact; beyond 2^53 ns (about 104 days) whole
  // milliseconds stay exact and only the sub-millisecond part can round.
  const ms =
    nanos <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(nanos) / 1e6
      : Number(nanos / 1_000_000n) + Number(nanos % 1_000_000n) / 1e6;
  return negative ? -ms : ms;
}

/**
 * Formats milliseconds as a compact Go-style duration that {@link parseDuration} reads back:
 * `0s`, `250ms`, `1.5s`, `1m30s`, `1h`, `0.5ms`. Zero components are left out (`1h`, not Go's
 * `1h0m0s`). Meant for documentation and log lines.
 *
 * @param ms milliseconds; finite.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0s';
  if (ms < 1000) return `${decimal(ms)}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return (
    (hours > 0 ? `${hours}h` : '') +
    (minutes > 0 ? `${minutes}m` : '') +
    (seconds > 0 ? `${decimal(seconds)}s` : '')
  );
}

/** Plain decimal notation (never `1e-7`), at most nanosecond-of-a-millisecond precision. */
function decimal(n: number): string {
  const text = String(n);
  if (!text.includes('e')) return text;
  return n.toFixed(9).replace(/\.?0+$/, '');
}
