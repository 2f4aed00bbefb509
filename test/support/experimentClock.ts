/**
 * Times of an end-to-end experiment that started `secondsAgo` seconds ago (whole seconds), so
 * that its pods fall inside the agent's catch-up window and never lie in the future.
 */
export interface ExperimentClock {
  /** RFC 3339 time `s` seconds after the start, as the kubelet writes it (`...Z`, no fraction). */
  sec(s: number): string;
  /** The same instant in epoch nanoseconds, as a decoded OTLP span carries it. */
  ns(s: number): bigint;
}

export function experimentClock(secondsAgo: number): ExperimentClock {
  const startSeconds = Math.floor(Date.now() / 1000) - secondsAgo;
  return {
    sec: (s) => new Date((startSeconds + s) * 1000).toISOString().replace('.000Z', 'Z'),
    ns: (s) => BigInt(startSeconds + s) * 1_000_000_000n,
  };
}
