/**
 * Owns what the Pods API source and the fallback between sources say and count: the hooks of
 * {@link PodsApiSource} and the `onSwitch` of {@link FallbackSource} as metrics and log lines.
 * Down episodes are logged once each (not every reconnect); a skipped pod once per kind.
 */
import type { Logger } from 'pino';
import type { AgentMetrics } from '../agentMetrics.js';
import type { ActiveSource } from './fallbackSource.js';
import type { PodsApiSourceHooks } from './podsApiSourceOptions.js';

/** The `source` label of `…_pod_source`. */
export type PodSourceName = 'pods_api' | 'pods_polling';

/** Sets `…_pod_source{source}`: 1 for the live source, 0 for the other. */
export function markPodSource(metrics: AgentMetrics, live: PodSourceName): void {
  metrics.podSource.set({ source: 'pods_api' }, live === 'pods_api' ? 1 : 0);
  metrics.podSource.set({ source: 'pods_polling' }, live === 'pods_polling' ? 1 : 0);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function reportPodSource(
  logger: Logger,
  metrics: AgentMetrics,
): {
  readonly hooks: PodsApiSourceHooks;
  readonly onSwitch: (active: ActiveSource, reason?: string) => void;
} {
  const badKinds = new Set<string>();
  let lastError = '';
  return {
    hooks: {
      event: (type) => metrics.podsApiEvents.inc({ type }),
      resync: () => metrics.podsApiResyncs.inc(),
      reconnect: (reason, retryInMs, error) => {
        metrics.podsApiReconnects.inc({ reason });
        lastError = describe(error);
        logger.debug({ reason, retryInMs, error: lastError }, 'kubelet Pods API watch down');
      },
      availability: (live, reason) => {
        if (live) {
          logger.info('watching the kubelet Pods API');
          return;
        }
        logger.warn(
          { reason, error: lastError || undefined },
          reason === 'no_socket' || reason === 'unimplemented'
            ? 'kubelet Pods API not available: polling /pods, trying the socket again every 5 minutes'
            : 'kubelet Pods API watch down: polling /pods while reconnecting',
        );
      },
      badPod: (kind, error) => {
        metrics.podsApiBadPods.inc({ kind });
        if (badKinds.has(kind)) return;
        badKinds.add(kind);
        logger.warn(
          { kind, error },
          'skipping a kubelet Pods API message whose pod cannot be used (logged once per kind)',
        );
      },
      resyncFailed: (error) =>
        logger.warn(
          { error: describe(error) },
          'kubelet Pods API resync failed; the watch goes on',
        ),
    },
    onSwitch: (active, reason) => {
      markPodSource(metrics, active === 'preferred' ? 'pods_api' : 'pods_polling');
      if (active === 'fallback') metrics.podSourceFallbacks.inc({ reason: reason ?? 'unknown' });
    },
  };
}
