/**
 * Owns reading fields of untrusted JSON (the kubelet's `/pods` body) with their declared types:
 * the readers throw `MalformedField` with the field's path and what was expected, describing the
 * value found by its type only (never its content).
 */
export type JsonObject = { readonly [key: string]: unknown };

/**
 * Thrown by the readers, caught per item by `decodePodList`. `path` is relative to where it was
 * thrown and is completed by the callers on the way out (see {@link within}), so that no path
 * string is built while decoding succeeds.
 */
export class MalformedField extends Error {
  constructor(
    public path: string,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** Rethrows `error` with its path placed under `prefix` (a field name or `list[i]`). */
export function within(error: unknown, prefix: string): never {
  if (error instanceof MalformedField) {
    error.path = error.path === '' ? prefix : `${prefix}.${error.path}`;
  }
  throw error;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Describes a value by its type only (numbers also by value): never leaks a string's content. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function fail(path: string, expected: string, got: unknown): never {
  throw new MalformedField(path, `expected ${expected}, got ${describe(got)}`);
}

export function requiredString(obj: JsonObject, key: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') fail(key, 'a non-empty string', value);
  return value;
}

export function optionalString(obj: JsonObject, key: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(key, 'a string', value);
  return value;
}

/** A time the type declares as `string | null`: `null` is kept (the kubelet reports it). */
export function nullableTime(obj: JsonObject, key: string): string | null | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string') fail(key, 'a string or null', value);
  return value;
}

export function optionalInteger(obj: JsonObject, key: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!Number.isSafeInteger(value)) fail(key, 'an integer', value);
  return value as number;
}

export function optionalObject(obj: JsonObject, key: string): JsonObject | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) fail(key, 'an object', value);
  return value;
}

const NO_ITEMS: readonly unknown[] = [];

export function optionalArray(obj: JsonObject, key: string): readonly unknown[] {
  const value = obj[key];
  if (value === undefined || value === null) return NO_ITEMS;
  if (!Array.isArray(value)) fail(key, 'an array', value);
  return value;
}

/** Decodes each element of the array `obj[key]`, completing error paths with `key[i]`. */
export function decodeList<T>(
  obj: JsonObject,
  key: string,
  decode: (element: JsonObject, out: T[]) => void,
): T[] {
  const list = optionalArray(obj, key);
  const out: T[] = [];
  for (let i = 0; i < list.length; i++) {
    const element = list[i];
    try {
      if (!isObject(element)) fail('', 'an object', element);
      decode(element, out);
    } catch (error) {
      within(error, `${key}[${i}]`);
    }
  }
  return out;
}
