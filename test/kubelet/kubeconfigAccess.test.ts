import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { generate } from 'selfsigned';
import { stringify } from 'yaml';
import { type KubeletStandIn, startKubeletStandIn } from '../../sim/kubeletStandIn.js';
import { findKubeconfig, kubeconfigAccess } from '../../src/kubelet/kubeconfigAccess.js';
import type { KubeletAccess } from '../../src/kubelet/kubeletAccess.js';
import { KubeletClient } from '../../src/kubelet/kubeletClient.js';
import type { KubeletError, KubeletErrorKind } from '../../src/kubelet/kubeletError.js';
import { expectKubeletError as expectError } from '../support/kubeletErrors.js';

const FIXTURE = readFileSync(
  new URL('../fixtures/kubelet/podlist-init-and-restart.json', import.meta.url),
  'utf8',
);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = 'worker-1';
const PREFIX = `/api/v1/nodes/${NODE}/proxy`;

const dir = await mkdtemp(join(tmpdir(), 'kubeconfig-access-test-'));
const standIns: KubeletStandIn[] = [];
const clients: KubeletClient[] = [];
const servers: HttpServer[] = [];
/** Every secret any test used: none may ever show up in an error. */
const secrets = new Set<string>();
let counter = 0;

test.after.always(async () => {
  for (const client of clients) client.close();
  await Promise.all(standIns.map((standIn) => standIn.close()));
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
  await rm(dir, { recursive: true, force: true });
});

/** A fresh directory for one test's files. */
async function testDir(): Promise<string> {
  counter += 1;
  const path = join(dir, `t${counter}`);
  await mkdir(path, { recursive: true });
  return path;
}

async function standIn(token?: string): Promise<KubeletStandIn> {
  const started = await startKubeletStandIn({
    order: 'as-set',
    pathPrefix: PREFIX,
    ...(token === undefined ? {} : { token }),
  });
  standIns.push(started);
  secrets.add(started.token);
  started.setBody(FIXTURE);
  return started;
}

interface KubeconfigParts {
  readonly currentContext?: string;
  readonly clusters?: readonly { name: string; cluster: Record<string, unknown> }[];
  readonly users?: readonly { name: string; user: Record<string, unknown> }[];
  readonly contexts?: readonly { name: string; context: Record<string, unknown> }[];
}

/** Writes a kubeconfig (YAML, as kubectl writes it) and returns its path. */
async function writeKubeconfig(
  folder: string,
  name: string,
  parts: KubeconfigParts,
): Promise<string> {
  const path = join(folder, name);
  const document: Record<string, unknown> = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: parts.clusters ?? [],
    users: parts.users ?? [],
    contexts: parts.contexts ?? [],
    preferences: {},
  };
  if (parts.currentContext !== undefined) document['current-context'] = parts.currentContext;
  await writeFile(path, stringify(document));
  return path;
}

/** One cluster, one user, one context named `lab`: the usual single-cluster kubeconfig. */
function single(cluster: Record<string, unknown>, user: Record<string, unknown>): KubeconfigParts {
  return {
    currentContext: 'lab',
    clusters: [{ name: 'lab-cluster', cluster }],
    users: [{ name: 'lab-user', user }],
    contexts: [{ name: 'lab', context: { cluster: 'lab-cluster', user: 'lab-user' } }],
  };
}

function caData(pem: string): string {
  return Buffer.from(pem).toString('base64');
}

/** Loads the kubeconfig and builds a client; fails the test when loading fails. */
async function clientFor(
  t: ExecutionContext,
  kubeconfig: string,
  nodeName = NODE,
): Promise<{ client: KubeletClient; baseUrl: string; access: KubeletAccess; context: string }> {
  const result = await kubeconfigAccess({ nodeName, kubeconfig, home: join(dir, 'no-home') });
  if (!result.ok) {
    return t.fail(result.error);
  }
  const client = new KubeletClient({
    baseUrl: result.baseUrl,
    access: result.access,
    timeoutMs: 10_000,
    maxBodyBytes: 64 * 1024 * 1024,
  });
  clients.push(client);
  return { client, baseUrl: result.baseUrl, access: result.access, context: result.context };
}

