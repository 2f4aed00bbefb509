/**
 * Runs one kubelet `/pods` capture through the agent's real core, as the agent would see the
 * node: trace contexts injected (`injectTraceContexts`), then `decodePodList`, `selectPods` with
 * the label selector, and the `PodTracker` fed the capture at one poll and then empty lists at
 * later polls until every pod is gone. Each pod's spans are compared with what its JSON says it
 * should give (`expectedPodSpans`, `compareCaptureSpans`).
 *
 * Pure apart from sha256 (the agent's own span-id hash).
 */
import { createHash } from 'node:crypto';
import { decodePodList } from '../../src/core/decodePodList.js';
import { parseLabelSelector } from '../../src/core/labelSelector.js';
import { PodTracker } from '../../src/core/podTracker.js';
import { selectPods } from '../../src/core/selectPods.js';
import type { SpanData } from '../../src/core/spanData.js';
import { addMillis, type Time } from '../../src/core/time.js';
import { compareCaptureSpans } from './compareCaptureSpans.js';
import { expectedPodSpans, latestTime } from './expectedPodSpans.js';
import {
  CAPTURE_ENV,
  CAPTURE_SELECTOR,
  captureContextFor,
  injectTraceContexts,
} from './injectTraceContexts.js';

export interface CaptureCheck {
  /** Items in the capture. */
  readonly pods: number;
  /** Spans the core built for it. */
  readonly spans: number;
  /** Items the decoder rejected (each is also a failure). */
  readonly malformed: number;
  /** One line per disagreement; empty: the capture passed. */
  readonly failures: readonly string[];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Time between the polls after the capture (each lists no pod). */
const GONE_POLL_INTERVAL_MS = 30_000;
/**
 * Empty polls fed at most. Today's tracker needs 2 to declare a pod gone; a tracker that also
 * waits out a time (a restarting kubelet's empty lists) has 20 polls, 10 minutes.
 */
const MAX_GONE_POLLS = 20;

export function checkCapture(capture: unknown): CaptureCheck {
  const failures: string[] = [];
  const body = injectTraceContexts(capture);
  const items = Array.isArray((body as { items?: unknown }).items)
    ? ((body as { items: unknown[] }).items as unknown[])
    : [];
  const decoded = decodePodList(body, { envNames: [CAPTURE_ENV] });
  if (!decoded.ok) {
    return {
      pods: items.length,
      spans: 0,
      malformed: 0,
      failures: [`not a PodList: ${decoded.error}`],
    };
  }
  for (const m of decoded.malformed) {
    failures.push(`malformed pod #${m.index} ${m.namespace ?? '?'}/${m.name ?? '?'}: ${m.error}`);
  }
  const selector = parseLabelSelector(CAPTURE_SELECTOR);
  if (!selector.ok) throw new Error(selector.error);
  const selected = selectPods(decoded.pods, [selector.selector], undefined);
  if (selected.length !== decoded.pods.length) {
    failures.push(`selected ${selected.length} of ${decoded.pods.length} labelled pods`);
  }

  // The poll happens a minute after the latest time the capture mentions (no reported time lies
  // in the agent's future, as on a node whose clock agrees with the agent's).
  const now: Time = addMillis(latestTime(capture) ?? [1_700_000_000, 0], 60_000);
  const nodeName = decoded.pods.find((p) => p.nodeName)?.nodeName ?? 'capture-node';
  const tracker = new PodTracker({ nodeName, envNames: [CAPTURE_ENV], hash: sha256 });
  const spans: SpanData[] = [];
  const first = tracker.observe(selected, now);
  spans.push(...first.spans);
  const tracked = new Set(
    first.notices.flatMap((n) => (n.kind === 'podTracked' ? [n.pod.uid] : [])),
  );
  for (const pod of selected) {
    if (!tracked.has(pod.uid)) failures.push(`${pod.namespace}/${pod.name}: context not found`);
  }
  for (let i = 1; i <= MAX_GONE_POLLS && tracker.trackedPods > 0; i++) {
    spans.push(...tracker.observe([], addMillis(now, i * GONE_POLL_INTERVAL_MS)).spans);
  }
  if (tracker.trackedPods > 0) {
    failures.push(`${tracker.trackedPods} pods still tracked after ${MAX_GONE_POLLS} empty polls`);
  }

  const byPod = new Map<string, SpanData[]>();
  for (const span of spans) {
    const mine = byPod.get(span.podUid) ?? [];
    mine.push(span);
    byPod.set(span.podUid, mine);
  }
  const decodedUids = new Set(decoded.pods.map((p) => p.uid));
  for (const raw of items) {
    const expected = expectedPodSpans(raw);
    if (!decodedUids.has(expected.uid)) continue; // malformed: already a failure
    const mine = byPod.get(expected.uid) ?? [];
    byPod.delete(expected.uid);
    failures.push(...compareCaptureSpans(expected, captureContextFor(expected.uid), mine));
  }
  for (const [uid, extra] of byPod) failures.push(`${extra.length} spans for unknown pod ${uid}`);
  return { pods: items.length, spans: spans.length, malformed: decoded.malformed.length, failures };
}
