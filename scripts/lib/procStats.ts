/**
 * CPU time and resident memory of another process, from Linux `/proc`: utime + stime of
 * `/proc/<pid>/stat` (clock ticks, 10 ms), or, finer, the scheduler's `se.sum_exec_runtime` of
 * every thread in `/proc/<pid>/task/<tid>/sched` (ns, when the kernel exposes it); VmRSS of
 * `/proc/<pid>/status`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** `getconf CLK_TCK` (100 on Linux almost everywhere). */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSecond = 100;
    }
    if (!(ticksPerSecond > 0)) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** User + system CPU time the process has used so far, ms (clock-tick resolution). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot parse ${stat}`);
  return ((utime + stime) * 1000) / clockTicksPerSecond();
}

/** `se.sum_exec_runtime` (ms) of a `/proc/.../sched` text; undefined when absent. */
export function sumExecRuntimeMs(schedText: string): number | undefined {
  const match = /^se\.sum_exec_runtime\s*:\s*([0-9]+(?:\.[0-9]+)?)\s*$/m.exec(schedText);
  return match === null ? undefined : Number(match[1]);
}

/**
 * CPU time the process's live threads have used so far, ms, with the scheduler's ns precision;
 * {@link processCpuMs} where `/proc/<pid>/task/<tid>/sched` is missing. Differences are exact
 * for a process whose threads do not exit in between (Node's threads live as long as it does).
 */
export function processCpuPreciseMs(pid: number): number {
  let total = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8');
      } catch {
        continue; // the thread just exited
      }
      const ms = sumExecRuntimeMs(text);
      if (ms === undefined) return processCpuMs(pid);
      total += ms;
    }
  } catch {
    return processCpuMs(pid);
  }
  return total;
}

/** Resident set size, MiB. */
export function processRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}
