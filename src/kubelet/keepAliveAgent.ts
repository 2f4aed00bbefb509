/**
 * Owns the kubelet client's one keep-alive connection: an `http(s).Agent` reused across fetches
 * and replaced when the TLS material it was built from changes.
 */
import * as http from 'node:http';
import * as https from 'node:https';

/**
 * Idle keep-alive sockets are dropped after this long (ms), well before the kubelet's 90 s
 * IdleTimeout, so a poll never writes to a connection the kubelet is closing.
 */
const FREE_SOCKET_TIMEOUT_MS = 30_000;

/** One kept-alive connection, reused across polls; idle sockets closed before the kubelet does. */
const KEEP_ALIVE = {
  keepAlive: true,
  maxSockets: 1,
  maxFreeSockets: 1,
  timeout: FREE_SOCKET_TIMEOUT_MS,
} as const;

/** TLS options of an https agent (besides keep-alive). */
export type AgentTls = Omit<https.AgentOptions, keyof typeof KEEP_ALIVE>;

export class KeepAliveAgent {
  #agent: http.Agent | undefined;
  /** What the agent was built from: a CA file's signature or a digest of any TLS material. */
  #tlsSignature: string | undefined;

  /** The current agent if it was built from `signature`. */
  current(signature: string): http.Agent | undefined {
    return this.#agent !== undefined && this.#tlsSignature === signature ? this.#agent : undefined;
  }

  /** The agent for `signature`: the current one, or a new one (plain http when `tls` is undefined). */
  for(signature: string, tls: AgentTls | undefined): http.Agent {
    const current = this.current(signature);
    if (current) return current;
    this.#agent?.destroy();
    this.#agent =
      tls === undefined ? new http.Agent(KEEP_ALIVE) : new https.Agent({ ...KEEP_ALIVE, ...tls });
    this.#tlsSignature = signature;
    return this.#agent;
  }

  destroy(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
    this.#tlsSignature = undefined;
  }
}
