/**
 * Answers the tracker's runtime queries over the CRI before it sees an observation: container and
 * sandbox times in nanoseconds, failures counted, exited answers cached (bounded).
 */
import type { RuntimeContainer } from '../core/criTimes.js';
import type { RuntimeQueries, RuntimeView } from '../core/runtimeView.js';
import type { Time } from '../core/time.js';
import type { CriClient } from './criClient.js';
import { CriError } from './criClient.js';

/** Why a lookup gave the tracker nothing (the span keeps the kubelet's times). */
export type CriFallbackReason = 'gone' | 'unavailable' | 'timeout' | 'error';

export interface CriRuntimeLookupOptions {
  readonly client: Pick<CriClient, 'containerStatus' | 'podSandbox'>;
  /**
   * Answers of exited containers and sandboxes kept, so a pod missing from the list and looked
   * up on every poll until it counts as gone costs one call per container.
   * @default 4096
   */
  readonly maxCached?: number;
  /** Called once per lookup the runtime answered. */
  readonly onAnswered?: (kind: 'container' | 'sandbox') => void;
  /** Called once per lookup that gave nothing, with why. */
  readonly onFallback?: (reason: CriFallbackReason) => void;
}

/**
 * Answers the tracker's runtime queries for one poll (CRI `ContainerStatus`, `ListPodSandbox`),
 * concurrently, bounded and timed out by the client. A failed lookup leaves the container out of
 * the view (its span keeps the kubelet's times) and is reported. Exited containers and sandbox
 * creation times never change, so their answers are cached (bounded, oldest evicted).
 */
export class CriRuntimeLookup {
  readonly #options: CriRuntimeLookupOptions;
  readonly #containers = new Map<string, RuntimeContainer>();
  readonly #sandboxes = new Map<string, Time>();

  constructor(options: CriRuntimeLookupOptions) {
    this.#options = options;
  }

  async lookup(queries: RuntimeQueries): Promise<RuntimeView> {
    const containers = new Map<string, RuntimeContainer>();
    const sandboxes = new Map<string, Time>();
    await Promise.all([
      ...queries.containerIds.map(async (id) => {
        const answer = await this.#container(id);
        if (answer) containers.set(id, answer);
      }),
      ...queries.sandboxPodUids.map(async (uid) => {
        const created = await this.#sandbox(uid);
        if (created) sandboxes.set(uid, created);
      }),
    ]);
    return {
      container: (id) => containers.get(id),
      sandboxCreated: (uid) => sandboxes.get(uid),
    };
  }

  async #container(id: string): Promise<RuntimeContainer | undefined> {
    const cached = this.#containers.get(id);
    if (cached) return cached;
    try {
      const status = await this.#options.client.containerStatus(id);
      if (!status) return this.#fallback('gone');
      this.#options.onAnswered?.('container');
      const answer: RuntimeContainer = {
        ...(status.createdAt ? { createdAt: status.createdAt } : {}),
        ...(status.startedAt ? { startedAt: status.startedAt } : {}),
        ...(status.finishedAt ? { finishedAt: status.finishedAt } : {}),
        exited: status.state === 'exited',
        exitCode: status.exitCode,
        reason: status.reason,
      };
      if (answer.exited) this.#remember(this.#containers, id, answer);
      return answer;
    } catch (error) {
      return this.#fallback(reasonOf(error));
    }
  }

  async #sandbox(uid: string): Promise<Time | undefined> {
    const cached = this.#sandboxes.get(uid);
    if (cached) return cached;
    try {
      const sandbox = await this.#options.client.podSandbox(uid);
      if (!sandbox?.createdAt) return this.#fallback('gone');
      this.#options.onAnswered?.('sandbox');
      this.#remember(this.#sandboxes, uid, sandbox.createdAt);
      return sandbox.createdAt;
    } catch (error) {
      return this.#fallback(reasonOf(error));
    }
  }

  #remember<V>(cache: Map<string, V>, key: string, value: V): void {
    cache.set(key, value);
    const max = this.#options.maxCached ?? 4096;
    while (cache.size > max) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
  }

  #fallback(reason: CriFallbackReason): undefined {
    this.#options.onFallback?.(reason);
    return undefined;
  }
}

function reasonOf(error: unknown): CriFallbackReason {
  if (!(error instanceof CriError)) return 'error';
  return error.kind === 'notFound' ? 'gone' : error.kind;
}
