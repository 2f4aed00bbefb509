import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { checkCapture } from '../../scripts/lib/checkCapture.js';
import { compareCaptureSpans } from '../../scripts/lib/compareCaptureSpans.js';
import {
  type ExpectedPod,
  expectedPodSpans,
  kubeTime,
  latestTime,
} from '../../scripts/lib/expectedPodSpans.js';
import { findPodListFiles } from '../../scripts/lib/findPodListFiles.js';
import {
  CAPTURE_ENV,
  CAPTURE_LABEL,
  captureContextFor,
  injectTraceContexts,
} from '../../scripts/lib/injectTraceContexts.js';
import { decodePodList } from '../../src/core/decodePodList.js';
import { PodTracker } from '../../src/core/podTracker.js';
import type { SpanData } from '../../src/core/spanData.js';
import { addMillis } from '../../src/core/time.js';

const FIXTURES = new URL('../fixtures/kubelet/', import.meta.url);
const FIXTURE_FILES = [
  'podlist-docker-1.18.json',
  'podlist-init-and-restart.json',
  'podlist-node-1.35.json',
  'podlist-short-lived-succeeded.json',
];
const SCRIPT = new URL('../../scripts/testCaptures.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const run = promisify(execFile);

type Json = Record<string, unknown>;

function fixture(name: string): { items: Json[] } {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as { items: Json[] };
}

function rawPod(file: string, name: string): Json {
  const pod = fixture(file).items.find((p) => (p.metadata as Json).name === name);
  if (!pod) throw new Error(`no pod ${name} in ${file}`);
  return pod;
}

const at = (iso: string) => kubeTime(iso);

// ------------------------------------------------------------------ expectations from the JSON

test('kubeTime parses offsets and nanoseconds, rejects null and garbage', (t) => {
  t.deepEqual(kubeTime('2020-10-02T21:14:08.210584317-05:00'), [
    Date.parse('2020-10-03T02:14:08Z') / 1000,
    210_584_317,
  ]);
  t.deepEqual(kubeTime('2026-09-14T07:31:59Z'), [Date.parse('2026-09-14T07:31:59Z') / 1000, 0]);
  for (const bad of [null, undefined, '', 'yesterday', 42, '2026-09-14 07:31:59Z']) {
    t.is(kubeTime(bad), undefined, String(bad));
  }
  t.deepEqual(latestTime(fixture('podlist-node-1.35.json')), at('2026-09-14T07:34:05Z'));
});

test('54 restarts, Docker ids: the last run (exit 1) and the running one, 55 runs in all', (t) => {
  const pod = expectedPodSpans(rawPod('podlist-docker-1.18.json', 'node-agent-9fzq7'));
  t.like(pod, { namespace: 'monitoring', isStatic: false, failed: false, startEstimated: false });
  t.is(pod.runs.length, 2);
  t.like(pod.runs[0], {
    role: 'container',
    container: 'agent',
    restartIndex: 53,
    state: 'terminated',
    exitCode: 1,
    reason: 'Error',
    runtime: 'docker',
    start: at('2020-09-22T12:58:03Z'),
    end: at('2020-09-22T13:00:27Z'),
    error: true,
  });
  t.regex(pod.runs[0]?.containerId ?? '', /^[0-9a-f]{64}$/);
  t.like(pod.runs[1], { restartIndex: 54, state: 'running', start: at('2020-09-22T13:02:41Z') });
  t.is(pod.runs[1]?.exitCode, undefined);
  t.is(pod.runs[1]?.end, undefined);
  t.deepEqual(pod.containers, [{ role: 'container', container: 'agent', totalRuns: 55 }]);
  // 1.18: no PodReadyToStartContainers, so no sandbox span; no init containers
  t.deepEqual(
    pod.phases.map((p) => p.name),
    ['scheduling'],
  );
});

test('restarts without a lastState: only the running run, all 34 runs still owed', (t) => {
  const pod = expectedPodSpans(rawPod('podlist-docker-1.18.json', 'tools-shell-zq4rm'));
  t.deepEqual(
    pod.runs.map((r) => [r.container, r.restartIndex, r.state]),
    [['shell', 33, 'running']],
  );
  t.deepEqual(pod.containers, [{ role: 'container', container: 'shell', totalRuns: 34 }]);
});

test('CrashLoopBackOff: the last run is the one with index restartCount', (t) => {
  const pod = expectedPodSpans(rawPod('podlist-node-1.35.json', 'flaky-worker-5f8b9c6d7-m4t9r'));
  t.deepEqual(
    pod.runs.map((r) => [r.restartIndex, r.state, r.exitCode, r.reason, r.error]),
    [[3, 'terminated', 1, 'Error', true]],
  );
  t.deepEqual(pod.containers, [{ role: 'container', container: 'worker', totalRuns: 4 }]);
});

test('ContainerStatusUnknown: exit 137, no times, no id; the pod failed', (t) => {
  const pod = expectedPodSpans(rawPod('podlist-node-1.35.json', 'report-builder-4mz8k'));
  t.true(pod.failed);
  t.is(pod.phase, 'Failed');
  t.deepEqual(pod.runs, [
    {
      role: 'container',
      container: 'builder',
      restartIndex: 0,
      state: 'terminated',
      exitCode: 137,
      reason: 'ContainerStatusUnknown',
      sidecar: false,
      error: true,
    },
  ]);
});

test('static pods: flagged, start estimated without a creationTimestamp, no scheduling span', (t) => {
  for (const name of ['kube-scheduler-kse-node-1', 'etcd-kse-node-1']) {
    const pod = expectedPodSpans(rawPod('podlist-node-1.35.json', name));
    t.true(pod.isStatic, name);
    t.true(pod.startEstimated, name);
    t.deepEqual(
      pod.phases.map((p) => p.name),
      ['sandbox'],
    );
    t.deepEqual(
      pod.runs.map((r) => [r.restartIndex, r.state, r.runtime]),
      [[0, 'running', 'containerd']],
    );
  }
  const deployment = expectedPodSpans(
    rawPod('podlist-node-1.35.json', 'api-gateway-7c9d5b8f4d-x2kqp'),
  );
  t.false(deployment.isStatic);
  t.false(deployment.startEstimated);
});

test('init containers, a native sidecar and a killed main container', (t) => {
  const pod = expectedPodSpans(rawPod('podlist-node-1.35.json', 'checkout-6b7f9d8c5-r8wz2'));
  t.deepEqual(
    pod.runs.map((r) => [r.role, r.container, r.restartIndex, r.state, r.exitCode, r.sidecar]),
    [
      ['init-container', 'migrate-schema', 0, 'terminated', 0, false],
      ['init-container', 'mesh-proxy', 0, 'running', undefined, true],
      ['container', 'checkout', 0, 'terminated', 137, false],
      ['container', 'checkout', 1, 'running', undefined, false],
    ],
  );
  t.deepEqual(
    pod.phases.map((p) => p.name),
    ['scheduling', 'sandbox', 'initialization'],
  );
  t.deepEqual(pod.phases[0], {
    name: 'scheduling',
    start: at('2026-09-14T07:31:10Z'),
    end: at('2026-09-14T07:31:10Z'),
  });
});

test('terminated between restarts: both runs, one second each (startedAt == finishedAt)', (t) => {
  const pod = expectedPodSpans(rawPod('podlist-node-1.35.json', 'one-shot-echo'));
  t.deepEqual(
    pod.runs.map((r) => [r.restartIndex, r.exitCode, r.error, r.start, r.end]),
    [
      [1, 0, false, at('2026-09-14T07:31:55Z'), at('2026-09-14T07:31:55Z')],
      [2, 0, false, at('2026-09-14T07:32:11Z'), at('2026-09-14T07:32:11Z')],
    ],
  );
});

test('a Failed Job pod: exit 42 is an error, and so is the pod', (t) => {
  const pod = expectedPodSpans(rawPod('podlist-node-1.35.json', 'db-migrate-8kq2v'));
  t.true(pod.failed);
  t.deepEqual(
    pod.runs.map((r) => [r.restartIndex, r.exitCode, r.reason, r.error]),
    [[0, 42, 'Error', true]],
  );
});

// ------------------------------------------------------------------ injection

test('injectTraceContexts labels every pod and puts its own context first, input untouched', (t) => {
  const body = fixture('podlist-init-and-restart.json');
  const before = structuredClone(body);
  const out = injectTraceContexts(body) as { items: Json[] };
  t.deepEqual(body, before);
  t.is(out.items.length, 2);
  for (const pod of out.items) {
    const metadata = pod.metadata as { uid: string; labels: Record<string, string> };
    t.is(metadata.labels[CAPTURE_LABEL], 'chosen');
    const first = (pod.spec as { containers: { env: { name: string; value: string }[] }[] })
      .containers[0];
    t.deepEqual(first?.env[0], {
      name: CAPTURE_ENV,
      value: captureContextFor(metadata.uid).traceparent,
    });
  }
  const a = captureContextFor('uid-a');
  t.deepEqual(captureContextFor('uid-a'), a);
  t.not(captureContextFor('uid-b').traceId, a.traceId);
  t.regex(a.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  t.is(a.traceparent, `00-${a.traceId}-${a.spanId}-01`);
});

// ------------------------------------------------------------------ the whole check

test('checkCapture: our fixtures pass, pods and spans counted', (t) => {
  const counts = Object.fromEntries(
    FIXTURE_FILES.filter((f) => f !== 'podlist-node-1.35.json').map((file) => {
      const result = checkCapture(fixture(file));
      t.deepEqual(result.failures, [], file);
      return [file, [result.pods, result.spans, result.malformed]];
    }),
  );
  t.deepEqual(counts, {
    // 4 pod spans, 4 scheduling, 1 initialization, 3 init runs, 8 container runs
    'podlist-docker-1.18.json': [4, 20, 0],
    // 2 pod spans, 2 scheduling, 1 initialization, 4 runs
    'podlist-init-and-restart.json': [2, 9, 0],
    'podlist-short-lived-succeeded.json': [1, 3, 0],
  });
});

test('checkCapture: a native sidecar keeps its sidecar flag when its pod goes', (t) => {
  // Found by this check: an open run closed because its pod was gone lost its sidecar flag.
  const result = checkCapture(fixture('podlist-node-1.35.json'));
  t.is(result.pods, 9);
  t.is(result.malformed, 0);
  t.deepEqual(result.failures, []);
});

test('checkCapture reports malformed pods and a body that is not a PodList', (t) => {
  const body = structuredClone(fixture('podlist-init-and-restart.json'));
  const statuses = (body.items[1] as { status: Json }).status.containerStatuses as Json[];
  (statuses[0] as Json).restartCount = -1;
  const result = checkCapture(body);
  t.is(result.pods, 2);
  t.is(result.malformed, 1);
  t.is(result.failures.length, 1);
  t.regex(result.failures[0] ?? '', /^malformed pod #1 default\/orders-web: /);
  t.deepEqual(checkCapture({ kind: 'Status', items: [] }).failures, [
    'not a PodList: expected kind "PodList", got "Status"',
  ]);
});

/** The spans today's core builds for one fixture pod, as checkCapture drives it. */
function coreSpans(raw: Json): { expected: ExpectedPod; spans: SpanData[] } {
  const body = injectTraceContexts({ kind: 'PodList', items: [raw] });
  const decoded = decodePodList(body, { envNames: [CAPTURE_ENV] });
  if (!decoded.ok) throw new Error(decoded.error);
  const tracker = new PodTracker({
    nodeName: 'n',
    envNames: [CAPTURE_ENV],
    hash: (s) => createHash('sha256').update(s).digest('hex'),
  });
  const now = addMillis(latestTime(raw) ?? [0, 0], 60_000);
  const spans = [
    ...tracker.observe(decoded.pods, now).spans,
    ...tracker.observe([], addMillis(now, 30_000)).spans,
    ...tracker.observe([], addMillis(now, 60_000)).spans,
  ];
  const item = (body as { items: Json[] }).items[0];
  return { expected: expectedPodSpans(item), spans };
}

test('compareCaptureSpans fails on every kind of wrong span', (t) => {
  const { expected, spans } = coreSpans(rawPod('podlist-docker-1.18.json', 'node-agent-9fzq7'));
  const context = captureContextFor(expected.uid);
  t.deepEqual(compareCaptureSpans(expected, context, spans), []);
  t.is(spans.length, 4); // pod, scheduling, two runs
  const who = 'monitoring/node-agent-9fzq7';
  const last = spans.find((s) => s.attributes['k8s.container.restart_count'] === 53) as SpanData;
  const others = spans.filter((s) => s !== last);
  const withAttrs = (attrs: Json): SpanData =>
    ({ ...last, attributes: { ...last.attributes, ...attrs } }) as SpanData;

  t.deepEqual(compareCaptureSpans(expected, context, others), [
    `${who}: 0 spans for container agent run 53, expected 1`,
    `${who}: container agent: 1 runs accounted for, restartCount says 55`,
  ]);
  t.deepEqual(compareCaptureSpans(expected, context, [...spans, last]), [
    `${who}: span container agent (${last.key}) built twice`,
    `${who}: 2 spans for container agent run 53, expected 1`,
    `${who}: container agent: 109 runs accounted for, restartCount says 55`,
  ]);
  t.deepEqual(
    compareCaptureSpans(expected, context, [...others, withAttrs({ 'process.exit.code': 2 })]),
    [`${who}: container agent run 53: exit code 2, expected 1`],
  );
  t.deepEqual(
    compareCaptureSpans(expected, context, [
      ...others,
      withAttrs({ 'k8s.container.restart_count': 52 }),
    ]),
    [
      `${who}: 0 spans for container agent run 53, expected 1`,
      `${who}: unexpected container agent run 52`,
    ],
  );
  t.deepEqual(
    compareCaptureSpans(expected, context, [...others, { ...last, status: { code: 'unset' } }]),
    [`${who}: container agent run 53: status unset, expected error`],
  );
  t.deepEqual(compareCaptureSpans(expected, context, [...others, { ...last, end: last.start }]), [
    `${who}: container agent run 53: ends 2020-09-22T12:58:03.000Z, expected 2020-09-22T13:00:27.000Z`,
  ]);
  const podSpan = spans.find((s) => s.parentIsRemote) as SpanData;
  t.deepEqual(
    compareCaptureSpans(
      expected,
      context,
      spans.filter((s) => s !== podSpan),
    ),
    [`${who}: 0 pod spans, expected 1`],
  );
  t.deepEqual(
    compareCaptureSpans(expected, captureContextFor('someone-else'), spans).length,
    spans.length + 1, // every span in the wrong trace, and the pod span under the wrong parent
  );
});

// ------------------------------------------------------------------ files and the command

test('findPodListFiles takes every PodList *.json under a folder, recursively, in path order', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'captures-find-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'nested/deeper'), { recursive: true });
  await copyFile(new URL('podlist-short-lived-succeeded.json', FIXTURES), join(dir, 'b.json'));
  await copyFile(
    new URL('podlist-init-and-restart.json', FIXTURES),
    join(dir, 'nested/deeper/a.json'),
  );
  await writeFile(join(dir, 'status.json'), '{"kind":"Status"}');
  await writeFile(join(dir, 'broken.json'), '{"kind":"PodList",');
  await writeFile(join(dir, 'notes.txt'), '{"kind":"PodList","items":[]}');
  const found = await findPodListFiles(dir);
  t.deepEqual(
    found.map((f) => f.path),
    [join(dir, 'b.json'), join(dir, 'nested/deeper/a.json')],
  );
  t.is((found[1] as { body: { items: unknown[] } }).body.items.length, 2);
});

async function command(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(TSX, [SCRIPT, ...args], { encoding: 'utf8' });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '' };
  }
}

