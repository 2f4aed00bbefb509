/**
 * The first place two decoded values differ, as `path: got X, want Y` (values summarised by
 * type, strings by length only: pods may hold secrets), or `undefined` when they are equal in the
 * sense of `node:util` `isDeepStrictEqual` for plain data (objects, arrays, `Map`s, primitives;
 * own enumerable keys, `undefined`-valued keys counted as present).
 */
function summary(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string of ${value.length}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value instanceof Map) return `a map of ${value.size}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

export function firstDifference(got: unknown, want: unknown, path = ''): string | undefined {
  const here = path === '' ? '(root)' : path;
  if (Object.is(got, want)) return undefined;
  if (typeof got !== 'object' || typeof want !== 'object' || got === null || want === null) {
    return `${here}: got ${summary(got)}, want ${summary(want)}`;
  }
  if (got instanceof Map || want instanceof Map) {
    if (!(got instanceof Map && want instanceof Map)) {
      return `${here}: got ${summary(got)}, want ${summary(want)}`;
    }
    const keys = new Set([...got.keys(), ...want.keys()]);
    for (const key of keys) {
      if (got.has(key) !== want.has(key)) {
        return `${path}[${String(key)}]: got ${got.has(key) ? 'an entry' : 'nothing'}, want ${want.has(key) ? 'an entry' : 'nothing'}`;
      }
      const d = firstDifference(got.get(key), want.get(key), `${path}[${String(key)}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (Array.isArray(got) !== Array.isArray(want)) {
    return `${here}: got ${summary(got)}, want ${summary(want)}`;
  }
  const g = got as Record<string, unknown>;
  const w = want as Record<string, unknown>;
  const keys = new Set([...Object.keys(g), ...Object.keys(w)]);
  for (const key of keys) {
    const sub = Array.isArray(got) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
    if (Object.hasOwn(g, key) !== Object.hasOwn(w, key)) {
      return `${sub}: got ${Object.hasOwn(g, key) ? summary(g[key]) : 'no key'}, want ${Object.hasOwn(w, key) ? summary(w[key]) : 'no key'}`;
    }
    const d = firstDifference(g[key], w[key], sub);
    if (d !== undefined) return d;
  }
  return undefined;
}
