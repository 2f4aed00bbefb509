/**
 * An HTTPS stand-in for the kubelet's `GET /pods` endpoint, for tests, demos and benchmarks.
 *
 * Plain module (no test-framework imports). It mimics what matters to the agent: a serving
 * certificate signed by a self-made CA (as the kubelet does when `serverTLSBootstrap` is off),
 * bearer-token authentication with kubelet-like 401/403 bodies, `application/json` bodies,
 * optional gzip, keep-alive connections, and a queue of one-off faults.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createGzip } from 'node:zlib';
import { generate } from 'selfsigned';

/**
 * A one-off fault served instead of the body to one authenticated `GET /pods`.
 *
 * - `{status, body?}`: that status with a kubelet-like `text/plain` body (or `body`).
 * - `{delayMs}`: wait that long (ms), then serve the current body (provokes client timeouts).
 * - `{truncate: true}`: announce `Content-Length` of the full body, send half, close.
 * - `{truncate: 'chunked'}`: chunked response that closes in the middle of a chunk.
 * - `{raw}`: status 200, `application/json`, with this exact text (e.g. `'not json'`).
 * - `{destroy: true}`: reset the connection without answering.
 */
export type KubeletFault =
  | { readonly status: number; readonly body?: string }
  | { readonly delayMs: number }
  | { readonly truncate: true | 'chunked' }
  | { readonly raw: string }
  | { readonly destroy: true };

export interface KubeletStandInOptions {
  /** Bearer token the stand-in accepts. @default 32 random hex characters */
  readonly token?: string;
  /** DNS names in the certificate's subjectAltName (IP 127.0.0.1 is always there). @default ['localhost'] */
  readonly hostnames?: string[];
  /** Gzip bodies (streamed, chunked) when the request accepts gzip. @default true */
  readonly gzip?: boolean;
  /**
   * Path prefix before `/pods`, as through the API server proxy
   * (e.g. `/api/v1/nodes/n1/proxy`). @default '' (serves `/pods`)
   */
  readonly pathPrefix?: string;
}

export interface KubeletStandIn {
  /** `https://127.0.0.1:<port>` (without `pathPrefix`). */
  readonly url: string;
  /** PEM of the CA that signed the serving certificate: what `KUBELET_CA_FILE` should hold. */
  readonly caPem: string;
  /** The bearer token currently accepted. */
  readonly token: string;
  /** Body served by the next `GET /pods` (raw JSON text): timeline control. */
  setBody(body: string): void;
  /** Queue a one-off fault served instead of the body to the next authenticated `GET /pods`. */
  injectFault(fault: KubeletFault): void;
  /** `GET /pods` requests received (any outcome, including 401s and faults). */
  readonly requests: number;
  /** TLS connections accepted so far (to check keep-alive reuse). */
  readonly connections: number;
  /** Accept only `newToken` from now on (the old one gets 401). */
  rotateToken(newToken: string): void;
  /** Stop listening, drop every connection and pending delayed response. */
  close(): Promise<void>;
}

const EMPTY_POD_LIST = '{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}';

/** Bodies the kubelet (Go net/http + its authz filter) sends for common statuses. */
function defaultStatusBody(status: number): string {
  switch (status) {
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden (user=system:serviceaccount:kubelet-span-exporter:kubelet-span-exporter, verb=get, resource=nodes, subresource(s)=[pods])';
    case 404:
      return '404 page not found';
    default:
      return `status ${status}`;
  }
}

async function makeCertificates(
  hostnames: readonly string[],
): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const ca = await generate([{ name: 'commonName', value: `kubelet-stand-in-ca@${Date.now()}` }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      {
        name: 'keyUsage',
        keyCertSign: true,
        cRLSign: true,
        digitalSignature: true,
        critical: true,
      },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: 'kubelet-stand-in' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...hostnames.map((value) => ({ type: 2 as const, value })),
          { type: 7 as const, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: leaf.cert, keyPem: leaf.private };
}

/** Starts a stand-in on 127.0.0.1 with an ephemeral port. */
export async function startKubeletStandIn(
  options: KubeletStandInOptions = {},
): Promise<KubeletStandIn> {
  const { caPem, certPem, keyPem } = await makeCertificates(options.hostnames ?? ['localhost']);
  const gzipEnabled = options.gzip ?? true;
  const podsPath = `${(options.pathPrefix ?? '').replace(/\/+$/, '')}/pods`;

  let token = options.token ?? randomBytes(16).toString('hex');
  let body = EMPTY_POD_LIST;
  let requests = 0;
  let connections = 0;
  const faults: KubeletFault[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const sendText = (res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  };

  const sendBody = (req: IncomingMessage, res: ServerResponse, text: string): void => {
    const acceptsGzip = /\bgzip\b/i.test(req.headers['accept-encoding'] ?? '');
    if (gzipEnabled && acceptsGzip) {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        Vary: 'Accept-Encoding',
      });
      const gzip = createGzip();
      gzip.on('error', () => res.destroy());
      gzip.pipe(res);
      gzip.end(text);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  };

  const serveFault = (
    req: IncomingMessage,
    res: ServerResponse,
    fault: KubeletFault,
    current: string,
  ): void => {
    if ('status' in fault) {
      sendText(res, fault.status, fault.body ?? defaultStatusBody(fault.status));
    } else if ('delayMs' in fault) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) sendBody(req, res, current);
      }, fault.delayMs);
      timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    } else if ('truncate' in fault) {
      const bytes = Buffer.from(current);
      const half = bytes.subarray(0, Math.floor(bytes.length / 2));
      const socket = res.socket as Socket;
      const head =
        fault.truncate === 'chunked'
          ? 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
            `${bytes.length.toString(16)}\r\n`
          : 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n' +
            `Content-Length: ${bytes.length}\r\n\r\n`;
      // Write raw bytes so that Node does not complete the framing, then close cleanly.
      socket.end(Buffer.concat([Buffer.from(head, 'latin1'), half]));
    } else if ('raw' in fault) {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(fault.raw),
      });
      res.end(fault.raw);
    } else {
      res.socket?.destroy();
    }
  };

  const server: Server = createServer({ key: keyPem, cert: `${certPem}\n${caPem}` }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== podsPath) {
      sendText(res, 404, defaultStatusBody(404));
      return;
    }
    if (req.method !== 'GET') {
      sendText(res, 405, 'Method Not Allowed');
      return;
    }
    requests += 1;
    if (req.headers.authorization !== `Bearer ${token}`) {
      sendText(res, 401, defaultStatusBody(401));
      return;
    }
    const fault = faults.shift();
    if (fault === undefined) {
      sendBody(req, res, body);
    } else {
      serveFault(req, res, fault, body);
    }
  });
  // Like the kubelet's http.Server IdleTimeout (90 s): idle keep-alive connections stay open.
  server.keepAliveTimeout = 90_000;
  server.on('secureConnection', () => {
    connections += 1;
  });
  server.on('tlsClientError', () => {
    // Clients that reject our certificate are expected in tests.
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    caPem,
    get token() {
      return token;
    },
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    setBody(next: string) {
      body = next;
    },
    injectFault(fault: KubeletFault) {
      faults.push(fault);
    },
    rotateToken(newToken: string) {
      token = newToken;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
