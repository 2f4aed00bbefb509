import test, { type ExecutionContext } from 'ava';
import { parseCriEndpoint } from '../../src/cri/criEndpoint.js';

function ok(t: ExecutionContext, endpoint: string, socketPath: string): void {
  const result = parseCriEndpoint(endpoint);
  t.deepEqual(result, { ok: true, target: `unix://${socketPath}`, socketPath }, endpoint);
}

function rejected(t: ExecutionContext, endpoint: string, why: RegExp): void {
  const result = parseCriEndpoint(endpoint);
  if (result.ok) {
    t.fail(`${endpoint} was accepted as ${result.target}`);
    return;
  }
  t.regex(result.error, why, endpoint);
}

test('unix:///absolute is accepted as a grpc-js unix target', (t) => {
  ok(t, 'unix:///run/containerd/containerd.sock', '/run/containerd/containerd.sock');
  ok(t, 'unix:///var/run/crio/crio.sock', '/var/run/crio/crio.sock');
  ok(t, 'UNIX:///run/containerd/containerd.sock', '/run/containerd/containerd.sock');
});

test('a bare absolute path is accepted, surrounding whitespace ignored', (t) => {
  ok(t, '/run/containerd/containerd.sock', '/run/containerd/containerd.sock');
  ok(t, '  /var/run/crio/crio.sock\n', '/var/run/crio/crio.sock');
});

test('unix:/absolute (single slash) is accepted, the path normalized', (t) => {
  ok(t, 'unix:/run/containerd/containerd.sock', '/run/containerd/containerd.sock');
  ok(t, 'unix:////run//containerd/./containerd.sock', '/run/containerd/containerd.sock');
});

test('relative socket paths are rejected, unix://host/path with a three-slash hint', (t) => {
  rejected(t, 'unix:run/containerd/containerd.sock', /must be absolute/);
  rejected(t, 'run/containerd/containerd.sock', /must be absolute/);
  rejected(t, 'containerd.sock', /must be absolute/);
  rejected(t, 'unix://run/containerd/containerd.sock', /three slashes.*unix:\/\/\/run\/containerd/);
});

test('tcp and other network schemes are rejected', (t) => {
  rejected(t, 'tcp://127.0.0.1:1234', /scheme tcp: is not supported.*unix socket/);
  rejected(t, 'http://localhost:10010', /scheme http: is not supported/);
  rejected(t, 'grpc://localhost', /scheme grpc: is not supported/);
});

test('Windows named pipes are rejected', (t) => {
  rejected(t, 'npipe:////./pipe/containerd-containerd', /named pipes are not supported/);
});

test('empty, directory, NUL, query and over-long paths are rejected', (t) => {
  rejected(t, '', /empty/);
  rejected(t, '   ', /empty/);
  rejected(t, 'unix:///', /directory/);
  rejected(t, '/run/containerd/', /directory/);
  rejected(t, '/run/a\0b.sock', /NUL/);
  rejected(t, 'unix:///run/containerd.sock?x=1', /query/);
  rejected(t, `/${'a'.repeat(107)}`, /longer than 107 bytes/);
  ok(t, `/${'a'.repeat(106)}`, `/${'a'.repeat(106)}`);
});
