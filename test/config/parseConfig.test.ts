import type { ExecutionContext } from 'ava';
import test from 'ava';
import type { Config } from '../../src/config.js';
import { CONFIG_VARIABLES, LOG_LEVELS, parseConfig } from '../../src/config.js';

type Env = Record<string, string | undefined>;

const BASE: Env = { NODE_NAME: 'node-1', NODE_IP: '10.0.0.5' };

function configOf(t: ExecutionContext, env: Env): { config: Config; warnings: string[] } {
  const result = parseConfig(env);
  if (!result.ok) {
    t.fail(`unexpected errors:\n${result.errors.join('\n')}`);
    throw new Error('unreachable');
  }
  return result;
}

function errorsOf(t: ExecutionContext, env: Env): string[] {
  const result = parseConfig(env);
  if (result.ok) {
    t.fail('expected errors, got a config');
    return [];
  }
  return result.errors;
}

test('defaults with only NODE_NAME and NODE_IP', (t) => {
  const { config, warnings } = configOf(t, BASE);
  t.deepEqual(warnings, []);
  const { podSelectors, ...rest } = config;
  t.deepEqual(
    podSelectors.map((s) => s.text),
    ['chaosUID', 'workflows.argoproj.io/workflow'],
  );
  t.deepEqual(podSelectors[0]?.requirements, [{ key: 'chaosUID', operator: 'exists', values: [] }]);
  t.deepEqual(podSelectors[1]?.requirements, [
    { key: 'workflows.argoproj.io/workflow', operator: 'exists', values: [] },
  ]);
  t.deepEqual(rest, {
    nodeName: 'node-1',
    kubelet: {
      url: 'https://10.0.0.5:10250',
      viaKubeconfig: false,
      kubeconfig: undefined,
      tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
      insecureTls: false,
      timeoutMs: 10_000,
      maxBodyBytes: 67_108_864,
    },
    traceGroupLabel: 'chaosUID',
    podNamespaces: undefined,
    pollIntervalMs: 250,
    idlePollIntervalMs: 1000,
    goneAfterMs: 5000,
    kubeletRestartGraceMs: 60_000,
    podUid: undefined,
    traceContextEnv: ['TRACEPARENT', 'TRACE_PARENT'],
    tracingEnabled: true,
    otlp: {
      endpoint: 'http://localhost:4317',
      timeoutMs: 10_000,
      headers: {},
      compression: 'none',
      tls: undefined,
    },
    export: {
      maxBatchSize: 512,
      scheduleDelayMs: 200,
      maxPendingSpans: 20_000,
      retryMaxBackoffMs: 30_000,
    },
    shutdownTimeoutMs: 8000,
    serviceName: 'kubelet-span-exporter',
    resourceAttributes: {},
    logLevel: 'info',
    httpPort: 9464,
    stateDir: '/var/lib/kubelet-span-exporter',
    catchUpWindowMs: 900_000,
    stateMaxBytes: 33_554_432,
    cri: undefined,
    podsApi: undefined,
    limits: { maxTrackedPods: 5000, maxSpansPerPod: 1000 },
  });
});

test('empty and all-whitespace values count as unset (TRACE_GROUP_LABEL: set empty means off)', (t) => {
  const env: Env = { ...BASE };
  for (const v of CONFIG_VARIABLES)
    if (!(v.name in BASE)) env[v.name] = v.name.length % 2 ? '' : '  ';
  t.deepEqual(configOf(t, env), configOf(t, { ...BASE, TRACE_GROUP_LABEL: '' }));
  t.not(configOf(t, BASE).config.traceGroupLabel, undefined);
});

test('surrounding whitespace is trimmed', (t) => {
  const { config } = configOf(t, { ...BASE, POLL_INTERVAL: ' 2s\n', LOG_LEVEL: ' debug ' });
  t.is(config.pollIntervalMs, 2000);
  t.is(config.logLevel, 'debug');
});

test('an IPv6 NODE_IP is bracketed in the default kubelet URL', (t) => {
  t.is(
    configOf(t, { ...BASE, NODE_IP: 'fd00:10::5' }).config.kubelet.url,
    'https://[fd00:10::5]:10250',
  );
  t.is(
    configOf(t, { ...BASE, NODE_IP: '::ffff:10.0.0.5' }).config.kubelet.url,
    'https://[::ffff:10.0.0.5]:10250',
  );
});

for (const ip of [
  '::',
  '::1',
  '1:2:3:4:5:6:7:8',
  '1::8',
  '1:2:3:4:5:6:1.2.3.4',
  '::1.2.3.4',
  '0.0.0.0',
]) {
  test(`NODE_IP ${JSON.stringify(ip)} is accepted`, (t) => {
    t.true(configOf(t, { ...BASE, NODE_IP: ip }).config.kubelet.url.startsWith('https://'));
  });
}

