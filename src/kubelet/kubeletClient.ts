/**
 * The only module that talks to the kubelet: `GET <base>/pods` over a keep-alive connection,
 * with bearer-token auth (token file re-read on rotation), CA or insecure TLS, gzip, a whole-request
 * timeout and a body-size cap. Every failure becomes a {@link KubeletError} with a `kind`.
 *
 * With a {@link KubeletAccess} (e.g. from a kubeconfig, see `kubeconfigAccess.ts`), TLS material
 * and headers come from it, per request, instead of the token, CA and insecure-TLS options: the
 * kubelet is then usually reached through the API server's node proxy.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { createSecureContext } from 'node:tls';
import { createGunzip } from 'node:zlib';
import { KubeletError, type KubeletErrorDetails } from './kubeletError.js';

export { KubeletError, type KubeletErrorKind } from './kubeletError.js';

/** What a {@link KubeletAccess} supplies for one request. */
export interface KubeletAccessMaterial {
  /** PEM CA bundle that verifies the server (default: Node's root CAs). */
  readonly ca?: string | Buffer;
  /** PEM client certificate (chain), with `key`. */
  readonly cert?: string | Buffer;
  /** PEM private key of `cert`. */
  readonly key?: string | Buffer;
  /** `false`: the server certificate is not verified. @default true */
  readonly rejectUnauthorized?: boolean;
  /** TLS server name to verify instead of the URL's host (kubeconfig `tls-server-name`). */
  readonly servername?: string;
  /** Extra request headers, e.g. `Authorization` (values are redacted from error messages). */
  readonly headers?: Record<string, string>;
}

/**
 * Where credentials come from when not from the token/CA files, e.g. a kubeconfig. `prepare()`
 * runs before every request (credentials may expire); when the TLS material it returns changes,
 * the keep-alive connection is replaced.
 */
export interface KubeletAccess {
  /**
   * Per request: TLS material and headers to use (may refresh expiring credentials). Rejects
   * with `KubeletError('token' | 'ca', ...)` on failure (other errors become `'token'`).
   */
  prepare(): Promise<KubeletAccessMaterial>;
  /** Shown in errors and logs instead of credentials, e.g. `kubeconfig context "kind-dev"`. */
  readonly description: string;
}

export interface KubeletClientOptions {
  /**
   * Base URL, `http:` or `https:`, path prefix allowed (e.g. `https://10.0.0.1:10250` or
   * `http://127.0.0.1:8001/api/v1/nodes/n1/proxy`); `/pods` is appended.
   */
  readonly baseUrl: string;
  /**
   * Bearer token file, re-read whenever its inode, size or mtime changes, and after a 401.
   * Missing file: a `'token'` error at fetch time, except with a plain `http:` base URL
   * (kubectl proxy), where no token is sent. Not set: no token is sent.
   */
  readonly tokenFile?: string;
  /** PEM CA bundle that verifies the kubelet's serving certificate (re-read when it changes). */
  readonly caFile?: string;
  /** Skip verification of the kubelet's certificate (`caFile` is then ignored). @default false */
  readonly insecureTls?: boolean;
  /**
   * Credentials and TLS material per request (e.g. from a kubeconfig, for the API server's node
   * proxy `https://<server>/api/v1/nodes/<node>/proxy`). When set, `tokenFile`, `caFile` and
   * `insecureTls` are ignored, and 401/403 hints name the `nodes/proxy` permission.
   */
  readonly access?: KubeletAccess;
  /** Deadline of a whole fetch, connect to last byte (ms). @default 10000 */
  readonly timeoutMs?: number;
  /** Largest accepted body, after decompression (bytes). @default 67108864 (64 MiB) */
  readonly maxBodyBytes?: number;
}

/** @default 10000 ms */
const DEFAULT_TIMEOUT_MS = 10_000;
/** @default 64 MiB */
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
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
/** Bytes of an error response read for the message excerpt; the rest is not waited for. */
const ERROR_BODY_READ_BYTES = 16 * 1024;
/** Characters of an error response body shown in a message. */
const ERROR_EXCERPT_CHARS = 200;

const RBAC_HINT =
  'the service account needs `get` on `nodes/pods` (ClusterRole rule {apiGroups: [""], ' +
  'resources: ["nodes/pods"], verbs: ["get"]}), or `nodes/proxy` on clusters before 1.33 ' +
  'where the KubeletFineGrainedAuthz feature gate is off';
