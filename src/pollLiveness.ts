import type { Config } from './config.js';
import type { ProbeResult } from './httpServer.js';
import { MAX_BACKOFF_MS } from './sources/pollLoop.js';

/** Slack on top of the longest gap between two poll starts of a healthy agent (ms). */
export const LIVENESS_MARGIN_MS = 30_000;

/**
 * How long the poll loop may go without starting a poll before `/healthz` fails (ms): a poll that
 * runs into `KUBELET_TIMEOUT`, then the longest wait before the next one (the largest back-off,
 * {@link MAX_BACKOFF_MS}, or a poll interval when that is longer), plus {@link LIVENESS_MARGIN_MS}.
 * A kubelet outage alone therefore never fails the probe; a wedged loop does.
 */
export function livenessStaleAfterMs(
  config: Pick<Config, 'pollIntervalMs' | 'idlePollIntervalMs'> & {
    readonly kubelet: Pick<Config['kubelet'], 'timeoutMs'>;
  },
): number {
  const longestWait = Math.max(MAX_BACKOFF_MS, config.pollIntervalMs, config.idlePollIntervalMs);
  return config.kubelet.timeoutMs + longestWait + LIVENESS_MARGIN_MS;
}

/** The `/healthz` answer: healthy while the last poll started (or, before any, the agent) is recent. */
export function pollLiveness(state: {
  /** Start of the last poll (epoch ms), 0 before the first. */
  readonly lastTickMs: number;
  /** When the agent started (epoch ms). */
  readonly startedAtMs: number;
  readonly nowMs: number;
  /** From {@link livenessStaleAfterMs}. */
  readonly staleAfterMs: number;
}): ProbeResult {
  const since = state.nowMs - (state.lastTickMs || state.startedAtMs);
  return { ok: since < state.staleAfterMs, detail: { lastPollStartedMsAgo: since } };
}
