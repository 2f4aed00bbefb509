import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import test, { type ExecutionContext } from 'ava';
import { generate } from 'selfsigned';
import { type KubeletStandIn, startKubeletStandIn } from '../../sim/kubeletStandIn.js';
import { BodyBuffer } from '../../src/kubelet/bodyBuffer.js';
import type { ConnectionSetting } from '../../src/kubelet/kubeletAccess.js';
import {
  KubeletConnection,
  type KubeletConnectionOptions,
} from '../../src/kubelet/kubeletConnection.js';
import { KubeletError, type KubeletErrorKind } from '../../src/kubelet/kubeletError.js';
import { networkError } from '../../src/kubelet/kubeletFailure.js';
import { Redactor } from '../../src/kubelet/redaction.js';
import { expectKubeletError } from '../support/kubeletErrors.js';

const servers: Server[] = [];
const standIns: KubeletStandIn[] = [];
const connections: KubeletConnection[] = [];
const PLAIN: ConnectionSetting = { signature: 'plain', tls: undefined };

test.after.always(async () => {
  for (const connection of connections) connection.abort(new KubeletError('connection', 'done'));
  await Promise.all(standIns.map((standIn) => standIn.close()));
  for (const server of servers) server.close();
});

function ok(body: string, fields = ''): string {
  return `HTTP/1.1 200 OK\r\n${fields}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** What the server saw: connections accepted, requests received, sockets closed. */
interface Seen {
  connections: number;
  requests: number;
  closed: number;
  readonly sockets: Socket[];
}

/**
 * A plain TCP server on `host` that answers the n-th request (1-based, across connections) with
 * `answer(n, socket)`: the test writes the raw bytes, or closes the socket.
 */
async function scripted(
  answer: (n: number, socket: Socket) => void,
  host = '127.0.0.1',
): Promise<{ url: URL; seen: Seen }> {
  const seen: Seen = { connections: 0, requests: 0, closed: 0, sockets: [] };
  const server = createServer((socket) => {
    seen.connections += 1;
    seen.sockets.push(socket);
    socket.on('close', () => {
      seen.closed += 1;
    });
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (data) => {
      pending += data.toString('latin1');
      let end = pending.indexOf('\r\n\r\n');
      while (end !== -1) {
        pending = pending.slice(end + 4);
        seen.requests += 1;
        answer(seen.requests, socket);
        end = pending.indexOf('\r\n\r\n');
      }
    });
  });
  servers.push(server);
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://${host.includes(':') ? `[${host}]` : host}:${port}/pods`), seen };
}

function connect(url: URL, options: Partial<KubeletConnectionOptions> = {}): KubeletConnection {
  const failure = { displayUrl: url.href, access: undefined, redactor: new Redactor() };
  const connection = new KubeletConnection({
    url,
    body: new BodyBuffer(),
    limits: { maxBodyBytes: 1024 * 1024, maxErrorBodyBytes: 1024 },
    networkError: (error, responded) => networkError(failure, error, responded),
    ...options,
  });
  connections.push(connection);
  return connection;
}

function get(connection: KubeletConnection, url: URL, setting = PLAIN): Promise<string> {
  const head = `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`;
  return connection.request(head, setting).then((response) => response.body.toString('utf8'));
}

const expectKind = (t: ExecutionContext, promise: Promise<unknown>, kind: KubeletErrorKind) =>
  expectKubeletError(t, promise, kind);

