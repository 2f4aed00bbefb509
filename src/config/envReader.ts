/**
 * Owns reading the environment: values trimmed (empty means unset), typed by a variable's
 * declaration (bounds, default), every problem collected as one line naming the variable and its
 * value. Pure: the caller passes the environment.
 */
import { parseDuration } from '../duration.js';
import {
  type ConfigVariable,
  type DefaultedNumberVariable,
  type NumberVariable,
  range,
} from './configVariable.js';

/** Reads variables (trimmed; empty means unset) and collects problems. */
export class EnvReader {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.#env = env;
  }

  /** The trimmed value, `''` when set but empty, `undefined` only when unset. */
  raw({ name }: ConfigVariable): string | undefined {
    return this.#env[name]?.trim();
  }

  get({ name }: ConfigVariable): string | undefined {
    const value = this.#env[name]?.trim();
    return value === '' ? undefined : value;
  }

  /** Records `NAME="value": reason`. Never call this with a value that may hold a secret. */
  invalid({ name }: ConfigVariable, value: string, reason: string): void {
    this.errors.push(`${name}=${JSON.stringify(value)}: ${reason}`);
  }

  boolean(variable: ConfigVariable): boolean | undefined {
    const value = this.get(variable);
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    this.invalid(variable, value, 'not a boolean (true or false)');
    return undefined;
  }

  /** A duration rounded to whole milliseconds; the default when unset or invalid. */
  duration(variable: DefaultedNumberVariable): number {
    const { value: fallback, bounds } = variable;
    const value = this.get(variable);
    if (value === undefined) return fallback;
    const parsed = parseDuration(value);
    if (parsed === undefined) {
      this.invalid(variable, value, 'not a duration (examples: 250ms, 2s, 1m)');
      return fallback;
    }
    const ms = Math.round(parsed);
    if (ms < bounds[0] || ms > bounds[1]) {
      this.invalid(variable, value, `must be from ${range(bounds)}`);
      return fallback;
    }
    return ms;
  }

  /** A decimal integer within bounds; `undefined` when unset or invalid. */
  integer(
    variable: NumberVariable,
    unit: 'milliseconds' | 'spans' | 'pods' | 'port',
  ): number | undefined {
    const { bounds } = variable;
    const value = this.get(variable);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) {
      this.invalid(
        variable,
        value,
        unit === 'port' ? 'not a port number' : `not a whole number of ${unit}`,
      );
      return undefined;
    }
    const n = Number(value);
    if (n < bounds[0] || n > bounds[1]) {
      this.invalid(
        variable,
        value,
        `must be from ${bounds[0]} to ${bounds[1]}${unit === 'port' ? '' : ` ${unit}`}`,
      );
      return undefined;
    }
    return n;
  }

  /**
   * A comma-separated list, entries trimmed, empty entries skipped, duplicates removed (first
   * occurrence kept). `undefined` when unset; one error per bad entry.
   */
  list(
    variable: ConfigVariable,
    valid: (entry: string) => boolean,
    reason: string,
  ): readonly string[] | undefined {
    const value = this.get(variable);
    if (value === undefined) return undefined;
    const entries = [
      ...new Set(
        value
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry !== ''),
      ),
    ];
    if (entries.length === 0)
      this.invalid(variable, value, 'lists nothing; leave it unset instead');
    for (const entry of entries) {
      if (!valid(entry)) this.invalid(variable, value, `${JSON.stringify(entry)} is ${reason}`);
    }
    return entries;
  }
}
