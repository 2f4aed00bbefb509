/**
 * Owns the wiring of the tracing pipeline, the part of the composition root that `main.ts` shares
 * with in-process tests: from `Config` and the process-level parts (logger, metrics, clock, kubelet
 * client, exporter, checkpoint, CRI lookup) it builds the `/pods` source, the tracker, the export
 * queue with its retry policy, the reporter and the {@link Agent}.
 */
import type { Logger } from 'pino';
import { Agent } from './agent.js';
import type { AgentMetrics } from './agentMetrics.js';
import { AgentReporter } from './agentReporter.js';
import type { AgentCheckpoint } from './checkpoint/agentCheckpoint.js';
import type { PodsApiOptions } from './config/kubeletOptions.js';
import type { Config } from './config.js';
import { PodTracker } from './core/podTracker.js';
import type { HashFn, SpanData } from './core/spanData.js';
import type { Time } from './core/time.js';
import type { TrackerSnapshot } from './core/trackerSnapshot.js';
import type { CriRuntimeLookup } from './cri/criRuntimeLookup.js';
import { createOtlpRetryPolicy } from './export/otlpRetryPolicy.js';
import { SpanExportQueue } from './export/spanExportQueue.js';
import type { ExportTarget } from './export/spanExportQueueOptions.js';
import { PodsApiClient } from './podsapi/podsApiClient.js';
import { FallbackSource } from './sources/fallbackSource.js';
import type { PodSource } from './sources/podSource.js';
import { PodsApiSource } from './sources/podsApiSource.js';
import { type PodListFetcher, PodsPollingSource } from './sources/podsPollingSource.js';
import { markPodSource, reportPodSource } from './sources/reportPodSource.js';
import { realTimers, type Timers } from './timers.js';

export interface AgentDeps {
  readonly logger: Logger;
  readonly metrics: AgentMetrics;
  /** Wall-clock time of an observation. */
  readonly now: () => Time;
  /** Epoch-ms clock and scheduler of loops, deadlines and log throttles. @default realTimers */
  readonly timers?: Timers;
  /** Hex digest for deterministic span ids. */
  readonly hash: HashFn;
  /** Where spans go: the OTLP/gRPC exporter in production. */
  readonly target: ExportTarget;
  /** Turns core spans into SDK spans for the target. */
  readonly convertBatch: ConstructorParameters<typeof SpanExportQueue>[0]['convertBatch'];
  /** Reads the kubelet's `/pods` (in-cluster, or through the API server from a laptop). */
  readonly kubelet: PodListFetcher;
  /** The runtime's nanosecond times for the spans a poll builds (CRI_ENDPOINT). */
  readonly cri?: CriRuntimeLookup;
  /** Where the agent keeps its checkpoint; none: nothing survives a restart. */
  readonly checkpoint?: AgentCheckpoint;
  /** A loaded checkpoint to resume from: the tracker, and the spans not yet acknowledged. */
  readonly resume?: { readonly tracker: TrackerSnapshot; readonly pending: readonly SpanData[] };
  /** Pods first seen finished before this are not emitted (see CATCHUP_WINDOW). */
  readonly catchUpCutoff?: Time;
}

/** The first retry's back-off of a failed export, unless the maximum is shorter (ms). */
const INITIAL_EXPORT_BACKOFF_MS = 1000;
/**
 * Added to the exporter's own deadline for the queue's, so a timed-out batch is never resent while
 * its first send is still under way (ms).
 */
const EXPORT_DEADLINE_MARGIN_MS = 5000;

