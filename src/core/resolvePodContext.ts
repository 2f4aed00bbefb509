/**
 * Owns the context decision for a pod: its own trace context, its run's group trace, or why it is
 * not traced.
 */
import { groupTraceId } from './groupTraceId.js';
import type { KubeletPod } from './kubeletPod.js';
import { isNonEmptyLabelValue } from './labelSyntax.js';
import type { HashFn } from './spanData.js';
import { findPodTraceContext } from './traceContext.js';

/** Where a traced pod's trace comes from. */
export type TraceOrigin = 'context' | 'group';

/** The run a pod belongs to by its group label, and that run's trace id. */
export interface PodGroup {
  /** The group label key (`TRACE_GROUP_LABEL`). */
  readonly key: string;
  /** The label's value on this pod (the ChaosEngine uid for `chaosUID`). */
  readonly value: string;
  /** {@link groupTraceId} of namespace, key and value. */
  readonly traceId: string;
}

/** The trace a pod's spans go into. */
export interface PodTraceIdentity {
  readonly origin: TraceOrigin;
  readonly traceId: string;
  /**
   * Parent of the pod span: the span id of the pod's own context. Undefined for origin `group`:
   * the pod span is then a root of the run's trace.
   */
  readonly parentSpanId?: string;
  readonly traceState?: string;
  /** Present when the pod carries a valid group label (either origin). */
  readonly group?: PodGroup;
  /** Where the context was found (origin `context` only). */
  readonly source?: { readonly container: string; readonly envName: string };
}

/** The context decision for a pod, made once when it is first seen. */
export type PodContextDecision =
  | { readonly kind: 'traced'; readonly identity: PodTraceIdentity }
  /** A valid context whose sampled flag is clear: respected, no spans, no fallback. */
  | {
      readonly kind: 'notSampled';
      readonly traceId: string;
      readonly container: string;
      readonly envName: string;
    }
  /** A context that does not parse: no spans, no fallback. */
  | {
      readonly kind: 'invalid';
      readonly error: string;
      readonly container: string;
      readonly envName: string;
    }
  /** No context and no group label (or the group label is off). */
  | { readonly kind: 'none'; readonly unresolvable: number }
  /** No context, and the group label is present but its value is empty or not a label value. */
  | {
      readonly kind: 'badGroupValue';
      readonly unresolvable: number;
      readonly key: string;
      readonly problem: string;
    };

export interface ResolvePodContextOptions {
  /** Env var names looked up for the trace context, in order (`TRACE_CONTEXT_ENV`). */
  readonly envNames: readonly string[];
  /** Label whose value names the pod's run (`TRACE_GROUP_LABEL`); undefined: no fallback. */
  readonly groupLabel?: string;
  /** Hex digest of at least 32 bytes (sha256 in the agent). */
  readonly hash: HashFn;
}

/**
 * Decides which trace a pod's spans go into. A pod's own context (`TRACEPARENT`/`TRACE_PARENT`)
 * wins; only a pod with no context at all falls back to its run's group trace (the pod span is
 * then a root). An invalid or unsampled context is never replaced. A pod with a context and a
 * valid group label keeps its trace and learns the group (for `kse.group.trace_id`).
 */
export function resolvePodContext(
  pod: KubeletPod,
  options: ResolvePodContextOptions,
): PodContextDecision {
  const found = findPodTraceContext(pod, options.envNames);
  const key = options.groupLabel;
  const value = key !== undefined && Object.hasOwn(pod.labels, key) ? pod.labels[key] : undefined;
  const group =
    key !== undefined && value !== undefined && isNonEmptyLabelValue(value)
      ? { key, value, traceId: groupTraceId(options.hash, pod.namespace, key, value) }
      : undefined;
  switch (found.kind) {
    case 'found': {
      const { traceId, spanId, traceState } = found.context;
      return {
        kind: 'traced',
        identity: {
          origin: 'context',
          traceId,
          parentSpanId: spanId,
          ...(traceState ? { traceState } : {}),
          ...(group ? { group } : {}),
          source: { container: found.container, envName: found.envName },
        },
      };
    }
    case 'notSampled':
      return {
        kind: 'notSampled',
        traceId: found.context.traceId,
        container: found.container,
        envName: found.envName,
      };
    case 'invalid':
      return {
        kind: 'invalid',
        error: found.error,
        container: found.container,
        envName: found.envName,
      };
    case 'none':
      if (group) {
        return { kind: 'traced', identity: { origin: 'group', traceId: group.traceId, group } };
      }
      if (key !== undefined && value !== undefined) {
        return {
          kind: 'badGroupValue',
          unresolvable: found.unresolvable,
          key,
          problem: value === '' ? 'empty value' : 'not a valid label value',
        };
      }
      return { kind: 'none', unresolvable: found.unresolvable };
  }
}
