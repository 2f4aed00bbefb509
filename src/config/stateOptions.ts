/**
 * Owns the options of what survives a restart: the checkpoint directory and, without a
 * checkpoint, how far back finished pods are still emitted.
 */
import { type ConfigVariable, durationVariable, range } from './configVariable.js';
import type { EnvReader } from './envReader.js';

const DEFAULT_STATE_DIR = '/var/lib/kubelet-span-exporter';
const CATCHUP_WINDOW_RANGE = [0, 7 * 24 * 3_600_000] as const;

export const STATE_VARIABLES = {
  STATE_DIR: {
    name: 'STATE_DIR',
    group: 'agent',
    default: DEFAULT_STATE_DIR,
    description:
      'Directory of the checkpoint (acknowledged spans, tracker state) and its lock; mount a volume there. `none` disables the checkpoint; an unwritable or locked directory is logged and the agent runs without one.',
  },
  CATCHUP_WINDOW: durationVariable({
    name: 'CATCHUP_WINDOW',
    group: 'agent',
    value: 15 * 60_000,
    bounds: CATCHUP_WINDOW_RANGE,
    description: `On a start without a checkpoint, pods that finished longer ago than this are not emitted (a rollout does not re-send hours of retained pods); a duration from ${range(CATCHUP_WINDOW_RANGE)}.`,
  }),
} as const satisfies Record<string, ConfigVariable>;

export interface StateOptions {
  /** Checkpoint directory; `undefined` (STATE_DIR=none) runs without a checkpoint. */
  readonly stateDir: string | undefined;
  /** Without a checkpoint, pods that finished longer ago than this are not emitted, ms. */
  readonly catchUpWindowMs: number;
}

export function readStateOptions(r: EnvReader): StateOptions {
  const v = STATE_VARIABLES;
  const stateDirValue = r.get(v.STATE_DIR) ?? DEFAULT_STATE_DIR;
  if (stateDirValue !== 'none' && !stateDirValue.startsWith('/')) {
    r.invalid(v.STATE_DIR, stateDirValue, 'not an absolute path (or none)');
  }
  return {
    stateDir: stateDirValue === 'none' ? undefined : stateDirValue,
    catchUpWindowMs: r.duration(v.CATCHUP_WINDOW),
  };
}
