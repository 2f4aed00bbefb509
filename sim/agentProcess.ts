import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One JSON log line of the agent (pino), or a raw line that was not JSON. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

export interface AgentProcess {
  readonly child: ChildProcess;
  /** Parsed stdout lines so far. */
  readonly logs: readonly LogLine[];
  /** Raw stderr so far. */
  readonly stderr: () => string;
  /** Resolves with the first log line matching, rejects after `timeoutMs` with the logs so far. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Sends a signal and waits for exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Path of the built entry point, `dist/main.js`. */
export const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * Starts the agent through its real entry point (`node dist/main.js`) with exactly `env` plus
 * PATH (nothing else of the test's environment leaks in). Build first (`npm run build`).
 */
export function startAgent(env: Record<string, string>): AgentProcess {
  const child = spawn(process.execPath, [MAIN_JS], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let stderr = '';
  let partial = '';
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line, raw: true });
      }
    }
    for (const w of waiters) w();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const w of waiters) w();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 20_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(match);
        if (found) {
          cleanup();
          resolve(found);
        } else if (done) {
          cleanup();
          reject(new Error(`agent exited before the log line; logs:\n${dump()}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`log line not seen within ${timeoutMs} ms; logs:\n${dump()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const dump = () =>
    [...logs.map((l) => JSON.stringify(l)), stderr ? `stderr: ${stderr}` : '']
      .join('\n')
      .slice(-6000);

  return {
    child,
    logs,
    stderr: () => stderr,
    waitForLog,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}
