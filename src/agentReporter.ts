/**
 * Owns what the agent says and counts: turns source observations (lists, failures), tracker
 * notices and export-queue outcomes into log lines and metrics. Log throttling is one
 * {@link Throttle} per kind of message; time comes from the injected clock.
 */
import type { Logger } from 'pino';
import type { AgentMetrics } from './agentMetrics.js';
import type { TrackerNotice } from './core/podTracker.js';
import type { SpanData } from './core/spanData.js';
import type { BatchOutcome, DropReason } from './export/spanExportQueueOptions.js';
import { KubeletError } from './kubelet/kubeletError.js';
import type { ListDiagnostics, PodObservation } from './sources/podSource.js';
import { Throttle } from './throttle.js';

/** Malformed-pod warnings remembered, so each pod is reported once (bounded). */
const MAX_REMEMBERED_MALFORMED = 1000;
/** Repeated failures of the same kind are logged at most this often (ms). */
const FAILURE_LOG_INTERVAL_MS = 60_000;
/** A failed export attempt that will be retried is logged at most this often (ms). */
const RETRY_LOG_INTERVAL_MS = 10_000;

export interface AgentReporterOptions {
  readonly logger: Logger;
  readonly metrics: AgentMetrics;
  /** Wall-clock time in epoch ms (the injected clock). */
  readonly nowMs: () => number;
  /** Settings quoted in log lines. */
  readonly settings: {
    readonly goneAfterMs: number;
    readonly restartGraceMs: number;
    readonly maxPendingSpans: number;
  };
}

/** The state after a list was applied, for gauges. */
export interface AppliedList {
  readonly selected: number;
  readonly spans: number;
  readonly trackedPods: number;
  readonly traced: { readonly context: number; readonly group: number };
  readonly pendingSpans: number;
}

type FailedObservation = Extract<PodObservation, { kind: 'failed' }>;

export class AgentReporter {
  readonly #logger: Logger;
  readonly #metrics: AgentMetrics;
  readonly #nowMs: () => number;
  readonly #settings: AgentReporterOptions['settings'];
  readonly #malformedSeen = new Set<string>();
  readonly #failureLog: Throttle;
  readonly #capLog: Throttle;
  readonly #retryLog: Throttle;
  readonly #queueFullLog: Throttle;
  #everSucceeded = false;

  constructor(options: AgentReporterOptions) {
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#nowMs = options.nowMs;
    this.#settings = options.settings;
    this.#failureLog = new Throttle(FAILURE_LOG_INTERVAL_MS, options.nowMs);
    this.#capLog = new Throttle(FAILURE_LOG_INTERVAL_MS, options.nowMs);
    this.#retryLog = new Throttle(RETRY_LOG_INTERVAL_MS, options.nowMs);
    this.#queueFullLog = new Throttle(Number.POSITIVE_INFINITY, options.nowMs);
  }

