/**
 * The recovery tests' bench: rigs (`sim/agentRig`) closed together at the end, and a scripted
 * timeline played poll by poll with the agent SIGKILLed and restarted on the same STATE_DIR where
 * the test says. Plain module (no test-framework imports).
 */

import type { AgentProcess } from '../../sim/agentRig.js';
import { createRig, polled, type Rig, type RigOptions } from '../../sim/agentRig.js';

/** Rigs made with shared options; `closeAll` (for `test.after.always`) closes every one. */
export function rigPool(options: { nodeName: string; env: Readonly<Record<string, string>> }) {
  const rigs: Rig[] = [];
  return {
    async rig(extra: Record<string, string> = {}): Promise<Rig> {
      const r = await createRig({
        nodeName: options.nodeName,
        env: { ...options.env, ...extra },
      } satisfies RigOptions);
      rigs.push(r);
      return r;
    },
    async closeAll(): Promise<void> {
      for (const r of rigs) await r.close();
    },
  };
}

/** The agent a test started (fails loudly when there is none). */
export function agentOf(r: Rig): AgentProcess {
  if (!r.agent) throw new Error('start the agent first');
  return r.agent;
}

/**
 * Starts the agent and serves `bodyAt(t)` for each step, two polls each; `kill(step)` gives a
 * delay (ms) after which the agent is SIGKILLed and restarted during that step. Ends with three
 * more polls (the last pods leave the list). Resolves with the number of kills.
 */
export async function playWithKills(
  r: Rig,
  steps: readonly number[],
  bodyAt: (t: number) => string,
  kill: (step: number) => number | undefined = () => undefined,
): Promise<number> {
  let kills = 0;
  r.start();
  for (const [step, t] of steps.entries()) {
    r.kubelet.setBody(bodyAt(t));
    const delay = kill(step);
    if (delay !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      await agentOf(r).stop('SIGKILL');
      kills++;
      r.start();
    }
    await polled(r.kubelet, 2);
  }
  await polled(r.kubelet, 3);
  return kills;
}
