import type { Logger } from 'pino';
import type { AgentMetrics } from './agentMetrics.js';
import type { AgentCheckpoint } from './checkpoint/agentCheckpoint.js';
import type { Config } from './config.js';
import type { KubeletPod } from './core/kubeletPod.js';
import { PodTracker, type TrackerNotice } from './core/podTracker.js';
import { selectFromPodList } from './core/selectFromPodList.js';
import type { HashFn, SpanData } from './core/spanData.js';
import type { Time } from './core/time.js';
import type { TrackerSnapshot } from './core/trackerSnapshot.js';
import type { CriRuntimeLookup } from './cri/criRuntimeLookup.js';
import { createOtlpRetryPolicy } from './export/otlpRetryPolicy.js';
import type { ExportTarget } from './export/spanExportQueue.js';
import { SpanExportQueue } from './export/spanExportQueue.js';
import { type KubeletAccess, KubeletClient, KubeletError } from './kubelet/kubeletClient.js';
import { pollFailureKind } from './pollFailureKind.js';
import { PollLoop, type PollOutcome } from './pollLoop.js';

export interface AgentDeps {
  readonly logger: Logger;
  readonly metrics: AgentMetrics;
  /** Wall-clock time of a poll. */
  readonly now: () => Time;
  /** Hex digest for deterministic span ids. */
  readonly hash: HashFn;
  /** Where spans go: the OTLP/gRPC exporter in production. */
  readonly target: ExportTarget;
  /** Turns core spans into SDK spans for the target. */
  readonly convertBatch: ConstructorParameters<typeof SpanExportQueue>[0]['convertBatch'];
  /** From a laptop: the API server's node proxy and the kubeconfig's credentials. */
  readonly apiServerProxy?: { readonly baseUrl: string; readonly access: KubeletAccess };
  /** The runtime's nanosecond times for the spans a poll builds (CRI_ENDPOINT). */
  readonly cri?: CriRuntimeLookup;
  /** Where the agent keeps its checkpoint; none: nothing survives a restart. */
  readonly checkpoint?: AgentCheckpoint;
  /** A loaded checkpoint to resume from: the tracker, and the spans still unacknowledged. */
  readonly resume?: { readonly tracker: TrackerSnapshot; readonly pending: readonly SpanData[] };
  /** Pods first seen finished before this are not emitted (see CATCHUP_WINDOW). */
  readonly catchUpCutoff?: Time;
}

/** Malformed-pod warnings remembered, so each pod is reported once (bounded). */
const MAX_REMEMBERED_MALFORMED = 1000;
/** Repeated failures of the same kind are logged at most this often (ms). */
const FAILURE_LOG_INTERVAL_MS = 60_000;

/**
 * The imperative shell around the pure core: polls the kubelet, decodes and selects pods, feeds
 * the tracker and hands finished spans to the export queue. Knows nothing of `process`.
 */
export class Agent {
  readonly #config: Config;
  readonly #deps: AgentDeps;
  readonly #client: KubeletClient;
  readonly #tracker: PodTracker;
  readonly #queue: SpanExportQueue;
  readonly #loop: PollLoop;
  readonly #malformedSeen = new Set<string>();
  #lastFailure: { kind: string; loggedAt: number; suppressed: number } | undefined;
  #lastExportFailureLog = 0;
  #lastCapLog = 0;
  #warnedQueueFull = false;
  #lastTick = 0;
  #everSucceeded = false;
  /** The polls since the last success failed to connect (a kubelet restarting refuses them). */
  #connectFailedSinceSuccess = false;
  /**
   * Set at shutdown once the unacknowledged spans are on disk: the queue giving them up then is
   * no loss (the next start sends them), so they are not counted as dropped or failed.
   */
  #handedToCheckpoint = false;

