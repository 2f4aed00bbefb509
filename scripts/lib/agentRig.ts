/**
 * The demo's and the benchmark's test bench: a kubelet stand-in, an OTLP/gRPC receiver and the
 * real agent (`node dist/main.js`) configured by env exactly as in a cluster, on 127.0.0.1.
 * Build first (`npm run build`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentProcess, startAgent } from '../../test/support/agentProcess.js';
import { type KubeletStandIn, startKubeletStandIn } from '../../test/support/kubeletStandIn.js';
import { type OtlpReceiver, startOtlpReceiver } from '../../test/support/otlpReceiver.js';
import { podListBody } from '../../test/support/podBuilder.js';

export interface AgentRig {
  readonly kubelet: KubeletStandIn;
  readonly receiver: OtlpReceiver;
  readonly agent: AgentProcess;
  /** The agent's environment (no secrets: file paths and loopback URLs). */
  readonly env: Readonly<Record<string, string>>;
  /** Stops the agent (SIGTERM, flushing its spans) and returns its exit code. */
  stopAgent(): Promise<number | string>;
  /** Stops everything and removes the temporary files. */
  close(): Promise<void>;
}

export interface AgentRigOptions {
  readonly nodeName: string;
  /** Added to (and overriding) the defaults below. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the agent's `started` log line, ms. @default 15000 */
  readonly startTimeoutMs?: number;
}

/** Starts the three pieces; resolves once the agent logged `started`. */
export async function startAgentRig(options: AgentRigOptions): Promise<AgentRig> {
  const kubelet = await startKubeletStandIn();
  const receiver = await startOtlpReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'kse-rig-'));
  writeFileSync(join(dir, 'ca.crt'), kubelet.caPem);
  writeFileSync(join(dir, 'token'), kubelet.token, { mode: 0o600 });
  kubelet.setBody(podListBody([]));
  const env: Record<string, string> = {
    NODE_NAME: options.nodeName,
    KUBELET_URL: kubelet.url,
    KUBELET_CA_FILE: join(dir, 'ca.crt'),
    KUBELET_TOKEN_FILE: join(dir, 'token'),
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    POLL_INTERVAL: '250ms',
    LOG_LEVEL: 'info',
    HTTP_PORT: '0',
    STATE_DIR: 'none',
    ...options.env,
  };
  const agent = startAgent(env);
  const close = async (): Promise<void> => {
    await agent.stop('SIGKILL');
    await kubelet.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await agent.waitForLog((l) => l.msg === 'started', options.startTimeoutMs ?? 15_000);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    kubelet,
    receiver,
    agent,
    env,
    stopAgent: () => agent.stop('SIGTERM'),
    close,
  };
}