const UNAUTHORIZED_HINT =
  'the kubelet did not accept the bearer token (expired, wrong audience, or kubelet webhook ' +
  `authentication disabled); once authenticated, ${RBAC_HINT}`;
const PROXY_RBAC_HINT =
  'through the API server the kubeconfig user needs `get` on `nodes/proxy` (ClusterRole rule ' +
  '{apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"]}); check with ' +
  '`kubectl auth can-i get nodes/proxy`';
const TLS_HINT =
  "set KUBELET_CA_FILE to a PEM bundle with the CA that signed the kubelet's serving " +
  'certificate, or KUBELET_INSECURE_TLS=true to skip verification (kubelet serving ' +
  'certificates are often self-signed unless serverTLSBootstrap is on)';
const ALTNAME_HINT =
  "the kubelet's certificate does not name the host in the base URL (self-signed kubelet " +
  'certificates usually name only the node); use a host it names, or ' +
  TLS_HINT;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error as { code: unknown };
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function isTlsCode(code: string): boolean {
  return (
    TLS_CODES.has(code) ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_OSSL_') ||
    code.startsWith('UNABLE_TO_') ||
    code.startsWith('CERT_')
  );
}

/**
 * Printable excerpt of an error body: secrets redacted (before cutting, so that no prefix of a
 * token survives), control characters removed, whitespace collapsed, at most 200 characters.
 */
function excerpt(bytes: Buffer, redact: (text: string) => string): string {
  const text = redact(bytes.toString('utf8'))
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\bBearer\s+[\x21-\x7e]+/gi, 'Bearer [REDACTED]')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > ERROR_EXCERPT_CHARS ? `${text.slice(0, ERROR_EXCERPT_CHARS)}…` : text;
}

