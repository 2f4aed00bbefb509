import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import {
  litmusTraceParentValue,
  podAt,
  podListBody,
  SECRET_MARKER,
  unrelatedPod,
} from '../../sim/podBuilder.js';
import { loadTimeline } from '../../sim/timeline/loadTimeline.js';
import { createNodeSimulator } from '../../sim/timeline/nodeSimulator.js';

const SCRIPT = new URL('../../scripts/record-node.sh', import.meta.url).pathname;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

interface Rig {
  dir: string;
  out: string;
  log: string;
  env: Record<string, string>;
}

const dirs: string[] = [];
test.after.always(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fake `kubectl` on PATH that logs its arguments, prints BODY and exits with EXIT. */
function rig(exitCode = 0): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'kse-record-'));
  dirs.push(dir);
  const body = join(dir, 'body.json');
  const log = join(dir, 'kubectl.log');
  writeFileSync(
    body,
    podListBody([
      unrelatedPod(0, 'worker-1'),
      unrelatedPod(1, 'worker-1'),
      podAt(
        {
          name: 'container-kill-helper-hzv7c',
          namespace: 'litmus',
          labels: { chaosUID: 'x' },
          creationTimestamp: '2026-11-23T10:00:00Z',
          restartPolicy: 'Never',
          containers: [
            {
              name: 'container-kill',
              env: { TRACE_PARENT: litmusTraceParentValue(TRACE, SPAN), PASSWORD: SECRET_MARKER },
              runs: [{ startedAt: '2026-11-23T10:00:02Z', finishedAt: '2026-11-23T10:00:04Z' }],
            },
          ],
        },
        '2026-11-23T10:00:05Z',
      ),
    ]),
  );
  const kubectl = join(dir, 'kubectl');
  writeFileSync(kubectl, `#!/bin/sh\necho "$@" >> '${log}'\ncat '${body}'\nexit ${exitCode}\n`);
  chmodSync(kubectl, 0o755);
  return {
    dir,
    out: join(dir, 'out', 'node.jsonl'),
    log,
    env: { PATH: `${dir}:${process.env.PATH ?? ''}`, OUT: join(dir, 'out', 'node.jsonl') },
  };
}

const record = (r: Rig, args: string[], env: Record<string, string> = {}) =>
  spawnSync('bash', [SCRIPT, ...args], {
    encoding: 'utf8',
    env: { ...r.env, ...env },
    timeout: 60_000,
  });

test('records redacted snapshots through kubectl get --raw, replayable by the simulator', (t) => {
  const r = rig();
  const result = record(r, ['worker-1', '0.2', '1']);
  t.is(result.status, 0, result.stderr);
  const log = readFileSync(r.log, 'utf8').trim().split('\n');
  t.is(log.length, 5, 'duration / interval snapshots');
  for (const line of log) t.is(line, 'get --raw /api/v1/nodes/worker-1/proxy/pods');

  const text = readFileSync(r.out, 'utf8');
  t.false(text.includes(SECRET_MARKER), 'nothing secret reached the file');
  t.false(text.includes('"kubectl.kubernetes.io/last-applied-configuration":'));
  t.false(result.stderr.includes(SECRET_MARKER));
  const lines = text.trimEnd().split('\n');
  t.is(lines.length, 6);
  t.like(JSON.parse(lines[0] ?? ''), { kind: 'RecordedTimeline', version: 1, node: 'worker-1' });
  t.true(text.includes(JSON.stringify(litmusTraceParentValue(TRACE, SPAN))), 'trace context kept');

  // the recording plays back: the helper pod is served as recorded
  const timeline = loadTimeline(r.out);
  t.is(timeline.nodeName, 'worker-1');
  let body = '';
  const sim = createNodeSimulator({ timeline, standIn: { setBody: (b) => (body = b) } });
  sim.seek(0);
  const items = (JSON.parse(body) as { items: { metadata: { name: string } }[] }).items;
  t.deepEqual(
    items.map((p) => p.metadata.name),
    [
      ...[0, 1].map((i) => (unrelatedPod(i, 'worker-1').metadata as { name: string }).name),
      'container-kill-helper-hzv7c',
    ],
  );
});

test('a failing kubectl adds no snapshot, even when it printed something', (t) => {
  const r = rig(1);
  const result = record(r, ['worker-1', '0.5', '1']);
  t.is(result.status, 1);
  t.regex(result.stderr, /0 of 2 snapshots/);
  const lines = readFileSync(r.out, 'utf8').trimEnd().split('\n');
  t.is(lines.length, 1, 'the header only');
  t.false(readFileSync(r.out, 'utf8').includes(SECRET_MARKER));
});

test('arguments are checked before anything runs', (t) => {
  const r = rig();
  for (const args of [
    [],
    ['Worker_1'],
    ['worker-1/../x'],
    ['worker-1', '0'],
    ['worker-1', 'fast'],
    ['worker-1', '1', '0'],
    ['worker-1', '1', '1.5'],
    ['worker-1', '1', '10', 'extra'],
  ]) {
    const result = record(r, args);
    t.is(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    t.regex(result.stderr, /usage:/);
  }
  t.throws(() => readFileSync(r.log), undefined, 'kubectl never called');
  const missing = record(r, ['worker-1', '1', '1'], { KUBECTL: join(r.dir, 'no-such-kubectl') });
  t.is(missing.status, 1);
  t.regex(missing.stderr, /not found/);
});
