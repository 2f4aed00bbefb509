/**
 * The traced tool's own spans of a timeline (Litmus's `ExecuteExperiment`,
 * `CreateContainerKillFaultHelperPod`, ...) as spans ready to send, at the times the simulator serves
 * the timeline at: what the tool would have exported during the run.
 */
import type { ReceivedSpan } from '../../sim/otlpReceiver.js';
import type { TraceSpanScript } from '../../sim/timeline/timeline.js';

/** Span flag bits: W3C sampled, and "has is-remote" (the parent is local). */
const FLAGS_SAMPLED_LOCAL_PARENT = 0x101;

/**
 * @param baseEpochSeconds the epoch second that timeline second 0 is served as
 *   (timeline start + the simulator's shift)
 */
export function toolSpans(
  scripts: readonly TraceSpanScript[],
  baseEpochSeconds: number,
): ReceivedSpan[] {
  const ns = (t: number) => BigInt(baseEpochSeconds + t) * 1_000_000_000n;
  return scripts.map((s) => ({
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? '',
    traceState: '',
    name: s.name,
    kind: 1,
    startNs: ns(s.startSeconds),
    endNs: ns(s.endSeconds),
    attributes: { ...s.attributes },
    events: [],
    status: s.error === undefined ? { code: 0, message: '' } : { code: 2, message: s.error },
    flags: FLAGS_SAMPLED_LOCAL_PARENT,
    resource: { 'service.name': s.service },
    scope: { name: s.service, version: '' },
  }));
}
