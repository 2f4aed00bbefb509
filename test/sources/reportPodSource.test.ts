/** What the Pods API source and the fallback say and count. */
import test from 'ava';
import { AgentMetrics } from '../../src/agentMetrics.js';
import { markPodSource, reportPodSource } from '../../src/sources/reportPodSource.js';
import { logLines } from '../support/logLines.js';

function setup() {
  const { logger, lines } = logLines('info');
  const metrics = new AgentMetrics({ version: 'test', nodeVersion: process.versions.node });
  const report = reportPodSource(logger, metrics);
  return { lines, metrics, report };
}

const value = async (
  metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  labels: Record<string, string> = {},
) =>
  (await metric.get()).values.find((v) =>
    Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  )?.value;

test('a skipped pod is counted every time and logged once per kind', async (t) => {
  const { lines, metrics, report } = setup();
  report.hooks.badPod?.('undecodable', 'pod: not a protobuf v1.Pod (5 bytes)');
  report.hooks.badPod?.('undecodable', 'pod: not a protobuf v1.Pod (9 bytes)');
  report.hooks.badPod?.('no_uid', 'metadata.uid: missing');
  t.is(await value(metrics.podsApiBadPods, { kind: 'undecodable' }), 2);
  t.is(await value(metrics.podsApiBadPods, { kind: 'no_uid' }), 1);
  t.deepEqual(
    lines.map((l) => l.kind),
    ['undecodable', 'no_uid'],
  );
});

test('a down episode is logged once with the last error; events, resyncs and reconnects are counted', async (t) => {
  const { lines, metrics, report } = setup();
  report.hooks.reconnect?.(
    'initializing',
    250,
    new Error('9 FAILED_PRECONDITION: Kubelet is initializing'),
  );
  report.hooks.availability?.(false, 'initializing');
  report.hooks.reconnect?.('initializing', 500, new Error('again'));
  report.hooks.event?.('ADDED');
  report.hooks.event?.('INITIAL_SYNC_COMPLETE');
  report.hooks.resync?.();
  report.hooks.availability?.(true);
  t.is(await value(metrics.podsApiReconnects, { reason: 'initializing' }), 2);
  t.is(await value(metrics.podsApiEvents, { type: 'ADDED' }), 1);
  t.is(await value(metrics.podsApiResyncs), 1);
  t.deepEqual(
    lines.map((l) => l.msg),
    [
      'kubelet Pods API watch down: polling /pods while reconnecting',
      'watching the kubelet Pods API',
    ],
  );
  t.like(lines[0], {
    reason: 'initializing',
    error: '9 FAILED_PRECONDITION: Kubelet is initializing',
  });
  report.hooks.availability?.(false, 'no_socket');
  t.regex(String(lines.at(-1)?.msg), /every 5 minutes/);
});

test('the live source is 1 and the other 0; a switch to polling counts a fallback by reason', async (t) => {
  const { metrics, report } = setup();
  markPodSource(metrics, 'pods_polling');
  t.is(await value(metrics.podSource, { source: 'pods_polling' }), 1);
  t.is(await value(metrics.podSource, { source: 'pods_api' }), 0);
  report.onSwitch('preferred');
  t.is(await value(metrics.podSource, { source: 'pods_api' }), 1);
  t.is(await value(metrics.podSource, { source: 'pods_polling' }), 0);
  report.onSwitch('fallback', 'unavailable');
  t.is(await value(metrics.podSource, { source: 'pods_polling' }), 1);
  t.is(await value(metrics.podSourceFallbacks, { reason: 'unavailable' }), 1);
});
