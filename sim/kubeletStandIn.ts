/**
 * An HTTPS stand-in for the kubelet's `GET /pods` endpoint, for tests, demos and benchmarks.
 *
 * Plain module (no test-framework imports). It behaves as a real kubelet does where the agent can
 * tell (see `shared/notes/kubelet-and-cri.md`): a serving certificate signed by a self-made CA
 * (as when `serverTLSBootstrap` is off), bearer-token authentication with kubelet-like 401/403
 * bodies, keep-alive connections, and
 * - **item order**: the items of a `PodList` body come in a fresh random order on every request
 *   (the kubelet encodes its pod manager's Go map), from a seeded generator so runs repeat;
 * - **JSON only, never compressed**: compact JSON as Go encodes it (`<`, `>`, `&` escaped as
 *   `\u003c`, `\u003e`, `\u0026`); an `Accept` that allows no JSON (e.g. protobuf only) gets
 *   `406 Not Acceptable`; `Accept-Encoding: gzip` is ignored;
 * - **restarts**: {@link KubeletStandIn.restart} plays connection refused, then empty lists, then
 *   a partial list, then the whole list, with every pod's `config.seen` reset;
 * - **faults**: one-off faults queued by {@link KubeletStandIn.injectFault}, and faults on a
 *   seeded share of requests ({@link RandomFaultOptions}).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { generate } from 'selfsigned';
import { configSeenZone, formatConfigSeen } from './timeline/configSeen.js';
import { hashFraction, seededRandom, shuffleInPlace } from './timeline/seededRandom.js';

/**
 * A one-off fault served instead of the body to one authenticated `GET /pods`.
 *
 * - `{status, body?}`: that status with a kubelet-like `text/plain` body (or `body`).
 * - `{delayMs}`: wait that long (ms), then serve the current body (provokes client timeouts).
 * - `{truncate: true}`: announce `Content-Length` of the full body, send half, close.
 * - `{truncate: 'chunked'}`: chunked response that closes in the middle of a chunk.
 * - `{raw}`: status 200, `application/json`, with this exact text (e.g. `'not json'`).
 * - `{garble: true}`: status 200, the current body with bytes in its middle overwritten (not JSON).
 * - `{destroy: true}`: reset the connection without answering.
 */
export type KubeletFault =
  | { readonly status: number; readonly body?: string }
  | { readonly delayMs: number }
  | { readonly truncate: true | 'chunked' }
  | { readonly raw: string }
  | { readonly garble: true }
  | { readonly destroy: true };

/** Kinds of fault {@link RandomFaultOptions} draws from. */
export type RandomFaultKind = 'status' | 'truncate' | 'garble' | 'slow';

/** Faults on a seeded share of authenticated `GET /pods` requests. */
export interface RandomFaultOptions {
  /** Fraction of requests answered with a fault, 0..1. */
  readonly share: number;
  /** Kinds drawn from, uniformly. @default ['status', 'truncate', 'garble', 'slow'] */
  readonly kinds?: readonly RandomFaultKind[];
  /** Statuses a `status` fault uses, uniformly. @default [500, 503] */
  readonly statuses?: readonly number[];
  /** Delay of a `slow` answer (ms), then the body. @default 2000 */
  readonly slowMs?: number;
  /** Seed of the draws. @default the stand-in's `seed` + 1 */
  readonly seed?: number;
}

/** Durations of a scripted kubelet restart, ms. */
export interface RestartOptions {
  /** Connections refused (the listening socket is closed, open connections reset). */
  readonly refusedMs: number;
  /** Then `/pods` answers with an empty list. */
  readonly emptyMs: number;
  /** Then a seeded random part of the list (never empty nor whole when 2 or more pods). */
  readonly partialMs: number;
  /**
   * When the new kubelet first saw the pods listed at the restart: their new `config.seen`
   * (plus a per-pod fraction of a second; each pod keeps its zone).
   * @default the stand-in clock when it listens again
   */
  readonly seenAtEpochSeconds?: number;
}

/** Where a restart is (`up`: serving the whole list). */
export type KubeletPhase = 'up' | 'refused' | 'empty' | 'partial';

