/**
 * Time values of the pure core: `[seconds, nanoseconds]` since the Unix epoch, the shape of
 * OpenTelemetry's `HrTime`. Nanosecond epoch values exceed `Number.MAX_SAFE_INTEGER`, so the two
 * parts are kept apart; both are integers, `0 <= nanoseconds < 1e9`.
 */
export type Time = readonly [seconds: number, nanoseconds: number];

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 timestamp (with or without fractional seconds, `Z` or a numeric offset) as
 * the Kubernetes API writes them. Returns `undefined` for anything else, `null` included.
 */
export function parseTime(value: unknown): Time | undefined {
  if (typeof value !== 'string') return undefined;
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const ms = Date.UTC(Number(y), month - 1, day, hour, minute, Math.min(second, 59));
  if (!Number.isFinite(ms)) return undefined;
  // Date.UTC rolls 31 February over into March: reject such dates.
  if (new Date(ms).getUTCDate() !== day) return undefined;
  let seconds = ms / 1000 + (second === 60 ? 1 : 0);
  if (sign) seconds -= (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60);
  const nanoseconds = frac ? Number(frac.padEnd(9, '0')) : 0;
  return [seconds, nanoseconds];
}

/** Converts epoch milliseconds (possibly fractional, as `performance.timeOrigin + now()`). */
export function timeFromMillis(ms: number): Time {
  const seconds = Math.floor(ms / 1000);
  const nanoseconds = Math.min(999_999_999, Math.max(0, Math.round((ms - seconds * 1000) * 1e6)));
  return [seconds, nanoseconds];
}

/** Converts int64 nanoseconds since the epoch, exactly. */
export function timeFromNanos(ns: bigint): Time {
  const seconds = ns / 1_000_000_000n;
  return [Number(seconds), Number(ns - seconds * 1_000_000_000n)];
}

export function toNanos(t: Time): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

/** Negative when `a` is before `b`, zero when equal, positive after. */
export function compareTime(a: Time, b: Time): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

export function minTime(a: Time, b: Time): Time {
  return compareTime(a, b) <= 0 ? a : b;
}

export function addMillis(t: Time, ms: number): Time {
  const total = t[1] + Math.round(ms * 1e6);
  const carry = Math.floor(total / 1e9);
  return [t[0] + carry, total - carry * 1e9];
}

/** `b - a` in milliseconds (fractional). */
export function diffMillis(a: Time, b: Time): number {
  return (b[0] - a[0]) * 1000 + (b[1] - a[1]) / 1e6;
}

/** RFC 3339 with nanoseconds, for logs and messages. */
export function formatTime(t: Time): string {
  const iso = new Date(t[0] * 1000).toISOString();
  return `${iso.slice(0, 19)}.${String(t[1]).padStart(9, '0')}Z`;
}

/** Whether untrusted data (a checkpoint) is a well-formed {@link Time}. */
export function isTime(v: unknown): v is Time {
  return (
    Array.isArray(v) &&
    v.length === 2 &&
    Number.isSafeInteger(v[0]) &&
    Number.isInteger(v[1]) &&
    v[1] >= 0 &&
    v[1] < 1e9
  );
}