for (const ip of [
  '1.2.3',
  '256.1.1.1',
  '01.2.3.4',
  '1.2.3.4.5',
  'fd00:::1',
  '1::2::3',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7::8',
  '12345::1',
  'fe80::1%eth0',
  '1.2.3.4::',
  '::1.2.3.4:1',
  ':1::2',
  'node-1',
  '[::1]',
]) {
  test(`NODE_IP ${JSON.stringify(ip)} is rejected`, (t) => {
    t.deepEqual(errorsOf(t, { ...BASE, NODE_IP: ip }), [
      `NODE_IP=${JSON.stringify(ip)}: not an IPv4 or IPv6 address`,
    ]);
  });
}

test('KUBELET_URL keeps a path prefix and drops trailing slashes; NODE_IP then not needed', (t) => {
  const { config, warnings } = configOf(t, {
    NODE_NAME: 'node-1',
    KUBELET_URL: 'https://API.example:6443/api/v1/nodes/node-1/proxy//',
  });
  t.is(config.kubelet.url, 'https://api.example:6443/api/v1/nodes/node-1/proxy');
  t.deepEqual(warnings, []);
});

test('KUBELET_URL wins over NODE_IP', (t) => {
  const { config } = configOf(t, { ...BASE, KUBELET_URL: 'https://kubelet.local:10250/' });
  t.is(config.kubelet.url, 'https://kubelet.local:10250');
});

test('KUBELET_URL over http warns that the token travels in clear', (t) => {
  const { config, warnings } = configOf(t, { ...BASE, KUBELET_URL: 'http://127.0.0.1:10255' });
  t.is(config.kubelet.url, 'http://127.0.0.1:10255');
  t.is(warnings.length, 1);
  t.regex(warnings[0] ?? '', /^KUBELET_URL uses http:\/\//);
});

test('KUBELET_URL with credentials is rejected without echoing them', (t) => {
  const errors = errorsOf(t, { ...BASE, KUBELET_URL: 'https://admin:hunter2@kubelet:10250' });
  t.is(errors.length, 1);
  t.regex(errors[0] ?? '', /^KUBELET_URL: /);
  t.false(errors.join('\n').includes('hunter2'));
});

test('neither KUBELET_URL nor NODE_IP is an error naming both (and the kubeconfig way)', (t) => {
  const errors = errorsOf(t, { NODE_NAME: 'node-1' });
  t.is(errors.length, 1);
  t.regex(errors[0] ?? '', /^KUBELET_URL, NODE_IP: .*KUBECONFIG/);
});

test('neither KUBELET_URL nor NODE_IP, but a kubeconfig exists: through the API server', (t) => {
  const result = parseConfig(
    { NODE_NAME: 'node-1', KUBECONFIG: '/home/me/.kube/lab' },
    { kubeconfigFound: true },
  );
  if (!result.ok) return t.fail(result.errors.join('\n'));
  t.true(result.config.kubelet.viaKubeconfig);
  t.is(result.config.kubelet.kubeconfig, '/home/me/.kube/lab');
  t.is(result.config.kubelet.url, '');
  // NODE_IP wins over a kubeconfig
  const inCluster = parseConfig(BASE, { kubeconfigFound: true });
  t.false(inCluster.ok && inCluster.config.kubelet.viaKubeconfig);
});

test('with tracing disabled, neither KUBELET_URL nor NODE_IP is required', (t) => {
  const { config } = configOf(t, { NODE_NAME: 'node-1', TRACING_ENABLED: 'false' });
  t.false(config.tracingEnabled);
  t.is(config.kubelet.url, '');
});

test('with tracing disabled, everything is still validated', (t) => {
  const errors = errorsOf(t, {
    NODE_NAME: 'node-1',
    TRACING_ENABLED: 'FALSE',
    POLL_INTERVAL: 'fast',
    NODE_IP: 'x',
  });
  t.deepEqual(errors, [
    'POLL_INTERVAL="fast": not a duration (examples: 250ms, 2s, 1m)',
    'NODE_IP="x": not an IPv4 or IPv6 address',
  ]);
});

test('NODE_NAME is required', (t) => {
  const errors = errorsOf(t, { NODE_IP: '10.0.0.5' });
  t.is(errors.length, 1);
  t.regex(errors[0] ?? '', /^NODE_NAME: required/);
});

test('OTEL_SDK_DISABLED=true disables tracing', (t) => {
  t.false(configOf(t, { ...BASE, OTEL_SDK_DISABLED: 'true' }).config.tracingEnabled);
  t.true(configOf(t, { ...BASE, OTEL_SDK_DISABLED: 'False' }).config.tracingEnabled);
  t.false(configOf(t, { NODE_NAME: 'n', OTEL_SDK_DISABLED: 'TRUE' }).config.tracingEnabled);
});

test('TRACING_ENABLED wins over OTEL_SDK_DISABLED, with a warning when they disagree', (t) => {
  const enabled = configOf(t, { ...BASE, TRACING_ENABLED: 'true', OTEL_SDK_DISABLED: 'true' });
  t.true(enabled.config.tracingEnabled);
  t.is(enabled.warnings.length, 1);
  t.regex(enabled.warnings[0] ?? '', /TRACING_ENABLED wins/);
  const disabled = configOf(t, { ...BASE, TRACING_ENABLED: 'false', OTEL_SDK_DISABLED: 'false' });
  t.false(disabled.config.tracingEnabled);
  t.is(disabled.warnings.length, 1);
  t.deepEqual(
    configOf(t, { ...BASE, TRACING_ENABLED: 'false', OTEL_SDK_DISABLED: 'true' }).warnings,
    [],
  );
});

/** One bad value per variable; each must produce exactly `NAME="value": ...`. */
const BAD_VALUES: ReadonlyArray<readonly [string, string]> = [
  ['NODE_NAME', 'Node_1'],
  ['NODE_IP', '10.0.0'],
  ['KUBELET_URL', 'ftp://kubelet:10250'],
  ['KUBELET_INSECURE_TLS', 'yes'],
  ['KUBELET_TIMEOUT', '10'],
  ['KUBELET_MAX_RESPONSE_BYTES', '64MB'],
  ['STATE_MAX_BYTES', '32 MiB'],
  ['POD_SELECTOR', 'env in dev'],
  ['POD_NAMESPACES', 'default,Kube-System'],
  ['POLL_INTERVAL', 'fast'],
  ['IDLE_POLL_INTERVAL', '0s'],
  ['TRACE_CONTEXT_ENV', 'TRACEPARENT,1TRACE'],
  ['TRACING_ENABLED', '1'],
  ['OTEL_SDK_DISABLED', 'on'],
  ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'grpc://collector:4317'],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4317'],
  ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'http/json'],
  ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf'],
  ['OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'GZIP'],
  ['OTEL_EXPORTER_OTLP_COMPRESSION', 'brotli'],
  ['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', '10s'],
  ['OTEL_EXPORTER_OTLP_TIMEOUT', '-1'],
  ['OTEL_EXPORTER_OTLP_TRACES_INSECURE', 'no'],
  ['OTEL_EXPORTER_OTLP_INSECURE', '0'],
  ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE', '4096'],
  ['OTEL_BSP_SCHEDULE_DELAY', '200ms'],
  ['MAX_PENDING_SPANS', 'lots'],
  ['OTEL_BSP_MAX_QUEUE_SIZE', '0'],
  ['SHUTDOWN_TIMEOUT', '10s'],
  ['LOG_LEVEL', 'verbose'],
  ['HTTP_PORT', '65536'],
  ['STATE_DIR', 'relative/dir'],
  ['CRI_ENDPOINT', 'tcp://127.0.0.1:1234'],
  ['KUBELET_PODS_API_SOCKET', '/var/lib/kubelet/pods-api/pods-api.sock'],
  ['CRI_TIMEOUT', 'soon'],
  ['EXPORT_RETRY_MAX_BACKOFF', '1'],
  ['CATCHUP_WINDOW', '15'],
  ['MAX_TRACKED_PODS', '0'],
  ['MAX_SPANS_PER_POD', 'many'],
];