export interface KubeletStandInOptions {
  /** Bearer token the stand-in accepts. @default 32 random hex characters */
  readonly token?: string;
  /** DNS names in the certificate's subjectAltName (IP 127.0.0.1 is always there). @default ['localhost'] */
  readonly hostnames?: string[];
  /**
   * Path prefix before `/pods`, as through the API server proxy
   * (e.g. `/api/v1/nodes/n1/proxy`). @default '' (serves `/pods`)
   */
  readonly pathPrefix?: string;
  /**
   * `shuffled`: a `PodList` body is parsed once when set and served re-encoded as Go does, items
   * in a fresh seeded random order per request (a real kubelet). `as-set`: the body is served
   * byte for byte as given (transport tests of the client only), except while a restart serves
   * an empty or partial list (re-encoded, in the given order); the whole list after it is the
   * body as given again (`config.seen` as set).
   * @default 'shuffled'
   */
  readonly order?: 'shuffled' | 'as-set';
  /** Seed of the item order; random faults use seed + 1, restart subsets seed + 2. @default 1 */
  readonly seed?: number;
  /** Faults on a seeded share of requests. @default none */
  readonly randomFaults?: RandomFaultOptions;
  /** Timer of the restart phases (tests pass a manual one). @default setTimeout */
  readonly schedule?: (run: () => void, ms: number) => void;
  /** Wall clock, ms since the epoch (for the default restart `config.seen`). @default Date.now */
  readonly now?: () => number;
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
  /**
   * Plays a kubelet restart: refused, then empty, then partial, then whole (see
   * {@link RestartOptions}). Resolves when the whole list is served again.
   */
  restart(options: RestartOptions): Promise<void>;
  /** Where a restart is. */
  readonly phase: KubeletPhase;
  /** Restarts played (begun) so far. */
  readonly restarts: number;
  /** `GET /pods` requests received (any outcome, including 401s and faults). */
  readonly requests: number;
  /** Faults served: queued ones as `injected`, random ones by kind. */
  readonly faultsServed: Readonly<Record<RandomFaultKind | 'injected', number>>;
  /** TLS connections accepted so far (to check keep-alive reuse). */
  readonly connections: number;
  /** Accept only `newToken` from now on (the old one gets 401). */
  rotateToken(newToken: string): void;
  /** Stop listening, drop every connection and pending delayed response. */
  close(): Promise<void>;
}

const EMPTY_POD_LIST = '{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}';
const COMMA = Buffer.from(',');
const SEEN_FIELD = /"kubernetes\.io\/config\.seen":"([^"]*)"/;
const RANDOM_KINDS: readonly RandomFaultKind[] = ['status', 'truncate', 'garble', 'slow'];

/** Bodies the kubelet (Go net/http + its authz filter, go-restful) sends for common statuses. */
function defaultStatusBody(status: number): string {
  switch (status) {
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden (user=system:serviceaccount:kubelet-span-exporter:kubelet-span-exporter, verb=get, resource=nodes, subresource(s)=[pods])';
    case 404:
      return '404 page not found';
    case 406:
      return '406: Not Acceptable';
    default:
      return `status ${status}`;
  }
}

/** Compact JSON as Go's `encoding/json` writes it (HTML-safe escapes, U+2028/9 escaped). */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Whether an `Accept` header allows the kubelet's only media type, `application/json`: absent,
 * `application/json`, `application/*` or any type, unless weighted `q=0`.
 */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((part) => {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const refused = params.some((p) => /^q=0(\.0*)?$/.test(p));
    return !refused && (type === '*/*' || type === 'application/*' || type === 'application/json');
  });
}

/** A `config.seen` instant. */
interface Seen {
  readonly epochSeconds: number;
  readonly nanos: number;
}

/** One item of a parsed `PodList` body. */
interface Item {
  readonly bytes: Buffer;
  /** `metadata.uid`, else `#<index>`. */
  readonly uid: string;
  /** Cached copy carrying a restart's `config.seen`. */
  reseen?: { readonly seen: Seen; readonly bytes: Buffer };
}

/** A body as set: verbatim, or a `PodList` split into envelope and items. */
interface Body {
  readonly verbatim: Buffer;
  readonly list?: { readonly head: Buffer; readonly tail: Buffer; readonly items: Item[] };
}

