/**
 * Readers of the fields of a decoded protobuf message (as `@grpc/proto-loader` gives them) with
 * Go's JSON rules for zero values and times, and the `Malformed` error whose path names the
 * field that was wrong. No I/O.
 */
const MIN_SECONDS = -62135596800n;
const MAX_SECONDS = 253402300799n;

export type Message = { readonly [key: string]: unknown };

/** Thrown inside this module only; `path` grows segment by segment on the way out (see `at`). */
export class Malformed extends Error {
  readonly path: string[];
  constructor(
    path: string,
    readonly problem: string,
  ) {
    super(problem);
    this.path = path === '' ? [] : [path];
  }
}

/** Runs `decode`, placing the path of a {@link Malformed} it throws under `segment`. */
export function at<T>(segment: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof Malformed) error.path.unshift(segment);
    throw error;
  }
}

export function isMessage(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value by its type only (numbers also by value): never a string's content. */
function describe(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'nothing';
    case 'number':
      return `the number ${value}`;
    case 'string':
      return value.length === 0 ? 'an empty string' : 'a string';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? 'a list' : 'a message';
    default:
      return `a ${typeof value}`;
  }
}

export function fail(path: string, expected: string, got: unknown): never {
  throw new Malformed(path, `expected ${expected}, got ${describe(got)}`);
}

export function stringField(msg: Message, key: string): string | undefined {
  const value = msg[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(key, 'a string', value);
  return value;
}

/** A Go string tagged `omitempty`: `""` and absent are both absent. */
export function omitEmpty(msg: Message, key: string): string | undefined {
  const value = stringField(msg, key);
  return value === '' ? undefined : value;
}

/** A Go string without `omitempty`: absent on the wire is `""`. */
export function alwaysString(msg: Message, key: string): string {
  return stringField(msg, key) ?? '';
}

/** A Go string that must be non-empty (`decodePodList`'s required names). */
export function requiredString(msg: Message, key: string): string {
  const value = stringField(msg, key);
  if (value === undefined || value === '') fail(key, 'a non-empty string', value);
  return value;
}

export function int32Field(msg: Message, key: string): number {
  const value = msg[key];
  if (value === undefined || value === null) return 0;
  if (!Number.isSafeInteger(value)) fail(key, 'an integer', value);
  return value as number;
}

export function messageField(msg: Message, key: string): Message | undefined {
  const value = msg[key];
  if (value === undefined || value === null) return undefined;
  if (!isMessage(value)) fail(key, 'a message', value);
  return value;
}

const NO_ITEMS: readonly unknown[] = [];

export function listField(msg: Message, key: string): readonly unknown[] {
  const value = msg[key];
  if (value === undefined || value === null) return NO_ITEMS;
  if (!Array.isArray(value)) fail(key, 'a list', value);
  return value;
}

export function decodeList<T>(msg: Message, key: string, decode: (element: Message) => T): T[] {
  return listField(msg, key).map((element, i) =>
    at(`${key}[${i}]`, () => {
      if (!isMessage(element)) fail('', 'a message', element);
      return decode(element);
    }),
  );
}

/** `seconds` as a bigint: the loader gives int64 as a decimal string (a number is accepted too). */
function secondsOf(time: Message): bigint {
  const value = time.seconds;
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  fail('seconds', 'an int64', value);
}

/** RFC 3339 in UTC (`2019-04-23T09:41:16Z`), a fraction only when `nanos` is not 0. */
function formatTime(seconds: bigint, nanos: number): string {
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${whole}Z`;
  return `${whole}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}Z`;
}

/**
 * A `Time` Go stores by value: absent, empty (how Go writes its zero time) or the zero instant
 * is `null`, as the JSON shows it.
 */
export function valueTime(msg: Message, key: string): string | null {
  const time = messageField(msg, key);
  if (time === undefined) return null;
  return at(key, () => {
    const seconds = secondsOf(time);
    const nanos = int32Field(time, 'nanos');
    if (nanos < 0 || nanos > 999_999_999) fail('nanos', 'nanoseconds (0 to 999999999)', nanos);
    if (seconds === MIN_SECONDS && nanos === 0) return null;
    if (time.seconds === undefined && nanos === 0) return null;
    if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
      throw new Malformed('seconds', 'expected a time between years 1 and 9999');
    }
    return formatTime(seconds, nanos);
  });
}

/** A `*Time` (`deletionTimestamp`): absent stays absent; a zero time is JSON `null`, i.e. absent. */
export function pointerTime(msg: Message, key: string): string | undefined {
  if (messageField(msg, key) === undefined) return undefined;
  return valueTime(msg, key) ?? undefined;
}