for (const [name, value] of BAD_VALUES) {
  test(`bad ${name} gives one line naming it and quoting the value`, (t) => {
    const errors = errorsOf(t, { ...BASE, [name]: value });
    t.is(errors.length, 1, errors.join('\n'));
    t.true(
      errors[0]?.startsWith(`${name}=${JSON.stringify(value)}: `),
      `got: ${errors[0] ?? '(none)'}`,
    );
  });
}

test('the documented example message is exact', (t) => {
  t.deepEqual(errorsOf(t, { ...BASE, POLL_INTERVAL: 'fast' }), [
    'POLL_INTERVAL="fast": not a duration (examples: 250ms, 2s, 1m)',
  ]);
});

test('POD_SELECTOR errors carry the parser message', (t) => {
  const errors = errorsOf(t, { ...BASE, POD_SELECTOR: 'env in dev' });
  t.regex(errors[0] ?? '', /^POD_SELECTOR="env in dev": expected "\(" after "in"/);
});

test('every bad variable at once: all reported, one line each', (t) => {
  const env: Env = {};
  for (const [name, value] of BAD_VALUES) env[name] = value;
  env.OTEL_EXPORTER_OTLP_HEADERS = 'broken';
  env.OTEL_RESOURCE_ATTRIBUTES = '=x';
  const errors = errorsOf(t, env);
  t.is(errors.length, BAD_VALUES.length + 2, errors.join('\n'));
  for (const [name] of BAD_VALUES) {
    t.is(errors.filter((e) => e.startsWith(`${name}=`)).length, 1, name);
  }
  t.true(errors.some((e) => e.startsWith('OTEL_EXPORTER_OTLP_HEADERS: ')));
  t.true(errors.some((e) => e.startsWith('OTEL_RESOURCE_ATTRIBUTES: ')));
});

