/**
 * The benchmark's figures for one node size, what follows from them (ratios to the floor, bytes
 * the kubelet serialises per second) and the targets of issue 13 checked against them.
 */

/** Medians over the repetitions of one node size. */
export interface SizeFigures {
  readonly pods: number;
  /** Bytes of one `/pods` body. */
  readonly bodyBytes: number;
  /** Floor: HTTPS fetch + `JSON.parse`, CPU ms per fetch, polled at the agent's idle interval. */
  readonly floorIdleCpuMsPerFetch: number;
  /** Fetch-only floor (HTTPS fetch into one buffer), at the idle interval. */
  readonly fetchOnlyIdleCpuMsPerFetch: number;
  /** Floor at the agent's busy interval (POLL_INTERVAL). */
  readonly floorBusyCpuMsPerFetch: number;
  /** Fetch-only floor at the busy interval. */
  readonly fetchOnlyBusyCpuMsPerFetch: number;
  /** Floor process RSS, MiB. */
  readonly floorRssMiB: number;
  /** Polls per second of the naive poller the floor stands for (always at the busy interval). */
  readonly floorPollsPerSecond: number;
  readonly idleCpuMsPerPoll: number;
  readonly idleCpuMsPerSecond: number;
  readonly idlePollsPerSecond: number;
  readonly busyCpuMsPerPoll: number;
  readonly busyCpuMsPerSecond: number;
  readonly busyPollsPerSecond: number;
  /** Agent RSS, MiB (the larger of the idle and busy medians). */
  readonly agentRssMiB: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencies: number;
  readonly spansPerSecond: number;
  /** Seconds from the agent's `started` log line to its first measured window. */
  readonly startupSeconds: number;
  /** Agent CPU from its process start to the end of the startup time (loading, JIT), ms. */
  readonly startupCpuMs: number;
  /** Polls the agent made in that time. */
  readonly startupPolls: number;
}

export interface DerivedFigures {
  /** Idle agent CPU per poll / floor CPU per fetch, at the idle interval. */
  readonly idleToFloor: number;
  /** Idle agent CPU per poll / fetch-only CPU per fetch, at the idle interval. */
  readonly idleToFetchOnly: number;
  /** Busy agent CPU per poll / floor CPU per fetch, at the busy interval. */
  readonly busyToFloor: number;
  /** Agent RSS / floor process RSS. */
  readonly rssToFloor: number;
  /** Body bytes × polls per second: what each costs the kubelet to serialise, KiB/s. */
  readonly kubeletKiBPerSecond: {
    readonly idle: number;
    readonly busy: number;
    readonly floor: number;
  };
}

export function derive(f: SizeFigures): DerivedFigures {
  const kib = f.bodyBytes / 1024;
  return {
    idleToFloor: f.idleCpuMsPerPoll / f.floorIdleCpuMsPerFetch,
    idleToFetchOnly: f.idleCpuMsPerPoll / f.fetchOnlyIdleCpuMsPerFetch,
    busyToFloor: f.busyCpuMsPerPoll / f.floorBusyCpuMsPerFetch,
    rssToFloor: f.agentRssMiB / f.floorRssMiB,
    kubeletKiBPerSecond: {
      idle: kib * f.idlePollsPerSecond,
      busy: kib * f.busyPollsPerSecond,
      floor: kib * f.floorPollsPerSecond,
    },
  };
}

export interface TargetCheck {
  readonly name: string;
  readonly value: number;
  readonly limit: number;
  readonly met: boolean;
}

/** Issue 13's targets: idle ≤ 0.5× floor and ≤ 1.3× fetch-only, busy ≤ 0.8×, RSS ≤ 1.2×. */
export function targetChecks(f: SizeFigures): TargetCheck[] {
  const d = derive(f);
  const check = (name: string, value: number, limit: number): TargetCheck => ({
    name,
    value,
    limit,
    // NaN (a figure missing) is not met.
    met: value <= limit,
  });
  return [
    check('idle CPU/poll vs floor', d.idleToFloor, 0.5),
    check('idle CPU/poll vs fetch-only floor', d.idleToFetchOnly, 1.3),
    check('busy CPU/poll vs floor', d.busyToFloor, 0.8),
    check('RSS vs floor process', d.rssToFloor, 1.2),
  ];
}
