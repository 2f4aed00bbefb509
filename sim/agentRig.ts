/**
 * The one bench of the end-to-end tests, the demo, the benchmark and the precision study: the real
 * agent (`node dist/main.js`, build first with `npm run build`) as a child process whose JSON log
 * lines are parsed, a kubelet stand-in (HTTPS, its CA and bearer token written to files), an
 * OTLP/gRPC receiver, optionally a kubelet Pods API on a unix socket, and the environment that
 * points the agent at them, exactly as in a cluster.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type KubeletStandIn,
  type KubeletStandInOptions,
  startKubeletStandIn,
} from './kubeletStandIn.js';
import { type OtlpReceiver, startOtlpReceiver } from './otlpReceiver.js';
import { podListBody } from './podBuilder.js';
import { PodsApiServer, type PodsApiServerOptions } from './podsapi/podsApiServer.js';

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

export interface Rig {
  readonly kubelet: KubeletStandIn;
  /** Replaceable: a test can close it and start another on the same port (collector outage). */
  receiver: OtlpReceiver;
  /**
   * The kubelet Pods API on `<dir>/pods-api.sock` when {@link RigOptions.podsApi} asked for one
   * (the agent's `KUBELET_PODS_API_SOCKET` points at it).
   */
  readonly podsApi: PodsApiServer | undefined;
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
  /**
   * Also serve a kubelet Pods API on a unix socket in the rig's directory and pass it to the
   * agent as `KUBELET_PODS_API_SOCKET` (`true`, or the server's options). Feed it with
   * `createNodeSimulator({ podsApi: rig.podsApi, ... })` or `rig.podsApi.setPods`.
   * @default false
   */
  readonly podsApi?: boolean | Omit<PodsApiServerOptions, 'socketPath'>;
}

/** Starts the stand-in and the receiver (not the agent: tests may change files first). */
export async function createRig(options: RigOptions = {}): Promise<Rig> {
  const kubelet = await startKubeletStandIn(options.kubelet);
  const receiver = await startOtlpReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'kse-rig-'));
  writeFileSync(join(dir, 'ca.crt'), kubelet.caPem);
  writeFileSync(join(dir, 'token'), kubelet.token, { mode: 0o600 });
  kubelet.setBody(podListBody([]));
  const podsApi =
    options.podsApi === undefined || options.podsApi === false
      ? undefined
      : await PodsApiServer.start({
          ...(options.podsApi === true ? {} : options.podsApi),
          socketPath: join(dir, 'pods-api.sock'),
        });
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
    ...(podsApi === undefined ? {} : { KUBELET_PODS_API_SOCKET: podsApi.target }),
    ...options.env,
  };
  const rig: Rig = {
    kubelet,
    receiver,
    podsApi,
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
      await podsApi?.stop();
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

/** A rig whose agent is running and has logged `started`. */
export type StartedRig = Rig & { readonly agent: AgentProcess };

export interface StartedRigOptions extends RigOptions {
  /** How long to wait for the agent's `started` log line, ms. @default 15000 */
  readonly startTimeoutMs?: number;
}

/**
 * The demo's, the benchmark's and the precision study's bench: {@link createRig} with 250 ms
 * polling, no checkpoint and a 200 ms export delay (`env` overrides them), the agent started and
 * its `started` line seen. Stop the agent with `rig.agent.stop()` (SIGTERM, flushing its spans).
 */
export async function startAgentRig(options: StartedRigOptions = {}): Promise<StartedRig> {
  const rig = await createRig({
    ...options,
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
  return Object.assign(rig, { agent });
}