test('a missing NODE_NAME is reported along with other problems', (t) => {
  const errors = errorsOf(t, { POLL_INTERVAL: '1x', LOG_LEVEL: 'loud' });
  t.is(errors.length, 4, errors.join('\n'));
});

test('each bad list entry gets its own line', (t) => {
  const errors = errorsOf(t, { ...BASE, POD_NAMESPACES: 'A,b_c,ok' });
  t.deepEqual(errors, [
    'POD_NAMESPACES="A,b_c,ok": "A" is not a valid namespace name (DNS label: lowercase letters, digits and "-", at most 63 characters)',
    'POD_NAMESPACES="A,b_c,ok": "b_c" is not a valid namespace name (DNS label: lowercase letters, digits and "-", at most 63 characters)',
  ]);
});

test('duration ranges are enforced', (t) => {
  t.is(configOf(t, { ...BASE, POLL_INTERVAL: '100ms' }).config.pollIntervalMs, 100);
  t.is(
    configOf(t, { ...BASE, POLL_INTERVAL: '30s', GONE_AFTER: '1m' }).config.pollIntervalMs,
    30_000,
  );
  t.deepEqual(errorsOf(t, { ...BASE, POLL_INTERVAL: '1h' }), [
    'GONE_AFTER="5s (default)": must be at least twice POLL_INTERVAL (1h)',
  ]);
  t.deepEqual(errorsOf(t, { ...BASE, POLL_INTERVAL: '50ms' }), [
    'POLL_INTERVAL="50ms": must be from 100ms to 1h',
  ]);
  t.is(errorsOf(t, { ...BASE, POLL_INTERVAL: '1h0.001s' }).length, 1);
  t.is(errorsOf(t, { ...BASE, POLL_INTERVAL: '-1s' }).length, 1);
  t.is(configOf(t, { ...BASE, SHUTDOWN_TIMEOUT: '9s' }).config.shutdownTimeoutMs, 9000);
  t.is(configOf(t, { ...BASE, SHUTDOWN_TIMEOUT: '0s' }).config.shutdownTimeoutMs, 0);
  t.is(errorsOf(t, { ...BASE, SHUTDOWN_TIMEOUT: '9001ms' }).length, 1);
  t.is(configOf(t, { ...BASE, KUBELET_TIMEOUT: '2.5s' }).config.kubelet.timeoutMs, 2500);
});

test('GONE_AFTER, KUBELET_RESTART_GRACE and POD_UID: ranges, cross-checks, clear errors', (t) => {
  const ok = configOf(t, {
    ...BASE,
    GONE_AFTER: '2s',
    KUBELET_RESTART_GRACE: '90s',
    POD_UID: '3f1c2a9e-7d4b-4e0a-9c51-2b8f6d0e4a17',
  }).config;
  t.is(ok.goneAfterMs, 2000);
  t.is(ok.kubeletRestartGraceMs, 90_000);
  t.is(ok.podUid, '3f1c2a9e-7d4b-4e0a-9c51-2b8f6d0e4a17');
  t.deepEqual(errorsOf(t, { ...BASE, GONE_AFTER: '500ms' }), [
    'GONE_AFTER="500ms": must be from 1s to 1m',
  ]);
  t.deepEqual(errorsOf(t, { ...BASE, GONE_AFTER: '61s' }), [
    'GONE_AFTER="61s": must be from 1s to 1m',
  ]);
  t.deepEqual(errorsOf(t, { ...BASE, GONE_AFTER: '1s', POLL_INTERVAL: '600ms' }), [
    'GONE_AFTER="1s": must be at least twice POLL_INTERVAL (600ms)',
  ]);
  t.deepEqual(errorsOf(t, { ...BASE, GONE_AFTER: '10s', KUBELET_RESTART_GRACE: '5s' }), [
    'KUBELET_RESTART_GRACE="5s": must be at least GONE_AFTER (10s)',
  ]);
  t.deepEqual(errorsOf(t, { ...BASE, POD_UID: 'not a uid!' }), [
    'POD_UID="not a uid!": not a pod uid (letters, digits and "-", at most 64 characters)',
  ]);
});

test('STATE_MAX_BYTES accepts bytes and Kubernetes quantities from 64Ki to 8Gi', (t) => {
  const bytes = (value: string) =>
    configOf(t, { ...BASE, STATE_MAX_BYTES: value }).config.stateMaxBytes;
  t.is(bytes('64Mi'), 67_108_864);
  t.is(bytes('96Ki'), 98_304);
  t.is(bytes('1Gi'), 1_073_741_824);
  t.is(bytes('100000'), 100_000);
  const [error] = errorsOf(t, { ...BASE, STATE_MAX_BYTES: '1Ki' });
  t.regex(error ?? '', /STATE_MAX_BYTES.*1Ki.*64Ki to 8Gi/);
  t.is(errorsOf(t, { ...BASE, STATE_MAX_BYTES: '16Gi' }).length, 1);
});

