/**
 * The composition root: the only module that reads `process` (env, signals, exit code). Builds
 * every part from `Config` — logger, metrics, clock, kubelet access (in-cluster, or a kubeconfig
 * from a laptop: decided here only), checkpoint, CRI lookup, OTLP exporter, the tracing pipeline
 * (`composeAgent`) and the HTTP server — starts them and stops them on SIGTERM/SIGINT.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { pino } from 'pino';
import type { Agent } from './agent.js';
import { AgentMetrics } from './agentMetrics.js';
import { type CheckpointData, CheckpointStore } from './checkpoint/checkpointStore.js';
import { createClock } from './clock.js';
import { composeAgent } from './composeAgent.js';
import type { Config } from './config.js';
import { parseConfig } from './config.js';
import { podSelectorText } from './core/podSelector.js';
import { addMillis, formatTime, minTime, type Time } from './core/time.js';
import { CriClient } from './cri/criClient.js';
import { CriRuntimeLookup } from './cri/criRuntimeLookup.js';
import { agentResource } from './export/agentResource.js';
import { createOtlpExporter } from './export/createOtlpExporter.js';
import { toReadableSpans } from './export/toReadableSpan.js';
import { startHttpServer } from './httpServer.js';
import { findKubeconfig, kubeconfigAccess } from './kubelet/kubeconfigAccess.js';
import type { KubeletAccess } from './kubelet/kubeletAccess.js';
import { KubeletClient } from './kubelet/kubeletClient.js';
import { livenessStaleAfterMs, pollLiveness } from './pollLiveness.js';

/** Hard limit between a termination signal and exit, whatever is still pending (ms). */
const EXIT_DEADLINE_MS = 9_500;

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const home = process.env.HOME ?? homedir();
  const kubeconfigFound =
    findKubeconfig({
      ...(process.env.KUBECONFIG ? { kubeconfig: process.env.KUBECONFIG } : {}),
      home,
    }) !== undefined;
  const parsed = parseConfig(process.env, { kubeconfigFound });
  if (!parsed.ok) {
    for (const error of parsed.errors) process.stderr.write(`config error: ${error}\n`);
    process.stderr.write(
      `kubelet-span-exporter: ${parsed.errors.length} configuration error(s); see README.md#configuration\n`,
    );
    process.exitCode = 2;
    return;
  }
  const { config, warnings } = parsed;
  const version = readVersion();
  const logger = pino({
    level: config.logLevel,
    base: { node: config.nodeName },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  for (const warning of warnings) logger.warn(warning);

  const metrics = new AgentMetrics({ version, nodeVersion: process.versions.node });
  let agent: Agent | undefined;
  let apiServerProxy: { baseUrl: string; access: KubeletAccess } | undefined;
  if (config.tracingEnabled) {
    const scope = { name: 'kubelet-span-exporter', version };
    const resource = agentResource(config);
    const now = createClock();
    if (config.kubelet.viaKubeconfig) {
      const found = await kubeconfigAccess({
        nodeName: config.nodeName,
        ...(config.kubelet.kubeconfig ? { kubeconfig: config.kubelet.kubeconfig } : {}),
        home,
      });
      if (!found.ok) {
        process.stderr.write(`config error: KUBECONFIG: ${found.error}\n`);
        process.exitCode = 2;
        return;
      }
      apiServerProxy = { baseUrl: found.baseUrl, access: found.access };
      logger.info(
        { context: found.context, server: found.server },
        'no KUBELET_URL or NODE_IP: polling the kubelet through the API server node proxy (needs get on nodes/proxy)',
      );
    }
    const kubeletLimits = {
      timeoutMs: config.kubelet.timeoutMs,
      maxBodyBytes: config.kubelet.maxBodyBytes,
    };
    const state = await openCheckpoint(config, logger, metrics, now());
    const cri = config.cri
      ? new CriRuntimeLookup({
          client: new CriClient({ endpoint: config.cri.endpoint, timeoutMs: config.cri.timeoutMs }),
          onAnswered: (kind) => metrics.criLookups.inc({ outcome: kind }),
          onFallback: (reason) => metrics.criLookups.inc({ outcome: reason }),
        })
      : undefined;
    agent = composeAgent(config, {
      logger,
      metrics,
      now,
      ...state,
      ...(cri ? { cri } : {}),
      kubelet: new KubeletClient(
        apiServerProxy
          ? { ...kubeletLimits, ...apiServerProxy }
          : {
              ...kubeletLimits,
              baseUrl: config.kubelet.url,
              tokenFile: config.kubelet.tokenFile,
              caFile: config.kubelet.caFile,
              insecureTls: config.kubelet.insecureTls,
            },
      ),
      hash: (input) => createHash('sha256').update(input).digest('hex'),
      target: createOtlpExporter({
        url: config.otlp.endpoint,
        timeoutMillis: config.otlp.timeoutMs,
        metadata: config.otlp.headers,
        compression: config.otlp.compression,
        ...(config.otlp.tls ? { tls: config.otlp.tls } : {}),
      }),
      convertBatch: (spans) => toReadableSpans(spans, resource, scope),
    });
    agent.start();
  }
  const startedAt = Date.now();
  // `/healthz` fails once the poll loop has not started a poll for this long.
  const staleAfterMs = livenessStaleAfterMs(config);
  const http = await startHttpServer({
    port: config.httpPort,
    health: () => {
      if (!agent) return { ok: true, detail: { tracing: false } };
      return pollLiveness({
        lastTickMs: agent.lastTick,
        startedAtMs: startedAt,
        nowMs: Date.now(),
        staleAfterMs,
      });
    },
    ready: () =>
      agent
        ? { ok: agent.ready, detail: { kubeletPollSucceeded: agent.ready } }
        : { ok: true, detail: { tracing: false } },
    metrics: async () => ({
      contentType: metrics.registry.contentType,
      body: await metrics.registry.metrics(),
    }),
  }).catch((error: unknown) => {
    logger.fatal({ port: config.httpPort, error: String(error) }, 'cannot serve HTTP endpoints');
    process.exit(1);
  });
  logger.info(
    {
      version,
      httpPort: http.port,
      tracing: config.tracingEnabled,
      ...(config.tracingEnabled
        ? {
            kubelet: apiServerProxy?.baseUrl ?? config.kubelet.url,
            collector: config.otlp.endpoint,
            selector: podSelectorText(config.podSelectors),
            groupLabel: config.traceGroupLabel ?? 'off',
            namespaces: config.podNamespaces ?? 'all',
            pollIntervalMs: config.pollIntervalMs,
            idlePollIntervalMs: config.idlePollIntervalMs,
            cri: config.cri?.endpoint ?? 'off',
            stateDir: config.stateDir ?? 'none',
          }
        : {}),
    },
    config.tracingEnabled ? 'started' : 'started with tracing disabled: idling',
  );

  // Keeps the event loop alive while idle; every other timer of the agent is unref'd.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: polling stopped, flushing spans');
    const hardStop = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting with spans undelivered');
      process.exit(0);
    }, EXIT_DEADLINE_MS);
    hardStop.unref();
    try {
      const result = agent ? await agent.stop(config.shutdownTimeoutMs) : undefined;
      if (result && result.undelivered > 0) {
        logger.warn(result, 'shutdown: some spans could not be delivered');
      } else {
        logger.info(result ?? {}, 'shutdown complete');
      }
    } catch (error) {
      logger.error({ error: String(error) }, 'shutdown failed');
    } finally {
      await http.close();
      clearInterval(keepAlive);
      clearTimeout(hardStop);
      logger.flush();
      process.exitCode = 0;
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection: ${String(reason)}\n`);
});

await main();

/**
 * Opens the checkpoint in STATE_DIR and loads it. Anything wrong (unwritable, locked, corrupt)
 * is logged and the agent runs on; the catch-up cutoff follows from what was found.
 */
async function openCheckpoint(
  config: Config,
  logger: pino.Logger,
  metrics: AgentMetrics,
  now: Time,
): Promise<{ checkpoint?: CheckpointStore; resume?: CheckpointData; catchUpCutoff: Time }> {
  const windowCutoff = addMillis(now, -config.catchUpWindowMs);
  if (!config.stateDir) {
    logger.info('STATE_DIR=none: running without a checkpoint');
    return { catchUpCutoff: windowCutoff };
  }
  const opened = await CheckpointStore.open({ dir: config.stateDir, owner: hostname() });
  if (!opened.ok) {
    logger.warn(
      { stateDir: config.stateDir, reason: opened.reason },
      'running without a checkpoint: spans built before a restart may be re-sent or lost',
    );
    return { catchUpCutoff: windowCutoff };
  }
  const store = opened.store;
  store.onError = (error) => {
    metrics.checkpointWrites.inc({ outcome: 'failed' });
    logger.warn({ error: String(error) }, 'checkpoint write failed');
  };
  store.onWrite = () => metrics.checkpointWrites.inc({ outcome: 'ok' });
  const loaded = await store.load();
  if (loaded.kind === 'corrupt') {
    logger.warn(
      { stateDir: config.stateDir, reason: loaded.reason },
      'checkpoint unusable: starting as without one',
    );
  }
  if (loaded.kind !== 'loaded') {
    return { checkpoint: store, catchUpCutoff: windowCutoff };
  }
  const { data } = loaded;
  if (data.node !== config.nodeName) {
    logger.warn(
      { checkpointNode: data.node },
      'checkpoint belongs to another node: starting as without one',
    );
    return { checkpoint: store, catchUpCutoff: windowCutoff };
  }
  logger.info(
    {
      savedAt: formatTime(data.savedAt),
      pods: data.tracker.pods.length,
      pendingSpans: data.pending.length,
      bytes: loaded.bytes,
    },
    'resuming from checkpoint',
  );
  // Pods that finished while the agent was down are emitted; a minute of margin covers a
  // checkpoint written slightly before the last poll it reflects.
  return {
    checkpoint: store,
    resume: data,
    catchUpCutoff: minTime(windowCutoff, addMillis(data.savedAt, -60_000)),
  };
}