function assertNoSecret(t: ExecutionContext, text: string): void {
  for (const secret of secrets) t.false(text.includes(secret), 'secret in an error');
}

const expectKubeletError = (
  t: ExecutionContext,
  promise: Promise<unknown>,
  kind: KubeletErrorKind,
): Promise<KubeletError> => expectError(t, promise, kind, secrets);

async function expectLoadError(
  t: ExecutionContext,
  options: Parameters<typeof kubeconfigAccess>[0],
): Promise<string> {
  const result = await kubeconfigAccess(options);
  if (result.ok) {
    t.fail(`expected a failure, got ${result.baseUrl}`);
    return '';
  }
  assertNoSecret(t, result.error);
  return result.error;
}

test('reaches /pods through the node proxy with a token user and certificate-authority-data', async (t) => {
  const server = await standIn();
  const folder = await testDir();
  const kubeconfig = await writeKubeconfig(
    folder,
    'config',
    single(
      { server: server.url, 'certificate-authority-data': caData(server.caPem) },
      { token: server.token },
    ),
  );
  const result = await kubeconfigAccess({ nodeName: NODE, kubeconfig, home: folder });
  if (!result.ok) {
    t.fail(result.error);
    return;
  }
  t.is(result.baseUrl, `${server.url}${PREFIX}`);
  t.is(result.server, server.url);
  t.is(result.context, 'lab');
  t.regex(result.access.description, /"lab"/);
  assertNoSecret(t, result.access.description);

  const client = new KubeletClient({
    baseUrl: result.baseUrl,
    access: result.access,
    timeoutMs: 10_000,
    maxBodyBytes: 64 * 1024 * 1024,
  });
  clients.push(client);
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
  t.is(server.requests, 2);
  t.is(server.connections, 1, 'unchanged credentials keep the keep-alive connection');
});

test('a wrong token is unauthorized with the nodes/proxy hint, and no error carries a token', async (t) => {
  const server = await standIn();
  const wrong = 'wrong-kubeconfig-token-0123456789abcdef';
  secrets.add(wrong);
  const folder = await testDir();
  const ca = { server: server.url, 'certificate-authority-data': caData(server.caPem) };
  const { client } = await clientFor(
    t,
    await writeKubeconfig(folder, 'config', single(ca, { token: wrong })),
  );
  const error = await expectKubeletError(t, client.fetchPods(), 'unauthorized');
  t.is(error.statusCode, 401);
  t.regex(error.hint ?? '', /`get` on `nodes\/proxy`/);
  t.regex(error.hint ?? '', /kubectl auth can-i get nodes\/proxy/);
  t.is(server.requests, 1, 'same credentials after the 401: no retry');

  // The right token, but the server echoes it in an error body.
  const good = await clientFor(
    t,
    await writeKubeconfig(folder, 'good', single(ca, { token: server.token })),
  );
  server.injectFault({ status: 503, body: `no route for Authorization: ${server.token}` });
  const echoed = await expectKubeletError(t, good.client.fetchPods(), 'http');
  t.regex(echoed.message, /\[REDACTED\]/);
  server.injectFault({ status: 403 });
  const forbidden = await expectKubeletError(t, good.client.fetchPods(), 'forbidden');
  t.regex(forbidden.hint ?? '', /nodes\/proxy/);
});

test('no kubeconfig: a message naming KUBECONFIG and ~/.kube/config', async (t) => {
  const folder = await testDir();
  const unset = await expectLoadError(t, { nodeName: NODE, home: folder });
  t.regex(unset, /no kubeconfig found/);
  t.regex(unset, /KUBECONFIG/);
  t.true(unset.includes('~/.kube/config'));
  t.true(unset.includes(join(folder, '.kube', 'config')));

  const missing = join(folder, 'missing-config');
  const listed = await expectLoadError(t, {
    nodeName: NODE,
    kubeconfig: `${missing}${delimiter}${join(folder, 'also-missing')}`,
    home: folder,
  });
  t.regex(listed, /no kubeconfig found/);
  t.true(listed.includes(`KUBECONFIG=${missing}`));
  t.true(listed.includes('~/.kube/config'));
});

