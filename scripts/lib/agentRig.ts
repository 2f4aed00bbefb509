/**
 * The demo's, the benchmark's and the precision study's bench: the shared test rig
 * (`test/support/agentRig.ts`) with the agent started and its `started` line seen.
 */
import type { AgentProcess } from '../../sim/agentProcess.js';
import { createRig } from '../../sim/agentRig.js';
import type { KubeletStandIn, KubeletStandInOptions } from '../../sim/kubeletStandIn.js';
import type { OtlpReceiver } from '../../sim/otlpReceiver.js';

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
  /** Added to (and overriding) the defaults: 250 ms polling, no checkpoint. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the agent's `started` log line, ms. @default 15000 */
  readonly startTimeoutMs?: number;
  /** The kubelet stand-in's options (seed, random faults, ...). @default a real kubelet's ways */
  readonly kubelet?: KubeletStandInOptions;
}

/** Starts the three pieces; resolves once the agent logged `started`. */
export async function startAgentRig(options: AgentRigOptions): Promise<AgentRig> {
  const rig = await createRig({
    nodeName: options.nodeName,
    ...(options.kubelet !== undefined ? { kubelet: options.kubelet } : {}),
    env: {
      POLL_INTERVAL: '250ms',
      STATE_DIR: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      ...options.env,
    },
  });
  const agent = rig.start();
  try {
    await agent.waitForLog((l) => l.msg === 'started', options.startTimeoutMs ?? 15_000);
  } catch (error) {
    await rig.close();
    throw error;
  }
  return {
    kubelet: rig.kubelet,
    receiver: rig.receiver,
    agent,
    env: rig.env,
    stopAgent: () => agent.stop('SIGTERM'),
    close: () => rig.close(),
  };
}
