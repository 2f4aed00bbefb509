/**
 * Owns the kubelet client's one kept-alive connection: a plain TCP or TLS socket reused from
 * request to request, read with `onread` into one static buffer and parsed by an
 * {@link HttpResponseParser}, replaced when the TLS material it was made with changes, closed
 * after {@link IDLE_TIMEOUT_MS} unused. One request at a time.
 */
import { isIP, connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { type ConnectionOptions, checkServerIdentity, connect as tlsConnect } from 'node:tls';
import type { BodyBuffer } from './bodyBuffer.js';
import {
  type HttpResponse,
  HttpResponseParser,
  type HttpResponseParserOptions,
} from './httpResponseParser.js';
import type { ConnectionSetting } from './kubeletAccess.js';
import type { KubeletError } from './kubeletError.js';

/**
 * Idle connections are closed after this long (ms), well before the kubelet's 90 s IdleTimeout,
 * so a poll rarely writes to a connection the kubelet is closing.
 */
const IDLE_TIMEOUT_MS = 30_000;
/** Bytes read from the socket at a time (TLS records carry at most 16 KiB). */
const READ_BUFFER_BYTES = 64 * 1024;

export interface KubeletConnectionOptions {
  /** The server: `http:` or `https:` URL (host and port are used). */
  readonly url: URL;
  /** Where bodies are copied to. */
  readonly body: BodyBuffer;
  /** Limits of a response. */
  readonly limits: HttpResponseParserOptions;
  /** A socket error as the client reports it; `responded`: some response byte had arrived. */
  readonly networkError: (error: unknown, responded: boolean) => KubeletError;
  /** Idle connections are closed after this long (ms). @default 30_000 */
  readonly idleTimeoutMs?: number;
}

interface Pending {
  readonly head: string;
  readonly resolve: (response: HttpResponse) => void;
  readonly reject: (error: unknown) => void;
  /** The request was already sent again on a fresh connection. */
  retried: boolean;
}

/** Node's own error for a connection closed before a response (`socket hang up`). */
function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

export class KubeletConnection {
  readonly #options: KubeletConnectionOptions;
  readonly #host: string;
  readonly #port: number;
  readonly #parser: HttpResponseParser;
  readonly #readBuffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  #socket: Socket | undefined;
  #setting: ConnectionSetting | undefined;
  /** The socket already carried a whole exchange: it may have been closed by the server since. */
  #reused = false;
  #pending: Pending | undefined;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(options: KubeletConnectionOptions) {
    this.#options = options;
    const { hostname, port, protocol } = options.url;
    // `[::1]` in a URL, `::1` for connect().
    this.#host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    this.#port = port === '' ? (protocol === 'https:' ? 443 : 80) : Number(port);
    this.#parser = new HttpResponseParser(options.body, options.limits);
  }

  /**
   * Sends `head` (a whole GET request) and resolves with the response; its body is a view into
   * the body buffer, valid until the next request. Rejects with a KubeletError. A reused
   * connection found closed before any byte of the response arrived is replaced and the request
   * sent once more (GET is idempotent); never after a response byte arrived.
   */
  request(head: string, setting: ConnectionSetting): Promise<HttpResponse> {
    if (this.#pending !== undefined) {
      return Promise.reject(new Error('a kubelet request is already in flight'));
    }
    clearTimeout(this.#idleTimer);
    if (this.#setting !== undefined && this.#setting.signature !== setting.signature) {
      this.#drop();
    }
    this.#setting = setting;
    return new Promise<HttpResponse>((resolve, reject) => {
      this.#pending = { head, resolve, reject, retried: false };
      this.#send();
    });
  }

  /** Drops the connection; a pending request rejects with `error` (timeout, abort). */
  abort(error: KubeletError): void {
    const pending = this.#pending;
    this.#drop();
    if (pending !== undefined) {
      this.#pending = undefined;
      pending.reject(error);
    }
  }

  #send(): void {
    const pending = this.#pending as Pending;
    this.#parser.begin();
    let socket = this.#socket;
    if (socket === undefined) {
      try {
        socket = this.#connect();
      } catch (error) {
        this.#fail(this.#options.networkError(error, false));
        return;
      }
    }
    socket.ref();
    socket.write(pending.head, 'latin1');
  }

  #connect(): Socket {
    const setting = this.#setting as ConnectionSetting;
    const host = this.#host;
    const port = this.#port;
    const onread: OnReadOpts = {
      buffer: this.#readBuffer,
      callback: (bytes: number): boolean => {
        this.#onRead(socket, bytes);
        return true;
      },
    };
    const tls = setting.tls;
    let socket: Socket;
    if (tls === undefined) {
      socket = netConnect({ host, port, onread });
    } else {
      // SNI only for a name, as Node's https agent does; the certificate is verified against the
      // servername, else the host (IP addresses included) by the default checkServerIdentity. A
      // servername that is an IP address (kubeconfig `tls-server-name`) is verified, not sent.
      const named = tls.servername ?? host;
      const servername = isIP(named) === 0 ? named : undefined;
      const verifyIp =
        tls.servername !== undefined && servername === undefined ? tls.servername : undefined;
      // tls.connect takes `onread` as net.connect does (Node's types omit it).
      const options: ConnectionOptions & { onread: OnReadOpts } = {
        host,
        port,
        onread,
        rejectUnauthorized: tls.rejectUnauthorized,
        ...(servername === undefined ? {} : { servername }),
        ...(verifyIp === undefined
          ? {}
          : { checkServerIdentity: (_host: string, cert) => checkServerIdentity(verifyIp, cert) }),
        ...(tls.ca === undefined ? {} : { ca: tls.ca }),
        ...(tls.cert === undefined ? {} : { cert: tls.cert }),
        ...(tls.key === undefined ? {} : { key: tls.key }),
      };
      socket = tlsConnect(options);
    }
    this.#socket = socket;
    this.#reused = false;
    socket.setKeepAlive(true, 1000);
    socket.on('error', (error) => this.#onClosed(socket, error));
    socket.on('end', () => this.#onClosed(socket, undefined));
    socket.on('close', () => this.#onClosed(socket, undefined));
    return socket;
  }

  #onRead(socket: Socket, bytes: number): void {
    if (socket !== this.#socket) return;
    if (this.#pending === undefined) {
      // Nothing was asked: the connection is out of step.
      this.#drop();
      return;
    }
    let response: HttpResponse | undefined;
    try {
      response = this.#parser.feed(this.#readBuffer, 0, bytes);
    } catch (error) {
      this.#drop();
      this.#fail(error);
      return;
    }
    if (response !== undefined) this.#succeed(response);
  }

  /** The socket failed or was closed by the server. */
  #onClosed(socket: Socket, error: Error | undefined): void {
    if (socket !== this.#socket) return;
    const pending = this.#pending;
    const reused = this.#reused;
    this.#drop();
    if (pending === undefined) return;
    if (this.#parser.started) {
      if (error !== undefined) {
        this.#fail(this.#options.networkError(error, true));
        return;
      }
      let response: HttpResponse;
      try {
        response = this.#parser.end();
      } catch (failure) {
        this.#fail(failure);
        return;
      }
      this.#succeed(response);
      return;
    }
    if (reused && !pending.retried) {
      // The server closed the idle connection as the request went out: send it again, once.
      pending.retried = true;
      this.#send();
      return;
    }
    this.#fail(this.#options.networkError(error ?? hangUp(), false));
  }

  #succeed(response: HttpResponse): void {
    const pending = this.#pending as Pending;
    this.#pending = undefined;
    const socket = this.#socket;
    if (socket !== undefined) {
      if (response.reusable) {
        this.#reused = true;
        socket.unref();
        this.#idleTimer = setTimeout(
          () => this.#drop(),
          this.#options.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
        );
        this.#idleTimer.unref();
      } else {
        this.#drop();
      }
    }
    pending.resolve(response);
  }

  #fail(error: unknown): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }

  /** Destroys the socket, if any (a later request connects again). */
  #drop(): void {
    clearTimeout(this.#idleTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
  }
}