test('npm run test:captures: one line per capture, a closing count, exit 0 / 1 / 2', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'captures-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const good = join(dir, 'good');
  await mkdir(good);
  for (const file of ['podlist-docker-1.18.json', 'podlist-init-and-restart.json']) {
    await copyFile(new URL(file, FIXTURES), join(good, file));
  }
  const passing = await command(good);
  t.is(passing.code, 0, passing.stdout);
  t.deepEqual(passing.stdout.trimEnd().split('\n'), [
    'PASS podlist-docker-1.18.json: 4 pods, 20 spans, 0 malformed, 4 equal via Pods API, 0 failures',
    'PASS podlist-init-and-restart.json: 2 pods, 9 spans, 0 malformed, 2 equal via Pods API, 0 failures',
    '2 passed, 0 failed',
  ]);

  const bad = join(dir, 'bad');
  await mkdir(bad);
  const body = structuredClone(fixture('podlist-short-lived-succeeded.json'));
  (body.items[0] as { metadata: Json }).metadata.uid = '';
  await writeFile(join(bad, 'one.json'), JSON.stringify(body));
  const failing = await command(bad);
  t.is(failing.code, 1);
  const lines = failing.stdout.trimEnd().split('\n');
  t.is(lines[0], 'FAIL one.json: 1 pods, 0 spans, 1 malformed, 1 equal via Pods API, 1 failures');
  t.regex(lines[1] ?? '', /^ {2}malformed pod #0 default\/nightly-report: /);
  t.is(lines.at(-1), '0 passed, 1 failed');

  const missing = await command(join(dir, 'nowhere'));
  t.is(missing.code, 2);
  t.is((await command()).code, 2, 'DIR is required: no default reaches outside the repository');
  t.is(missing.stdout, `captures folder absent: ${join(dir, 'nowhere')}\n`);

  const empty = join(dir, 'empty');
  await mkdir(empty);
  const none = await command(empty);
  t.is(none.code, 1);
  t.regex(none.stdout, /no PodList capture under .*\n0 passed, 0 failed\n$/);
});