test('~/.kube/config under home is used when KUBECONFIG is unset or empty', async (t) => {
  const server = await standIn();
  const home = await testDir();
  await mkdir(join(home, '.kube'));
  await writeKubeconfig(
    join(home, '.kube'),
    'config',
    single(
      { server: server.url, 'certificate-authority-data': caData(server.caPem) },
      { token: server.token },
    ),
  );
  for (const kubeconfig of [undefined, '']) {
    const result = await kubeconfigAccess({
      nodeName: NODE,
      home,
      ...(kubeconfig === undefined ? {} : { kubeconfig }),
    });
    if (!result.ok) {
      t.fail(result.error);
      return;
    }
    const client = new KubeletClient({
      baseUrl: result.baseUrl,
      access: result.access,
      timeoutMs: 10_000,
      maxBodyBytes: 64 * 1024 * 1024,
    });
    clients.push(client);
    t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
  }
});

test('KUBECONFIG with several files merges them: first current-context and first definition win', async (t) => {
  const server = await standIn();
  const folder = await testDir();
  const decoy = 'decoy-token-from-second-file-0123456789';
  secrets.add(decoy);
  // First file: the current context and the right user, but no cluster or context.
  const first = await writeKubeconfig(folder, 'first', {
    currentContext: 'lab',
    users: [{ name: 'lab-user', user: { token: server.token } }],
  });
  // Second file: another current context (ignored), the cluster and context, and a user of the
  // same name as in the first file (ignored: the first definition wins).
  const second = await writeKubeconfig(folder, 'second', {
    currentContext: 'elsewhere',
    clusters: [
      {
        name: 'lab-cluster',
        cluster: { server: server.url, 'certificate-authority-data': caData(server.caPem) },
      },
      { name: 'far-cluster', cluster: { server: 'https://192.0.2.1:6443' } },
    ],
    users: [{ name: 'lab-user', user: { token: decoy } }],
    contexts: [
      { name: 'lab', context: { cluster: 'lab-cluster', user: 'lab-user' } },
      { name: 'elsewhere', context: { cluster: 'far-cluster', user: 'lab-user' } },
    ],
  });
  const missing = join(folder, 'missing');
  const kubeconfig = [missing, first, second].join(delimiter);
  const { client, context, baseUrl } = await clientFor(t, kubeconfig);
  t.is(context, 'lab');
  t.is(baseUrl, `${server.url}${PREFIX}`);
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
  t.is(server.requests, 1, 'the first file’s token was sent: no 401');

  // When the first file sets no current context, the next one that does is used.
  const noContext = await writeKubeconfig(folder, 'no-context', {
    users: [{ name: 'lab-user', user: { token: server.token } }],
  });
  const onlySecond = await writeKubeconfig(folder, 'second-lab', {
    currentContext: 'lab',
    clusters: [
      {
        name: 'lab-cluster',
        cluster: { server: server.url, 'certificate-authority-data': caData(server.caPem) },
      },
    ],
    contexts: [{ name: 'lab', context: { cluster: 'lab-cluster', user: 'lab-user' } }],
  });
  const merged = await clientFor(t, [noContext, onlySecond].join(delimiter));
  t.is(merged.context, 'lab');
  t.is((await merged.client.fetchPods()).toString('utf8'), FIXTURE);
});

