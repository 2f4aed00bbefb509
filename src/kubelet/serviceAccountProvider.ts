/**
 * Owns in-cluster kubelet access: the service account's bearer token file (re-read when it is
 * replaced, or after a 401) and the CA file verifying the kubelet's serving certificate (re-read
 * when it changes), or no verification at all (insecure TLS).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { KeepAliveAgent } from './keepAliveAgent.js';
import type { KubeletAccessProvider, PreparedRequest } from './kubeletAccess.js';
import { KubeletError } from './kubeletError.js';
import { TLS_HINT } from './kubeletFailure.js';
import { describe, errorCode, type Redactor } from './redaction.js';

export interface ServiceAccountProviderOptions {
  /** Bearer token file; not set: no token is sent. */
  readonly tokenFile: string | undefined;
  /** PEM CA bundle that verifies the kubelet's serving certificate. */
  readonly caFile: string | undefined;
  /** Skip verification of the kubelet's certificate (`caFile` is then ignored). */
  readonly insecureTls: boolean;
  /** The kubelet is reached over https. */
  readonly secure: boolean;
  /** Where tokens read are remembered, to be kept out of messages. */
  readonly redactor: Redactor;
}

interface CachedToken {
  readonly signature: string;
  /** `undefined`: no token is sent. */
  readonly token: string | undefined;
}

export class ServiceAccountProvider implements KubeletAccessProvider {
  readonly proxied = undefined;
  readonly #options: ServiceAccountProviderOptions;
  readonly #agent = new KeepAliveAgent();
  #token: CachedToken | undefined;
  #closed = false;

  constructor(options: ServiceAccountProviderOptions) {
    this.#options = options;
  }

  async prepare(): Promise<PreparedRequest> {
    const token = await this.#readToken(false);
    const agent = await this.#currentAgent();
    if (this.#closed) throw new KubeletError('connection', 'kubelet client is closed');
    return { agent, headers: bearer(token), signature: tokenSignature(token) };
  }

  async renew(previous: PreparedRequest): Promise<PreparedRequest | undefined> {
    if (this.#options.tokenFile === undefined) return undefined;
    const reread = await this.#readToken(true);
    if (tokenSignature(reread) === previous.signature) return undefined;
    return { agent: previous.agent, headers: bearer(reread), signature: tokenSignature(reread) };
  }

  close(): void {
    this.#closed = true;
    this.#agent.destroy();
  }

  /** Current token (`undefined`: send none); re-read when the file changed or when forced. */
  async #readToken(force: boolean): Promise<string | undefined> {
    const file = this.#options.tokenFile;
    if (file === undefined) return undefined;
    let signature: string;
    try {
      signature = await fileSignature(file);
    } catch (error) {
      if (errorCode(error) === 'ENOENT' && !this.#options.secure) {
        this.#token = { signature: 'absent', token: undefined };
        return undefined;
      }
      throw new KubeletError('token', `cannot read bearer token file ${file} (${describe(error)})`);
    }
    if (!force && this.#token !== undefined && this.#token.signature === signature) {
      return this.#token.token;
    }
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      throw new KubeletError('token', `cannot read bearer token file ${file} (${describe(error)})`);
    }
    const token = text.trim();
    if (token.length > 0) this.#options.redactor.remember(token);
    if (token.length === 0) {
      throw new KubeletError('token', `bearer token file ${file} is empty`);
    }
    if (!/^[\x21-\x7e]+$/.test(token)) {
      throw new KubeletError(
        'token',
        `bearer token file ${file} holds characters not allowed in an HTTP header`,
      );
    }
    this.#token = { signature, token };
    return token;
  }

  /** The keep-alive agent, rebuilt when the CA file changed. */
  async #currentAgent() {
    if (!this.#options.secure) return this.#agent.for('plain', undefined);
    const { insecureTls } = this.#options;
    const caFile = insecureTls ? undefined : this.#options.caFile;
    let ca: string | undefined;
    let caSignature = 'none';
    if (caFile !== undefined) {
      try {
        caSignature = await fileSignature(caFile);
      } catch (error) {
        throw new KubeletError('ca', `cannot read CA file ${caFile} (${describe(error)})`, {
          hint: TLS_HINT,
        });
      }
      const current = this.#agent.current(caSignature);
      if (current) return current;
      ca = await readCa(caFile);
    }
    return this.#agent.for(caSignature, {
      rejectUnauthorized: !insecureTls,
      ...(ca === undefined ? {} : { ca }),
    });
  }
}

/** `Authorization` header of a bearer token, if any. */
function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { Authorization: `Bearer ${token}` };
}

/** Tells tokens apart without keeping another copy of one. */
function tokenSignature(token: string | undefined): string {
  return token === undefined ? 'none' : createHash('sha256').update(token).digest('hex');
}

/** Changes when the file is replaced (projected volumes swap a symlink) or rewritten. */
async function fileSignature(path: string): Promise<string> {
  const stat = await fs.stat(path);
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

async function readCa(caFile: string): Promise<string> {
  let pem: string;
  try {
    pem = await fs.readFile(caFile, 'utf8');
  } catch (error) {
    throw new KubeletError('ca', `cannot read CA file ${caFile} (${describe(error)})`, {
      hint: TLS_HINT,
    });
  }
  try {
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate');
    new X509Certificate(pem);
  } catch {
    throw new KubeletError('ca', `CA file ${caFile} holds no valid PEM certificate`, {
      hint: TLS_HINT,
    });
  }
  return pem;
}