  /** Skipped items of a list: counted, each pod warned about once. */
  listRead(diagnostics: ListDiagnostics): void {
    const metrics = this.#metrics;
    if (diagnostics.fullParse) metrics.fullParses.inc({ reason: diagnostics.fullParse });
    for (const bad of diagnostics.malformed) {
      metrics.malformedPods.inc();
      const id = `${bad.namespace ?? '?'}/${bad.name ?? `#${bad.index}`}`;
      if (this.#malformedSeen.has(id)) continue;
      if (this.#malformedSeen.size >= MAX_REMEMBERED_MALFORMED) this.#malformedSeen.clear();
      this.#malformedSeen.add(id);
      this.#logger.warn(
        { pod: id, error: bad.error },
        'skipping malformed pod in kubelet response',
      );
    }
  }

  /**
   * A single-pod change of a push source applied to the tracker: gauges and the time of the last
   * good observation (not a poll: `polls_total` stays).
   */
  changeApplied(applied: AppliedList): void {
    this.#applied(applied);
  }

  #applied(applied: AppliedList): void {
    const metrics = this.#metrics;
    if (applied.spans > 0) metrics.spansBuilt.inc(applied.spans);
    metrics.podsTracked.set(applied.trackedPods);
    metrics.podsTraced.set({ origin: 'context' }, applied.traced.context);
    metrics.podsTraced.set({ origin: 'group' }, applied.traced.group);
    metrics.pendingSpans.set(applied.pendingSpans);
    metrics.lastSuccessfulPoll.set(this.#nowMs() / 1000);
  }

  /** A list applied to the tracker: gauges, the poll counted, recovery and first success logged. */
  listApplied(applied: AppliedList): void {
    const { metrics, logger } = { metrics: this.#metrics, logger: this.#logger };
    this.#applied(applied);
    metrics.polls.inc({ outcome: 'ok' });
    const previousErrorKind = this.#failureLog.lastKey;
    if (previousErrorKind !== undefined) {
      logger.info({ previousErrorKind }, 'kubelet poll succeeded again after failures');
      this.#failureLog.reset();
    }
    if (!this.#everSucceeded) {
      this.#everSucceeded = true;
      logger.info({ selected: applied.selected }, 'first kubelet poll succeeded');
    }
  }

  /** A failed attempt of the source: counted, logged at most once a minute per kind. */
  sourceFailed(failure: FailedObservation): void {
    const { metrics, logger } = { metrics: this.#metrics, logger: this.#logger };
    const { error, errorKind: kind } = failure;
    if (failure.unexpected) {
      logger.error(
        { error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
        'poll failed unexpectedly; pod state kept as it was',
      );
    }
    metrics.polls.inc({ outcome: 'failed' });
    metrics.kubeletErrors.inc({ kind });
    const pass = this.#failureLog.allow(kind);
    if (!pass) return;
    const hint = error instanceof KubeletError ? error.hint : undefined;
    logger.warn(
      {
        kind,
        error: error instanceof Error ? error.message : String(error),
        ...(hint ? { hint } : {}),
        consecutiveFailures: failure.consecutiveFailures,
        ...(pass.suppressed ? { suppressedSinceLastLog: pass.suppressed } : {}),
      },
      'kubelet poll failed; pod state kept as it was',
    );
  }

  /** One tracker notice: its metric and log line. */
  notice(notice: TrackerNotice): void {
    const { metrics, logger } = { metrics: this.#metrics, logger: this.#logger };
    if (notice.kind === 'kubeletRestart') {
      metrics.kubeletRestarts.inc({ sign: notice.signs[0] ?? 'unknown' });
      logger.warn(
        {
          signs: notice.signs,
          goneAfterMs: this.#settings.goneAfterMs,
          graceMs: this.#settings.restartGraceMs,
        },
        'kubelet restart seen: no pod counts as gone until its list is stable',
      );
      return;
    }
    if (notice.kind === 'podCapReached') {
      metrics.trackerLimits.inc({ limit: 'tracked_pods' }, notice.skipped);
      if (this.#capLog.allow()) {
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

  /** A failed export attempt that will be retried: counted; logged at most every 10 s. */
  exportRetrying(
    error: Error,
    detail: { attempt: number; retryInMs: number },
    pendingSpans: number,
  ): void {
    this.#metrics.exportRetries.inc();
    if (!this.#retryLog.allow()) return;
    this.#logger.warn(
      { error: error.message, ...detail, pendingSpans },
      'span export failed; retrying',
    );
  }

  /**
   * A batch acknowledged or given up. `checkpointed`: given up at shutdown but saved in the
   * checkpoint, so sent again at the next start (neither failed nor lost).
   */
  batchSettled(
    batch: readonly SpanData[],
    outcome: BatchOutcome,
    pendingSpans: number,
    checkpointed: boolean,
  ): void {
    const { metrics, logger } = { metrics: this.#metrics, logger: this.#logger };
    metrics.pendingSpans.set(pendingSpans);
    if (outcome.ok) {
      metrics.spansExported.inc(batch.length);
      metrics.exportBatches.inc({ outcome: 'ok' });
      logger.debug({ spans: batch.length }, 'export batch acknowledged');
      return;
    }
    if (checkpointed) return;
    metrics.spansFailed.inc(batch.length);
    metrics.exportBatches.inc({ outcome: 'failed' });
    logger.warn(
      { spans: batch.length, error: outcome.error.message },
      'span export failed: batch dropped (not retryable)',
    );
  }

  /** Spans the queue dropped (full, or left at shutdown without a checkpoint to take them). */
  spansDropped(count: number, reason: DropReason): void {
    this.#metrics.spansDropped.inc({ reason }, count);
    if (reason === 'queueFull' && this.#queueFullLog.allow()) {
      this.#logger.warn(
        { dropped: count, maxPendingSpans: this.#settings.maxPendingSpans },
        'export queue full: oldest spans dropped (counted in kubelet_span_exporter_spans_dropped_total; warned once)',
      );
    }
  }
}