test('unusable kubeconfigs fail with clear messages', async (t) => {
  const folder = await testDir();
  const token = 'unused-token-0123456789abcdef';
  secrets.add(token);
  const load = (kubeconfig: string, nodeName = NODE): Promise<string> =>
    expectLoadError(t, { nodeName, kubeconfig, home: folder });
  const good = single({ server: 'https://127.0.0.1:6443' }, { token });

  t.regex(
    await load(await writeKubeconfig(folder, 'no-current', { ...good, currentContext: '' })),
    /sets no current context.*kubectl config use-context/,
  );
  t.regex(
    await load(
      await writeKubeconfig(folder, 'unknown-current', { ...good, currentContext: 'gone' }),
    ),
    /current context "gone"/,
  );
  t.regex(
    await load(
      await writeKubeconfig(folder, 'no-server', {
        ...good,
        clusters: [{ name: 'lab-cluster', cluster: { 'certificate-authority-data': 'AAAA' } }],
      }),
    ),
    /cluster "lab-cluster".*no server/,
  );
  t.regex(
    await load(
      await writeKubeconfig(folder, 'bad-server', {
        ...good,
        clusters: [{ name: 'lab-cluster', cluster: { server: 'ftp://example.test' } }],
      }),
    ),
    /no valid server URL/,
  );
  t.regex(
    await load(await writeKubeconfig(folder, 'no-user', { ...good, users: [] })),
    /user "lab-user".*missing/,
  );
  t.regex(
    await load(
      await writeKubeconfig(folder, 'proxy-url', {
        ...good,
        clusters: [
          {
            name: 'lab-cluster',
            cluster: { server: 'https://127.0.0.1:6443', 'proxy-url': 'http://127.0.0.1:3128' },
          },
        ],
      }),
    ),
    /proxy-url.*kubectl proxy --port=8001/,
  );
  // A YAML error must not quote the file (it may hold the token).
  const broken = join(folder, 'broken');
  await writeFile(broken, `users:\n- name: u\n  user:\n    token: ${token}\n   bad: [indent\n`);
  const yamlError = await load(broken);
  t.regex(yamlError, /cannot load kubeconfig .*broken: invalid YAML/);

  const config = await writeKubeconfig(folder, 'valid', good);
  for (const nodeName of [
    '',
    'Worker-1',
    'worker_1',
    '../etc',
    'a/b',
    'node?x=1',
    'x'.repeat(254),
  ]) {
    t.regex(await load(config, nodeName), /node name .* is invalid/, nodeName);
  }
});

test('findKubeconfig looks where kubectl looks, without reading the files', async (t) => {
  const home = await testDir();
  t.is(findKubeconfig({ home }), undefined);
  await mkdir(join(home, '.kube', 'config'), { recursive: true });
  t.is(findKubeconfig({ home }), undefined, 'a directory is not a kubeconfig');
  await rm(join(home, '.kube', 'config'), { recursive: true });
  await writeFile(join(home, '.kube', 'config'), 'not even yaml: [');
  t.is(findKubeconfig({ home }), join(home, '.kube', 'config'));
  t.is(findKubeconfig({ home, kubeconfig: '' }), join(home, '.kube', 'config'));

  const a = join(home, 'a');
  const b = join(home, 'b');
  await writeFile(b, '{}');
  t.is(
    findKubeconfig({ home, kubeconfig: a }),
    undefined,
    'KUBECONFIG set: ~/.kube/config is not used',
  );
  t.is(findKubeconfig({ home, kubeconfig: [a, '', b].join(delimiter) }), b);
  await writeFile(a, '{}');
  t.is(findKubeconfig({ home, kubeconfig: [a, b].join(delimiter) }), a);
});

test('insecure-skip-tls-verify is respected; without it an unknown CA is a tls error', async (t) => {
  const server = await standIn();
  const folder = await testDir();
  const skip = await clientFor(
    t,
    await writeKubeconfig(
      folder,
      'skip',
      single({ server: server.url, 'insecure-skip-tls-verify': true }, { token: server.token }),
    ),
  );
  t.is((await skip.client.fetchPods()).toString('utf8'), FIXTURE);

  const verify = await clientFor(
    t,
    await writeKubeconfig(
      folder,
      'verify',
      single({ server: server.url }, { token: server.token }),
    ),
  );
  const error = await expectKubeletError(t, verify.client.fetchPods(), 'tls');
  t.regex(error.hint ?? '', /insecure-skip-tls-verify/);
  t.regex(error.message, /kubeconfig context "lab"/);
  t.is(server.requests, 1);
});

