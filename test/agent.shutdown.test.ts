/**
 * The agent in process (real kubelet client against the HTTPS stand-in, real checkpoint store)
 * with a collector that does not take spans: what stop() leaves undelivered and how it is counted.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import test from 'ava';
import { pino } from 'pino';
import { type KubeletStandIn, startKubeletStandIn } from '../sim/kubeletStandIn.js';
import { litmusTraceParentValue, type PodScript, podAt, podListBody } from '../sim/podBuilder.js';
import { AgentMetrics } from '../src/agentMetrics.js';
import { CheckpointStore } from '../src/checkpoint/checkpointStore.js';
import { createClock } from '../src/clock.js';
import { composeAgent } from '../src/composeAgent.js';
import { parseConfig } from '../src/config.js';
import type { ExportTarget } from '../src/export/spanExportQueue.js';
import { toReadableSpans } from '../src/export/toReadableSpan.js';
import { KubeletClient } from '../src/kubelet/kubeletClient.js';
import { experimentClock } from './support/experimentClock.js';

const NODE = 'worker-1';
const { sec } = experimentClock(120);

/** A finished pod with a trace context: three spans (pod, scheduling, container). */
const helper: PodScript = {
  name: 'container-kill-helper-hzv7c',
  namespace: 'litmus',
  labels: { chaosUID: 'c', name: 'container-kill' },
  creationTimestamp: sec(10),
  restartPolicy: 'Never',
  nodeName: NODE,
  containers: [
    {
      name: 'container-kill',
      env: {
        TRACE_PARENT: litmusTraceParentValue(
          '5b8efff798038103d269b633813fc60c',
          'a1b2c3d4e5f60718',
        ),
      },
      runs: [{ startedAt: sec(12), finishedAt: sec(20) }],
    },
  ],
};

/** A collector that never answers, or answers every export with a retryable gRPC error. */
function collector(behaviour: 'hang' | 'unavailable'): ExportTarget & { exports: number } {
  const target = {
    exports: 0,
    export(_spans: unknown[], callback: (result: ExportResult) => void) {
      target.exports++;
      if (behaviour === 'unavailable') {
        const error = Object.assign(new Error('14 UNAVAILABLE: connection refused'), { code: 14 });
        callback({ code: ExportResultCode.FAILED, error });
      }
    },
    shutdown: async () => {},
  };
  return target;
}

const dirs: string[] = [];
const kubelets: KubeletStandIn[] = [];
test.after.always(async () => {
  for (const k of kubelets) await k.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function runAndStop(options: {
  target: ExportTarget;
  checkpoint: boolean;
  env?: Record<string, string>;
}) {
  const kubelet = await startKubeletStandIn();
  kubelets.push(kubelet);
  const dir = mkdtempSync(join(tmpdir(), 'kse-agent-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'ca.crt'), kubelet.caPem);
  writeFileSync(join(dir, 'token'), kubelet.token, { mode: 0o600 });
  kubelet.setBody(podListBody([podAt(helper, sec(21))]));
  const parsed = parseConfig({
    NODE_NAME: NODE,
    KUBELET_URL: kubelet.url,
    KUBELET_CA_FILE: join(dir, 'ca.crt'),
    KUBELET_TOKEN_FILE: join(dir, 'token'),
    POLL_INTERVAL: '100ms',
    ...options.env,
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const metrics = new AgentMetrics({ version: 'test', nodeVersion: process.versions.node });
  const opened = options.checkpoint
    ? await CheckpointStore.open({ dir: join(dir, 'state'), owner: 'pod-a' })
    : undefined;
  if (opened && !opened.ok) throw new Error(opened.reason);
  const store = opened?.store;
  const resource = resourceFromAttributes({ 'service.name': 'kubelet-span-exporter' });
  const agent = composeAgent(parsed.config, {
    logger: pino({ level: 'silent' }),
    metrics,
    now: createClock(),
    hash: (input) => createHash('sha256').update(input).digest('hex'),
    kubelet: new KubeletClient({
      baseUrl: parsed.config.kubelet.url,
      tokenFile: parsed.config.kubelet.tokenFile,
      caFile: parsed.config.kubelet.caFile,
      timeoutMs: parsed.config.kubelet.timeoutMs,
      maxBodyBytes: parsed.config.kubelet.maxBodyBytes,
    }),
    target: options.target,
    convertBatch: (spans) => toReadableSpans(spans, resource, { name: 'test' }),
    ...(store ? { checkpoint: store } : {}),
  });
  agent.start();
  // wait (bounded, asserting nothing about the time) for the first poll's spans to be queued
  const deadline = Date.now() + 20_000;
  while ((await metrics.spansBuilt.get()).values[0]?.value !== 3) {
    if (Date.now() > deadline) throw new Error('the agent never queued the pod spans');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const result = await agent.stop(400);
  const counter = async (c: { get(): Promise<{ values: { value: number }[] }> }) =>
    (await c.get()).values.reduce((sum, v) => sum + v.value, 0);
  const reopened = store
    ? await CheckpointStore.open({ dir: join(dir, 'state'), owner: 'pod-a' })
    : undefined;
  const loaded = reopened?.ok ? await reopened.store.load() : undefined;
  if (reopened?.ok) await reopened.store.close();
  return {
    result,
    built: await counter(metrics.spansBuilt),
    dropped: await counter(metrics.spansDropped),
    failed: await counter(metrics.spansFailed),
    checkpointed: loaded?.kind === 'loaded' ? loaded.data.pending.length : 0,
  };
}

test('spans waiting at shutdown and saved to the checkpoint are not counted as dropped', async (t) => {
  // one span per batch: the first hangs in flight, two wait behind it
  const target = collector('hang');
  const got = await runAndStop({
    target,
    checkpoint: true,
    env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1', OTEL_BSP_SCHEDULE_DELAY: '0' },
  });
  t.is(got.built, 3);
  t.is(target.exports, 1);
  t.deepEqual(got.result, { delivered: 0, undelivered: 3 });
  t.is(got.checkpointed, 3, 'all three are in the checkpoint: the next start sends them');
  t.is(got.dropped, 0);
  t.is(got.failed, 0);
});

test('a batch in retry back-off at shutdown and saved to the checkpoint is not counted as failed', async (t) => {
  const target = collector('unavailable');
  const got = await runAndStop({ target, checkpoint: true, env: { OTEL_BSP_SCHEDULE_DELAY: '0' } });
  t.is(got.built, 3);
  t.true(target.exports >= 1);
  t.deepEqual(got.result, { delivered: 0, undelivered: 3 });
  t.is(got.checkpointed, 3);
  t.is(got.dropped, 0);
  t.is(got.failed, 0);
});

test('without a checkpoint, spans left at shutdown are lost and counted as dropped', async (t) => {
  const target = collector('hang');
  const got = await runAndStop({
    target,
    checkpoint: false,
    env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1', OTEL_BSP_SCHEDULE_DELAY: '0', STATE_DIR: 'none' },
  });
  t.is(got.built, 3);
  t.deepEqual(got.result, { delivered: 0, undelivered: 3 });
  // the two waiting behind the hanging export; the one in flight is neither acknowledged nor dropped
  t.is(got.dropped, 2);
});
