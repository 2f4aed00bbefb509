import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import {
  type KubeletStandIn,
  type KubeletStandInOptions,
  startKubeletStandIn,
} from '../../sim/kubeletStandIn.js';
import type { KubeletAccess, KubeletAccessMaterial } from '../../src/kubelet/kubeletAccess.js';
import { KubeletClient, type KubeletClientOptions } from '../../src/kubelet/kubeletClient.js';
import { KubeletError, type KubeletErrorKind } from '../../src/kubelet/kubeletError.js';
import { expectKubeletError as expectError } from '../support/kubeletErrors.js';

const FIXTURE = readFileSync(
  new URL('../fixtures/kubelet/podlist-init-and-restart.json', import.meta.url),
  'utf8',
);

const dir = await mkdtemp(join(tmpdir(), 'kubelet-client-test-'));
const standIns: KubeletStandIn[] = [];
const clients: KubeletClient[] = [];
const httpServers: HttpServer[] = [];
/** Every token any test used: none may ever show up in an error. */
const tokens = new Set<string>();
let fileCounter = 0;

test.after.always(async () => {
  for (const client of clients) client.close();
  await Promise.all(standIns.map((standIn) => standIn.close()));
  await Promise.all(
    httpServers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  await rm(dir, { recursive: true, force: true });
});

async function tempFile(name: string, content: string): Promise<string> {
  fileCounter += 1;
  const path = join(dir, `${fileCounter}-${name}`);
  await writeFile(path, content);
  return path;
}

/** The limits of a client: KUBELET_TIMEOUT and KUBELET_MAX_BODY_BYTES at their defaults. */
const LIMITS: { timeoutMs: number; maxBodyBytes: number } = {
  timeoutMs: 10_000,
  maxBodyBytes: 64 * 1024 * 1024,
};

function newClient(
  options: Omit<KubeletClientOptions, keyof typeof LIMITS> & Partial<typeof LIMITS>,
): KubeletClient {
  const client = new KubeletClient({ ...LIMITS, ...options });
  clients.push(client);
  return client;
}

interface Setup {
  readonly standIn: KubeletStandIn;
  readonly client: KubeletClient;
  readonly tokenFile: string;
  readonly caFile: string;
}

/**
 * A fresh stand-in (so that faults and counters are per test) and a client trusting its CA. The
 * stand-in serves bodies byte for byte (`order: 'as-set'`): these tests check the transport.
 */
async function setup(
  standInOptions: KubeletStandInOptions = {},
  clientOptions: Partial<KubeletClientOptions> = {},
): Promise<Setup> {
  const standIn = await startKubeletStandIn({ order: 'as-set', ...standInOptions });
  standIns.push(standIn);
  tokens.add(standIn.token);
  const tokenFile = await tempFile('token', `${standIn.token}\n`);
  const caFile = await tempFile('ca.crt', standIn.caPem);
  const client = newClient({
    baseUrl: standIn.url,
    tokenFile,
    caFile,
    insecureTls: false,
    ...clientOptions,
  });
  return { standIn, client, tokenFile, caFile };
}

/** Asserts a KubeletError of `kind` whose message, hint, cause and stack carry no token. */
const expectKubeletError = (
  t: ExecutionContext,
  promise: Promise<unknown>,
  kind: KubeletErrorKind,
): Promise<KubeletError> => expectError(t, promise, kind, tokens);

async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('fetches /pods with the CA file and returns the exact body bytes (identity encoding)', async (t) => {
  const { standIn, client } = await setup();
  standIn.setBody(FIXTURE);
  const body = await client.fetchPods();
  t.true(Buffer.isBuffer(body));
  t.true(body.equals(Buffer.from(FIXTURE)));
  t.is(standIn.requests, 1);
});

/**
 * A plain-http server that gzips whatever `body()` returns when asked (streamed, chunked): the
 * kubelet never compresses, but a proxy in front of it may, and the client accepts gzip.
 */
async function gzipServer(body: () => string): Promise<string> {
  const server = createHttpServer((req, res) => {
    if (!/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      // Not a fair test of the gzip path: fail the fetch.
      res.writeHead(400).end('client did not accept gzip');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    const gzip = createGzip();
    gzip.pipe(res);
    gzip.end(body());
  });
  httpServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('decompresses a gzip body (a proxy may compress; the kubelet never does)', async (t) => {
  const big = JSON.stringify({ kind: 'PodList', items: Array.from({ length: 50 }, () => FIXTURE) });
  const client = newClient({ baseUrl: await gzipServer(() => big) });
  const body = await client.fetchPods();
  t.is(body.toString('utf8'), big);
});

test('the kubelet stand-in never compresses, even when asked', async (t) => {
  const { standIn } = await setup();
  standIn.setBody(FIXTURE);
  const encoding = await new Promise<string | undefined>((resolve, reject) => {
    const req = httpsRequest(
      `${standIn.url}/pods`,
      {
        ca: standIn.caPem,
        headers: { authorization: `Bearer ${standIn.token}`, 'accept-encoding': 'gzip' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers['content-encoding']));
      },
    );
    req.on('error', reject);
    req.end();
  });
  t.is(encoding, undefined);
});

test('insecureTls works without a CA file', async (t) => {
  const { standIn } = await setup();
  standIn.setBody(FIXTURE);
  const client = newClient({
    baseUrl: standIn.url,
    tokenFile: await tempFile('token', standIn.token),
    insecureTls: true,
  });
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
});

test('an unverifiable certificate without a CA file is a tls error with the operator hint', async (t) => {
  const { standIn, tokenFile } = await setup();
  const client = newClient({ baseUrl: standIn.url, tokenFile, insecureTls: false });
  const error = await expectKubeletError(t, client.fetchPods(), 'tls');
  t.regex(error.hint ?? '', /KUBELET_CA_FILE/);
  t.regex(error.hint ?? '', /KUBELET_INSECURE_TLS/);
  t.is(standIn.requests, 0);
});

test('a wrong CA is a tls error with the operator hint', async (t) => {
  const { standIn, tokenFile } = await setup();
  const other = await startKubeletStandIn({ order: 'as-set' });
  standIns.push(other);
  const client = newClient({
    baseUrl: standIn.url,
    tokenFile,
    caFile: await tempFile('other-ca.crt', other.caPem),
    insecureTls: false,
  });
  const error = await expectKubeletError(t, client.fetchPods(), 'tls');
  t.regex(error.hint ?? '', /KUBELET_CA_FILE/);
  t.regex(error.hint ?? '', /KUBELET_INSECURE_TLS/);
  t.is(standIn.requests, 0);
});

test('an unreadable or invalid CA file is a ca error', async (t) => {
  const { standIn, tokenFile } = await setup();
  const missing = newClient({
    baseUrl: standIn.url,
    tokenFile,
    caFile: join(dir, 'no-such-ca.crt'),
    insecureTls: false,
  });
  const missingError = await expectKubeletError(t, missing.fetchPods(), 'ca');
  t.regex(missingError.message, /no-such-ca\.crt/);
  const garbage = newClient({
    baseUrl: standIn.url,
    tokenFile,
    caFile: await tempFile('garbage.crt', 'not a certificate\n'),
    insecureTls: false,
  });
  await expectKubeletError(t, garbage.fetchPods(), 'ca');
  t.is(standIn.requests, 0);
});

test('a rejected token is unauthorized with the nodes/pods RBAC hint, without retrying', async (t) => {
  const { standIn } = await setup();
  const wrong = 'wrong-token-0123456789abcdef';
  tokens.add(wrong);
  const client = newClient({
    baseUrl: standIn.url,
    tokenFile: await tempFile('wrong-token', wrong),
    caFile: await tempFile('ca.crt', standIn.caPem),
    insecureTls: false,
  });
  const error = await expectKubeletError(t, client.fetchPods(), 'unauthorized');
  t.is(error.statusCode, 401);
  t.regex(error.hint ?? '', /nodes\/pods/);
  t.regex(error.message, /Unauthorized/);
  t.is(standIn.requests, 1, 'the token did not change, so no second request');
});

test('403 is forbidden with the RBAC rule and the nodes/proxy fallback in the hint', async (t) => {
  const { standIn, client } = await setup();
  standIn.injectFault({ status: 403 });
  const error = await expectKubeletError(t, client.fetchPods(), 'forbidden');
  t.is(error.statusCode, 403);
  t.regex(error.hint ?? '', /nodes\/pods/);
  t.regex(error.hint ?? '', /"get"/);
  t.regex(error.hint ?? '', /nodes\/proxy/);
  t.regex(error.message, /subresource\(s\)=\[pods\]/);
});

test('500 is an http error with the status and a short sanitised body excerpt', async (t) => {
  const { standIn, client } = await setup();
  standIn.injectFault({ status: 500, body: `boom\n\u0000\u001b[31m${'x'.repeat(1000)}` });
  const error = await expectKubeletError(t, client.fetchPods(), 'http');
  t.is(error.statusCode, 500);
  t.regex(error.message, /500/);
  t.regex(error.message, /boom/);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
  t.notRegex(error.message, /[\u0000-\u001f]/);
  t.false(error.message.includes('x'.repeat(201)));
  // The connection stays usable after an error status.
  standIn.setBody(FIXTURE);
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
});

test('a token echoed in an error body never reaches the message', async (t) => {
  const { standIn, client } = await setup();
  standIn.injectFault({ status: 500, body: `token ${standIn.token} rejected` });
  const error = await expectKubeletError(t, client.fetchPods(), 'http');
  t.regex(error.message, /\[REDACTED\]/);
  // A token cut by the 200-character excerpt must not leave a prefix behind either.
  standIn.injectFault({ status: 500, body: `${'y'.repeat(190)} ${standIn.token}` });
  const cut = await expectKubeletError(t, client.fetchPods(), 'http');
  t.false(cut.message.includes(standIn.token.slice(0, 8)));
  // Credentials the client never read are redacted when they look like a bearer header.
  standIn.injectFault({ status: 502, body: 'upstream said Authorization: Bearer abc.def.ghi' });
  const bearer = await expectKubeletError(t, client.fetchPods(), 'http');
  t.false(bearer.message.includes('abc.def.ghi'));
});

test('a response slower than timeoutMs is a timeout, and the next fetch recovers', async (t) => {
  // Short enough to keep the test quick, long enough for the recovery fetch on a busy machine.
  const { standIn, client } = await setup({}, { timeoutMs: 1_000 });
  standIn.injectFault({ delayMs: 60_000 });
  await expectKubeletError(t, client.fetchPods(), 'timeout');
  standIn.setBody(FIXTURE);
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
});

test('an aborted signal rejects with a KubeletError, before or during the request', async (t) => {
  const { standIn, client } = await setup();
  await expectKubeletError(t, client.fetchPods(AbortSignal.abort()), 'timeout');
  standIn.injectFault({ delayMs: 5_000 });
  const controller = new AbortController();
  const pending = client.fetchPods(controller.signal);
  while (standIn.requests === 0) await new Promise((resolve) => setImmediate(resolve));
  controller.abort();
  await expectKubeletError(t, pending, 'timeout');
});

test('a closed port is a connection error', async (t) => {
  const port = await closedPort();
  const client = newClient({ baseUrl: `https://127.0.0.1:${port}`, insecureTls: true });
  const error = await expectKubeletError(t, client.fetchPods(), 'connection');
  t.regex(error.message, /ECONNREFUSED/);
});

test('a reset connection is a connection error', async (t) => {
  const { standIn, client } = await setup();
  standIn.injectFault({ destroy: true });
  await expectKubeletError(t, client.fetchPods(), 'connection');
  t.is(standIn.requests, 1);
});

test('a body over the cap is tooLarge, by Content-Length and by decompressed size', async (t) => {
  const identity = await setup({}, { maxBodyBytes: 1024 });
  identity.standIn.setBody(FIXTURE);
  t.true(Buffer.byteLength(FIXTURE) > 1024);
  await expectKubeletError(t, identity.client.fetchPods(), 'tooLarge');

  // Gzip is streamed without Content-Length: the cap applies to the decompressed bytes.
  let zipped = JSON.stringify({ items: 'a'.repeat(200 * 1024) });
  const gzip = newClient({ baseUrl: await gzipServer(() => zipped), maxBodyBytes: 10 * 1024 });
  await expectKubeletError(t, gzip.fetchPods(), 'tooLarge');

  // A body under the cap still passes afterwards.
  zipped = '{"items":[]}';
  t.is((await gzip.fetchPods()).toString('utf8'), '{"items":[]}');
});

test('a connection closed before Content-Length is reached is truncated', async (t) => {
  const { standIn, client } = await setup();
  standIn.setBody(FIXTURE);
  standIn.injectFault({ truncate: true });
  await expectKubeletError(t, client.fetchPods(), 'truncated');
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
});

test('a connection closed in the middle of a chunk is truncated', async (t) => {
  const { standIn, client } = await setup();
  standIn.setBody(FIXTURE);
  standIn.injectFault({ truncate: 'chunked' });
  await expectKubeletError(t, client.fetchPods(), 'truncated');
});

test('a non-JSON body is returned as is (the caller parses)', async (t) => {
  const { standIn, client } = await setup();
  standIn.injectFault({ raw: 'not json' });
  t.is((await client.fetchPods()).toString('utf8'), 'not json');
});

test('a rotated token file is picked up by the next fetch', async (t) => {
  const { standIn, client, tokenFile } = await setup({}, { fileCheckIntervalMs: 0 });
  await client.fetchPods();
  const next = 'rotated-token-fedcba9876543210fedcba';
  tokens.add(next);
  await writeFile(tokenFile, next);
  standIn.rotateToken(next);
  await client.fetchPods();
  t.is(standIn.requests, 2, 'no 401 round trip: the change was seen up front');
});

test('between file checks a rotated token is found by the 401, then re-read and retried', async (t) => {
  const { standIn, client, tokenFile } = await setup({}, { fileCheckIntervalMs: 3_600_000 });
  await client.fetchPods();
  const next = 'rotated-token-0123456789abcdef0123';
  tokens.add(next);
  await writeFile(tokenFile, next);
  standIn.rotateToken(next);
  await client.fetchPods();
  t.is(standIn.requests, 3, 'the cached token got a 401, the re-read one passed');
  await client.fetchPods();
  t.is(standIn.requests, 4, 'the re-read token is kept');
});

test('a token changed without new file metadata is re-read after a 401 and retried once', async (t) => {
  const { standIn, client, tokenFile } = await setup({ token: 'a'.repeat(40) });
  tokens.add('a'.repeat(40));
  // Whole seconds, so that utimes can restore the exact same mtime later.
  const fixed = new Date('2024-01-01T00:00:00Z');
  await utimes(tokenFile, fixed, fixed);
  await client.fetchPods();
  const before = await stat(tokenFile);
  const next = 'b'.repeat(40);
  tokens.add(next);
  await writeFile(tokenFile, `${next}\n`);
  await utimes(tokenFile, fixed, fixed);
  const after = await stat(tokenFile);
  t.deepEqual([after.ino, after.size, after.mtimeMs], [before.ino, before.size, before.mtimeMs]);
  standIn.rotateToken(next);
  await client.fetchPods();
  t.is(standIn.requests, 3, 'one 401 with the cached token, then the retry');
});

test('a base URL with a path prefix gets /pods appended', async (t) => {
  const prefix = '/api/v1/nodes/node-1/proxy';
  const { standIn, tokenFile, caFile } = await setup({ pathPrefix: prefix });
  standIn.setBody(FIXTURE);
  const withPrefix = newClient({
    baseUrl: `${standIn.url}${prefix}/`,
    tokenFile,
    caFile,
    insecureTls: false,
  });
  t.is((await withPrefix.fetchPods()).toString('utf8'), FIXTURE);
  const withoutPrefix = newClient({ baseUrl: standIn.url, tokenFile, caFile, insecureTls: false });
  const error = await expectKubeletError(t, withoutPrefix.fetchPods(), 'http');
  t.is(error.statusCode, 404);
});

test('a missing or empty token file is a token error at fetch time, over https', async (t) => {
  const { standIn, caFile } = await setup();
  const missingPath = join(dir, 'no-such-token');
  const missing = newClient({
    baseUrl: standIn.url,
    tokenFile: missingPath,
    caFile,
    insecureTls: false,
  });
  const error = await expectKubeletError(t, missing.fetchPods(), 'token');
  t.regex(error.message, /no-such-token/);
  const empty = newClient({
    baseUrl: standIn.url,
    tokenFile: await tempFile('empty-token', '\n'),
    caFile,
    insecureTls: false,
  });
  await expectKubeletError(t, empty.fetchPods(), 'token');
  t.is(standIn.requests, 0);
});

test('over plain http (kubectl proxy) a missing token file sends no token; a present one is sent', async (t) => {
  const seen: (string | undefined)[] = [];
  const server = createHttpServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(req.url);
  });
  httpServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/api/v1/nodes/n1/proxy`;

  const anonymous = newClient({
    baseUrl,
    tokenFile: join(dir, 'absent-token'),
    insecureTls: false,
  });
  t.is((await anonymous.fetchPods()).toString('utf8'), '/api/v1/nodes/n1/proxy/pods');

  const token = 'proxy-token-0123456789';
  tokens.add(token);
  const authenticated = newClient({
    baseUrl,
    tokenFile: await tempFile('proxy-token', token),
    insecureTls: false,
  });
  await authenticated.fetchPods();
  t.deepEqual(seen, [undefined, `Bearer ${token}`]);
});

test('sequential fetches reuse one TCP connection', async (t) => {
  const { standIn, client } = await setup();
  standIn.setBody(FIXTURE);
  for (let i = 0; i < 20; i += 1) {
    t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
  }
  t.is(standIn.requests, 20);
  t.is(standIn.connections, 1);
});

test('a closed client rejects with a connection error', async (t) => {
  const { client } = await setup();
  await client.fetchPods();
  client.close();
  await expectKubeletError(t, client.fetchPods(), 'connection');
});

// --- access (credentials per request, e.g. from a kubeconfig through the API server proxy) ---

/** A KubeletAccess whose material the test controls; counts `prepare()` calls. */
function fakeAccess(initial: KubeletAccessMaterial): {
  access: KubeletAccess;
  set(material: KubeletAccessMaterial): void;
  readonly calls: number;
} {
  let material = initial;
  let calls = 0;
  return {
    access: {
      description: 'test access "lab"',
      prepare: async () => {
        calls += 1;
        return material;
      },
    },
    set(next) {
      material = next;
    },
    get calls() {
      return calls;
    },
  };
}

/** A stand-in and a client reaching it through a fake access with its CA and bearer token. */
async function accessClient() {
  const standIn = await startKubeletStandIn({ order: 'as-set' });
  standIns.push(standIn);
  tokens.add(standIn.token);
  const fake = fakeAccess({
    ca: standIn.caPem,
    headers: { Authorization: `Bearer ${standIn.token}` },
  });
  return { standIn, fake, client: newClient({ baseUrl: standIn.url, access: fake.access }) };
}

test('with access, headers and CA come from prepare() on every fetch; same material keeps the connection', async (t) => {
  const prefix = '/api/v1/nodes/worker-1/proxy';
  const standIn = await startKubeletStandIn({ order: 'as-set', pathPrefix: prefix });
  standIns.push(standIn);
  tokens.add(standIn.token);
  standIn.setBody(FIXTURE);
  const fake = fakeAccess({
    ca: Buffer.from(standIn.caPem),
    headers: { Authorization: `Bearer ${standIn.token}` },
  });
  // tokenFile/caFile/insecureTls are ignored with access: these would otherwise fail.
  const client = newClient({
    baseUrl: `${standIn.url}${prefix}`,
    access: fake.access,
    tokenFile: join(dir, 'no-such-token'),
    caFile: join(dir, 'no-such-ca.crt'),
    insecureTls: false,
  });
  for (let i = 0; i < 3; i += 1) t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
  t.is(fake.calls, 3);
  t.is(standIn.requests, 3);
  t.is(standIn.connections, 1);
});

test('with access, changed TLS material rebuilds the connection', async (t) => {
  const standIn = await startKubeletStandIn({ order: 'as-set' });
  standIns.push(standIn);
  tokens.add(standIn.token);
  const other = await startKubeletStandIn({ order: 'as-set' });
  standIns.push(other);
  const headers = { Authorization: `Bearer ${standIn.token}` };
  const fake = fakeAccess({ ca: other.caPem, headers });
  const client = newClient({ baseUrl: standIn.url, access: fake.access });
  const error = await expectKubeletError(t, client.fetchPods(), 'tls');
  t.regex(error.message, /API server/);
  t.regex(error.message, /test access "lab"/);
  t.regex(error.hint ?? '', /insecure-skip-tls-verify/);
  t.notRegex(error.hint ?? '', /KUBELET_CA_FILE/);

  fake.set({ ca: standIn.caPem, headers });
  await client.fetchPods();
  fake.set({ rejectUnauthorized: false, headers });
  await client.fetchPods();
  await client.fetchPods();
  t.is(standIn.requests, 3);
  t.is(standIn.connections, 2, 'one connection per distinct TLS material that verified');
});

test('with access, a 401 prepares again and retries once only when the credentials changed', async (t) => {
  const standIn = await startKubeletStandIn({ order: 'as-set', token: 'c'.repeat(40) });
  standIns.push(standIn);
  tokens.add(standIn.token);
  const good = standIn.token;
  const stale = 'stale-access-token-0123456789';
  tokens.add(stale);
  let calls = 0;
  const client = newClient({
    baseUrl: standIn.url,
    access: {
      description: 'test access "rotating"',
      prepare: async () => {
        calls += 1;
        const token = calls === 1 ? stale : good;
        return { ca: standIn.caPem, headers: { Authorization: `Bearer ${token}` } };
      },
    },
  });
  await client.fetchPods();
  t.is(calls, 2);
  t.is(standIn.requests, 2, 'one 401 with the stale token, then the retry');

  // Unchanged credentials: no retry, the 401 surfaces with the nodes/proxy hints.
  standIn.rotateToken('d'.repeat(40));
  tokens.add('d'.repeat(40));
  const error = await expectKubeletError(t, client.fetchPods(), 'unauthorized');
  t.is(error.statusCode, 401);
  t.is(standIn.requests, 3);
  t.regex(error.message, /API server node proxy/);
  t.regex(error.hint ?? '', /nodes\/proxy/);
  t.regex(error.hint ?? '', /kubectl auth can-i get nodes\/proxy/);
  t.regex(error.hint ?? '', /test access "rotating"/);
});

test('with access, 403 is forbidden with the nodes/proxy rule; 404 hints at NODE_NAME', async (t) => {
  const { standIn, client } = await accessClient();
  standIn.injectFault({
    status: 403,
    body: 'nodes "worker-1" is forbidden: cannot get resource "nodes/proxy"',
  });
  const forbidden = await expectKubeletError(t, client.fetchPods(), 'forbidden');
  t.regex(forbidden.hint ?? '', /resources: \["nodes\/proxy"\], verbs: \["get"\]/);
  t.regex(forbidden.hint ?? '', /kubectl auth can-i get nodes\/proxy/);
  t.notRegex(forbidden.hint ?? '', /nodes\/pods/);
  standIn.injectFault({ status: 404, body: 'nodes "worker-9" not found' });
  const missing = await expectKubeletError(t, client.fetchPods(), 'http');
  t.regex(missing.hint ?? '', /NODE_NAME/);
});

test('with access, header credentials echoed in an error body are redacted', async (t) => {
  const { standIn, client } = await accessClient();
  standIn.injectFault({ status: 502, body: `proxy error for token=${standIn.token}` });
  const error = await expectKubeletError(t, client.fetchPods(), 'http');
  t.regex(error.message, /\[REDACTED\]/);
});

test('with access, prepare() failures become token/ca/timeout errors without the secret', async (t) => {
  const standIn = await startKubeletStandIn({ order: 'as-set' });
  standIns.push(standIn);
  const secret = 'prepare-secret-0123456789abcdef';
  tokens.add(secret);
  const failing = (prepare: () => Promise<KubeletAccessMaterial>): KubeletClient =>
    newClient({ baseUrl: standIn.url, access: { description: 'test access "bad"', prepare } });

  const ca = await expectKubeletError(
    t,
    failing(async () => {
      throw new KubeletError('ca', 'no CA for test access "bad"');
    }).fetchPods(),
    'ca',
  );
  t.is(ca.message, 'no CA for test access "bad"');
  const other = await expectKubeletError(
    t,
    failing(async () => {
      throw new Error(`plugin said Authorization: Bearer ${secret}`);
    }).fetchPods(),
    'token',
  );
  t.regex(other.message, /test access "bad"/);
  await expectKubeletError(t, failing(async () => ({ ca: 'not a certificate' })).fetchPods(), 'ca');
  await expectKubeletError(
    t,
    failing(async () => ({ ca: standIn.caPem, cert: 'not a cert', key: 'not a key' })).fetchPods(),
    'token',
  );
  const header = await expectKubeletError(
    t,
    failing(async () => ({
      ca: standIn.caPem,
      headers: { Authorization: `Bearer ${secret}\r\nX: y` },
    })).fetchPods(),
    'token',
  );
  t.regex(header.message, /not allowed in an HTTP header/);
  for (const name of ['Host', 'transfer-encoding', 'Connection']) {
    const framing = await expectKubeletError(
      t,
      failing(async () => ({ ca: standIn.caPem, headers: { [name]: 'x' } })).fetchPods(),
      'token',
    );
    t.regex(framing.message, new RegExp(`set the header ${name}, which the kubelet client sets`));
  }
  const hanging = newClient({
    baseUrl: standIn.url,
    timeoutMs: 200,
    access: { description: 'test access "slow"', prepare: () => new Promise(() => {}) },
  });
  await expectKubeletError(t, hanging.fetchPods(), 'timeout');
  t.is(standIn.requests, 0);
});

test('kubectl proxy shape: plain http, a path prefix and no token file send no Authorization', async (t) => {
  const seen: { url: string | undefined; authorization: string | undefined }[] = [];
  const server = createHttpServer((req, res) => {
    seen.push({ url: req.url, authorization: req.headers.authorization });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(FIXTURE);
  });
  httpServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // What `kubectl proxy --port=8001` serves, on an ephemeral port.
  const client = newClient({ baseUrl: `http://127.0.0.1:${port}/api/v1/nodes/worker-1/proxy` });
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
  t.deepEqual(seen, [
    { url: '/api/v1/nodes/worker-1/proxy/pods', authorization: undefined },
    { url: '/api/v1/nodes/worker-1/proxy/pods', authorization: undefined },
  ]);
});
