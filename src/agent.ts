/**
 * Owns the agent's orchestration: takes pod observations from a source, asks the runtime, feeds the
 * tracker, queues the spans it returns, checkpoints, and stops in order. Every part is built by the
 * composition root (`main.ts` via `composeAgent`) and handed in; what is said and counted is the
 * reporter's. Knows nothing of `process`.
 */
import type { AgentReporter } from './agentReporter.js';
import type { AgentCheckpoint } from './checkpoint/agentCheckpoint.js';
import type { TrackerNotice } from './core/podTracker.js';
import type { SpanData } from './core/spanData.js';
import type { Time } from './core/time.js';
import type { CriRuntimeLookup } from './cri/criRuntimeLookup.js';
import type { SpanExportQueue } from './export/spanExportQueue.js';
import type { BatchOutcome, DropReason } from './export/spanExportQueueOptions.js';
import type { PodObservation, PodSource } from './sources/podSource.js';
import type { Timers } from './timers.js';
import type { TrackerContext, TrackerPort, TrackerResult } from './trackerPort.js';

export interface AgentParts {
  readonly source: PodSource;
  readonly tracker: TrackerPort<TrackerNotice>;
  readonly queue: SpanExportQueue;
  readonly reporter: AgentReporter;
  /** Wall-clock time with nanoseconds. */
  readonly now: () => Time;
  /** Epoch-ms clock for deadlines. */
  readonly timers: Pick<Timers, 'now'>;
  /** The node this agent runs on. */
  readonly nodeName: string;
  /** The runtime's nanosecond times for the spans an observation builds (CRI_ENDPOINT). */
  readonly cri?: Pick<CriRuntimeLookup, 'lookup'>;
  /** Where the agent keeps its checkpoint; none: nothing survives a restart. */
  readonly checkpoint?: AgentCheckpoint;
}

/** The time stop() keeps for closing the checkpoint (ms). */
const CHECKPOINT_CLOSE_RESERVE_MS = 300;

export class Agent {
  readonly #parts: AgentParts;
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
   * Stops the source and flushes pending spans within `budgetMs`. What is not acknowledged is
   * already in the checkpoint (written when it was built): nothing more is written, the next start
   * sends it.
   */
  async stop(budgetMs: number): Promise<{ delivered: number; undelivered: number }> {
    const { source, queue, checkpoint, timers } = this.#parts;
    const deadline = timers.now() + budgetMs;
    await source.stop();
    const flushed = await queue.flush(
      Math.max(0, deadline - timers.now() - CHECKPOINT_CLOSE_RESERVE_MS),
    );
    const unacknowledged = queue.pending;
    if (checkpoint) {
      this.#handedToCheckpoint = true;
      await checkpoint.close();
    }
    await queue.shutdown(0);
    return { delivered: flushed.delivered, undelivered: unacknowledged };
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

  /**
   * For the queue's `onBatchSettled`. The acknowledged (or given-up) spans leave the checkpoint;
   * the returned write holds the queue's next batch, so a crash re-sends at most the one batch
   * acknowledged before it. Given up at shutdown, they stay: the next start sends them.
   */
  batchSettled(batch: readonly SpanData[], outcome: BatchOutcome): Promise<void> | undefined {
    const { queue, reporter, checkpoint } = this.#parts;
    const written = this.#handedToCheckpoint ? undefined : checkpoint?.settle(batch);
    reporter.batchSettled(batch, outcome, queue.pending, this.#handedToCheckpoint);
    return written;
  }

  /** For the queue's `onDrop`. */
  spansDropped(count: number, reason: DropReason, spans: readonly SpanData[]): void {
    if (reason === 'shutdown' && this.#handedToCheckpoint) return;
    // Dropped at the queue's bound: they leave the checkpoint too (never sent at a restart).
    if (reason === 'queueFull') void this.#parts.checkpoint?.settle(spans);
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
        await this.#apply(tracker.observe(pods, observation.at, context), pods.length, 'list');
        return;
      }
      case 'upsert': {
        if (!tracker.observePod)
          throw new Error('upsert observations: not supported by this tracker');
        const context = await this.#contextFor([observation.pod], {});
        await this.#apply(
          tracker.observePod(observation.pod, observation.at, context),
          1,
          'change',
        );
        return;
      }
      case 'deleted':
        if (!tracker.observeDeleted) {
          throw new Error('deleted observations: not supported by this tracker');
        }
        await this.#apply(tracker.observeDeleted(observation.uid, observation.at), 0, 'change');
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
   * Records the observation in the checkpoint (the tracker's change and the spans it built, one
   * record), then queues the spans: an acknowledgement can never precede the record. Pending spans
   * the checkpoint let go to stay within its bound leave the queue too. Only a `list` (a poll, or a
   * push source's full view) makes the agent ready; a single-pod `change` only follows one.
   */
  async #apply(
    result: TrackerResult<TrackerNotice>,
    selected: number,
    what: 'list' | 'change',
  ): Promise<void> {
    const { tracker, queue, reporter, checkpoint } = this.#parts;
    for (const notice of result.notices) reporter.notice(notice);
    if (checkpoint) {
      const dropped = await checkpoint.recordPoll(tracker.takeChanges(), result.spans);
      if (dropped.length > 0) queue.discard(new Set(dropped));
      void checkpoint.compactIfNeeded();
    }
    if (result.spans.length > 0) queue.enqueue(result.spans);
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
}
