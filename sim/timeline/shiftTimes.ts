/**
 * Moves every RFC 3339 timestamp inside raw kubelet JSON by a whole number of seconds, keeping
 * each value's precision (whole seconds stay whole seconds, `config.seen` keeps its nanoseconds).
 * Used to replay recorded timelines in the present, where the agent's catch-up window and
 * future-time clamping expect them.
 *
 * Plain module (no test-framework imports).
 */

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `time` moved by `seconds`, in its own zone (`Z` stays `Z`, `+02:00` stays `+02:00`, as a node's
 * `config.seen`), or `undefined` when `time` is not an RFC 3339 string.
 */
export function shiftTime(time: string, seconds: number): string | undefined {
  const match = RFC3339.exec(time);
  if (match === null) return undefined;
  const [, whole, fraction, zone = 'Z'] = match;
  const ms = Date.parse(`${whole}${zone}`);
  if (Number.isNaN(ms)) return undefined;
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetMs =
    zone === 'Z' ? 0 : sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  const moved = new Date(ms + seconds * 1000 + offsetMs).toISOString().slice(0, 19);
  return `${moved}${fraction ?? ''}${zone}`;
}

/**
 * A deep copy of `value` with every RFC 3339 string moved by `seconds` (an integer). Other
 * values are copied unchanged. `seconds === 0` returns `value` itself.
 */
export function shiftTimes<T>(value: T, seconds: number): T {
  if (!Number.isInteger(seconds)) throw new RangeError(`shift must be whole seconds: ${seconds}`);
  if (seconds === 0) return value;
  return shiftValue(value, seconds) as T;
}

function shiftValue(value: unknown, seconds: number): unknown {
  if (typeof value === 'string') return shiftTime(value, seconds) ?? value;
  if (Array.isArray(value)) return value.map((v) => shiftValue(v, seconds));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = shiftValue(child, seconds);
    return out;
  }
  return value;
}
