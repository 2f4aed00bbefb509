/**
 * Short human notes about a span for the waterfall and the HTML timeline: exit code, restart
 * index, phase, status message, estimated times.
 */
import type { ReceivedSpan } from '../../sim/otlpReceiver.js';

/** `12.0s`, `850ms`, `0s`: a duration for people. */
export function formatDuration(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 600_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** `service.name` of the span's resource, or `?`. */
export function serviceOf(span: ReceivedSpan): string {
  const name = span.resource['service.name'];
  return typeof name === 'string' && name !== '' ? name : '?';
}

/** Notes such as `exit 137 Error`, `restart #1`, `Succeeded`, `end estimated`. */
export function spanNotes(span: ReceivedSpan): string[] {
  const a = span.attributes;
  const notes: string[] = [];
  const exit = a['process.exit.code'];
  if (exit !== undefined && exit !== null) {
    const reason = a['k8s.container.status.reason'];
    notes.push(`exit ${String(exit)}${typeof reason === 'string' ? ` ${reason}` : ''}`);
  }
  const restart = a['k8s.container.restart_count'];
  if (typeof restart === 'number' && restart > 0) notes.push(`restart #${restart}`);
  const phase = a['k8s.pod.status.phase'];
  if (typeof phase === 'string') notes.push(phase);
  if (span.status.code === 2) {
    const message = span.status.message;
    if (message && !notes.some((n) => n.includes(message))) notes.push(`error: ${message}`);
    else if (!message) notes.push('error');
  }
  if (a['kse.start.estimated'] === true) notes.push('start estimated');
  if (a['kse.end.estimated'] === true) notes.push('end estimated');
  const unobserved = a['kse.container.unobserved_runs'];
  if (typeof unobserved === 'number' && unobserved > 0) notes.push(`${unobserved} runs unseen`);
  return notes;
}