test('KUBELET_MAX_RESPONSE_BYTES accepts bytes and Kubernetes quantities', (t) => {
  const bytes = (value: string) =>
    configOf(t, { ...BASE, KUBELET_MAX_RESPONSE_BYTES: value }).config.kubelet.maxBodyBytes;
  t.is(bytes('1048576'), 1_048_576);
  t.is(bytes('64Mi'), 67_108_864);
  t.is(bytes('512Ki'), 524_288);
  t.is(bytes('500k'), 500_000);
  t.is(bytes('100M'), 100_000_000);
  t.is(bytes('512Mi'), 536_870_912);
  t.is(errorsOf(t, { ...BASE, KUBELET_MAX_RESPONSE_BYTES: '1Gi' }).length, 1);
  t.is(errorsOf(t, { ...BASE, KUBELET_MAX_RESPONSE_BYTES: '100' }).length, 1);
  t.is(errorsOf(t, { ...BASE, KUBELET_MAX_RESPONSE_BYTES: '1.5Mi' }).length, 1);
});

test('KUBELET_INSECURE_TLS=true is accepted with a warning', (t) => {
  const { config, warnings } = configOf(t, { ...BASE, KUBELET_INSECURE_TLS: 'True' });
  t.true(config.kubelet.insecureTls);
  t.is(warnings.length, 1);
  t.regex(warnings[0] ?? '', /^KUBELET_INSECURE_TLS=true: /);
});

test('kubelet file paths are taken as given', (t) => {
  const { config } = configOf(t, {
    ...BASE,
    KUBELET_TOKEN_FILE: '/etc/kse/token',
    KUBELET_CA_FILE: '/etc/kse/ca.pem',
  });
  t.is(config.kubelet.tokenFile, '/etc/kse/token');
  t.is(config.kubelet.caFile, '/etc/kse/ca.pem');
});

test('POD_SELECTOR full grammar is parsed', (t) => {
  const { config } = configOf(t, { ...BASE, POD_SELECTOR: 'app=web, tier in (a,b),!canary' });
  t.deepEqual(
    config.podSelectors.map((s) => s.text),
    ['app=web, tier in (a,b),!canary'],
  );
  t.is(config.podSelectors[0]?.requirements.length, 3);
});

test('POD_SELECTOR alternatives: ";"-separated, whitespace around them ignored', (t) => {
  const { config } = configOf(t, {
    ...BASE,
    POD_SELECTOR: ' app=web, tier in (a,b) ;chaosUID;  !canary ',
  });
  t.deepEqual(
    config.podSelectors.map((s) => s.text),
    ['app=web, tier in (a,b)', 'chaosUID', '!canary'],
  );
});

test('POD_SELECTOR: an empty alternative is an error naming its position', (t) => {
  t.deepEqual(errorsOf(t, { ...BASE, POD_SELECTOR: 'chaosUID;; app=web' }), [
    'POD_SELECTOR="chaosUID;; app=web": alternative 2 of 3 is empty (alternatives are separated by ";")',
  ]);
  t.deepEqual(errorsOf(t, { ...BASE, POD_SELECTOR: 'chaosUID;' }), [
    'POD_SELECTOR="chaosUID;": alternative 2 of 2 is empty (alternatives are separated by ";")',
  ]);
  const [bad] = errorsOf(t, { ...BASE, POD_SELECTOR: 'chaosUID; env in dev' });
  t.regex(
    bad ?? '',
    /^POD_SELECTOR="chaosUID; env in dev": alternative 2: expected "\(" after "in"/,
  );
});

test('TRACE_GROUP_LABEL: default chaosUID, set empty turns it off, must be a label key', (t) => {
  t.is(configOf(t, BASE).config.traceGroupLabel, 'chaosUID');
  t.is(configOf(t, { ...BASE, TRACE_GROUP_LABEL: '' }).config.traceGroupLabel, undefined);
  t.is(configOf(t, { ...BASE, TRACE_GROUP_LABEL: '  ' }).config.traceGroupLabel, undefined);
  t.is(
    configOf(t, { ...BASE, TRACE_GROUP_LABEL: 'workflows.argoproj.io/workflow' }).config
      .traceGroupLabel,
    'workflows.argoproj.io/workflow',
  );
  for (const bad of ['chaos uid', 'a/b/c', '-x', 'x=y', '!x', 'a,b', 'Example.com/x']) {
    const errors = errorsOf(t, { ...BASE, TRACE_GROUP_LABEL: bad });
    t.is(errors.length, 1, bad);
    t.true(errors[0]?.startsWith(`TRACE_GROUP_LABEL=${JSON.stringify(bad)}: not a label key`), bad);
  }
});

