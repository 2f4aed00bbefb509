/**
 * The kubelet's `kubernetes.io/config.seen` annotation: when this kubelet process first saw the
 * pod, formatted with Go's `2006-01-02T15:04:05.000000000Z07:00` in the node's local time zone
 * (always nine fractional digits since about 1.19; a non-UTC node shows an offset such as
 * `+02:00`). It lives in kubelet memory, so a kubelet restart resets it.
 *
 * Plain module (no test-framework imports).
 */

/** `+02:00` style offset of the simulated nodes' local time zone. */
export const DEFAULT_NODE_UTC_OFFSET = '+02:00';

const OFFSET = /^([+-])(\d{2}):(\d{2})$/;
const SEEN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}(Z|[+-]\d{2}:\d{2})$/;

function offsetMinutes(offset: string): number {
  if (offset === 'Z') return 0;
  const match = OFFSET.exec(offset);
  if (match === null) throw new RangeError(`not a UTC offset (+hh:mm, -hh:mm or Z): ${offset}`);
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * `config.seen` for the instant `epochSeconds` + `nanos` (0..999 999 999), in the zone `offset`
 * (`Z` or `±hh:mm`). Go prints `Z` for UTC.
 */
export function formatConfigSeen(
  epochSeconds: number,
  nanos: number,
  offset: string = DEFAULT_NODE_UTC_OFFSET,
): string {
  if (!Number.isInteger(epochSeconds)) throw new RangeError(`whole seconds: ${epochSeconds}`);
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new RangeError(`nanoseconds 0..999999999: ${nanos}`);
  }
  const minutes = offsetMinutes(offset);
  const local = new Date((epochSeconds + minutes * 60) * 1000).toISOString().slice(0, 19);
  const zone = minutes === 0 ? 'Z' : offset;
  return `${local}.${String(nanos).padStart(9, '0')}${zone}`;
}

/** The zone of a `config.seen` value (`Z` or `±hh:mm`), or undefined if it is not one. */
export function configSeenZone(value: string): string | undefined {
  return SEEN.exec(value)?.[1];
}
