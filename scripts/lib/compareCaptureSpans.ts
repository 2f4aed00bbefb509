/**
 * Compares the spans the agent's core built for one pod of a capture with what the pod's JSON
 * says it should give (`expectedPodSpans`): one pod span under the injected context, one span
 * per phase and per container run with the reported exit code, restart index, container id and
 * times, every run up to `restartCount` accounted for, nothing else and nothing twice.
 *
 * Pure. Returns one line per disagreement; none means the pod passed.
 */
import { isSpanData, type SpanData } from '../../src/core/spanData.js';
import type { Time } from '../../src/core/time.js';
import type { ExpectedPod, ExpectedRun } from './expectedPodSpans.js';
import type { CaptureContext } from './injectTraceContexts.js';

const sameTime = (a: Time | undefined, b: Time | undefined) =>
  a !== undefined && b !== undefined && a[0] === b[0] && a[1] === b[1];
const show = (t: Time | undefined) =>
  t === undefined ? 'none' : new Date(t[0] * 1000 + t[1] / 1e6).toISOString();

const runLabel = (role: string, container: string, index: unknown) =>
  `${role} ${container} run ${String(index)}`;

export function compareCaptureSpans(
  expected: ExpectedPod,
  context: CaptureContext,
  spans: readonly SpanData[],
): string[] {
  const failures: string[] = [];
  const fail = (message: string) =>
    failures.push(`${expected.namespace}/${expected.name}: ${message}`);

  const keys = new Set<string>();
  for (const span of spans) {
    if (!isSpanData(span as unknown)) fail(`invalid span ${span.name}`);
    if (keys.has(span.key)) fail(`span ${span.name} (${span.key}) built twice`);
    keys.add(span.key);
    if (span.traceId !== context.traceId) fail(`span ${span.name} in trace ${span.traceId}`);
    if (span.attributes['k8s.pod.uid'] !== expected.uid) fail(`span ${span.name}: wrong pod uid`);
  }

  // the pod span
  const podSpans = spans.filter((s) => s.parentIsRemote);
  const podSpan = podSpans[0];
  if (podSpans.length !== 1 || !podSpan) {
    fail(`${podSpans.length} pod spans, expected 1`);
  } else {
    if (!podSpan.name.startsWith('pod ')) fail(`pod span named ${podSpan.name}`);
    if (podSpan.parentSpanId !== context.spanId) fail('pod span not under the injected context');
    if (podSpan.status.code !== (expected.failed ? 'error' : 'unset')) {
      fail(`pod span status ${podSpan.status.code}, phase ${expected.phase ?? 'none'}`);
    }
    if (podSpan.attributes['k8s.pod.status.phase'] !== expected.phase) {
      fail(`pod span phase ${String(podSpan.attributes['k8s.pod.status.phase'])}`);
    }
    if ((podSpan.attributes['kse.start.estimated'] === true) !== expected.startEstimated) {
      fail(
        `pod span start estimated: ${!expected.startEstimated}, expected ${expected.startEstimated}`,
      );
    }
  }
  const children = spans.filter((s) => !s.parentIsRemote);
  for (const span of children) {
    if (podSpan && span.parentSpanId !== podSpan.spanId)
      fail(`${span.name} not under the pod span`);
  }

  // phase spans
  const phaseNames = new Set<string>(['scheduling', 'sandbox', 'initialization']);
  const phaseSpans = children.filter((s) => phaseNames.has(s.name));
  for (const phase of expected.phases) {
    const found = phaseSpans.filter((s) => s.name === phase.name);
    if (found.length !== 1) {
      fail(`${found.length} ${phase.name} spans, expected 1`);
      continue;
    }
    const span = found[0] as SpanData;
    if (phase.start && !sameTime(span.start, phase.start)) {
      fail(`${phase.name} starts ${show(span.start)}, expected ${show(phase.start)}`);
    }
    if (phase.end && !sameTime(span.end, phase.end)) {
      fail(`${phase.name} ends ${show(span.end)}, expected ${show(phase.end)}`);
    }
  }
  for (const span of phaseSpans) {
    if (!expected.phases.some((p) => p.name === span.name)) fail(`unexpected ${span.name} span`);
  }

  // container runs
  const runSpans = children.filter((s) => !phaseNames.has(s.name));
  const remaining = new Set(runSpans);
  for (const run of expected.runs) {
    const label = runLabel(run.role, run.container, run.restartIndex);
    const found = runSpans.filter(
      (s) =>
        s.name === `${run.role} ${run.container}` &&
        s.attributes['k8s.container.restart_count'] === run.restartIndex,
    );
    for (const span of found) remaining.delete(span);
    if (found.length !== 1) {
      fail(`${found.length} spans for ${label}, expected 1`);
      continue;
    }
    const span = found[0] as SpanData;
    for (const problem of runProblems(run, span)) fail(`${label}: ${problem}`);
  }
  for (const span of remaining) {
    fail(`unexpected ${span.name} run ${String(span.attributes['k8s.container.restart_count'])}`);
  }

  // every run up to restartCount accounted for: seen, or counted as unobserved on a later run
  for (const c of expected.containers) {
    if (c.totalRuns === 0) continue;
    const mine = runSpans.filter((s) => s.name === `${c.role} ${c.container}`);
    const accounted = mine.reduce(
      (n, s) => n + 1 + Number(s.attributes['kse.container.unobserved_runs'] ?? 0),
      0,
    );
    if (accounted !== c.totalRuns) {
      fail(
        `${c.role} ${c.container}: ${accounted} runs accounted for, restartCount says ${c.totalRuns}`,
      );
    }
  }
  return failures;
}

function runProblems(run: ExpectedRun, span: SpanData): string[] {
  const problems: string[] = [];
  const a = span.attributes;
  if (a['process.exit.code'] !== run.exitCode) {
    problems.push(`exit code ${String(a['process.exit.code'])}, expected ${String(run.exitCode)}`);
  }
  if (a['k8s.container.status.reason'] !== run.reason) {
    problems.push(
      `reason ${String(a['k8s.container.status.reason'])}, expected ${String(run.reason)}`,
    );
  }
  if (a['container.id'] !== run.containerId) {
    problems.push(`container id ${String(a['container.id'])}, expected ${String(run.containerId)}`);
  }
  if (a['container.runtime.name'] !== run.runtime) {
    problems.push(
      `runtime ${String(a['container.runtime.name'])}, expected ${String(run.runtime)}`,
    );
  }
  if ((a['kse.container.sidecar'] === true) !== run.sidecar) problems.push('sidecar flag wrong');
  if (run.error !== undefined && (span.status.code === 'error') !== run.error) {
    problems.push(`status ${span.status.code}, expected ${run.error ? 'error' : 'unset'}`);
  }
  if (run.start) {
    if (!sameTime(span.start, run.start)) {
      problems.push(`starts ${show(span.start)}, expected ${show(run.start)}`);
    }
  } else if (a['kse.start.estimated'] !== true) {
    problems.push('no start was reported, yet the start is not marked estimated');
  }
  if (run.end) {
    if (!sameTime(span.end, run.end))
      problems.push(`ends ${show(span.end)}, expected ${show(run.end)}`);
  } else if (a['kse.end.estimated'] !== true) {
    problems.push('no end was reported, yet the end is not marked estimated');
  }
  return problems;
}