/** Resolves once the server has seen `count` sockets closed. */
async function closedAtServer(seen: Seen, count: number): Promise<void> {
  while (seen.closed < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

test('sequential requests reuse one socket', async (t) => {
  const { url, seen } = await scripted((n, socket) => socket.write(ok(`body ${n}`)));
  const connection = connect(url);
  for (let n = 1; n <= 5; n += 1) t.is(await get(connection, url), `body ${n}`);
  t.is(seen.requests, 5);
  t.is(seen.connections, 1);
});

for (const how of ['reset', 'close'] as const) {
  test(`a reused socket the server ${how}s as the request arrives is replaced, the request sent again`, async (t) => {
    const { url, seen } = await scripted((n, socket) => {
      if (n === 2) {
        if (how === 'reset') socket.resetAndDestroy();
        else socket.end();
      } else socket.write(ok(`body ${n}`));
    });
    const connection = connect(url);
    t.is(await get(connection, url), 'body 1');
    t.is(await get(connection, url), 'body 3');
    t.is(seen.requests, 3);
    t.is(seen.connections, 2);
  });
}

test('the request is sent again once only', async (t) => {
  const { url, seen } = await scripted((n, socket) => {
    if (n === 1) socket.write(ok('first'));
    else socket.destroy();
  });
  const connection = connect(url);
  t.is(await get(connection, url), 'first');
  await expectKind(t, get(connection, url), 'connection');
  t.is(seen.requests, 3, 'the request on the reused socket, then one on a fresh one');
  t.is(seen.connections, 2);
});

test('a fresh socket closed before any response is a connection error, not retried', async (t) => {
  const { url, seen } = await scripted((_n, socket) => socket.destroy());
  const error = await expectKind(t, get(connect(url), url), 'connection');
  t.regex(error.message, /ECONNRESET/);
  t.is(seen.requests, 1);
});

test('a close in the middle of the body is truncated, never retried', async (t) => {
  const { url, seen } = await scripted((n, socket) => {
    if (n === 2) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
    else socket.write(ok(`body ${n}`));
  });
  const connection = connect(url);
  t.is(await get(connection, url), 'body 1');
  await expectKind(t, get(connection, url), 'truncated');
  t.is(seen.requests, 2);
  t.is(await get(connection, url), 'body 3');
  t.is(seen.connections, 2);
});

test('an idle socket is closed after idleTimeoutMs; the next request connects again', async (t) => {
  const { url, seen } = await scripted((n, socket) => socket.write(ok(`body ${n}`)));
  const connection = connect(url, { idleTimeoutMs: 20 });
  t.is(await get(connection, url), 'body 1');
  await closedAtServer(seen, 1);
  t.is(await get(connection, url), 'body 2');
  t.is(seen.connections, 2);
});

test('an idle socket closed by the server is dropped: the next request connects without a retry', async (t) => {
  const { url, seen } = await scripted((n, socket) => {
    socket.write(ok(`body ${n}`));
    if (n === 1) socket.end();
  });
  const connection = connect(url);
  t.is(await get(connection, url), 'body 1');
  await closedAtServer(seen, 1);
  t.is(await get(connection, url), 'body 2');
  t.is(seen.requests, 2);
  t.is(seen.connections, 2);
});

test('Connection: close, a body until the close and unasked-for bytes each end the socket', async (t) => {
  const answers = [
    ok('closing', 'Connection: close\r\n'),
    'HTTP/1.1 200 OK\r\n\r\nuntil the close',
    `${ok('extra')}HTTP/1.1 200 OK\r\n`,
    ok('last'),
  ];
  const { url, seen } = await scripted((n, socket) => {
    if (n === 2) socket.end(answers[1] as string);
    else socket.write(answers[n - 1] as string);
  });
  const connection = connect(url);
  t.deepEqual(
    [await get(connection, url), await get(connection, url), await get(connection, url)],
    ['closing', 'until the close', 'extra'],
  );
  t.is(await get(connection, url), 'last');
  t.is(seen.connections, 4);
});

test('abort drops the socket and rejects the request with the given error', async (t) => {
  const { url, seen } = await scripted(() => {});
  const connection = connect(url);
  const pending = get(connection, url);
  while (seen.requests === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  connection.abort(new KubeletError('timeout', 'too slow'));
  const error = await expectKind(t, pending, 'timeout');
  t.is(error.message, 'too slow');
  await closedAtServer(seen, 1);
});

test('an IPv6 literal host is connected to without brackets', async (t) => {
  const { url, seen } = await scripted((n, socket) => socket.write(ok(`v6 ${n}`)), '::1');
  t.is(url.hostname, '[::1]');
  t.is(await get(connect(url), url), 'v6 1');
  t.is(seen.connections, 1);
});

// --- TLS ---

async function standIn(hostnames?: string[]): Promise<KubeletStandIn> {
  const started = await startKubeletStandIn({
    order: 'as-set',
    ...(hostnames === undefined ? {} : { hostnames }),
  });
  standIns.push(started);
  started.setBody('{"items":[]}');
  return started;
}

function podsGet(
  connection: KubeletConnection,
  server: KubeletStandIn,
  url: URL,
  setting: ConnectionSetting,
) {
  const head =
    `GET /pods HTTP/1.1\r\nHost: ${url.host}\r\nAccept: application/json\r\n` +
    `Authorization: Bearer ${server.token}\r\n\r\n`;
  return connection.request(head, setting).then((response) => response.body.toString('utf8'));
}

test('TLS: verified against the CA, by IP address or name; changed material replaces the socket', async (t) => {
  const server = await standIn(['localhost']);
  const tls = { ca: server.caPem, rejectUnauthorized: true };
  for (const host of ['127.0.0.1', 'localhost']) {
    const url = new URL(server.url);
    url.hostname = host;
    const connection = connect(url);
    t.is(await podsGet(connection, server, url, { signature: 'a', tls }), '{"items":[]}', host);
  }
  t.is(server.connections, 2);
  const url = new URL(server.url);
  const connection = connect(url);
  await podsGet(connection, server, url, { signature: 'a', tls });
  await podsGet(connection, server, url, { signature: 'a', tls });
  t.is(server.connections, 3, 'same signature: same socket');
  await podsGet(connection, server, url, { signature: 'b', tls: { ...tls } });
  t.is(server.connections, 4, 'another signature: a new socket');
});

test('TLS: a wrong CA and a name the certificate lacks are tls errors', async (t) => {
  const server = await standIn(['localhost']);
  const other = await standIn();
  const url = new URL(server.url);
  const wrongCa = await expectKind(
    t,
    podsGet(connect(url), server, url, {
      signature: 'other',
      tls: { ca: other.caPem, rejectUnauthorized: true },
    }),
    'tls',
  );
  t.regex(wrongCa.hint ?? '', /KUBELET_CA_FILE/);
  const mismatch = await expectKind(
    t,
    podsGet(connect(url), server, url, {
      signature: 'named',
      tls: { ca: server.caPem, rejectUnauthorized: true, servername: 'other.test' },
    }),
    'tls',
  );
  t.regex(mismatch.message, /other\.test/);
  const named = new URL(server.url);
  named.hostname = 'localhost';
  t.is(
    await podsGet(connect(named), server, named, {
      signature: 'unverified',
      tls: { ca: other.caPem, rejectUnauthorized: false },
    }),
    '{"items":[]}',
    'rejectUnauthorized: false skips verification',
  );
  t.is(server.requests, 1);
});

test('TLS: SNI names a host name, never an IP address, unless a servername is given', async (t) => {
  const pems = await generate([{ name: 'commonName', value: 'sni-test' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 2, value: 'alias.test' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  const names: (string | false)[] = [];
  const server = createTlsServer({ key: pems.private, cert: pems.cert }, (socket: TLSSocket) => {
    // Set by Node on server sockets (missing from its types): the SNI name, or false.
    names.push((socket as TLSSocket & { servername: string | false }).servername);
    socket.on('error', () => {});
    socket.once('data', () => socket.write(ok('hi')));
  });
  servers.push(server);
  server.listen(0, '::');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const tls = { ca: pems.cert, rejectUnauthorized: true };
  for (const [host, servername] of [
    ['127.0.0.1', undefined],
    ['[::1]', undefined],
    ['localhost', undefined],
    ['127.0.0.1', 'alias.test'],
    // a servername that is an IP address is verified against, never sent
    ['localhost', '127.0.0.1'],
  ] as const) {
    const url = new URL(`https://${host}:${port}/pods`);
    const setting = {
      signature: 's',
      tls: servername === undefined ? tls : { ...tls, servername },
    };
    t.is(await get(connect(url), url, setting), 'hi', host);
  }
  t.deepEqual(names, [false, false, 'localhost', 'alias.test', false]);
  const url = new URL(`https://localhost:${port}/pods`);
  const lacking = await expectKind(
    t,
    get(connect(url), url, { signature: 's', tls: { ...tls, servername: '10.9.9.9' } }),
    'tls',
  );
  t.regex(lacking.message, /10\.9\.9\.9/);
});
