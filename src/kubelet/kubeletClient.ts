/**
 * Owns the one fetch path to the kubelet: `GET <base><path>` (`/pods`) over a kept-alive
 * connection of the agent's own minimal HTTP/1.1 client (`kubeletConnection.ts`,
 * `httpResponseParser.ts`), with gzip, a whole-request timeout and a body-size cap. Credentials
 * and TLS material come from an access provider: the service account's token and CA files
 * (`ServiceAccountProvider`), or a {@link KubeletAccess} such as a kubeconfig
 * (`ProxyAccessProvider`, usually through the API server's node proxy). Every failure becomes a
 * {@link KubeletError} with a `kind` (`kubeletFailure.ts`); no message carries a secret
 * (`redaction.ts`).
 */
import { promisify } from 'node:util';
import { constants, gunzip, type ZlibOptions } from 'node:zlib';
import { BodyBuffer } from './bodyBuffer.js';
import type { HttpResponse } from './httpResponseParser.js';
import type { KubeletAccess, KubeletAccessProvider, PreparedRequest } from './kubeletAccess.js';
import { KubeletConnection } from './kubeletConnection.js';
import { KubeletError } from './kubeletError.js';
import {
  badGzip,
  type FailureContext,
  networkError,
  statusError,
  tooLarge,
} from './kubeletFailure.js';
import { ProxyAccessProvider } from './proxyAccessProvider.js';
import { Redactor } from './redaction.js';
import { ServiceAccountProvider } from './serviceAccountProvider.js';