  constructor(config: Config, deps: AgentDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#client = new KubeletClient(
      deps.apiServerProxy
        ? {
            baseUrl: deps.apiServerProxy.baseUrl,
            access: deps.apiServerProxy.access,
            timeoutMs: config.kubelet.timeoutMs,
            maxBodyBytes: config.kubelet.maxBodyBytes,
          }
        : {
            baseUrl: config.kubelet.url,
            tokenFile: config.kubelet.tokenFile,
            caFile: config.kubelet.caFile,
            insecureTls: config.kubelet.insecureTls,
            timeoutMs: config.kubelet.timeoutMs,
            maxBodyBytes: config.kubelet.maxBodyBytes,
          },
    );
    this.#tracker = new PodTracker(
      {
        nodeName: config.nodeName,
        envNames: config.traceContextEnv,
        hash: deps.hash,
        goneAfterMs: config.goneAfterMs,
        restartGraceMs: config.kubeletRestartGraceMs,
        ...(config.traceGroupLabel !== undefined ? { groupLabel: config.traceGroupLabel } : {}),
        maxTrackedPods: config.limits.maxTrackedPods,
        maxSpansPerPod: config.limits.maxSpansPerPod,
        ...(deps.catchUpCutoff ? { catchUpCutoff: deps.catchUpCutoff } : {}),
      },
      deps.resume?.tracker,
    );
    const maxBackoffMs = config.export.retryMaxBackoffMs;
    const retryPolicy = createOtlpRetryPolicy({
      initialBackoffMs: Math.min(1000, maxBackoffMs),
      maxBackoffMs,
    });
    this.#queue = new SpanExportQueue({
      target: deps.target,
      convertBatch: deps.convertBatch,
      maxBatchSize: config.export.maxBatchSize,
      scheduleDelayMs: config.export.scheduleDelayMs,
      maxPending: config.export.maxPendingSpans,
      // Longer than the exporter's own deadline, so a timed-out batch is never resent while
      // its first send is still under way.
      exportTimeoutMs: config.otlp.timeoutMs + 5000,
      retryPolicy: (error, attempt) => {
        const decision = retryPolicy(error, attempt);
        if (decision !== 'drop') {
          deps.metrics.exportRetries.inc();
          this.#logExportFailure(error, { attempt, retryInMs: decision.retryAfterMs });
        }
        return decision;
      },
      onBatchSettled: (batch, outcome) => this.#batchSettled(batch, outcome),
      onDrop: (count, reason, spans) => {
        if (reason === 'shutdown' && this.#handedToCheckpoint) return;
        // Dropped at the queue's bound: they leave the checkpoint too (never sent at a restart).
        if (reason === 'queueFull') void deps.checkpoint?.settle(spans);
        deps.metrics.spansDropped.inc({ reason }, count);
        if (reason === 'queueFull' && !this.#warnedQueueFull) {
          this.#warnedQueueFull = true;
          deps.logger.warn(
            { dropped: count, maxPendingSpans: config.export.maxPendingSpans },
            'export queue full: oldest spans dropped (counted in kubelet_span_exporter_spans_dropped_total; warned once)',
          );
        }
      },
    });
    // The checkpoint still holds these (by key): settling them as batches go removes them there.
    if (deps.resume && deps.resume.pending.length > 0) {
      this.#queue.enqueue(deps.resume.pending);
    }
    this.#loop = new PollLoop({
      poll: (signal) => this.#poll(signal),
      // Fast while a traced pod is live (its start and exit times are narrowed by each poll),
      // slower when the node has nothing traced on it.
      intervalMs: () =>
        this.#tracker.hasLivePods ? config.pollIntervalMs : config.idlePollIntervalMs,
      onTick: () => {
        this.#lastTick = Date.now();
      },
    });
  }

  start(): void {
    this.#loop.start();
  }

  /**
   * Stops polling and flushes pending spans within `budgetMs`. What is not acknowledged is already
   * in the checkpoint (written when it was built): nothing more is written, the next start sends it.
   */
  async stop(budgetMs: number): Promise<{ delivered: number; undelivered: number }> {
    const deadline = Date.now() + budgetMs;
    await this.#loop.stop();
    // Keep a little of the budget for closing the checkpoint.
    const flushed = await this.#queue.flush(Math.max(0, deadline - Date.now() - 300));
    const unacknowledged = this.#queue.pending;
    const checkpoint = this.#deps.checkpoint;
    if (checkpoint) {
      this.#handedToCheckpoint = true;
      await checkpoint.close();
    }
    await this.#queue.shutdown(0);
    this.#client.close();
    return { delivered: flushed.delivered, undelivered: unacknowledged };
  }

  /**
   * Records a poll in the checkpoint: the tracker's change and the spans it built, one record,
   * durable before the spans are queued (so an acknowledgement can never precede the record).
   * Pending spans the checkpoint let go to stay within its bound leave the queue too.
   */
  async #record(spans: readonly SpanData[]): Promise<void> {
    const checkpoint = this.#deps.checkpoint;
    if (!checkpoint) return;
    const change = this.#tracker.takeChanges();
    if (change.pods.length === 0 && change.removed.length === 0 && spans.length === 0) return;
    const dropped = await checkpoint.recordPoll(change, spans);
    if (dropped.length > 0) this.#queue.discard(new Set(dropped));
    void checkpoint.compactIfNeeded();
  }

  /** The checkpoint's figures as metrics. */
  #checkpointMetrics(): void {
    const checkpoint = this.#deps.checkpoint;
    if (checkpoint) this.#deps.metrics.checkpointBytes.set(checkpoint.stats.bytes);
  }

  /** Time of the last poll start (epoch ms; 0 before the first). */
  get lastTick(): number {
    return this.#lastTick;
  }

  /** A kubelet poll has succeeded at least once. */
  get ready(): boolean {
    return this.#everSucceeded;
  }

  get pendingSpans(): number {
    return this.#queue.pending;
  }

  async #poll(signal: AbortSignal): Promise<PollOutcome> {
    try {
      return await this.#pollOnce(signal);
    } catch (error) {
      // A bug, not bad input: keep the agent alive, say what happened, count it.
      this.#deps.logger.error(
        { error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
        'poll failed unexpectedly; pod state kept as it was',
      );
      return this.#failed('unexpected', error);
    }
  }

  async #pollOnce(signal: AbortSignal): Promise<PollOutcome> {
    const { metrics, logger } = this.#deps;
    const endTimer = metrics.pollDuration.startTimer();
    try {
      let body: Buffer;
      try {
        body = await this.#client.fetchPods(signal);
      } catch (error) {
        // Aborted by stop(): not a kubelet failure, and nothing to count.
        if (signal.aborted) return { failed: 'other' };
        return this.#failed(error instanceof KubeletError ? error.kind : 'unexpected', error);
      }
      const polledAt = this.#deps.now();
      const selected = this.#selectedPods(body);
      if (!Array.isArray(selected)) return this.#failed('malformed', selected);
      // The runtime is asked before the tracker sees the poll, so that the tracker's state and
      // the spans it returns are one unit: nothing can settle or save between the two.
      const runtime = this.#deps.cri
        ? await this.#deps.cri.lookup(this.#tracker.runtimeQueries(selected))
        : undefined;
      const podUid = this.#config.podUid;
      const observed = this.#tracker.observe(selected, polledAt, {
        ...(podUid ? { ownPodListed: body.includes(podUid) } : {}),
        afterConnectFailure: this.#connectFailedSinceSuccess,
        ...(runtime ? { runtime } : {}),
      });
      this.#connectFailedSinceSuccess = false;
      for (const notice of observed.notices) this.#notice(notice);
      const spans = observed.spans;
      await this.#record(spans);
      if (spans.length > 0) {
        metrics.spansBuilt.inc(spans.length);
        this.#queue.enqueue(spans);
      }
      this.#checkpointMetrics();
      metrics.podsTracked.set(this.#tracker.trackedPods);
      const traced = this.#tracker.tracedPodsByOrigin();
      metrics.podsTraced.set({ origin: 'context' }, traced.context);
      metrics.podsTraced.set({ origin: 'group' }, traced.group);
      metrics.pendingSpans.set(this.#queue.pending);
      metrics.polls.inc({ outcome: 'ok' });
      metrics.lastSuccessfulPoll.set(Date.now() / 1000);
      if (this.#lastFailure) {
        logger.info(
          { previousErrorKind: this.#lastFailure.kind },
          'kubelet poll succeeded again after failures',
        );
        this.#lastFailure = undefined;
      }
      if (!this.#everSucceeded) {
        this.#everSucceeded = true;
        logger.info({ selected: selected.length }, 'first kubelet poll succeeded');
      }
      return 'ok';
    } finally {
      endTimer();
    }
  }

  /**
   * Selects and decodes the pods of a body, parsing only the items that can be selected or are
   * tracked (see `selectFromPodList`). Returns the error of a body that is not a usable PodList.
   */
  #selectedPods(body: Buffer): KubeletPod[] | Error {
    const { metrics, logger } = this.#deps;
    const result = selectFromPodList(body, {
      selectors: this.#config.podSelectors,
      namespaces: this.#config.podNamespaces,
      envNames: this.#config.traceContextEnv,
      trackedUids: this.#tracker.trackedUids(),
    });
    if (!result.ok) return result.error;
    if (result.fullParse) metrics.fullParses.inc({ reason: result.fullParse });
    for (const bad of result.malformed) {
      metrics.malformedPods.inc();
      const id = `${bad.namespace ?? '?'}/${bad.name ?? `#${bad.index}`}`;
      if (this.#malformedSeen.has(id)) continue;
      if (this.#malformedSeen.size >= MAX_REMEMBERED_MALFORMED) this.#malformedSeen.clear();
      this.#malformedSeen.add(id);
      logger.warn({ pod: id, error: bad.error }, 'skipping malformed pod in kubelet response');
    }
    return result.selected;
  }

  #failed(kind: string, error: unknown): PollOutcome {
    const { metrics, logger } = this.#deps;
    metrics.polls.inc({ outcome: 'failed' });
    metrics.kubeletErrors.inc({ kind });
    const now = Date.now();
    const last = this.#lastFailure;
    const outcome: PollOutcome = { failed: pollFailureKind(error) };
    if (outcome.failed === 'connection') this.#connectFailedSinceSuccess = true;
    if (last && last.kind === kind && now - last.loggedAt < FAILURE_LOG_INTERVAL_MS) {
      last.suppressed++;
      return outcome;
    }
    const hint = error instanceof KubeletError ? error.hint : undefined;
    logger.warn(
      {
        kind,
        error: error instanceof Error ? error.message : String(error),
        ...(hint ? { hint } : {}),
        consecutiveFailures: this.#loop.consecutiveFailures + 1,
        ...(last?.suppressed ? { suppressedSinceLastLog: last.suppressed } : {}),
      },
      'kubelet poll failed; pod state kept as it was',
    );
    this.#lastFailure = { kind, loggedAt: now, suppressed: 0 };
    return outcome;
  }

  #notice(notice: TrackerNotice): void {
    const { logger, metrics } = this.#deps;
    if (notice.kind === 'kubeletRestart') {
      metrics.kubeletRestarts.inc({ sign: notice.signs[0] ?? 'unknown' });
      logger.warn(
        {
          signs: notice.signs,
          goneAfterMs: this.#config.goneAfterMs,
          graceMs: this.#config.kubeletRestartGraceMs,
        },
        'kubelet restart seen: no pod counts as gone until its list is stable',
      );
      return;
    }
    if (notice.kind === 'podCapReached') {
      metrics.trackerLimits.inc({ limit: 'tracked_pods' }, notice.skipped);
      const now = Date.now();
      if (now - this.#lastCapLog >= FAILURE_LOG_INTERVAL_MS) {
        this.#lastCapLog = now;
        logger.warn({ skipped: notice.skipped }, 'tracked-pod limit reached: new pods not tracked');
      }
      return;
    }
    const pod = `${notice.pod.namespace}/${notice.pod.name}`;
    switch (notice.kind) {
      case 'spanCapReached':
        metrics.trackerLimits.inc({ limit: 'spans_per_pod' });
        logger.warn({ pod }, 'span limit per pod reached: further spans of this pod dropped');
        break;
      case 'catchUpSkipped':
        metrics.catchUpSkipped.inc();
        logger.debug({ pod }, 'pod finished before the catch-up window: not emitted');
        break;
      case 'podTracked':
        logger.info(
          {
            pod,
            uid: notice.pod.uid,
            traceId: notice.traceId,
            origin: notice.origin,
            ...(notice.envName ? { env: notice.envName } : {}),
            ...(notice.groupTraceId ? { groupTraceId: notice.groupTraceId } : {}),
          },
          notice.origin === 'group' ? "tracing pod in its run's group trace" : 'tracing pod',
        );
        break;
      case 'invalidContext':
        metrics.contextProblems.inc({ kind: 'invalid' });
        logger.warn(
          { pod, container: notice.container, env: notice.envName, error: notice.error },
          'invalid trace context: no spans for this pod',
        );
        break;
      case 'notSampled':
        metrics.contextProblems.inc({ kind: 'not_sampled' });
        logger.debug({ pod, traceId: notice.traceId }, 'trace context not sampled: no spans');
        break;
      case 'noContext':
        metrics.contextProblems.inc({ kind: 'none' });
        logger.debug(
          {
            pod,
            unresolvableEnv: notice.unresolvable,
            ...(notice.groupProblem ? { groupLabel: notice.groupProblem } : {}),
          },
          notice.groupProblem
            ? 'selected pod carries no trace context and its group label names no run'
            : 'selected pod carries no trace context',
        );
        break;
      case 'podGone':
        logger.debug({ pod, traced: notice.traced }, 'pod left the kubelet list');
        break;
      case 'staleStatus':
        metrics.staleStatuses.inc({ kind: notice.stale });
        logger.debug({ pod, kind: notice.stale }, 'ignored a container status older than the last');
        break;
      case 'podReappeared':
        metrics.podsReappeared.inc();
        logger.info(
          { pod, uid: notice.pod.uid },
          'pod listed again after it was ended: later runs continue under its pod span',
        );
        break;
      case 'duplicateUid':
        logger.warn({ pod, uid: notice.pod.uid }, 'kubelet listed the same pod uid twice');
        break;
    }
  }

  /**
   * Returns the checkpoint's write of the outcome: the queue sends the next batch once it is done,
   * so a crash re-sends at most the one batch acknowledged before it.
   */
  #batchSettled(
    batch: readonly SpanData[],
    outcome: { ok: true } | { ok: false; error: Error },
  ): Promise<void> | undefined {
    const { metrics } = this.#deps;
    metrics.pendingSpans.set(this.#queue.pending);
    // The acknowledged (or given-up) spans leave the checkpoint now: the window in which a crash
    // re-sends an acknowledged span is one segment delete (or one record) long. Given up at
    // shutdown, they stay: the next start sends them.
    const written = this.#handedToCheckpoint ? undefined : this.#deps.checkpoint?.settle(batch);
    this.#reportSettled(batch, outcome);
    return written;
  }

  #reportSettled(
    batch: readonly SpanData[],
    outcome: { ok: true } | { ok: false; error: Error },
  ): void {
    const { metrics, logger } = this.#deps;
    if (outcome.ok) {
      metrics.spansExported.inc(batch.length);
      metrics.exportBatches.inc({ outcome: 'ok' });
      logger.debug({ spans: batch.length }, 'export batch acknowledged');
      return;
    }
    // Given up at shutdown but saved in the checkpoint: sent again at the next start.
    if (this.#handedToCheckpoint) return;
    metrics.spansFailed.inc(batch.length);
    metrics.exportBatches.inc({ outcome: 'failed' });
    logger.warn(
      { spans: batch.length, error: outcome.error.message },
      'span export failed: batch dropped (not retryable)',
    );
  }

  /** Logs a failed attempt that will be retried, at most every 10 s while the failure lasts. */
  #logExportFailure(error: Error, detail: { attempt: number; retryInMs: number }): void {
    const now = Date.now();
    if (now - this.#lastExportFailureLog < 10_000) return;
    this.#lastExportFailureLog = now;
    this.#deps.logger.warn(
      { error: error.message, ...detail, pendingSpans: this.#queue.pending },
      'span export failed; retrying',
    );
  }
}
