/**
 * Owns the options of what survives a restart: the checkpoint directory and its bound and,
 * without a checkpoint, how far back finished pods are still emitted.
 */
import { DEFAULT_STATE_MAX_BYTES } from '../checkpoint/journalCheckpoint.js';
import {
  type ConfigVariable,
  type DefaultedNumberVariable,
  durationVariable,
  range,
} from './configVariable.js';
import type { EnvReader } from './envReader.js';
import { readByteSize } from './readByteSize.js';

const DEFAULT_STATE_DIR = '/var/lib/kubelet-span-exporter';
const CATCHUP_WINDOW_RANGE = [0, 7 * 24 * 3_600_000] as const;

/** Bytes, or a Kubernetes quantity; its table default written as one. */
const STATE_MAX_BYTES_VARIABLE: DefaultedNumberVariable = {
  name: 'STATE_MAX_BYTES',
  group: 'agent',
  value: DEFAULT_STATE_MAX_BYTES,
  default: '32Mi',
  bounds: [64 * 1024, 8 * 1024 ** 3],
  description:
    'Bound on the checkpoint\'s peak size in `STATE_DIR`: bytes, or a Kubernetes quantity (`32Mi`, `1Gi`), from 64Ki to 8Gi. At the bound the oldest unacknowledged spans are dropped and counted (`reason="state_bound"`). Keep the volume\'s `sizeLimit` at least 2× this.',
};

export const STATE_VARIABLES = {
  STATE_DIR: {
    name: 'STATE_DIR',
    group: 'agent',
    default: DEFAULT_STATE_DIR,
    description:
      'Directory of the checkpoint (the tracker state as a journal, unacknowledged spans as segments); mount a volume there (one per agent: an `emptyDir`). `none` disables the checkpoint; an unwritable directory is logged and the agent runs without one.',
  },
  STATE_MAX_BYTES: STATE_MAX_BYTES_VARIABLE,
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
  /** Bound on the checkpoint's peak size in `stateDir`, bytes (`STATE_MAX_BYTES`). */
  readonly stateMaxBytes: number;
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
    stateMaxBytes: readByteSize(r, v.STATE_MAX_BYTES, '64Ki to 8Gi'),
  };
}
