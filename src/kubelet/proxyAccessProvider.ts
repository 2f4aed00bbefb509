/**
 * Owns kubelet access with credentials from a {@link KubeletAccess} (a kubeconfig, from a laptop):
 * asks it for TLS material and headers before every request (credentials may expire), checks
 * them, and has the connection replaced when the TLS material changes. The kubelet is then usually
 * reached through the API server's node proxy.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { beforeDeadline } from './beforeDeadline.js';
import type {
  ConnectionSetting,
  ConnectionTls,
  KubeletAccess,
  KubeletAccessMaterial,
  KubeletAccessProvider,
  PreparedRequest,
  RequestDeadline,
} from './kubeletAccess.js';
import { KubeletError } from './kubeletError.js';
import { accessTlsHint } from './kubeletFailure.js';
import { describe, type Redactor } from './redaction.js';

/** Headers that frame the request or its connection: the client's own, never an access's. */
const CLIENT_OWNED = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'keep-alive',
  'expect',
]);

export class ProxyAccessProvider implements KubeletAccessProvider {
  readonly proxied: KubeletAccess;
  readonly #secure: boolean;
  readonly #redactor: Redactor;
  /** The connection setting of the last TLS material that was checked. */
  #connection: ConnectionSetting | undefined;
  #closed = false;

  constructor(access: KubeletAccess, options: { secure: boolean; redactor: Redactor }) {
    this.proxied = access;
    this.#secure = options.secure;
    this.#redactor = options.redactor;
  }

  /**
   * Asks the access for this request's credentials (bounded by the deadline and the signal),
   * checks them, and returns the connection setting (the TLS material checked again when changed).
   */
  async prepare(deadline: RequestDeadline): Promise<PreparedRequest> {
    const access = this.proxied;
    let material: KubeletAccessMaterial;
    try {
      material = await beforeDeadline(access.prepare(), deadline);
    } catch (error) {
      if (error instanceof KubeletError) throw error;
      const detail = this.#redactor.excerpt(describe(error));
      throw new KubeletError(
        'token',
        `cannot obtain credentials from ${access.description}${detail.length > 0 ? ` (${detail})` : ''}`,
      );
    }
    if (this.#closed) throw new KubeletError('connection', 'kubelet client is closed');

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(material.headers ?? {})) {
      if (
        typeof value !== 'string' ||
        !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) ||
        !/^[\t\x20-\x7e]*$/.test(value)
      ) {
        throw new KubeletError(
          'token',
          `credentials from ${access.description} hold characters not allowed in an HTTP header`,
        );
      }
      const lower = name.toLowerCase();
      if (CLIENT_OWNED.has(lower)) {
        throw new KubeletError(
          'token',
          `credentials from ${access.description} set the header ${name}, which the kubelet client sets itself`,
        );
      }
      if (lower === 'authorization' || lower === 'proxy-authorization') {
        // `Bearer <token>`, `Basic <base64>`: the part after the scheme is the secret.
        const credential = value.trim().replace(/^[A-Za-z-]+\s+/, '');
        if (credential.length > 0) this.#redactor.remember(credential);
      }
      headers[name] = value;
    }

    const tls = this.#secure
      ? {
          ca: material.ca,
          cert: material.cert,
          key: material.key,
          rejectUnauthorized: material.rejectUnauthorized !== false,
          servername: material.servername,
        }
      : undefined;
    const tlsSignature = tls === undefined ? 'plain' : digest(tls);
    const connection = this.#connectionFor(tls, tlsSignature);
    return { connection, headers, signature: `${tlsSignature}:${digest(headers)}` };
  }

  /** Expiring credentials (exec plugins, rotated files) may have been renewed meanwhile. */
  async renew(
    previous: PreparedRequest,
    deadline: RequestDeadline,
  ): Promise<PreparedRequest | undefined> {
    const again = await this.prepare(deadline);
    return again.signature !== previous.signature ? again : undefined;
  }

  close(): void {
    this.#closed = true;
  }

  /** The connection setting of `tls`, checked when it differs from the last one. */
  #connectionFor(
    tls: Omit<KubeletAccessMaterial, 'headers'> | undefined,
    signature: string,
  ): ConnectionSetting {
    const current = this.#connection;
    if (current !== undefined && current.signature === signature) return current;
    if (tls === undefined) {
      this.#connection = { signature, tls: undefined };
      return this.#connection;
    }
    const access = this.proxied;
    const { ca, cert, key, servername } = tls;
    if (ca !== undefined) {
      try {
        if (!ca.toString().includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM');
        new X509Certificate(ca);
      } catch {
        throw new KubeletError(
          'ca',
          `the CA of ${access.description} holds no valid PEM certificate`,
          { hint: accessTlsHint(access) },
        );
      }
    }
    if (cert !== undefined || key !== undefined) {
      try {
        createSecureContext({
          ...(cert === undefined ? {} : { cert }),
          ...(key === undefined ? {} : { key }),
        });
      } catch (error) {
        // OpenSSL messages name the problem, never the key material.
        throw new KubeletError(
          'token',
          `the client certificate or key of ${access.description} is not usable (${describe(error)})`,
        );
      }
    }
    const checked: ConnectionTls = {
      rejectUnauthorized: tls.rejectUnauthorized !== false,
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(servername === undefined ? {} : { servername }),
    };
    this.#connection = { signature, tls: checked };
    return this.#connection;
  }
}

/** Stable SHA-256 of strings, Buffers and booleans in a plain object (for change detection). */
function digest(value: Readonly<Record<string, unknown>>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(value).sort()) {
    const item = value[key];
    if (item === undefined) continue;
    hash.update(`${key.length}:${key}=`);
    const bytes = Buffer.isBuffer(item) ? item : Buffer.from(String(item));
    hash.update(`${Buffer.isBuffer(item) ? 'b' : 's'}${bytes.length}:`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}
