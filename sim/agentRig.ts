/**
 * The one test bench of the end-to-end tests, the demo, the benchmark and the precision study: a
 * kubelet stand-in (HTTPS, its CA and bearer token written to files), an OTLP/gRPC receiver, and
 * the environment that points the real agent (`node dist/main.js`) at them, exactly as in a
 * cluster. Build first (`npm run build`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentProcess, startAgent } from './agentProcess.js';
import {
  type KubeletStandIn,
  type KubeletStandInOptions,
  startKubeletStandIn,
} from './kubeletStandIn.js';
import { type OtlpReceiver, startOtlpReceiver } from './otlpReceiver.js';
import { podListBody } from './podBuilder.js';

export interface Rig {
  readonly kubelet: KubeletStandIn;
  /** Replaceable: a test can close it and start another on the same port (collector outage). */
  receiver: OtlpReceiver;
  /** Temporary directory with `ca.crt`, `token` and the agent's `state/`; removed on close. */
  readonly dir: string;
  /** The agent's environment (file paths and loopback URLs only). */
  readonly env: Readonly<Record<string, string>>;
  /** The agent process last started by {@link Rig.start}. */
  agent: AgentProcess | undefined;
  /** Starts the agent with `env` (plus `extra`). */
  start(extra?: Readonly<Record<string, string>>): AgentProcess;
  /** Kills the agent and stops everything. */
  close(): Promise<void>;
}

export interface RigOptions {
  /** @default 'worker-1' */
  readonly nodeName?: string;
  /** Added to (and overriding) the defaults. */
  readonly env?: Readonly<Record<string, string>>;
  /** The kubelet stand-in's options (seed, random faults, ...). @default a real kubelet's ways */
  readonly kubelet?: KubeletStandInOptions;
}

/** Starts the stand-in and the receiver (not the agent: tests may change files first). */
export async function createRig(options: RigOptions = {}): Promise<Rig> {
  const kubelet = await startKubeletStandIn(options.kubelet);
  const receiver = await startOtlpReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'kse-rig-'));
  writeFileSync(join(dir, 'ca.crt'), kubelet.caPem);
  writeFileSync(join(dir, 'token'), kubelet.token, { mode: 0o600 });
  kubelet.setBody(podListBody([]));
  const env: Record<string, string> = {
    NODE_NAME: options.nodeName ?? 'worker-1',
    KUBELET_URL: kubelet.url,
    KUBELET_CA_FILE: join(dir, 'ca.crt'),
    KUBELET_TOKEN_FILE: join(dir, 'token'),
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    POLL_INTERVAL: '100ms',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    HTTP_PORT: '0',
    STATE_DIR: join(dir, 'state'),
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const rig: Rig = {
    kubelet,
    receiver,
    dir,
    env,
    agent: undefined,
    start(extra = {}) {
      rig.agent = startAgent({ ...env, ...extra });
      return rig.agent;
    },
    async close() {
      await rig.agent?.stop('SIGKILL');
      await kubelet.close();
      await rig.receiver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

/** Resolves once the stand-in has served `polls` more `/pods` requests. */
export async function polled(kubelet: KubeletStandIn, polls: number, timeoutMs = 20_000) {
  const target = kubelet.requests + polls;
  const deadline = Date.now() + timeoutMs;
  while (kubelet.requests < target) {
    if (Date.now() > deadline) throw new Error(`the agent stopped polling the kubelet`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