/** Bytes of an error response read for the message excerpt; the rest is not waited for. */
const ERROR_BODY_READ_BYTES = 16 * 1024;
/** Largest decompressed error body, of which the excerpt is taken (bytes). */
const ERROR_BODY_INFLATED_BYTES = 1024 * 1024;
/** Request header fields sent unless the access sets the same field. */
const DEFAULT_HEADERS: Readonly<Record<string, string>> = {
  Accept: 'application/json',
  'Accept-Encoding': 'gzip',
  'User-Agent': 'kubelet-span-exporter',
};
const inflate = promisify<Buffer, ZlibOptions, Buffer>(gunzip);

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
   * Bearer token file, re-read when its inode, size or mtime changed (looked at every
   * `fileCheckIntervalMs`), and after a 401. Missing file: a `'token'` error at fetch time,
   * except with a plain `http:` base URL (kubectl proxy), where no token is sent. Not set: no
   * token is sent.
   */
  readonly tokenFile?: string;
  /** PEM CA bundle that verifies the kubelet's serving certificate (re-read when it changes). */
  readonly caFile?: string;
  /**
   * Least time between two looks at whether `tokenFile` or `caFile` changed (ms): a `stat` of
   * both per poll costs more than the rest of the poll's bookkeeping. A 401 re-reads the token
   * at once. client-go re-reads its token file at most once a minute. Tests set 0.
   * @default 10_000
   */
  readonly fileCheckIntervalMs?: number;
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
 * Fetches from the kubelet. One kept-alive connection is reused across fetches, and one body
 * buffer; fetches run one at a time (a second concurrent fetch waits for the first).
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
  readonly #connection: KubeletConnection;
  /** The request line and `Host` field, the same for every request. */
  readonly #requestStart: string;
  /** Settles when the fetch in flight, if any, is over. */
  #queue: Promise<void> = Promise.resolve();
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
            fileCheckIntervalMs: options.fileCheckIntervalMs ?? 10_000,
          })
        : new ProxyAccessProvider(access, { secure: this.#secure, redactor: this.#redactor });
    const display = `${this.#url.protocol}//${this.#url.host}${this.#url.pathname}`;
    this.#displayUrl = access === undefined ? display : `${display} (${access.description})`;
    this.#timeoutMs = timeoutMs;
    this.#maxBodyBytes = maxBodyBytes;
    this.#failure = { displayUrl: this.#displayUrl, access, redactor: this.#redactor };
    this.#connection = new KubeletConnection({
      url: this.#url,
      body: new BodyBuffer({ maxBytes: maxBodyBytes }),
      limits: { maxBodyBytes, maxErrorBodyBytes: ERROR_BODY_READ_BYTES },
      networkError: (error, responded) => networkError(this.#failure, error, responded),
    });
    this.#requestStart = `GET ${this.#url.pathname}${this.#url.search} HTTP/1.1\r\nHost: ${this.#url.host}\r\n`;
  }

  /**
   * `GET <base>/pods`. Resolves with the raw (decompressed) body bytes; the caller parses them.
   * The bytes are a view into a buffer the client reuses: valid until the next `fetchPods` call
   * starts, so copy what must outlive it. Rejects only with {@link KubeletError}; an abort through
   * `signal` rejects with kind `'timeout'`. After a 401, the credentials are obtained again
   * (token file re-read, access prepared again) and, if they changed, the request is retried once.
   */
  async fetchPods(signal?: AbortSignal): Promise<Buffer> {
    const previous = this.#queue;
    let release = (): void => {};
    this.#queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      await previous;
      return await this.#fetch(signal);
    } catch (error) {
      if (error instanceof KubeletError) throw this.#redactor.sanitised(error);
      throw this.#redactor.sanitised(
        new KubeletError('connection', `kubelet request to ${this.#displayUrl} failed`, {
          cause: error,
        }),
      );
    } finally {
      release();
    }
  }

  /** Frees the connection. Later fetches reject with `'connection'`. */
  close(): void {
    this.#closed = true;
    this.#provider.close();
    this.#connection.abort(new KubeletError('connection', 'kubelet client is closed'));
  }

  async #fetch(signal: AbortSignal | undefined): Promise<Buffer> {
    if (this.#closed) {
      throw new KubeletError('connection', 'kubelet client is closed');
    }
    const deadline = {
      at: Date.now() + this.#timeoutMs,
      signal,
      displayUrl: this.#displayUrl,
      timeoutMs: this.#timeoutMs,
    };
    const prepared = await this.#provider.prepare(deadline);
    let result = await this.#attempt(prepared, deadline.at, signal);
    if (result.unauthorized !== undefined) {
      const renewed = await this.#provider.renew(prepared, deadline);
      if (this.#closed) throw new KubeletError('connection', 'kubelet client is closed');
      if (renewed !== undefined) result = await this.#attempt(renewed, deadline.at, signal);
    }
    if (result.unauthorized !== undefined) throw result.unauthorized;
    if (result.body === undefined) {
      throw new KubeletError('connection', `kubelet request to ${this.#displayUrl} failed`);
    }
    return result.body;
  }

  /**
   * One HTTP exchange. Resolves with the body or a 401 error; rejects with KubeletError. At the
   * deadline or an abort, the connection is dropped (a half-read response cannot be reused).
   */
  #attempt(
    prepared: PreparedRequest,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<AttemptResult> {
    return new Promise<AttemptResult>((resolve, reject) => {
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const stop = (error: KubeletError): void => {
        if (!settle()) return;
        this.#connection.abort(error);
        reject(error);
      };
      const timer = setTimeout(
        () =>
          stop(
            new KubeletError(
              'timeout',
              `kubelet request to ${this.#displayUrl} timed out after ${this.#timeoutMs} ms`,
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
      const onAbort = (): void =>
        stop(new KubeletError('timeout', `kubelet request to ${this.#displayUrl} was aborted`));
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#connection
        .request(this.#head(prepared.headers), prepared.connection)
        .then((response) => this.#result(response))
        .then(
          (result) => {
            if (settle()) resolve(result);
          },
          (error: unknown) => {
            if (settle()) reject(error);
          },
        );
    });
  }

  /** The request head: request line, `Host`, the default fields unless `headers` set them. */
  #head(headers: Readonly<Record<string, string>>): string {
    let head = this.#requestStart;
    const names = Object.keys(headers).map((name) => name.toLowerCase());
    for (const [name, value] of Object.entries(DEFAULT_HEADERS)) {
      if (!names.includes(name.toLowerCase())) head += `${name}: ${value}\r\n`;
    }
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    return `${head}\r\n`;
  }

  /** The body of a 2xx response (decompressed), a 401 to renew after, or the error of a status. */
  async #result(response: HttpResponse): Promise<AttemptResult> {
    const { status, headers, body } = response;
    const encoding = (headers.get('content-encoding')?.join(', ') ?? 'identity')
      .trim()
      .toLowerCase();
    const gzip = encoding === 'gzip' || encoding === 'x-gzip';
    if (status >= 200 && status < 300) {
      // zlib reads its input on the threadpool, maybe past a timeout that lets the next fetch
      // reuse the body buffer: it gets a copy (gzip comes from proxies only, never the kubelet).
      if (gzip) return { body: await this.#inflate(Buffer.from(body), status) };
      if (encoding === 'identity') return { body };
      throw new KubeletError(
        'http',
        `kubelet answered with unsupported content-encoding ${encoding}`,
        {
          statusCode: status,
        },
      );
    }
    let text = body;
    if (gzip) {
      // The first bytes of an error body, even cut short, are enough for the excerpt.
      const options = {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: ERROR_BODY_INFLATED_BYTES,
      };
      text = await inflate(Buffer.from(body), options).catch(() => Buffer.alloc(0));
    }
    const error = statusError(this.#failure, status, text);
    if (error.kind === 'unauthorized') return { unauthorized: error };
    throw error;
  }

  /** Decompresses a gzip body up to the body limit. */
  async #inflate(body: Buffer, status: number): Promise<Buffer> {
    try {
      return await inflate(body, { maxOutputLength: this.#maxBodyBytes });
    } catch (error) {
      if (error instanceof RangeError) {
        throw tooLarge(this.#maxBodyBytes, `exceeds ${this.#maxBodyBytes} bytes decompressed`);
      }
      throw badGzip(error, status);
    }
  }
}
