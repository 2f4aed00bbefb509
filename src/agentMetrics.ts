/** Owns the agent's Prometheus metrics: their names, help texts, labels and registry. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prefix of every metric the agent exposes. */
const METRIC_PREFIX = 'kubelet_span_exporter_';

/**
 * The agent's Prometheus metrics, on a registry of their own (no default process metrics are
 * mixed in unless asked for). Names follow Prometheus conventions: `_total` counters, base units.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly polls: Counter<'outcome'>;
  readonly pollDuration: Histogram;
  readonly kubeletErrors: Counter<'kind'>;
  readonly lastSuccessfulPoll: Gauge;
  readonly malformedPods: Counter;
  readonly podsTracked: Gauge;
  readonly podsTraced: Gauge<'origin'>;
  readonly contextProblems: Counter<'kind'>;
  readonly spansBuilt: Counter;
  readonly spansExported: Counter;
  readonly spansFailed: Counter;
  readonly spansDropped: Counter<'reason'>;
  readonly pendingSpans: Gauge;
  readonly exportBatches: Counter<'outcome'>;
  readonly trackerLimits: Counter<'limit'>;
  readonly exportRetries: Counter;
  readonly fullParses: Counter<'reason'>;
  readonly criLookups: Counter<'outcome'>;
  readonly checkpointWrites: Counter<'outcome'>;
  readonly checkpointBytes: Gauge;
  readonly checkpointDamage: Counter<'kind'>;
  readonly checkpointCompactions: Counter;
  readonly catchUpSkipped: Counter;
  readonly kubeletRestarts: Counter<'sign'>;
  readonly staleStatuses: Counter<'kind'>;
  readonly podsReappeared: Counter;
  readonly podSource: Gauge<'source'>;
  readonly podsApiEvents: Counter<'type'>;
  readonly podsApiResyncs: Counter;
  readonly podsApiReconnects: Counter<'reason'>;
  readonly podsApiBadPods: Counter<'kind'>;
  readonly podSourceFallbacks: Counter<'reason'>;
  /**
   * Set by the composition root: the time (epoch ms) up to which the pod view is known current
   * without a new observation (a live Pods API watch), or undefined. Read at every scrape.
   */
  sourceCurrentAtMs: () => number | undefined = () => undefined;

  constructor(build: { version: string; nodeVersion: string }) {
    const registers = [this.registry];
    const p = METRIC_PREFIX;
    this.polls = new Counter({
      name: `${p}polls_total`,
      help: 'Kubelet polls by outcome (ok: the pod list was used; failed: request or body rejected).',
      labelNames: ['outcome'],
      registers,
    });
    this.pollDuration = new Histogram({
      name: `${p}poll_duration_seconds`,
      help: 'Duration of one poll: kubelet request, decoding and span building.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.kubeletErrors = new Counter({
      name: `${p}kubelet_errors_total`,
      help: 'Failed kubelet polls by kind (timeout, connection, tls, unauthorized, forbidden, http, tooLarge, truncated, token, ca, malformed).',
      labelNames: ['kind'],
      registers,
    });
    const metrics = this;
    this.lastSuccessfulPoll = new Gauge({
      name: `${p}last_successful_poll_timestamp_seconds`,
      help: 'Unix time of the last poll whose pod list was used, or of the last message of the kubelet Pods API watch; while that watch is live (open, and heard within a resync interval) it is the time of the scrape.',
      registers,
      collect() {
        const current = metrics.sourceCurrentAtMs();
        if (current !== undefined) this.set(current / 1000);
      },
    });
    this.malformedPods = new Counter({
      name: `${p}malformed_pods_total`,
      help: 'Pods skipped because their JSON had missing or wrongly typed fields (among the pods decoded: those the selector could match and the tracked ones, or all when a body is parsed whole).',
      registers,
    });
    this.podsTracked = new Gauge({
      name: `${p}pods_tracked`,
      help: 'Selected pods the agent currently tracks (with or without a trace context).',
      registers,
    });
    this.podsTraced = new Gauge({
      name: `${p}pods_traced`,
      help: "Tracked pods that are traced, by origin: context (a valid, sampled trace context of their own) or group (no context; traced in their run's group trace).",
      labelNames: ['origin'],
      registers,
    });
    this.contextProblems = new Counter({
      name: `${p}trace_context_problems_total`,
      help: 'Selected pods without usable trace context, by kind (none, invalid, not_sampled).',
      labelNames: ['kind'],
      registers,
    });
    this.spansBuilt = new Counter({
      name: `${p}spans_built_total`,
      help: 'Spans built from kubelet observations.',
      registers,
    });
    this.spansExported = new Counter({
      name: `${p}spans_exported_total`,
      help: 'Spans the collector acknowledged.',
      registers,
    });
    this.spansFailed = new Counter({
      name: `${p}spans_failed_total`,
      help: 'Spans in export batches the collector rejected or that failed.',
      registers,
    });
    this.spansDropped = new Counter({
      name: `${p}spans_dropped_total`,
      help: 'Spans dropped without export, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.pendingSpans = new Gauge({
      name: `${p}pending_spans`,
      help: 'Spans waiting for export or in flight.',
      registers,
    });
    this.exportBatches = new Counter({
      name: `${p}export_batches_total`,
      help: 'Export requests by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    this.trackerLimits = new Counter({
      name: `${p}tracker_limit_hits_total`,
      help: 'Pods not tracked (limit="tracked_pods", per poll) or spans not emitted (limit="spans_per_pod") because a bound was reached.',
      labelNames: ['limit'],
      registers,
    });
    this.exportRetries = new Counter({
      name: `${p}export_retries_total`,
      help: 'Export attempts scheduled again after a retryable failure (collector unreachable, UNAVAILABLE, ...).',
      registers,
    });
    this.fullParses = new Counter({
      name: `${p}pod_list_full_parses_total`,
      help: 'Usable bodies parsed whole instead of item by item, by reason (selector: a selector alternative requires no label key; ambiguous: escaped or repeated top-level keys; notPodList, syntax, item: the scan declined a body the full parse accepted).',
      labelNames: ['reason'],
      registers,
    });
    this.criLookups = new Counter({
      name: `${p}cri_lookups_total`,
      help: 'Lookups in the container runtime (CRI_ENDPOINT) by outcome: container/sandbox (nanosecond times used), or the fallback reason (gone, unavailable, timeout, error) when the kubelet times were kept.',
      labelNames: ['outcome'],
      registers,
    });
    this.checkpointWrites = new Counter({
      name: `${p}checkpoint_writes_total`,
      help: 'Checkpoint writes by outcome: one per poll that changed something (its journal record, with the segment of its spans).',
      labelNames: ['outcome'],
      registers,
    });
    this.checkpointBytes = new Gauge({
      name: `${p}checkpoint_bytes`,
      help: 'Bytes of the checkpoint in STATE_DIR (pending segments, snapshot, journal), bounded by STATE_MAX_BYTES.',
      registers,
    });
    this.checkpointDamage = new Counter({
      name: `${p}checkpoint_damaged_total`,
      help: 'Damage found when loading the checkpoint, by kind: torn_tail (bytes cut off a journal), damaged_region (records skipped), invalid_record, segment (segment files dropped).',
      labelNames: ['kind'],
      registers,
    });
    this.checkpointCompactions = new Counter({
      name: `${p}checkpoint_compactions_total`,
      help: 'Compactions of the checkpoint journal into a snapshot of the live pods.',
      registers,
    });
    this.catchUpSkipped = new Counter({
      name: `${p}catch_up_skipped_pods_total`,
      help: 'Pods first seen already finished before the catch-up window, not emitted.',
      registers,
    });
    this.kubeletRestarts = new Counter({
      name: `${p}kubelet_restarts_total`,
      help: 'Kubelet restarts seen (gone decisions held until its list was stable), by the first sign: connection_refused, own_pod_missing, config_seen_changed.',
      labelNames: ['sign'],
      registers,
    });
    this.staleStatuses = new Counter({
      name: `${p}stale_statuses_total`,
      help: 'Container statuses older than what the agent already holds, ignored (never reopen, shorten or duplicate a run), by kind: restart_count_decreased, running_after_terminated, finish_changed.',
      labelNames: ['kind'],
      registers,
    });
    this.podsReappeared = new Counter({
      name: `${p}pods_reappeared_total`,
      help: 'Pods listed again after they had been ended: their later runs continue under the pod span already sent.',
      registers,
    });
    this.podSource = new Gauge({
      name: `${p}pod_source`,
      help: 'Which pod source delivers: 1 for the live one, 0 for the other (pods_api: the kubelet Pods API watch; pods_polling: GET /pods).',
      labelNames: ['source'],
      registers,
    });
    this.podsApiEvents = new Counter({
      name: `${p}pods_api_events_total`,
      help: 'Messages of the kubelet Pods API watch, by type (ADDED, MODIFIED, DELETED, INITIAL_SYNC_COMPLETE, UNKNOWN).',
      labelNames: ['type'],
      registers,
    });
    this.podsApiResyncs = new Counter({
      name: `${p}pods_api_resyncs_total`,
      help: 'ListPods resyncs of the kubelet Pods API source delivered (every 5 minutes, and 5 s after a list that missed tracked pods).',
      registers,
    });
    this.podsApiReconnects = new Counter({
      name: `${p}pods_api_reconnects_total`,
      help: 'Kubelet Pods API watches that failed or ended, by reason (initializing, unavailable, resource_exhausted, stream_ended, hung, unimplemented, no_socket, error); each is followed by a reconnect.',
      labelNames: ['reason'],
      registers,
    });
    this.podsApiBadPods = new Counter({
      name: `${p}pods_api_bad_pods_total`,
      help: 'Kubelet Pods API messages whose pod was skipped, by kind (undecodable: not a v1.Pod; no_uid; malformed: a field of the wrong shape).',
      labelNames: ['kind'],
      registers,
    });
    this.podSourceFallbacks = new Counter({
      name: `${p}pod_source_fallbacks_total`,
      help: 'Switches from the kubelet Pods API watch to /pods polling, by why the watch was down.',
      labelNames: ['reason'],
      registers,
    });
    const info = new Gauge({
      name: `${p}build_info`,
      help: 'Always 1; labels carry the agent and Node.js versions.',
      labelNames: ['version', 'nodejs_version'],
      registers,
    });
    info.set({ version: build.version, nodejs_version: build.nodeVersion }, 1);
  }
}