/** Changes when the file is replaced (projected volumes swap a symlink) or rewritten. */
async function fileSignature(path: string): Promise<string> {
  const stat = await fs.stat(path);
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

interface CachedToken {
  readonly signature: string;
  /** `undefined`: no token is sent. */
  readonly token: string | undefined;
}

/** Agent and headers of one request made with a {@link KubeletAccess}. */
interface PreparedAccess {
  readonly agent: http.Agent;
  readonly headers: Record<string, string>;
  /** Changes when anything the request would send changes (headers or TLS material). */
  readonly signature: string;
}

interface AttemptResult {
  readonly body?: Buffer;
  /** Set when the kubelet answered 401 (the caller may re-read the token and retry). */
  readonly unauthorized?: KubeletError;
}

/**
 * Fetches the kubelet's pod list. One keep-alive connection is reused across fetches; fetches
 * are expected one at a time (a second concurrent fetch waits for the connection).
 */
export class KubeletClient {
  readonly #url: URL;
  readonly #secure: boolean;
  /** Base URL without credentials, query or fragment, for messages. */
  readonly #displayUrl: string;
  readonly #options: KubeletClientOptions;
  readonly #timeoutMs: number;
  readonly #maxBodyBytes: number;
  /** Set when credentials come from {@link KubeletClientOptions.access}. */
  readonly #access: KubeletAccess | undefined;
  #agent: http.Agent | undefined;
  /** What the agent was built from (CA file signature, or hash of the access TLS material). */
  #agentCaSignature: string | undefined;
  #token: CachedToken | undefined;
  /** Every token read so far that is still worth redacting (current and previous). */
  readonly #secrets = new Set<string>();
  #closed = false;

  /**
   * @throws TypeError when `baseUrl` is not an absolute `http:`/`https:` URL, or a limit is not a
   * positive number. Files are not read here.
   */
  constructor(options: KubeletClientOptions) {
    const base = new URL(options.baseUrl);
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new TypeError(`kubelet base URL must be http: or https:, got ${base.protocol}`);
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (!(timeoutMs > 0) || !(maxBodyBytes > 0)) {
      throw new TypeError('kubelet timeoutMs and maxBodyBytes must be positive');
    }
    const prefix = base.pathname.replace(/\/+$/, '');
    this.#url = new URL(`${prefix}/pods`, base);
    this.#secure = base.protocol === 'https:';
    this.#access = options.access;
    const display = `${this.#url.protocol}//${this.#url.host}${this.#url.pathname}`;
    this.#displayUrl =
      this.#access === undefined ? display : `${display} (${this.#access.description})`;
    this.#options = options;
    this.#timeoutMs = timeoutMs;
    this.#maxBodyBytes = maxBodyBytes;
  }

  /**
   * `GET <base>/pods`. Resolves with the raw (decompressed) body bytes; the caller parses them.
   * Rejects only with {@link KubeletError}; an abort through `signal` rejects with kind
   * `'timeout'`. After a 401, the token file is re-read (or the access prepared again) and, if
   * the credentials changed, the request is retried once.
   */
  async fetchPods(signal?: AbortSignal): Promise<Buffer> {
    try {
      return await this.#fetchPods(signal);
    } catch (error) {
      if (error instanceof KubeletError) throw this.#sanitised(error);
      throw this.#sanitised(
        new KubeletError('connection', `kubelet request to ${this.#displayUrl} failed`, {
          cause: error,
        }),
      );
    }
  }

  /** Frees the keep-alive agent and its connection. Later fetches reject with `'connection'`. */
  close(): void {
    this.#closed = true;
    this.#agent?.destroy();
    this.#agent = undefined;
    this.#agentCaSignature = undefined;
  }

  async #fetchPods(signal: AbortSignal | undefined): Promise<Buffer> {
    if (this.#closed) {
      throw new KubeletError('connection', 'kubelet client is closed');
    }
    const deadline = Date.now() + this.#timeoutMs;
    if (this.#access !== undefined) return this.#fetchWithAccess(this.#access, deadline, signal);
    let token = await this.#readToken(false);
    const agent = await this.#currentAgent();
    if (this.#closed) throw new KubeletError('connection', 'kubelet client is closed');
    let result = await this.#attempt(agent, bearer(token), deadline, signal);
    if (result.unauthorized !== undefined && this.#options.tokenFile !== undefined) {
      const reread = await this.#readToken(true);
      if (reread !== token) {
        token = reread;
        result = await this.#attempt(agent, bearer(token), deadline, signal);
      }
    }
    return this.#bodyOf(result);
  }

  async #fetchWithAccess(
    access: KubeletAccess,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<Buffer> {
    const prepared = await this.#prepareAccess(access, deadline, signal);
    let result = await this.#attempt(prepared.agent, prepared.headers, deadline, signal);
    if (result.unauthorized !== undefined) {
      // Expiring credentials (exec plugins, rotated files) may have been renewed meanwhile.
      const again = await this.#prepareAccess(access, deadline, signal);
      if (again.signature !== prepared.signature) {
        result = await this.#attempt(again.agent, again.headers, deadline, signal);
      }
    }
    return this.#bodyOf(result);
  }

  #bodyOf(result: AttemptResult): Buffer {
    if (result.unauthorized !== undefined) throw result.unauthorized;
    if (result.body === undefined) {
      throw new KubeletError('connection', `kubelet request to ${this.#displayUrl} failed`);
    }
    return result.body;
  }

  /** Current token (`undefined`: send none); re-read when the file changed or when forced. */
  async #readToken(force: boolean): Promise<string | undefined> {
    const file = this.#options.tokenFile;
    if (file === undefined) return undefined;
    let signature: string;
    try {
      signature = await fileSignature(file);
    } catch (error) {
      if (errorCode(error) === 'ENOENT' && !this.#secure) {
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
    if (token.length > 0) this.#remember(token);
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

  #remember(token: string): void {
    this.#secrets.add(token);
    // Keep the last few only: enough to redact a token that just rotated out.
    while (this.#secrets.size > 4) {
      const oldest = this.#secrets.values().next().value;
      if (oldest === undefined) break;
      this.#secrets.delete(oldest);
    }
  }

  /**
   * Asks the access for this request's credentials (bounded by the deadline and the signal),
   * checks them, and returns the keep-alive agent, rebuilt when the TLS material changed.
   */
  async #prepareAccess(
    access: KubeletAccess,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<PreparedAccess> {
    let material: KubeletAccessMaterial;
    try {
      material = await this.#beforeDeadline(access.prepare(), deadline, signal);
    } catch (error) {
      if (error instanceof KubeletError) throw error;
      const detail = excerpt(Buffer.from(describe(error)), (raw) => this.#redact(raw));
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
      if (lower === 'authorization' || lower === 'proxy-authorization') {
        // `Bearer <token>`, `Basic <base64>`: the part after the scheme is the secret.
        const credential = value.trim().replace(/^[A-Za-z-]+\s+/, '');
        if (credential.length > 0) this.#remember(credential);
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
    const agent = this.#accessAgent(access, tls, tlsSignature);
    return { agent, headers, signature: `${tlsSignature}:${digest(headers)}` };
  }

  #accessAgent(
    access: KubeletAccess,
    tls: Omit<KubeletAccessMaterial, 'headers'> | undefined,
    signature: string,
  ): http.Agent {
    if (this.#agent !== undefined && this.#agentCaSignature === signature) return this.#agent;
    if (tls === undefined) {
      this.#agent?.destroy();
      this.#agent = new http.Agent(KEEP_ALIVE);
      this.#agentCaSignature = signature;
      return this.#agent;
    }
    const { ca, cert, key, servername } = tls;
    if (ca !== undefined) {
      try {
        if (!ca.toString().includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM');
        new X509Certificate(ca);
      } catch {
        throw new KubeletError(
          'ca',
          `the CA of ${access.description} holds no valid PEM certificate`,
          {
            hint: accessTlsHint(access),
          },
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
    this.#agent?.destroy();
    this.#agent = new https.Agent({
      ...KEEP_ALIVE,
      rejectUnauthorized: tls.rejectUnauthorized !== false,
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(servername === undefined ? {} : { servername }),
    });
    this.#agentCaSignature = signature;
    return this.#agent;
  }

  /** Settles like `promise`, or rejects with a `'timeout'` KubeletError at the deadline or abort. */
  #beforeDeadline<T>(
    promise: Promise<T>,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (action: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        action();
      };
      const onAbort = (): void =>
        settle(() =>
          reject(new KubeletError('timeout', `kubelet request to ${this.#displayUrl} was aborted`)),
        );
      promise.then(
        (value) => settle(() => resolve(value)),
        (error: unknown) => settle(() => reject(error)),
      );
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(
        () =>
          settle(() =>
            reject(
              new KubeletError(
                'timeout',
                `obtaining credentials for ${this.#displayUrl} timed out after ${this.#timeoutMs} ms`,
              ),
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
    });
  }

  /** The keep-alive agent, rebuilt when the CA file changed. */
  async #currentAgent(): Promise<http.Agent> {
    if (!this.#secure) {
      this.#agent ??= new http.Agent(KEEP_ALIVE);
      return this.#agent;
    }
    const caFile = this.#options.insecureTls ? undefined : this.#options.caFile;
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
      if (this.#agent !== undefined && this.#agentCaSignature === caSignature) return this.#agent;
      ca = await readCa(caFile);
    }
    if (this.#agent !== undefined && this.#agentCaSignature === caSignature) return this.#agent;
    this.#agent?.destroy();
    this.#agent = new https.Agent({
      ...KEEP_ALIVE,
      rejectUnauthorized: !this.#options.insecureTls,
      ...(ca === undefined ? {} : { ca }),
    });
    this.#agentCaSignature = caSignature;
    return this.#agent;
  }

  /** One HTTP exchange. Resolves with the body or a 401 error; rejects with KubeletError. */
  #attempt(
    agent: http.Agent,
    extraHeaders: Readonly<Record<string, string>>,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<AttemptResult> {
    return new Promise<AttemptResult>((resolve, reject) => {
      let settled = false;
      let request: http.ClientRequest | undefined;
      let cleanupBody: (() => void) | undefined;
      const timer = setTimeout(
        () =>
          fail(
            new KubeletError(
              'timeout',
              `kubelet request to ${this.#displayUrl} timed out after ${this.#timeoutMs} ms`,
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
      const onAbort = (): void =>
        fail(new KubeletError('timeout', `kubelet request to ${this.#displayUrl} was aborted`));

      const finish = (): void => {
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        cleanupBody?.();
      };
      const fail = (error: KubeletError): void => {
        if (settled) return;
        finish();
        // Destroying the request also destroys its socket: a half-read response cannot be reused.
        request?.destroy();
        reject(error);
      };
      const succeed = (result: AttemptResult): void => {
        if (settled) return;
        finish();
        resolve(result);
      };

      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });

      const headers: http.OutgoingHttpHeaders = {
        Accept: 'application/json',
        'Accept-Encoding': 'gzip',
        'User-Agent': 'kubelet-span-exporter',
        ...extraHeaders,
      };

      try {
        const requestFn = this.#secure ? https.request : http.request;
        request = requestFn(this.#url, { method: 'GET', agent, headers });
      } catch (error) {
        fail(this.#networkError(error, false));
        return;
      }
      const req = request;
      let responded = false;
      req.on('error', (error) => fail(this.#networkError(error, responded)));
      req.on('response', (res) => {
        responded = true;
        this.#readResponse(res, {
          fail,
          succeed,
          setCleanup: (cleanup) => {
            cleanupBody = cleanup;
          },
        });
      });
      req.end();
    });
  }

  #readResponse(
    res: http.IncomingMessage,
    callbacks: {
      readonly fail: (error: KubeletError) => void;
      readonly succeed: (result: AttemptResult) => void;
      readonly setCleanup: (cleanup: () => void) => void;
    },
  ): void {
    const { fail, succeed } = callbacks;
    const status = res.statusCode ?? 0;
    const ok = status >= 200 && status < 300;
    const encoding = (res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const gzip = encoding === 'gzip' || encoding === 'x-gzip';
    const limit = ok ? this.#maxBodyBytes : ERROR_BODY_READ_BYTES;

    res.on('error', (error) => fail(this.#truncated(error)));
    res.on('close', () => {
      if (!res.complete) fail(this.#truncated(undefined));
    });

    if (ok && encoding !== 'identity' && !gzip) {
      fail(
        new KubeletError('http', `kubelet answered with unsupported content-encoding ${encoding}`, {
          statusCode: status,
        }),
      );
      return;
    }
    const announced = Number(res.headers['content-length']);
    if (ok && Number.isFinite(announced) && announced > this.#maxBodyBytes) {
      fail(this.#tooLarge(`announces ${announced} bytes`));
      return;
    }

    const chunks: Buffer[] = [];
    let total = 0;
    let capped = false;
    const collect = (chunk: Buffer): void => {
      if (capped) return;
      if (total + chunk.length > limit) {
        if (ok) {
          fail(this.#tooLarge(`exceeds ${this.#maxBodyBytes} bytes`));
          return;
        }
        // Error bodies: keep what fits for the excerpt, stop reading.
        chunks.push(chunk.subarray(0, limit - total));
        total = limit;
        capped = true;
        complete();
        return;
      }
      chunks.push(chunk);
      total += chunk.length;
    };
    const complete = (): void => {
      const body = Buffer.concat(chunks, total);
      if (ok) {
        succeed({ body });
        return;
      }
      if (capped) {
        // Stop reading a long error body; dropping the connection is cheaper than draining it.
        fail(this.#statusError(status, body));
      } else {
        const error = this.#statusError(status, body);
        if (error.kind === 'unauthorized') succeed({ unauthorized: error });
        else fail(error);
      }
    };

    if (gzip) {
      const gunzip = createGunzip();
      callbacks.setCleanup(() => {
        gunzip.removeAllListeners('data');
        gunzip.destroy();
      });
      let wire = 0;
      gunzip.on('data', collect);
      gunzip.on('error', (error) => fail(this.#badGzip(error, status)));
      gunzip.on('end', () => {
        if (!capped) complete();
      });
      res.on('data', (chunk: Buffer) => {
        wire += chunk.length;
        if (ok && wire > this.#maxBodyBytes) {
          fail(this.#tooLarge(`exceeds ${this.#maxBodyBytes} bytes compressed`));
          return;
        }
        if (!gunzip.destroyed) gunzip.write(chunk);
      });
      res.on('end', () => {
        if (!gunzip.destroyed) gunzip.end();
      });
    } else {
      res.on('data', collect);
      res.on('end', () => {
        if (!capped) complete();
      });
    }
  }

  #statusError(status: number, body: Buffer): KubeletError {
    const text = excerpt(body, (raw) => this.#redact(raw));
    const detail = text.length > 0 ? `: ${text}` : '';
    const access = this.#access;
    const who = access === undefined ? 'kubelet' : `API server node proxy (${access.description})`;
    if (status === 401) {
      return new KubeletError('unauthorized', `${who} answered 401 Unauthorized${detail}`, {
        statusCode: status,
        hint:
          access === undefined
            ? UNAUTHORIZED_HINT
            : `the API server did not accept the credentials of ${access.description} ` +
              `(expired or revoked: log in again or refresh the kubeconfig); once authenticated, ${PROXY_RBAC_HINT}`,
      });
    }
    if (status === 403) {
      return new KubeletError('forbidden', `${who} answered 403 Forbidden${detail}`, {
        statusCode: status,
        hint: access === undefined ? RBAC_HINT : PROXY_RBAC_HINT,
      });
    }
    return new KubeletError('http', `${who} answered HTTP ${status}${detail}`, {
      statusCode: status,
      ...(access !== undefined && status === 404
        ? { hint: 'check that NODE_NAME names a node of this cluster (`kubectl get nodes`)' }
        : {}),
    });
  }

  #tooLarge(detail: string): KubeletError {
    return new KubeletError(
      'tooLarge',
      `kubelet /pods body ${detail} (limit ${this.#maxBodyBytes})`,
      {
        hint: 'raise the body size limit if this node really runs that many pods',
      },
    );
  }

  #truncated(cause: unknown): KubeletError {
    return new KubeletError(
      'truncated',
      `kubelet closed the connection before the whole /pods body arrived`,
      cause === undefined ? {} : { cause },
    );
  }

  #badGzip(error: unknown, status: number): KubeletError {
    const code = errorCode(error);
    if (code === 'Z_BUF_ERROR') return this.#truncated(error);
    return new KubeletError('http', `kubelet sent an invalid gzip body (${describe(error)})`, {
      statusCode: status,
      cause: error,
    });
  }

  /** Maps an error of the request (before or after the response head) to a KubeletError. */
  #networkError(error: unknown, responded: boolean): KubeletError {
    if (error instanceof KubeletError) return error;
    const code = errorCode(error) ?? '';
    const where = this.#displayUrl;
    const access = this.#access;
    // With an access (kubeconfig), the peer is normally the API server's node proxy.
    const peer = access === undefined ? 'the kubelet' : 'the API server';
    if (code !== '' && isTlsCode(code)) {
      let hint = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? ALTNAME_HINT : TLS_HINT;
      if (access !== undefined) hint = accessTlsHint(access);
      return new KubeletError(
        'tls',
        `TLS verification of ${peer} at ${where} failed (${describe(error)})`,
        { hint, cause: error },
      );
    }
    if (responded) return this.#truncated(error);
    if (code === 'ETIMEDOUT') {
      return new KubeletError('timeout', `connecting to ${peer} at ${where} timed out`, {
        cause: error,
      });
    }
    if (CONNECTION_CODES.has(code)) {
      return new KubeletError('connection', `cannot reach ${peer} at ${where} (${code})`, {
        cause: error,
      });
    }
    return new KubeletError(
      'connection',
      `request to ${peer} at ${where} failed (${describe(error)})`,
      {
        cause: error,
      },
    );
  }

  #redact(text: string): string {
    let result = text;
    for (const secret of this.#secrets) result = result.split(secret).join('[REDACTED]');
    return result;
  }

  /** Replaces every token read so far in the message (error bodies may echo it). */
  #sanitised(error: KubeletError): KubeletError {
    const message = this.#redact(error.message);
    if (message === error.message) return error;
    const details: KubeletErrorDetails = {
      ...(error.statusCode === undefined ? {} : { statusCode: error.statusCode }),
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.cause === undefined ? {} : { cause: error.cause }),
    };
    return new KubeletError(error.kind, message, details);
  }
}

function accessTlsHint(access: KubeletAccess): string {
  return (
    `the server's certificate must verify against the certificate-authority(-data) of ` +
    `${access.description}; fix the kubeconfig (set tls-server-name when the certificate does not ` +
    'name the host in the server URL), or set insecure-skip-tls-verify: true on its cluster to ' +
    'skip verification'
  );
}

/** `Authorization` header of a bearer token, if any. */
function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { Authorization: `Bearer ${token}` };
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

/** Short description of an error: its code and message, no stack. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = errorCode(error);
    return code !== undefined && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}
