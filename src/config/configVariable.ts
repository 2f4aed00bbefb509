/**
 * Owns the declaration of a configuration variable: its name, README group, default, description
 * and, for numbers, the typed default and bounds the reader applies. Each concern's options module
 * declares its variables once with these; `parseConfig` and the README table both read them.
 */
import { formatDuration } from '../duration.js';

/** The README table's groups. */
export type ConfigGroup = 'agent' | 'kubelet' | 'selection' | 'otel';

/**
 * One variable the agent reads, for the README reference table and for tests that check manifests
 * use only known names.
 */
export interface ConfigVariable {
  readonly name: string;
  /** Default as written in the table; empty when there is none. */
  readonly default: string;
  readonly description: string;
  readonly group: ConfigGroup;
}

/** A numeric variable: its bounds and, when it has one, its default. */
export interface NumberVariable extends ConfigVariable {
  readonly bounds: readonly [number, number];
  /** The default, applied by the reader; undefined: none (another variable decides). */
  readonly value?: number;
}

/** A numeric variable with a default. */
export interface DefaultedNumberVariable extends NumberVariable {
  readonly value: number;
}

type NumberSpec = Omit<NumberVariable, 'default' | 'value'>;

/** A duration variable (whole ms), its table default written from `value`. */
export function durationVariable(
  spec: NumberSpec & { readonly value: number },
): DefaultedNumberVariable {
  return { ...spec, default: formatDuration(spec.value) };
}

/** A whole-number variable, its table default written from `value`. */
export function countVariable(
  spec: NumberSpec & { readonly value: number },
): DefaultedNumberVariable {
  return { ...spec, default: String(spec.value) };
}

/** Duration bounds as the table and messages write them: `100ms to 1h`. */
export function range(bounds: readonly [number, number]): string {
  return `${formatDuration(bounds[0])} to ${formatDuration(bounds[1])}`;
}
