/** Owns the agent's HTTP endpoints: `/healthz`, `/readyz` and `/metrics`, answered by callbacks. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A probe's answer: `ok` decides 200 or 503; `detail` is the body (JSON). */
export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface HttpServerOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** @default '::' (all addresses, IPv4 included) */
  readonly host?: string;
  /** `/healthz`: liveness. */
  readonly health: () => ProbeResult;
  /** `/readyz`: readiness. */
  readonly ready: () => ProbeResult;
  /** `/metrics`: Prometheus text exposition and its content type. */
  readonly metrics: () => Promise<{ contentType: string; body: string }>;
}

/**
 * The agent's HTTP endpoints: `/healthz`, `/readyz`, `/metrics`. GET and HEAD only; anything else
 * is 404/405. Resolves once listening, with the bound port.
 */
export async function startHttpServer(
  options: HttpServerOptions,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const probe =
      path === '/healthz' ? options.health : path === '/readyz' ? options.ready : undefined;
    if (!probe && path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end();
      return;
    }
    if (probe) {
      const result = probe();
      res
        .writeHead(result.ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify({ status: result.ok ? 'ok' : 'unavailable', ...result.detail })}\n`);
      return;
    }
    options.metrics().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) =>
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`metrics failed: ${String(error)}\n`),
    );
  });
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 10_000;
  const listen = (host: string) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  if (options.host) {
    await listen(options.host);
  } else {
    // All addresses; a node with IPv6 disabled cannot bind `::`, so fall back to IPv4.
    await listen('::').catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EAFNOSUPPORT' && error.code !== 'EADDRNOTAVAIL') throw error;
      return listen('0.0.0.0');
    });
  }
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
