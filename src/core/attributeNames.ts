/**
 * Attribute names used on spans and resources. Stable OpenTelemetry semantic-convention names
 * (1.45) are spelled here rather than imported so the pure core imports nothing; incubating ones
 * are copied, as the semantic-conventions package advises. Names the conventions do not cover
 * live under the project's own `kse.` prefix (kubelet-span-exporter).
 */
export const ATTR = {
  serviceName: 'service.name',
  k8sNodeName: 'k8s.node.name',
  k8sNamespaceName: 'k8s.namespace.name',
  k8sPodName: 'k8s.pod.name',
  k8sPodUid: 'k8s.pod.uid',
  k8sContainerName: 'k8s.container.name',
  containerId: 'container.id',
  containerImageName: 'container.image.name',
  containerImageTags: 'container.image.tags',
  // incubating
  k8sContainerRestartCount: 'k8s.container.restart_count',
  k8sContainerStatusReason: 'k8s.container.status.reason',
  k8sPodStatusPhase: 'k8s.pod.status.phase',
  k8sPodStatusReason: 'k8s.pod.status.reason',
  containerRuntimeName: 'container.runtime.name',
  processExitCode: 'process.exit.code',
  // the project's own
  /** Signal that terminated the container's main process, when the runtime reported one. */
  containerSignal: 'kse.container.signal',
  /** `true` on a native sidecar (init container with `restartPolicy: Always`). */
  containerSidecar: 'kse.container.sidecar',
  /** Runs of this container the agent never saw (restart count jumped), counted on the next run. */
  unobservedRuns: 'kse.container.unobserved_runs',
  /**
   * Why the container's non-zero exit is not an error: `pod_deletion` (its pod was being
   * deleted) or `sidecar_shutdown` (a native sidecar stopped after the regular containers).
   */
  expectedStop: 'kse.container.expected_stop',
  /** `true` when the span's start is an estimate (no start time reported). */
  startEstimated: 'kse.start.estimated',
  /** `true` when the span's end is an estimate (the poll that noticed, not a reported time). */
  endEstimated: 'kse.end.estimated',
  /** Reported times were inconsistent (end before start, missing) and were clamped. */
  timeClamped: 'kse.time.clamped',
  /**
   * `true` on a pod span whose start or end was moved to enclose a child span (a child timed by
   * the runtime in nanoseconds ends after the kubelet's whole-second pod end).
   */
  timeEnclosesChildren: 'kse.time.encloses_children',
  /** Where the span's start came from: `kubelet` (whole seconds), `cri` (nanoseconds), `poll`. */
  startSource: 'kse.start.source',
  /** How much later than the span's start the true start may be, ms (0 for `cri`). */
  startUncertaintyMs: 'kse.start.uncertainty_ms',
  /** Where the span's end came from: `kubelet`, `cri`, or `poll` (the poll that noticed). */
  endSource: 'kse.end.source',
  /** How much later (earlier for `poll`) than the span's end the true end may be, ms. */
  endUncertaintyMs: 'kse.end.uncertainty_ms',
  /** Child spans of this pod not emitted because of the per-pod span cap. */
  droppedSpans: 'kse.spans.dropped',
  /** Events dropped from this span because of the per-span event cap. */
  droppedEvents: 'kse.events.dropped',
  /** On every pod span: `context` (the pod's own trace context) or `group` (its run's label). */
  traceOrigin: 'kse.trace.origin',
  /** The group label key (`TRACE_GROUP_LABEL`), on pod spans of pods that carry it. */
  groupKey: 'kse.group.key',
  /** The group label's value (the ChaosEngine uid for `chaosUID`): one value per run. */
  groupValue: 'kse.group.value',
  /** On a pod span with its own context and the group label: the run's group trace id. */
  groupTraceId: 'kse.group.trace_id',
  /** Source of a span event: `container.waiting`, `pod.status.reason`, `kubelet`. */
  eventSource: 'kse.event.source',
} as const;
