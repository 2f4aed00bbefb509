/** Owns the configuration's precedence rule, written once. */

/**
 * The first value that is set wins: the agent's own (or the signal-specific
 * `OTEL_EXPORTER_OTLP_TRACES_*`) variable, then the general `OTEL_*` one, then the default.
 */
export function choose<T>(...candidates: [...(T | undefined)[], T]): T {
  for (const candidate of candidates) if (candidate !== undefined) return candidate;
  // The last candidate is the default and never undefined.
  return candidates[candidates.length - 1] as T;
}
