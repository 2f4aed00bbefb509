/**
 * Owns applying the container runtime's (CRI) nanosecond times to built spans: a container run's
 * start, end and exit, and the sandbox's creation.
 */
import { ATTR } from './attributeNames.js';
import type { AttributeValue, SpanData, SpanEvent } from './spanData.js';
import { compareTime, type Time } from './time.js';

/** What the container runtime reported about one container (nanosecond times). */
export interface RuntimeContainer {
  readonly createdAt?: Time;
  readonly startedAt?: Time;
  readonly finishedAt?: Time;
  readonly exited: boolean;
  readonly exitCode: number;
  /** `OOMKilled`, `Completed`, `Error`, or '' */
  readonly reason: string;
}

/**
 * A container-run span with the runtime's nanosecond times in place of the kubelet's seconds:
 * start from `startedAt`, end from `finishedAt` (once the container exited), `created` and
 * `started` as span events, sources `cri` with uncertainty 0. An end the agent had to estimate
 * (the pod vanished) becomes the real one; so do exit code, reason and status when the kubelet
 * never reported them. Same span id, same key.
 */
export function withRuntimeTimes(span: SpanData, runtime: RuntimeContainer): SpanData {
  const attributes: Record<string, AttributeValue> = { ...span.attributes };
  let { start, end, status } = span;
  if (runtime.startedAt) {
    start = runtime.startedAt;
    attributes[ATTR.startSource] = 'cri';
    attributes[ATTR.startUncertaintyMs] = 0;
    delete attributes[ATTR.startEstimated];
  }
  if (runtime.exited && runtime.finishedAt) {
    end = runtime.finishedAt;
    attributes[ATTR.endSource] = 'cri';
    attributes[ATTR.endUncertaintyMs] = 0;
    const wasEstimated = attributes[ATTR.endEstimated] === true;
    delete attributes[ATTR.endEstimated];
    if (wasEstimated || attributes[ATTR.processExitCode] === undefined) {
      attributes[ATTR.processExitCode] = runtime.exitCode;
      if (runtime.reason) attributes[ATTR.k8sContainerStatusReason] = runtime.reason;
      const expected =
        attributes[ATTR.expectedStop] !== undefined && runtime.reason !== 'OOMKilled';
      const failed = runtime.reason === 'OOMKilled' || runtime.exitCode !== 0;
      status =
        failed && !expected
          ? { code: 'error', message: runtime.reason || `exit code ${runtime.exitCode}` }
          : { code: 'unset' };
    } else if (runtime.reason === 'OOMKilled' && status.code === 'error') {
      // The runtime knows an OOM kill the kubelet may have reported as a plain Error.
      attributes[ATTR.k8sContainerStatusReason] = 'OOMKilled';
      status = { code: 'error', message: 'OOMKilled' };
    }
  }
  if (compareTime(end, start) < 0) {
    end = start;
    attributes[ATTR.timeClamped] = true;
  }
  const events: SpanEvent[] = span.events.filter(
    (e) => e.name !== 'container created' && e.name !== 'container started',
  );
  const source = { [ATTR.eventSource]: 'cri' };
  if (runtime.createdAt) {
    events.push({ name: 'container created', time: runtime.createdAt, attributes: source });
  }
  if (runtime.startedAt) {
    events.push({ name: 'container started', time: runtime.startedAt, attributes: source });
  }
  events.sort((a, b) => compareTime(a.time, b.time));
  return { ...span, start, end, attributes, events, status };
}

/** The `sandbox` phase span starting at the sandbox's creation in the runtime (nanoseconds). */
export function withSandboxCreated(span: SpanData, createdAt: Time): SpanData {
  const attributes: Record<string, AttributeValue> = {
    ...span.attributes,
    [ATTR.startSource]: 'cri',
    [ATTR.startUncertaintyMs]: 0,
  };
  let end = span.end;
  if (compareTime(end, createdAt) < 0) {
    // The kubelet's whole-second "ready" can fall before the sandbox's nanosecond creation.
    end = createdAt;
    attributes[ATTR.timeClamped] = true;
  }
  return { ...span, start: createdAt, end, attributes };
}