/** Builds the agent and its parts; nothing runs until `start()`. */
export function composeAgent(config: Config, deps: AgentDeps): Agent {
  const timers = deps.timers ?? realTimers;
  const tracker = new PodTracker(
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
  const reporter = new AgentReporter({
    logger: deps.logger,
    metrics: deps.metrics,
    nowMs: () => timers.now(),
    settings: {
      goneAfterMs: config.goneAfterMs,
      restartGraceMs: config.kubeletRestartGraceMs,
      maxPendingSpans: config.export.maxPendingSpans,
    },
  });
  const maxBackoffMs = config.export.retryMaxBackoffMs;
  const retryPolicy = createOtlpRetryPolicy({
    initialBackoffMs: Math.min(INITIAL_EXPORT_BACKOFF_MS, maxBackoffMs),
    maxBackoffMs,
  });
  const queue: SpanExportQueue = new SpanExportQueue({
    target: deps.target,
    convertBatch: deps.convertBatch,
    maxBatchSize: config.export.maxBatchSize,
    scheduleDelayMs: config.export.scheduleDelayMs,
    maxPending: config.export.maxPendingSpans,
    exportTimeoutMs: config.otlp.timeoutMs + EXPORT_DEADLINE_MARGIN_MS,
    retryPolicy: (error, attempt) => {
      const decision = retryPolicy(error, attempt);
      if (decision !== 'drop') {
        reporter.exportRetrying(
          error,
          { attempt, retryInMs: decision.retryAfterMs },
          queue.pending,
        );
      }
      return decision;
    },
    // The agent exists before the queue calls back: nothing is sent before `start()`.
    onBatchSettled: (batch, outcome) => agent.batchSettled(batch, outcome),
    onDrop: (count, reason, spans) => agent.spansDropped(count, reason, spans),
  });
  const polling = (fetcher: PodListFetcher) =>
    new PodsPollingSource({
      fetcher,
      selectors: config.podSelectors,
      namespaces: config.podNamespaces,
      envNames: config.traceContextEnv,
      ...(config.podUid ? { podUid: config.podUid } : {}),
      now: deps.now,
      // Fast while a traced pod is live (its start and exit times are narrowed by each poll),
      // slower when the node has nothing traced on it.
      intervalMs: () => (tracker.hasLivePods ? config.pollIntervalMs : config.idlePollIntervalMs),
      onPollStart: () => deps.metrics.pollDuration.startTimer(),
      timers,
    });
  const source = config.podsApi
    ? podsApiWithFallback(config, config.podsApi, deps, timers, polling)
    : polling(deps.kubelet);
  if (!config.podsApi) markPodSource(deps.metrics, 'pods_polling');
  const agent: Agent = new Agent({
    source,
    tracker,
    queue,
    reporter,
    now: deps.now,
    timers,
    nodeName: config.nodeName,
    ...(deps.cri ? { cri: deps.cri } : {}),
    ...(deps.checkpoint ? { checkpoint: deps.checkpoint } : {}),
  });
  // The checkpoint still holds these (by key): settling them as their batches go removes them there.
  if (deps.resume && deps.resume.pending.length > 0) queue.enqueue(deps.resume.pending);
  return agent;
}

/**
 * The kubelet Pods API watch, preferred, with `/pods` polling while it is down: each fallback
 * episode gets a polling source of its own over the one kubelet client (closed at stop).
 */
function podsApiWithFallback(
  config: Config,
  podsApi: NonNullable<PodsApiOptions>,
  deps: AgentDeps,
  timers: Timers,
  polling: (fetcher: PodListFetcher) => PodSource,
): PodSource {
  const kubelet = deps.kubelet;
  const shared: PodListFetcher = {
    fetchPods: (signal) => kubelet.fetchPods(signal),
    close: () => {},
  };
  const report = reportPodSource(deps.logger, deps.metrics);
  let stream: PodsApiSource | undefined;
  deps.metrics.sourceCurrentAtMs = () => (stream?.live ? timers.now() : undefined);
  return new FallbackSource({
    preferred: (availability) => {
      stream = new PodsApiSource({
        client: new PodsApiClient({
          target: podsApi.target,
          decode: { envNames: config.traceContextEnv },
          maxReceiveMessageBytes: podsApi.maxMessageBytes,
        }),
        socketPath: podsApi.socketPath,
        selectors: config.podSelectors,
        namespaces: config.podNamespaces,
        ...(config.podUid ? { podUid: config.podUid } : {}),
        now: deps.now,
        timers,
        hooks: {
          ...report.hooks,
          availability: (live, reason) => {
            report.hooks.availability?.(live, reason);
            availability(live, reason);
          },
        },
      });
      return stream;
    },
    fallback: () => polling(shared),
    onSwitch: report.onSwitch,
    close: () => kubelet.close(),
  });
}
