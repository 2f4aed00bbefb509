/**
 * A simulated Pods API server on a fresh unix socket and the agent's client pointed at it,
 * both closed (and the socket's folder removed) when the test ends; and a watch reader that
 * collects the events after the initial sync.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PodsApiServer, type PodsApiServerOptions } from '../../sim/podsapi/podsApiServer.js';
import {
  PodsApiClient,
  type PodsApiClientOptions,
  type PodsApiEvent,
} from '../../src/podsapi/podsApiClient.js';

export async function startPodsApiPair(
  t: { teardown: (fn: () => void | Promise<void>) => void },
  serverOptions: Omit<PodsApiServerOptions, 'socketPath'>,
  clientOptions: Partial<PodsApiClientOptions> = {},
): Promise<{ server: PodsApiServer; client: PodsApiClient }> {
  const dir = mkdtempSync(join(tmpdir(), 'pods-api-'));
  const server = await PodsApiServer.start({
    socketPath: join(dir, 'pods-api.sock'),
    ...serverOptions,
  });
  const client = new PodsApiClient({
    target: server.target,
    decode: { envNames: ['TRACEPARENT'] },
    ...clientOptions,
  });
  t.teardown(async () => {
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { server, client };
}

/**
 * Watches, calls `onSync` at INITIAL_SYNC_COMPLETE, and returns the next `count` events (the
 * watch is cancelled then).
 */
export async function eventsAfterSync(
  client: PodsApiClient,
  count: number,
  onSync: () => void,
): Promise<PodsApiEvent[]> {
  const seen: PodsApiEvent[] = [];
  let synced = false;
  for await (const event of client.watch()) {
    if (synced) seen.push(event);
    if (event.type === 'INITIAL_SYNC_COMPLETE') {
      synced = true;
      onSync();
    }
    if (seen.length === count) break;
  }
  return seen;
}