test('tls-server-name is the name verified in the server certificate', async (t) => {
  const server = await startKubeletStandIn({
    order: 'as-set',
    pathPrefix: PREFIX,
    hostnames: ['apiserver.test'],
  });
  standIns.push(server);
  secrets.add(server.token);
  server.setBody(FIXTURE);
  const folder = await testDir();
  const cluster = { server: server.url, 'certificate-authority-data': caData(server.caPem) };
  const named = await clientFor(
    t,
    await writeKubeconfig(
      folder,
      'named',
      single({ ...cluster, 'tls-server-name': 'apiserver.test' }, { token: server.token }),
    ),
  );
  t.is((await named.client.fetchPods()).toString('utf8'), FIXTURE);
  const wrong = await clientFor(
    t,
    await writeKubeconfig(
      folder,
      'wrong',
      single({ ...cluster, 'tls-server-name': 'other.test' }, { token: server.token }),
    ),
  );
  const error = await expectKubeletError(t, wrong.client.fetchPods(), 'tls');
  t.regex(error.message, /other\.test/);
  t.regex(error.hint ?? '', /tls-server-name/);
});

test('a certificate-authority file relative to the kubeconfig is re-read; a new CA rebuilds the connection', async (t) => {
  const server = await standIn();
  const other = await startKubeletStandIn({ order: 'as-set' });
  standIns.push(other);
  const folder = await testDir();
  await writeFile(join(folder, 'ca.crt'), other.caPem);
  const { client } = await clientFor(
    t,
    await writeKubeconfig(
      folder,
      'config',
      single({ server: server.url, 'certificate-authority': 'ca.crt' }, { token: server.token }),
    ),
  );
  await expectKubeletError(t, client.fetchPods(), 'tls');
  await writeFile(join(folder, 'ca.crt'), server.caPem);
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);

  await rm(join(folder, 'ca.crt'));
  const missing = await expectKubeletError(t, client.fetchPods(), 'ca');
  t.true(missing.message.includes(join(folder, 'ca.crt')));
});

/** Writes an exec credential plugin (a Node script) and returns the kubeconfig `exec` stanza. */
async function execPlugin(
  folder: string,
  mode: 'token' | 'fail' | 'garbage',
): Promise<{ exec: Record<string, unknown>; tokenFile: string; runs: () => number }> {
  const script = join(folder, 'plugin.mjs');
  const tokenFile = join(folder, 'plugin-token');
  const log = join(folder, 'plugin-runs');
  await writeFile(log, '');
  await writeFile(
    script,
    [
      "import { appendFileSync, readFileSync } from 'node:fs';",
      'const [tokenFile, log, mode] = process.argv.slice(2);',
      "appendFileSync(log, 'x');",
      "const token = readFileSync(tokenFile, 'utf8').trim();",
      "if (mode === 'fail') { process.stderr.write('login required: run the sso login first'); process.exit(1); }",
      "if (mode === 'garbage') { process.stdout.write('{not json ' + token); process.exit(0); }",
      // Already expired: client-node runs the plugin again for every request.
      'process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token, expirationTimestamp: "2000-01-01T00:00:00Z" } }));',
    ].join('\n'),
  );
  return {
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: process.execPath,
      args: [script, tokenFile, log, mode],
      interactiveMode: 'Never',
    },
    tokenFile,
    runs: () => readFileSync(log, 'utf8').length,
  };
}

test('an exec plugin with expiring tokens is run again per request, so rotation needs no 401', async (t) => {
  const server = await standIn();
  const folder = await testDir();
  const plugin = await execPlugin(folder, 'token');
  await writeFile(plugin.tokenFile, server.token);
  const { client } = await clientFor(
    t,
    await writeKubeconfig(
      folder,
      'config',
      single(
        { server: server.url, 'certificate-authority-data': caData(server.caPem) },
        { exec: plugin.exec },
      ),
    ),
  );
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
  const next = 'rotated-exec-token-0123456789abcdef';
  secrets.add(next);
  await writeFile(plugin.tokenFile, next);
  server.rotateToken(next);
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
  t.is(server.requests, 2, 'the new token was used up front');
  t.is(plugin.runs(), 2);
});