test('POD_NAMESPACES is trimmed and de-duplicated in order', (t) => {
  const { config } = configOf(t, { ...BASE, POD_NAMESPACES: ' litmus , default,litmus,, ' });
  t.deepEqual(config.podNamespaces, ['litmus', 'default']);
  t.deepEqual(errorsOf(t, { ...BASE, POD_NAMESPACES: ' , ' }), [
    'POD_NAMESPACES=",": lists nothing; leave it unset instead',
  ]);
});

test('TRACE_CONTEXT_ENV keeps the given order', (t) => {
  const { config } = configOf(t, { ...BASE, TRACE_CONTEXT_ENV: 'OTEL_TRACEPARENT, .x-trace' });
  t.deepEqual(config.traceContextEnv, ['OTEL_TRACEPARENT', '.x-trace']);
});

test('the traces-specific endpoint wins over the general one', (t) => {
  const { config } = configOf(t, {
    ...BASE,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example:4317',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://general.example:4317',
  });
  t.is(config.otlp.endpoint, 'https://traces.example:4317');
  const general = configOf(t, { ...BASE, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c.o11y:4317' });
  t.is(general.config.otlp.endpoint, 'http://c.o11y:4317');
});

test('the general endpoint is validated even when the traces one wins', (t) => {
  const errors = errorsOf(t, {
    ...BASE,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example:4317',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost',
  });
  t.deepEqual(errors, [
    'OTEL_EXPORTER_OTLP_ENDPOINT="localhost": not a URL (example: https://10.0.0.1:10250)',
  ]);
});

test('an OTLP endpoint path is dropped with a warning', (t) => {
  const { config, warnings } = configOf(t, {
    ...BASE,
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example/v1/traces',
  });
  t.is(config.otlp.endpoint, 'https://collector.example');
  t.is(warnings.length, 1);
  t.regex(warnings[0] ?? '', /^OTEL_EXPORTER_OTLP_ENDPOINT=.*path is ignored/);
});

test('protocols other than grpc are errors', (t) => {
  t.deepEqual(errorsOf(t, { ...BASE, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }), [
    'OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf": this agent speaks OTLP/gRPC only: use grpc or leave it unset',
  ]);
  configOf(t, { ...BASE, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
  configOf(t, { ...BASE, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' });
  t.is(errorsOf(t, { ...BASE, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).length, 1);
});

test('compression accepts gzip and none', (t) => {
  configOf(t, { ...BASE, OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' });
  configOf(t, { ...BASE, OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none' });
  t.pass();
});

test('OTLP timeouts: integer milliseconds, traces-specific wins', (t) => {
  t.is(configOf(t, { ...BASE, OTEL_EXPORTER_OTLP_TIMEOUT: '5000' }).config.otlp.timeoutMs, 5000);
  t.is(
    configOf(t, {
      ...BASE,
      OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '3000',
    }).config.otlp.timeoutMs,
    3000,
  );
  t.is(errorsOf(t, { ...BASE, OTEL_EXPORTER_OTLP_TIMEOUT: '0' }).length, 1);
});

test('OTEL_EXPORTER_OTLP_INSECURE=true is accepted but warned about', (t) => {
  const { warnings } = configOf(t, { ...BASE, OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'true' });
  t.is(warnings.length, 1);
  t.regex(warnings[0] ?? '', /has no effect/);
});

test('client key and certificate must come together', (t) => {
  const https = { ...BASE, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317' };
  const both = configOf(t, {
    ...https,
    OTEL_EXPORTER_OTLP_CERTIFICATE: '/tls/ca.pem',
    OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: '/tls/key.pem',
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/tls/cert.pem',
  });
  t.deepEqual(both.warnings, []);
  const errors = errorsOf(t, { ...https, OTEL_EXPORTER_OTLP_CLIENT_KEY: '/tls/key.pem' });
  t.is(errors.length, 1);
  t.regex(errors[0] ?? '', /^OTEL_EXPORTER_OTLP_CLIENT_KEY is set but neither/);
  const certOnly = errorsOf(t, {
    ...https,
    OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: '/tls/cert.pem',
  });
  t.regex(certOnly[0] ?? '', /^OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE is set/);
});

test('TLS files with an http:// endpoint are warned about', (t) => {
  const { warnings } = configOf(t, { ...BASE, OTEL_EXPORTER_OTLP_CERTIFICATE: '/tls/ca.pem' });
  t.deepEqual(warnings, [
    'OTEL_EXPORTER_OTLP_CERTIFICATE is ignored: the OTLP endpoint uses http:// (no TLS)',
  ]);
});

test('valid OTLP headers pass', (t) => {
  configOf(t, {
    ...BASE,
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-tenant = t1,',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'X-Scope-OrgID=team%2Da',
  });
  t.pass();
});

test('OTLP headers, compression and TLS files reach the config; the traces variable wins per key', (t) => {
  const { config } = configOf(t, {
    ...BASE,
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317',
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-scope-orgid = t1,',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'X-Scope-OrgID=team%2Da',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
    OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
    OTEL_EXPORTER_OTLP_CERTIFICATE: '/tls/ca.pem',
    OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: '/tls/key.pem',
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/tls/cert.pem',
  });
  t.deepEqual(config.otlp, {
    endpoint: 'https://collector:4317',
    timeoutMs: 10_000,
    headers: { authorization: 'Bearer abc', 'x-scope-orgid': 'team-a' },
    compression: 'gzip',
    tls: {
      caFile: '/tls/ca.pem',
      clientKeyFile: '/tls/key.pem',
      clientCertificateFile: '/tls/cert.pem',
    },
  });
});

const SECRET = 's3cr3t-T0KEN';
const BAD_HEADERS: ReadonlyArray<readonly [string, RegExp]> = [
  [`authorization: Bearer ${SECRET}`, /entry 1 has no "="/],
  [`ok=1,=${SECRET}`, /entry 2 has an empty key/],
  [`bad key=${SECRET}`, /key "bad key" is not a valid gRPC metadata key/],
  [`x-token-bin=${SECRET}`, /key "x-token-bin": binary/],
  [
    `authorization=Bearer%zz${SECRET}`,
    /value for key "authorization" is not valid percent-encoding/,
  ],
  [`authorization=Bearer%0A${SECRET}`, /value for key "authorization" has characters/],
  [`authorization=${SECRET};x`, /key "authorization" contains ";"/],
  ['x-empty=', /value for key "x-empty" is empty/],
];

for (const [value, expected] of BAD_HEADERS) {
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
    test(`${name} ${expected.source} names the key, never the value`, (t) => {
      const errors = errorsOf(t, { ...BASE, [name]: value });
      t.is(errors.length, 1, errors.join('\n'));
      t.true(errors[0]?.startsWith(`${name}: `));
      t.regex(errors[0] ?? '', expected);
      t.false(errors.join('\n').includes(SECRET));
      t.false(errors.join('\n').includes('Bearer'));
    });
  }
}

test('OTEL_RESOURCE_ATTRIBUTES is percent-decoded and trimmed; later keys win', (t) => {
  const { config } = configOf(t, {
    ...BASE,
    OTEL_RESOURCE_ATTRIBUTES:
      'deployment.environment=prod%2Ceu, team = a%3Db ,owner=Jane%20Doe,k8s.cluster.name=x,,k8s.cluster.name=c%C3%A9,empty=',
  });
  t.deepEqual(config.resourceAttributes, {
    'deployment.environment': 'prod,eu',
    team: 'a=b',
    owner: 'Jane Doe',
    'k8s.cluster.name': 'cé',
    empty: '',
  });
});

test('service.name: OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES, then the default', (t) => {
  const attrs = 'service.name=from-attrs,team=a';
  const both = configOf(t, {
    ...BASE,
    OTEL_SERVICE_NAME: 'explicit',
    OTEL_RESOURCE_ATTRIBUTES: attrs,
  });
  t.is(both.config.serviceName, 'explicit');
  t.deepEqual(both.config.resourceAttributes, { team: 'a' });
  const fromAttrs = configOf(t, { ...BASE, OTEL_RESOURCE_ATTRIBUTES: attrs });
  t.is(fromAttrs.config.serviceName, 'from-attrs');
  t.deepEqual(fromAttrs.config.resourceAttributes, { team: 'a' });
  const emptyAttr = configOf(t, { ...BASE, OTEL_RESOURCE_ATTRIBUTES: 'service.name=' });
  t.is(emptyAttr.config.serviceName, 'kubelet-span-exporter');
});

test('malformed OTEL_RESOURCE_ATTRIBUTES entries are each named', (t) => {
  const errors = errorsOf(t, {
    ...BASE,
    OTEL_RESOURCE_ATTRIBUTES: 'ok=1,a=b=c,=x,k=%zz,novalue',
  });
  t.is(errors.length, 4, errors.join('\n'));
  t.regex(errors[0] ?? '', /^OTEL_RESOURCE_ATTRIBUTES: entry "a=b=c" is not key=value/);
  t.regex(errors[1] ?? '', /^OTEL_RESOURCE_ATTRIBUTES: entry "=x" has an empty key/);
  t.regex(
    errors[2] ?? '',
    /^OTEL_RESOURCE_ATTRIBUTES: entry "k=%zz" is not valid percent-encoding/,
  );
  t.regex(errors[3] ?? '', /^OTEL_RESOURCE_ATTRIBUTES: entry "novalue" is not key=value/);
});

test('MAX_PENDING_SPANS wins over OTEL_BSP_MAX_QUEUE_SIZE, which is the fallback', (t) => {
  const pending = (env: Env) => configOf(t, { ...BASE, ...env }).config.export.maxPendingSpans;
  t.is(pending({ MAX_PENDING_SPANS: '5000', OTEL_BSP_MAX_QUEUE_SIZE: '9000' }), 5000);
  t.is(pending({ OTEL_BSP_MAX_QUEUE_SIZE: '9000' }), 9000);
});

test('BSP settings are read', (t) => {
  const { config } = configOf(t, {
    ...BASE,
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
    OTEL_BSP_SCHEDULE_DELAY: '0',
    EXPORT_RETRY_MAX_BACKOFF: '5s',
  });
  t.deepEqual(config.export, {
    maxBatchSize: 2048,
    scheduleDelayMs: 0,
    maxPendingSpans: 20_000,
    retryMaxBackoffMs: 5000,
  });
});

test('pending spans below the batch size are an error', (t) => {
  t.deepEqual(errorsOf(t, { ...BASE, OTEL_BSP_MAX_QUEUE_SIZE: '100' }), [
    'OTEL_BSP_MAX_QUEUE_SIZE=100 is smaller than the export batch size 512 (OTEL_BSP_MAX_EXPORT_BATCH_SIZE)',
  ]);
});

test('LOG_LEVEL accepts every pino level, case-insensitively', (t) => {
  for (const level of LOG_LEVELS) {
    t.is(configOf(t, { ...BASE, LOG_LEVEL: level.toUpperCase() }).config.logLevel, level);
  }
});

/** Runs parseConfig over a Proxy that records every property read. */
function namesRead(env: Env): Set<string> {
  const read = new Set<string>();
  const proxy = new Proxy(env, {
    get(target, property, receiver) {
      if (typeof property === 'string') read.add(property);
      return Reflect.get(target, property, receiver);
    },
  });
  parseConfig(proxy);
  return read;
}

test('parseConfig reads exactly the CONFIG_VARIABLES names, whatever the input', (t) => {
  const documented = CONFIG_VARIABLES.map((v) => v.name).sort();
  const allBad: Env = {};
  for (const [name, value] of BAD_VALUES) allBad[name] = value;
  for (const env of [
    {},
    BASE,
    { NODE_NAME: 'n', TRACING_ENABLED: 'false' },
    { ...BASE, OTEL_SDK_DISABLED: 'true', KUBELET_URL: 'https://k' },
    allBad,
  ]) {
    t.deepEqual([...namesRead(env)].sort(), documented);
  }
});

test('KUBELET_PODS_API_SOCKET: unix:///absolute/path, its receive limit from KUBELET_MAX_RESPONSE_BYTES', (t) => {
  const { config } = configOf(t, {
    ...BASE,
    KUBELET_PODS_API_SOCKET: ' unix:///var/lib/kubelet/pods-api/pods-api.sock ',
    KUBELET_MAX_RESPONSE_BYTES: '256Mi',
  });
  t.deepEqual(config.podsApi, {
    target: 'unix:///var/lib/kubelet/pods-api/pods-api.sock',
    socketPath: '/var/lib/kubelet/pods-api/pods-api.sock',
    maxMessageBytes: 256 * 1024 * 1024,
  });
  t.is(configOf(t, BASE).config.podsApi, undefined, 'unset by default');
});

for (const [value, reason] of [
  ['unix://var/lib/kubelet/pods-api/pods-api.sock', /three slashes/],
  ['unix:/var/lib/kubelet/pods-api/pods-api.sock', /three slashes/],
  ['/var/lib/kubelet/pods-api/pods-api.sock', /must be unix:\/\/\/absolute\/path/],
  ['tcp://127.0.0.1:10250', /must be unix:\/\/\/absolute\/path/],
  ['unix:///var/lib/kubelet/pods-api/', /directory/],
  [`unix:///${'x'.repeat(120)}.sock`, /107 bytes/],
  ['unix:///run/pods.sock?x=1', /\?/],
] as const) {
  test(`KUBELET_PODS_API_SOCKET=${JSON.stringify(value.slice(0, 40))} is refused with the value`, (t) => {
    const errors = errorsOf(t, { ...BASE, KUBELET_PODS_API_SOCKET: value });
    t.is(errors.length, 1, errors.join('\n'));
    t.true(errors[0]?.startsWith(`KUBELET_PODS_API_SOCKET=${JSON.stringify(value)}: `));
    t.regex(errors[0] ?? '', reason);
  });
}

test('KUBELET_PODS_API_SOCKET with the kubeconfig (laptop) mode is an error; with NODE_IP it is not', (t) => {
  const socket = 'unix:///var/lib/kubelet/pods-api/pods-api.sock';
  const laptop = parseConfig(
    { NODE_NAME: 'node-1', KUBELET_PODS_API_SOCKET: socket },
    { kubeconfigFound: true },
  );
  t.false(laptop.ok);
  if (!laptop.ok) {
    t.is(laptop.errors.length, 1);
    t.regex(laptop.errors[0] ?? '', /^KUBELET_PODS_API_SOCKET="unix:\/\/\/var.*": .*kubeconfig/);
  }
  const node = parseConfig({ ...BASE, KUBELET_PODS_API_SOCKET: socket }, { kubeconfigFound: true });
  t.true(node.ok && node.config.podsApi?.target === socket);
});
