/**
 * Owns the agent's orchestration: takes pod observations from a source, asks the runtime, feeds the
 * tracker, queues the spans it returns, checkpoints, and stops in order. Every part is built by the
 * composition root (`main.ts` via `composeAgent`) and handed in; what is said and counted is the
 * reporter's. Knows nothing of `process`.
 */
import type { AgentReporter } from './agentReporter.js';
import type { CheckpointData, CheckpointStore } from './checkpoint/checkpointStore.js';
import type { TrackerNotice } from './core/podTracker.js';
import type { SpanData } from './core/spanData.js';
import type { Time } from './core/time.js';
import type { CriRuntimeLookup } from './cri/criRuntimeLookup.js';
import type { BatchOutcome, DropReason, SpanExportQueue } from './export/spanExportQueue.js';
import type { PodObservation, PodSource } from './sources/podSource.js';
import type { Timers } from './timers.js';
import type { TrackerContext, TrackerPort, TrackerResult } from './trackerPort.js';

export interface AgentParts {
  readonly source: PodSource;
  readonly tracker: TrackerPort<TrackerNotice>;
  readonly queue: SpanExportQueue;
  readonly reporter: AgentReporter;
  /** Wall-clock time with nanoseconds (checkpoint times). */
  readonly now: () => Time;
  /** Epoch-ms clock for deadlines. */
  readonly timers: Pick<Timers, 'now'>;
  /** The node, written into the checkpoint. */
  readonly nodeName: string;
  /** The runtime's nanosecond times for the spans an observation builds (CRI_ENDPOINT). */
  readonly cri?: Pick<CriRuntimeLookup, 'lookup'>;
  /** Where the agent keeps its checkpoint; none: nothing survives a restart. */
  readonly checkpoint?: CheckpointStore;
}

/** The time stop() keeps for the final checkpoint write (ms). */
const CHECKPOINT_WRITE_RESERVE_MS = 300;

export class Agent {
  readonly #parts: AgentParts;
  #savedRevision = -1;
  #everSucceeded = false;
  /**
   * Set at shutdown once the unacknowledged spans are on disk: the queue giving them up then is
   * no loss (the next start sends them), so they are not counted as dropped or failed.
   */
  #handedToCheckpoint = false;

  constructor(parts: AgentParts) {
    this.#parts = parts;
  }

  start(): void {
    const { source, tracker } = this.#parts;
    source.start({
      observe: (observation) => this.#observe(observation),
      trackedUids: () => tracker.trackedUids(),
    });
  }

  /**
   * Stops the source, flushes pending spans within `budgetMs`, and checkpoints what could not be
   * delivered so the next start sends it.
   */
  async stop(budgetMs: number): Promise<{ delivered: number; undelivered: number }> {
    const { source, queue, checkpoint, timers } = this.#parts;
    const deadline = timers.now() + budgetMs;
    await source.stop();
    const flushed = await queue.flush(
      Math.max(0, deadline - timers.now() - CHECKPOINT_WRITE_RESERVE_MS),
    );
    const unacknowledged = queue.pendingSpans();
    if (checkpoint) {
      this.#handedToCheckpoint = await checkpoint.requestSave(() =>
        this.#checkpointData(unacknowledged),
      );
      await checkpoint.close();
    }
    await queue.shutdown(0);
    return { delivered: flushed.delivered, undelivered: unacknowledged.length };
  }

  /** Time the source last began an attempt (epoch ms; 0 before the first). */
  get lastTick(): number {
    return this.#parts.source.lastAttemptMs;
  }

  /** The source has delivered a full list at least once (a poll, or a stream's initial sync). */
  get ready(): boolean {
    return this.#everSucceeded;
  }

  get pendingSpans(): number {
    return this.#parts.queue.pending;
  }

  /** For the queue's `onBatchSettled`. */
  batchSettled(batch: readonly SpanData[], outcome: BatchOutcome): void {
    const { queue, reporter } = this.#parts;
    // The acknowledged (or given-up) spans leave the checkpoint's pending list now: the window
    // in which a crash re-sends an acknowledged span is one checkpoint write long.
    this.#save(true);
    reporter.batchSettled(batch, outcome, queue.pending, this.#handedToCheckpoint);
  }

  /** For the queue's `onDrop`. */
  spansDropped(count: number, reason: DropReason): void {
    if (reason === 'shutdown' && this.#handedToCheckpoint) return;
    this.#parts.reporter.spansDropped(count, reason);
  }

  async #observe(observation: PodObservation): Promise<void> {
    const { tracker, reporter } = this.#parts;
    switch (observation.kind) {
      case 'failed':
        reporter.sourceFailed(observation);
        return;
      case 'list': {
        reporter.listRead(observation.diagnostics);
        const pods = observation.pods;
        const context = await this.#contextFor(pods, observation.context);
        this.#apply(tracker.observe(pods, observation.at, context), pods.length, 'list');
        return;
      }
      case 'upsert': {
        if (!tracker.observePod)
          throw new Error('upsert observations: not supported by this tracker');
        const context = await this.#contextFor([observation.pod], {});
        this.#apply(tracker.observePod(observation.pod, observation.at, context), 1, 'change');
        return;
      }
      case 'deleted':
        if (!tracker.observeDeleted) {
          throw new Error('deleted observations: not supported by this tracker');
        }
        this.#apply(tracker.observeDeleted(observation.uid, observation.at), 0, 'change');
        return;
    }
  }

  /**
   * The runtime is asked before the tracker sees the pods, so that the tracker's state and the
   * spans it returns are one unit: nothing can settle or save between the two.
   */
  async #contextFor(
    pods: Parameters<TrackerPort<TrackerNotice>['runtimeQueries']>[0],
    context: TrackerContext,
  ): Promise<TrackerContext> {
    const { cri, tracker } = this.#parts;
    const runtime = cri ? await cri.lookup(tracker.runtimeQueries(pods)) : undefined;
    return { ...context, ...(runtime ? { runtime } : {}) };
  }

  /**
   * Hands the tracker's result on. Only a `list` (a poll, or a push source's full view) makes the
   * agent ready; a single-pod `change` only follows one.
   */
  #apply(result: TrackerResult<TrackerNotice>, selected: number, what: 'list' | 'change'): void {
    const { tracker, queue, reporter } = this.#parts;
    for (const notice of result.notices) reporter.notice(notice);
    if (result.spans.length > 0) queue.enqueue(result.spans);
    this.#save();
    const applied = {
      selected,
      spans: result.spans.length,
      trackedPods: tracker.trackedPods,
      traced: tracker.tracedPodsByOrigin(),
      pendingSpans: queue.pending,
    };
    if (what === 'change') {
      reporter.changeApplied(applied);
      return;
    }
    reporter.listApplied(applied);
    this.#everSucceeded = true;
  }

  /** Writes the checkpoint if anything changed since the last write (tracker or queue). */
  #save(force = false): void {
    const checkpoint = this.#parts.checkpoint;
    if (!checkpoint) return;
    const revision = this.#parts.tracker.revision;
    if (!force && revision === this.#savedRevision) return;
    this.#savedRevision = revision;
    void checkpoint.requestSave(() => this.#checkpointData(this.#parts.queue.pendingSpans()));
  }

  #checkpointData(pending: readonly SpanData[]): CheckpointData {
    return {
      savedAt: this.#parts.now(),
      node: this.#parts.nodeName,
      tracker: this.#parts.tracker.snapshot(),
      pending,
    };
  }
}