test('a failing or garbled exec plugin is a token error naming the plugin, never its output', async (t) => {
  const server = await standIn();
  const folder = await testDir();
  const failing = await execPlugin(folder, 'fail');
  await writeFile(failing.tokenFile, 'exec-secret-0123456789abcdef');
  secrets.add('exec-secret-0123456789abcdef');
  const ca = { server: server.url, 'certificate-authority-data': caData(server.caPem) };
  const failed = await clientFor(
    t,
    await writeKubeconfig(folder, 'fail', single(ca, { exec: failing.exec })),
  );
  const error = await expectKubeletError(t, failed.client.fetchPods(), 'token');
  t.regex(
    error.message,
    /exec credential plugin .* of kubeconfig user "lab-user" failed: login required/,
  );

  const garbage = await execPlugin(folder, 'garbage');
  const garbled = await clientFor(
    t,
    await writeKubeconfig(folder, 'garbage', single(ca, { exec: garbage.exec })),
  );
  const invalid = await expectKubeletError(t, garbled.client.fetchPods(), 'token');
  t.regex(invalid.message, /printed no valid ExecCredential JSON/);

  const absent = await clientFor(
    t,
    await writeKubeconfig(
      folder,
      'absent',
      single(ca, {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: join(folder, 'no-such-plugin'),
        },
      }),
    ),
  );
  const notRun = await expectKubeletError(t, absent.client.fetchPods(), 'token');
  t.regex(notRun.message, /could not be run \(ENOENT\)/);
  t.is(server.requests, 0);
});

interface Pair {
  readonly key: string;
  readonly cert: string;
}

async function issue(
  name: string,
  ca: Pair | undefined,
  usage: 'ca' | 'server' | 'client',
): Promise<Pair> {
  const extensions =
    usage === 'ca'
      ? [
          { name: 'basicConstraints' as const, cA: true, critical: true },
          {
            name: 'keyUsage' as const,
            keyCertSign: true,
            cRLSign: true,
            digitalSignature: true,
            critical: true,
          },
        ]
      : [
          { name: 'basicConstraints' as const, cA: false },
          {
            name: 'keyUsage' as const,
            digitalSignature: true,
            keyEncipherment: true,
            critical: true,
          },
          usage === 'server'
            ? { name: 'extKeyUsage' as const, serverAuth: true }
            : { name: 'extKeyUsage' as const, clientAuth: true },
          ...(usage === 'server'
            ? [
                {
                  name: 'subjectAltName' as const,
                  altNames: [{ type: 7 as const, ip: '127.0.0.1' }],
                },
              ]
            : []),
        ];
  const pems = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...(ca === undefined ? {} : { ca: { key: ca.key, cert: ca.cert } }),
    extensions,
  });
  return { key: pems.private, cert: pems.cert };
}

