/**
 * Owns in-cluster kubelet access: the service account's bearer token file (re-read when it is
 * replaced, or after a 401) and the CA file verifying the kubelet's serving certificate (re-read
 * when it changes), or no verification at all (insecure TLS). Whether the files changed is
 * checked at most every `fileCheckIntervalMs`, not on every poll.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { ConnectionSetting, KubeletAccessProvider, PreparedRequest } from './kubeletAccess.js';
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
  /** Least time between two checks of whether the token or CA file changed (ms). */
  readonly fileCheckIntervalMs: number;
}

/** What a file was last found to hold, and when that was checked (epoch ms). */
interface Checked<T> {
  readonly signature: string;
  readonly value: T;
  checkedAt: number;
}

const PLAIN: ConnectionSetting = { signature: 'plain', tls: undefined };
const INSECURE: ConnectionSetting = { signature: 'insecure', tls: { rejectUnauthorized: false } };
const SYSTEM_CAS: ConnectionSetting = { signature: 'system', tls: { rejectUnauthorized: true } };

export class ServiceAccountProvider implements KubeletAccessProvider {
  readonly proxied = undefined;
  readonly #options: ServiceAccountProviderOptions;
  /** `value` undefined: no token is sent. */
  #token: Checked<string | undefined> | undefined;
  #ca: Checked<ConnectionSetting> | undefined;
  /** The last request prepared, kept while its token and connection stay the same. */
  #last: { readonly token: string | undefined; readonly request: PreparedRequest } | undefined;
  #closed = false;

  constructor(options: ServiceAccountProviderOptions) {
    this.#options = options;
  }

  async prepare(): Promise<PreparedRequest> {
    const token = await this.#readToken(false);
    const connection = await this.#connection();
    if (this.#closed) throw new KubeletError('connection', 'kubelet client is closed');
    return this.#request(token, connection);
  }

  async renew(previous: PreparedRequest): Promise<PreparedRequest | undefined> {
    if (this.#options.tokenFile === undefined) return undefined;
    const reread = await this.#readToken(true);
    const renewed = this.#request(reread, previous.connection);
    return renewed.signature === previous.signature ? undefined : renewed;
  }

  close(): void {
    this.#closed = true;
  }

  /** The request of `token` over `connection`: the last one when both are the same. */
  #request(token: string | undefined, connection: ConnectionSetting): PreparedRequest {
    const last = this.#last;
    if (last !== undefined && last.token === token && last.request.connection === connection) {
      return last.request;
    }
    const request = { connection, headers: bearer(token), signature: tokenSignature(token) };
    this.#last = { token, request };
    return request;
  }

  /** Whether `checked` was checked recently enough to be used without looking at its file. */
  #fresh(checked: Checked<unknown> | undefined, now: number): boolean {
    return checked !== undefined && now - checked.checkedAt < this.#options.fileCheckIntervalMs;
  }

  /** Current token (`undefined`: send none); re-read when the file changed or when forced. */
  async #readToken(force: boolean): Promise<string | undefined> {
    const file = this.#options.tokenFile;
    if (file === undefined) return undefined;
    const now = Date.now();
    const cached = this.#token;
    if (!force && cached !== undefined && this.#fresh(cached, now)) return cached.value;
    let signature: string;
    try {
      signature = await fileSignature(file);
    } catch (error) {
      if (errorCode(error) === 'ENOENT' && !this.#options.secure) {
        this.#token = { signature: 'absent', value: undefined, checkedAt: now };
        return undefined;
      }
      throw new KubeletError('token', `cannot read bearer token file ${file} (${describe(error)})`);
    }
    if (!force && cached !== undefined && cached.signature === signature) {
      cached.checkedAt = now;
      return cached.value;
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
    this.#token = { signature, value: token, checkedAt: now };
    return token;
  }

  /** The TLS material of the connection, made again when the CA file changed. */
  async #connection(): Promise<ConnectionSetting> {
    const { secure, insecureTls, caFile } = this.#options;
    if (!secure) return PLAIN;
    if (insecureTls) return INSECURE;
    if (caFile === undefined) return SYSTEM_CAS;
    const now = Date.now();
    const cached = this.#ca;
    if (cached !== undefined && this.#fresh(cached, now)) return cached.value;
    let signature: string;
    try {
      signature = await fileSignature(caFile);
    } catch (error) {
      throw new KubeletError('ca', `cannot read CA file ${caFile} (${describe(error)})`, {
        hint: TLS_HINT,
      });
    }
    if (cached !== undefined && cached.signature === signature) {
      cached.checkedAt = now;
      return cached.value;
    }
    const ca = await readCa(caFile);
    const value: ConnectionSetting = {
      signature: `ca:${signature}`,
      tls: { rejectUnauthorized: true, ca },
    };
    this.#ca = { signature, value, checkedAt: now };
    return value;
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
