/**
 * `scripts/demo.ts` end to end: the real agent (dist/main.js; `npm test` builds it) against the
 * simulator playing the busy-node timeline, output captured through a pipe (not a TTY).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { JaegerDocument } from '../../scripts/lib/jaegerJson.js';
import type { OtlpJsonDocument } from '../../scripts/lib/otlpJson.js';
import { SECRET_MARKER } from '../../sim/podBuilder.js';

const ROOT = new URL('../..', import.meta.url).pathname;

interface DemoRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runDemo(args: string[]): Promise<DemoRun> {
  return new Promise((resolve) => {
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['scripts/demo.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Plays TIMELINE at SPEED with `--out` a temporary directory (removed when the test ends). */
async function playDemo(t: ExecutionContext, timeline: string, speed: number) {
  const out = mkdtempSync(join(tmpdir(), 'kse-demo-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const run = await runDemo(['--timeline', timeline, '--speed', String(speed), '--out', out]);
  return { ...run, out };
}

test('demo: plays the busy node, prints a rooted waterfall, writes OTLP/JSON and HTML', async (t) => {
  t.timeout(90_000);
  const { code, stdout, stderr, out } = await playDemo(t, 'timelines/busy-node.yaml', 8);
  t.is(code, 0, stderr);
  t.false(stdout.includes('\u001b'), 'no colour codes when stdout is not a terminal');
  for (const text of [stdout, stderr]) t.false(text.includes(SECRET_MARKER));

  const lines = stdout.split('\n');
  const row = (name: string) => lines.find((l) => l.includes(` ${name} `) || l.startsWith(name));
  t.truthy(row('chaos run podtato-head container-kill'), 'the tool root is there');
  // the agent's helper pod span hangs under litmus-go's CreateContainerKillFaultHelperPod
  const create = lines.findIndex((l) => l.includes('CreateContainerKillFaultHelperPod'));
  t.true(create > 0);
  t.regex(lines[create + 1] ?? '', /[├└]─ pod container-kill-helper .*kubelet-span-exporter/);
  t.regex(stdout, /container server .*exit 137/);
  t.regex(stdout, /container container-kill .*✗ exit 1 Error/);

  const json = readFileSync(join(out, 'trace.otlp.json'), 'utf8');
  t.false(json.includes(SECRET_MARKER));
  const doc = JSON.parse(json) as OtlpJsonDocument;
  const spans = doc.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  const ids = new Set(spans.map((s) => s.spanId));
  t.true(spans.length > 20);
  for (const s of spans) {
    if (s.parentSpanId !== undefined) t.true(ids.has(s.parentSpanId), `${s.name} has its parent`);
  }
  const services = doc.resourceSpans.map(
    (r) => r.resource.attributes.find((a) => a.key === 'service.name')?.value,
  );
  t.true(services.some((v) => JSON.stringify(v) === '{"stringValue":"kubelet-span-exporter"}'));
  // Jaeger's own JSON holds the same spans (its format: test/scripts/traceOutputs.test.ts)
  const jaeger = JSON.parse(readFileSync(join(out, 'trace.jaeger.json'), 'utf8')) as JaegerDocument;
  t.is(jaeger.data.flatMap((trace) => trace.spans).length, spans.length);
  const html = readFileSync(join(out, 'trace.html'), 'utf8');
  t.true(html.includes('<svg'));
  t.false(html.includes(SECRET_MARKER));
});

test('demo: a timeline by name on two nodes (stock Litmus): one agent per node, one trace per run', async (t) => {
  t.timeout(90_000);
  const { code, stdout, stderr, out } = await playDemo(t, 'stock-litmus', 6);
  t.is(code, 0, stderr);
  t.regex(stdout, /2 agents \(worker-1, worker-2\)/);
  t.is(stdout.split('\n').filter((l) => l.startsWith('trace ')).length, 2, 'two runs, two traces');
  t.regex(stdout, /^pod podtato-head-chaos-runner /m, 'a pod span is a root of its run trace');
  const jaeger = JSON.parse(readFileSync(join(out, 'trace.jaeger.json'), 'utf8')) as JaegerDocument;
  t.is(jaeger.data.length, 2);
  const nodes = new Set(
    jaeger.data.flatMap((trace) =>
      Object.values(trace.processes).map(
        (p) => p.tags.find((tag) => tag.key === 'k8s.node.name')?.value,
      ),
    ),
  );
  t.deepEqual([...nodes].sort(), ['worker-1', 'worker-2'], 'both agents contributed');
  for (const trace of jaeger.data) {
    const roots = trace.spans.filter((s) => s.references.length === 0);
    t.true(
      roots.every((s) => s.operationName.startsWith('pod ')),
      'only pod spans are roots',
    );
  }
});

test('demo: bad arguments exit 2 with the usage', async (t) => {
  const result = await runDemo(['--speed', '0']);
  t.is(result.code, 2);
  t.regex(result.stderr, /--speed/);
  t.regex(result.stderr, /usage:/);
  const missing = await runDemo(['--timeline', 'timelines/no-such-file.yaml']);
  t.is(missing.code, 2);
});
