/**
 * Owns the one fetch path to the kubelet: `GET <base><path>` (`/pods`) over a keep-alive
 * connection, with gzip, a whole-request timeout and a body-size cap. Credentials and the
 * connection come from an access provider: the service account's token and CA files
 * (`ServiceAccountProvider`), or a {@link KubeletAccess} such as a kubeconfig
 * (`ProxyAccessProvider`, usually through the API server's node proxy). Every failure becomes a
 * {@link KubeletError} with a `kind` (`kubeletFailure.ts`); no message carries a secret
 * (`redaction.ts`).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { createGunzip } from 'node:zlib';
import type { KubeletAccess, KubeletAccessProvider, RequestDeadline } from './kubeletAccess.js';
import { KubeletError } from './kubeletError.js';
import {
  badGzip,
  type FailureContext,
  networkError,
  statusError,
  tooLarge,
  truncated,
} from './kubeletFailure.js';
import { ProxyAccessProvider } from './proxyAccessProvider.js';
import { Redactor } from './redaction.js';
import { ServiceAccountProvider } from './serviceAccountProvider.js';

/** Bytes of an error response read for the message excerpt; the rest is not waited for. */
const ERROR_BODY_READ_BYTES = 16 * 1024;

interface AttemptResult {
  readonly body?: Buffer;
  /** Set when the kubelet answered 401 (the caller may re-read the token and retry). */
  readonly unauthorized?: KubeletError;
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
  /** Deadline of a whole fetch, connect to last byte (ms): KUBELET_TIMEOUT. */
  readonly timeoutMs: number;
  /** Largest accepted body, after decompression (bytes): KUBELET_MAX_BODY_BYTES. */
  readonly maxBodyBytes: number;
}

/**
 * Fetches from the kubelet. One keep-alive connection is reused across fetches; fetches are
 * expected one at a time (a second concurrent fetch waits for the connection).
 */
export class KubeletClient {
  readonly #url: URL;
  readonly #secure: boolean;
  /** Base URL without credentials, query or fragment, for messages. */
  readonly #displayUrl: string;
  readonly #timeoutMs: number;
  readonly #maxBodyBytes: number;
  readonly #provider: KubeletAccessProvider;
  readonly #redactor = new Redactor();
  readonly #failure: FailureContext;
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
    const { timeoutMs, maxBodyBytes } = options;
    if (!(timeoutMs > 0) || !(maxBodyBytes > 0)) {
      throw new TypeError('kubelet timeoutMs and maxBodyBytes must be positive');
    }
    const prefix = base.pathname.replace(/\/+$/, '');
    this.#url = new URL(`${prefix}/pods`, base);
    this.#secure = base.protocol === 'https:';
    const access = options.access;
    this.#provider =
      access === undefined
        ? new ServiceAccountProvider({
            tokenFile: options.tokenFile,
            caFile: options.caFile,
            insecureTls: options.insecureTls ?? false,
            secure: this.#secure,
            redactor: this.#redactor,
          })
        : new ProxyAccessProvider(access, { secure: this.#secure, redactor: this.#redactor });
    const display = `${this.#url.protocol}//${this.#url.host}${this.#url.pathname}`;
    this.#displayUrl = access === undefined ? display : `${display} (${access.description})`;
    this.#timeoutMs = timeoutMs;
    this.#maxBodyBytes = maxBodyBytes;
    this.#failure = {
      displayUrl: this.#displayUrl,
      access,
      maxBodyBytes,
      redactor: this.#redactor,
    };
  }

  /**
   * `GET <base>/pods`. Resolves with the raw (decompressed) body bytes; the caller parses them.
   * Rejects only with {@link KubeletError}; an abort through `signal` rejects with kind
   * `'timeout'`. After a 401, the credentials are obtained again (token file re-read, access
   * prepared again) and, if they changed, the request is retried once.
   */
  async fetchPods(signal?: AbortSignal): Promise<Buffer> {
    try {
      return await this.#fetch(signal);
    } catch (error) {
      if (error instanceof KubeletError) throw this.#redactor.sanitised(error);
      throw this.#redactor.sanitised(
        new KubeletError('connection', `kubelet request to ${this.#displayUrl} failed`, {
          cause: error,
        }),
      );
    }
  }

  /** Frees the keep-alive agent and its connection. Later fetches reject with `'connection'`. */
  close(): void {
    this.#closed = true;
    this.#provider.close();
  }

  async #fetch(signal: AbortSignal | undefined): Promise<Buffer> {
    if (this.#closed) {
      throw new KubeletError('connection', 'kubelet client is closed');
    }
    const deadline: RequestDeadline = {
      at: Date.now() + this.#timeoutMs,
      signal,
      displayUrl: this.#displayUrl,
      timeoutMs: this.#timeoutMs,
    };
    const prepared = await this.#provider.prepare(deadline);
    let result = await this.#attempt(prepared.agent, prepared.headers, deadline.at, signal);
    if (result.unauthorized !== undefined) {
      const renewed = await this.#provider.renew(prepared, deadline);
      if (renewed !== undefined) {
        result = await this.#attempt(renewed.agent, renewed.headers, deadline.at, signal);
      }
    }
    if (result.unauthorized !== undefined) throw result.unauthorized;
    if (result.body === undefined) {
      throw new KubeletError('connection', `kubelet request to ${this.#displayUrl} failed`);
    }
    return result.body;
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
        fail(networkError(this.#failure, error, false));
        return;
      }
      const req = request;
      let responded = false;
      req.on('error', (error) => fail(networkError(this.#failure, error, responded)));
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

    res.on('error', (error) => fail(truncated(error)));
    res.on('close', () => {
      if (!res.complete) fail(truncated(undefined));
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
      fail(tooLarge(this.#failure, `announces ${announced} bytes`));
      return;
    }

    const chunks: Buffer[] = [];
    let total = 0;
    let capped = false;
    const collect = (chunk: Buffer): void => {
      if (capped) return;
      if (total + chunk.length > limit) {
        if (ok) {
          fail(tooLarge(this.#failure, `exceeds ${this.#maxBodyBytes} bytes`));
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
        fail(statusError(this.#failure, status, body));
      } else {
        const error = statusError(this.#failure, status, body);
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
      gunzip.on('error', (error) => fail(badGzip(error, status)));
      gunzip.on('end', () => {
        if (!capped) complete();
      });
      res.on('data', (chunk: Buffer) => {
        wire += chunk.length;
        if (ok && wire > this.#maxBodyBytes) {
          fail(tooLarge(this.#failure, `exceeds ${this.#maxBodyBytes} bytes compressed`));
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
}