test('a client-certificate user authenticates with its certificate and key', async (t) => {
  const ca = await issue('test-ca', undefined, 'ca');
  const serving = await issue('apiserver', ca, 'server');
  const client = await issue('laptop-user', ca, 'client');
  const seen: string[] = [];
  const server = createHttpsServer(
    {
      key: serving.key,
      cert: serving.cert,
      ca: ca.cert,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      seen.push(`${req.url} ${String(peer.subject?.CN)}`);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(FIXTURE);
    },
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const folder = await testDir();
  await writeFile(join(folder, 'user.key'), client.key);
  const { client: kubelet } = await clientFor(
    t,
    await writeKubeconfig(
      folder,
      'config',
      single(
        { server: `https://127.0.0.1:${port}/`, 'certificate-authority-data': caData(ca.cert) },
        { 'client-certificate-data': caData(client.cert), 'client-key': 'user.key' },
      ),
    ),
  );
  t.is((await kubelet.fetchPods()).toString('utf8'), FIXTURE);
  t.deepEqual(seen, [`${PREFIX}/pods laptop-user`]);
});

test('an http server in the kubeconfig is used as is, with the user’s token', async (t) => {
  const seen: (string | undefined)[] = [];
  const server = createHttpServer((req, res) => {
    seen.push(`${req.url} ${req.headers.authorization}`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(FIXTURE);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const token = 'plain-http-token-0123456789';
  secrets.add(token);
  const folder = await testDir();
  const { client, baseUrl } = await clientFor(
    t,
    await writeKubeconfig(
      folder,
      'config',
      single({ server: `http://127.0.0.1:${port}/base` }, { token }),
    ),
  );
  t.is(baseUrl, `http://127.0.0.1:${port}/base${PREFIX}`);
  t.is((await client.fetchPods()).toString('utf8'), FIXTURE);
  t.deepEqual(seen, [`/base${PREFIX}/pods Bearer ${token}`]);
});

/**
 * Runs a child Node process (with tsx) in which a module-resolution hook makes any import of
 * `@kubernetes/client-node` throw, imports `specifiers` in order, then calls
 * `kubeconfigAccess` when `kubeconfig` is given. An eager (static or top-level) import of
 * client-node anywhere below `specifiers` makes the import itself fail.
 */
function importInChild(
  specifiers: readonly string[],
  kubeconfig?: string,
): Promise<{ imported: boolean; error?: string; result?: { ok: boolean; error?: string } }> {
  const hook = [
    'export async function resolve(specifier, context, next) {',
    '  const resolved = await next(specifier, context);',
    "  if (specifier.startsWith('@kubernetes/client-node') || resolved.url.includes('/@kubernetes/client-node/')) {",
    "    throw new Error('client-node import blocked by the test hook');",
    '  }',
    '  return resolved;',
    '}',
  ].join('\n');
  const accessUrl = pathToFileURL(join(REPO_ROOT, 'src/kubelet/kubeconfigAccess.ts')).href;
  const code = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
const out = { imported: false };
try {
  for (const specifier of ${JSON.stringify(specifiers)}) await import(specifier);
  out.imported = true;
} catch (error) {
  out.error = String(error);
}
const kubeconfig = ${JSON.stringify(kubeconfig ?? null)};
if (out.imported && kubeconfig !== null) {
  const { kubeconfigAccess } = await import(${JSON.stringify(accessUrl)});
  out.result = await kubeconfigAccess({ nodeName: 'worker-1', kubeconfig });
}
process.stdout.write(JSON.stringify(out));
`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      { cwd: REPO_ROOT, timeout: 50_000 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`child failed: ${error.message}\n${stderr}`));
          return;
        }
        resolve(JSON.parse(stdout));
      },
    );
  });
}

test('importing kubeletClient.ts and kubeconfigAccess.ts does not load @kubernetes/client-node', async (t) => {
  const folder = await testDir();
  const kubeconfig = await writeKubeconfig(
    folder,
    'config',
    single({ server: 'https://127.0.0.1:6443' }, { token: 'lazy-check-token' }),
  );
  secrets.add('lazy-check-token');
  const modules = ['src/kubelet/kubeletClient.ts', 'src/kubelet/kubeconfigAccess.ts'].map(
    (path) => pathToFileURL(join(REPO_ROOT, path)).href,
  );
  const [lazy, control] = await Promise.all([
    importInChild(modules, kubeconfig),
    // Control: the hook does catch an eager import of the package.
    importInChild(['@kubernetes/client-node']),
  ]);
  t.true(lazy.imported, lazy.error);
  // ...and kubeconfigAccess() really does import it lazily: the hook blocks it there.
  t.false(lazy.result?.ok);
  t.regex(
    lazy.result?.error ?? '',
    /cannot load @kubernetes\/client-node.*blocked by the test hook/,
  );
  t.false(control.imported);
  t.regex(control.error ?? '', /blocked by the test hook/);
});
