import { withRuntimeTimes, withSandboxCreated } from '../core/criTimes.js';
import type { SpanData } from '../core/spanData.js';
import { parseSpanKey } from '../core/spanIdentity.js';
import type { CriClient } from './criClient.js';
import { CriError } from './criClient.js';

/** Why a span kept the kubelet's times. */
export type CriFallbackReason = 'gone' | 'unavailable' | 'timeout' | 'error' | 'noId';

export interface CriEnricherOptions {
  readonly client: Pick<CriClient, 'containerStatus' | 'podSandbox'>;
  /** Called once per span that got runtime times. */
  readonly onEnriched?: (kind: 'container' | 'sandbox') => void;
  /** Called once per span that kept the kubelet's times, with why. */
  readonly onFallback?: (reason: CriFallbackReason) => void;
}

/**
 * Replaces the kubelet's whole-second times of container-run and `sandbox` spans with the
 * container runtime's nanoseconds (CRI `ContainerStatus`, `ListPodSandbox`). Lookups run
 * concurrently, bounded and timed out by the client; any failure keeps the kubelet's times and
 * is reported. Also ends runs of vanished pods at their real `finished_at`, as long as the
 * runtime still knows the container (it removes exited containers within about a minute).
 */
export class CriEnricher {
  readonly #options: CriEnricherOptions;

  constructor(options: CriEnricherOptions) {
    this.#options = options;
  }

  enrich(spans: readonly SpanData[]): Promise<SpanData[]> {
    return Promise.all(spans.map((span) => this.#one(span)));
  }

  async #one(span: SpanData): Promise<SpanData> {
    const key = parseSpanKey(span.key);
    if (!key) return span;
    try {
      if (key.role === 'container' || key.role === 'init-container') {
        if (!key.run.includes('://')) return this.#fallback(span, 'noId');
        const status = await this.#options.client.containerStatus(key.run);
        if (!status) return this.#fallback(span, 'gone');
        this.#options.onEnriched?.('container');
        return withRuntimeTimes(span, {
          ...(status.createdAt ? { createdAt: status.createdAt } : {}),
          ...(status.startedAt ? { startedAt: status.startedAt } : {}),
          ...(status.finishedAt ? { finishedAt: status.finishedAt } : {}),
          exited: status.state === 'exited',
          exitCode: status.exitCode,
          reason: status.reason,
        });
      }
      if (key.role === 'phase' && key.name === 'sandbox') {
        const sandbox = await this.#options.client.podSandbox(span.podUid);
        if (!sandbox?.createdAt) return this.#fallback(span, 'gone');
        this.#options.onEnriched?.('sandbox');
        return withSandboxCreated(span, sandbox.createdAt);
      }
    } catch (error) {
      const kind = error instanceof CriError ? error.kind : 'error';
      return this.#fallback(span, kind === 'notFound' ? 'gone' : kind);
    }
    return span;
  }

  #fallback(span: SpanData, reason: CriFallbackReason): SpanData {
    this.#options.onFallback?.(reason);
    return span;
  }
}