function parseBody(text: string): Body {
  const verbatim = Buffer.from(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { verbatim };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { verbatim };
  const { items, ...rest } = parsed as { items?: unknown };
  if (!Array.isArray(items) || !items.every((i) => typeof i === 'object' && i !== null)) {
    return { verbatim };
  }
  const envelope = goJson({ ...rest, items: [] });
  const cut = envelope.lastIndexOf('[]');
  return {
    verbatim,
    list: {
      head: Buffer.from(envelope.slice(0, cut + 1)),
      tail: Buffer.from(`${envelope.slice(cut + 1)}\n`),
      items: items.map((item: { metadata?: { uid?: unknown } }, index) => {
        const uid = item.metadata?.uid;
        return {
          bytes: Buffer.from(goJson(item)),
          uid: typeof uid === 'string' ? uid : `#${index}`,
        };
      }),
    },
  };
}

/** The body's bytes with its middle overwritten: invalid JSON wherever the cut falls. */
function garbled(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const junk = Buffer.from('"}{\u0000\u00ff garbled');
  const at = Math.max(0, Math.floor(out.length / 2) - junk.length);
  junk.copy(out, at);
  return out.length >= junk.length ? out : junk;
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
  const podsPath = `${(options.pathPrefix ?? '').replace(/\/+$/, '')}/pods`;
  const order = options.order ?? 'shuffled';
  const seed = options.seed ?? 1;
  const orderRandom = seededRandom(seed);
  const random = options.randomFaults;
  if (random !== undefined && !(random.share >= 0 && random.share <= 1)) {
    throw new RangeError(`randomFaults.share must be within 0..1: ${random.share}`);
  }
  const faultRandom = seededRandom(random?.seed ?? seed + 1);
  const randomKinds = random?.kinds ?? RANDOM_KINDS;
  const schedule = options.schedule ?? ((run, ms) => void setTimeout(run, ms));
  const now = options.now ?? Date.now;

  let token = options.token ?? randomBytes(16).toString('hex');
  let body = parseBody(EMPTY_POD_LIST);
  let requests = 0;
  let connections = 0;
  let phase: KubeletPhase = 'up';
  let restarts = 0;
  /** uid → `config.seen` given by the last restart to the pods listed when it began. */
  let reseen = new Map<string, Seen>();
  let closed = false;
  let partialSalt = 0;
  const faultsServed: Record<RandomFaultKind | 'injected', number> = {
    injected: 0,
    status: 0,
    truncate: 0,
    garble: 0,
    slow: 0,
  };
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

  const itemBytes = (item: Item): Buffer => {
    const seen = reseen.get(item.uid);
    if (seen === undefined) return item.bytes;
    if (item.reseen?.seen !== seen) {
      const text = item.bytes.toString('utf8');
      const match = SEEN_FIELD.exec(text);
      // Printed in the pod's own zone, as the node would.
      const zone = configSeenZone(match?.[1] ?? '') ?? 'Z';
      const value = formatConfigSeen(seen.epochSeconds, seen.nanos, zone);
      const bytes =
        match === null
          ? item.bytes
          : Buffer.from(text.replace(SEEN_FIELD, `"kubernetes.io/config.seen":"${value}"`));
      item.reseen = { seen, bytes };
    }
    return item.reseen.bytes;
  };

  /** The bytes one request gets now: the current list in a fresh order, as the phase allows. */
  const currentBytes = (): Buffer => {
    const list = body.list;
    if (list === undefined || (order === 'as-set' && phase === 'up')) return body.verbatim;
    let items = list.items;
    if (phase === 'empty') items = [];
    else if (phase === 'partial') {
      const kept = items.filter((i) => hashFraction(i.uid, partialSalt) < 0.5);
      if (items.length >= 2 && (kept.length === 0 || kept.length === items.length)) {
        // Never empty nor whole: drop or keep one pod chosen by the same hash.
        const ranked = [...items].sort(
          (a, b) => hashFraction(a.uid, partialSalt) - hashFraction(b.uid, partialSalt),
        );
        items = kept.length === 0 ? ranked.slice(0, 1) : ranked.slice(0, -1);
      } else {
        items = kept;
      }
    }
    const indices = items.map((_, i) => i);
    if (order === 'shuffled') shuffleInPlace(indices, orderRandom);
    const chunks: Buffer[] = [list.head];
    let length = list.head.length + list.tail.length;
    indices.forEach((index, n) => {
      if (n > 0) chunks.push(COMMA);
      const bytes = itemBytes(items[index] as Item);
      chunks.push(bytes);
      length += bytes.length + (n > 0 ? 1 : 0);
    });
    chunks.push(list.tail);
    return Buffer.concat(chunks, length);
  };

  const sendBytes = (res: ServerResponse, bytes: Buffer): void => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': bytes.length });
    res.end(bytes);
  };

  const serveFault = (res: ServerResponse, fault: KubeletFault): void => {
    if ('status' in fault) {
      sendText(res, fault.status, fault.body ?? defaultStatusBody(fault.status));
    } else if ('delayMs' in fault) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) sendBytes(res, currentBytes());
      }, fault.delayMs);
      timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    } else if ('truncate' in fault) {
      const bytes = currentBytes();
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
      sendBytes(res, Buffer.from(fault.raw));
    } else if ('garble' in fault) {
      sendBytes(res, garbled(currentBytes()));
    } else {
      res.socket?.destroy();
    }
  };

  /** A fault drawn for this request, or undefined (one draw per request, so runs repeat). */
  const drawFault = (): KubeletFault | undefined => {
    if (random === undefined || random.share === 0) return undefined;
    const hit = faultRandom() < random.share;
    const pick = faultRandom();
    const pick2 = faultRandom();
    if (!hit || randomKinds.length === 0) return undefined;
    const kind = randomKinds[Math.floor(pick * randomKinds.length)] as RandomFaultKind;
    faultsServed[kind] += 1;
    switch (kind) {
      case 'status': {
        const statuses = random.statuses ?? [500, 503];
        return { status: statuses[Math.floor(pick2 * statuses.length)] ?? 500 };
      }
      case 'truncate':
        return { truncate: pick2 < 0.5 ? true : 'chunked' };
      case 'garble':
        return { garble: true };
      case 'slow':
        return { delayMs: random.slowMs ?? 2000 };
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
    if (!acceptsJson(req.headers.accept)) {
      sendText(res, 406, defaultStatusBody(406));
      return;
    }
    const queued = faults.shift();
    if (queued !== undefined) faultsServed.injected += 1;
    const fault = queued ?? drawFault();
    if (fault === undefined) sendBytes(res, currentBytes());
    else serveFault(res, fault);
  });
  // Like the kubelet's http.Server IdleTimeout (90 s): idle keep-alive connections stay open.
  server.keepAliveTimeout = 90_000;
  server.on('secureConnection', () => {
    connections += 1;
  });
  server.on('tlsClientError', () => {
    // Clients that reject our certificate are expected in tests.
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const wait = (ms: number) => new Promise<void>((resolve) => schedule(resolve, ms));

  await listen(0);
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
    get phase() {
      return phase;
    },
    get restarts() {
      return restarts;
    },
    get faultsServed() {
      return { ...faultsServed };
    },
    setBody(next: string) {
      body = parseBody(next);
    },
    injectFault(fault: KubeletFault) {
      faults.push(fault);
    },
    async restart(restart: RestartOptions) {
      for (const [name, ms] of Object.entries({
        refusedMs: restart.refusedMs,
        emptyMs: restart.emptyMs,
        partialMs: restart.partialMs,
      })) {
        if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`${name} must be >= 0: ${ms}`);
      }
      if (phase !== 'up') throw new Error(`a restart is already playing (${phase})`);
      restarts += 1;
      const carried = (body.list?.items ?? []).map((i) => i.uid);
      phase = 'refused';
      await stopListening();
      await wait(restart.refusedMs);
      if (closed) return;
      await listen(port);
      // The new kubelet's pod manager starts empty: every pod it lists again is "first seen" now.
      const seenAt = restart.seenAtEpochSeconds ?? Math.floor(now() / 1000);
      reseen = new Map(
        carried.map((uid) => [
          uid,
          { epochSeconds: seenAt, nanos: Math.floor(hashFraction(uid, restarts) * 999_999_999) },
        ]),
      );
      partialSalt = Math.floor(seededRandom(seed + 2 + restarts)() * 2 ** 31);
      phase = 'empty';
      await wait(restart.emptyMs);
      phase = 'partial';
      await wait(restart.partialMs);
      phase = 'up';
    },
    rotateToken(newToken: string) {
      token = newToken;
    },
    async close() {
      closed = true;
      if (phase === 'refused') return;
      await stopListening();
    },
  };
}
