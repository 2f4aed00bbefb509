/**
 * Owns the reading of a byte-count variable: bytes, or a Kubernetes quantity (`64Mi`, `500k`),
 * within the variable's bounds; a problem names the variable and the value.
 */
import type { DefaultedNumberVariable } from './configVariable.js';
import type { EnvReader } from './envReader.js';

const QUANTITY = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/;
const QUANTITY_FACTOR: Readonly<Record<string, number>> = {
  '': 1,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  k: 1000,
  M: 1000 ** 2,
  G: 1000 ** 3,
};

/** The variable's value in bytes; its default when unset or invalid (recorded). */
export function readByteSize(
  r: EnvReader,
  variable: DefaultedNumberVariable,
  /** The bounds as the message writes them: `1Ki to 512Mi`. */
  boundsText: string,
): number {
  const fallback = variable.value;
  const value = r.get(variable);
  if (value === undefined) return fallback;
  const m = QUANTITY.exec(value);
  if (!m) {
    r.invalid(variable, value, 'not a byte count (examples: 67108864, 64Mi, 256Mi)');
    return fallback;
  }
  const bytes = Number(m[1]) * (QUANTITY_FACTOR[m[2] ?? ''] ?? 1);
  if (bytes < variable.bounds[0] || bytes > variable.bounds[1]) {
    r.invalid(variable, value, `must be from ${boundsText}`);
    return fallback;
  }
  return bytes;
}
