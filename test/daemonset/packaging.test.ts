/**
 * Static checks of what cannot be built here (no Docker engine, no GitHub runner): the
 * Dockerfile, .dockerignore and the GitHub workflows, against what the manifests expect.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Dockerfile instructions with comments dropped and continuation lines joined. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      return { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
    });
}

/** The instructions of each stage, by stage name. */
function stages(list: Instruction[]): Map<string, { from: string; body: Instruction[] }> {
  const result = new Map<string, { from: string; body: Instruction[] }>();
  let current: Instruction[] | undefined;
  for (const instruction of list) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)\s+AS\s+(\S+)$/i.exec(instruction.args);
      if (!match) throw new Error(`unnamed stage: FROM ${instruction.args}`);
      current = [];
      result.set(match[2] ?? '', { from: match[1] ?? '', body: current });
    } else {
      current?.push(instruction);
    }
  }
  return result;
}

const dockerfile = instructions(read('Dockerfile'));
const args = new Map(
  dockerfile
    .filter((i) => i.keyword === 'ARG' && i.args.includes('='))
    .map((i) => i.args.split('=', 2) as [string, string]),
);
const resolve = (image: string): string =>
  image.replace(/^\$\{?(\w+)\}?$/, (_, name: string) => args.get(name) ?? image);

test('Dockerfile: pinned Node 24 bookworm build, distroless Node 24 runtime', (t) => {
  const byName = stages(dockerfile);
  t.deepEqual([...byName.keys()], ['build', 'deps', 'final']);
  const build = resolve(byName.get('build')?.from ?? '');
  t.regex(build, /^node:24\.\d+\.\d+-bookworm-slim$/, 'build image pinned to a 24.x.y patch');
  t.is(resolve(byName.get('deps')?.from ?? ''), build, 'deps installs with the same Node');
  t.is(byName.get('final')?.from, 'gcr.io/distroless/nodejs24-debian12:nonroot');

  const run = (stage: string) =>
    (byName.get(stage)?.body ?? []).filter((i) => i.keyword === 'RUN').map((i) => i.args);
  t.true(run('build').some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit')));
  t.true(run('build').some((r) => r.includes('npm run build')));
  t.true(run('deps').some((r) => /\bnpm ci --omit=dev\b/.test(r)));
  // Nothing runs in the final stage: distroless has no shell.
  t.deepEqual(run('final'), []);
});

test('Dockerfile: final stage runs node directly as UID 65532 on dist/main.js', (t) => {
  const final = stages(dockerfile).get('final')?.body ?? [];
  const copies = final.filter((i) => i.keyword === 'COPY').map((i) => i.args);
  t.true(copies.some((c) => c.includes('--from=deps') && c.includes('/node_modules')));
  t.true(copies.some((c) => c.includes('--from=deps') && c.includes('package.json')));
  t.true(copies.some((c) => c.includes('--from=build') && c.includes('/dist')));
  t.false(copies.some((c) => c.includes('--from=build') && c.includes('node_modules')));

  const user = final.filter((i) => i.keyword === 'USER').map((i) => i.args);
  t.deepEqual(user, ['65532:65532']);
  // The same UID the DaemonSet runs as.
  t.regex(read('daemonset/base/daemonset.yaml'), /runAsUser: 65532/);

  const entrypoints = final.filter((i) => i.keyword === 'ENTRYPOINT');
  t.is(entrypoints.length, 1);
  t.deepEqual(JSON.parse(entrypoints[0]?.args ?? 'null'), ['/nodejs/bin/node', 'dist/main.js']);
  t.deepEqual(
    final.filter((i) => i.keyword === 'CMD'),
    [],
  );

  const labels = final
    .filter((i) => i.keyword === 'LABEL')
    .map((i) => i.args)
    .join(' ');
  t.regex(labels, /org\.opencontainers\.image\.source="https:\/\/github\.com\/[^"]+"/);
  t.regex(labels, /org\.opencontainers\.image\.licenses="Apache-2\.0"/);
});

test('Dockerfile: every file the build copies exists and is not excluded by .dockerignore', (t) => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const entry of ['node_modules', 'dist', '.git', 'test']) t.true(ignored.includes(entry));

  const sources = dockerfile
    .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  t.true(sources.length > 0);
  for (const source of sources) {
    t.true(existsSync(join(ROOT, source)), `${source} is missing`);
    t.false(ignored.includes(source), `${source} is in .dockerignore`);
  }
  // tsconfig.build.json extends tsconfig.json: both must be in the build stage.
  t.true(sources.includes('tsconfig.json'));
  t.true(sources.includes('tsconfig.build.json'));
});

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<
    string,
    {
      needs?: string | string[];
      permissions?: Record<string, string>;
      steps: { uses?: string; run?: string; with?: Record<string, unknown> }[];
    }
  >;
}

const ci = parse(read('.github/workflows/ci.yml')) as Workflow;
const release = parse(read('.github/workflows/release.yml')) as Workflow;

test('workflows: every action is pinned to a major version tag', (t) => {
  for (const workflow of [ci, release]) {
    const uses = Object.values(workflow.jobs).flatMap((job) =>
      job.steps.flatMap((s) => (s.uses ? [s.uses] : [])),
    );
    t.true(uses.length > 0);
    for (const action of uses) t.regex(action, /^[\w.-]+\/[\w.-]+@v\d+$/);
  }
});

test('ci workflow: runs .ci/run on pull requests and pushes to main, with kubectl', (t) => {
  t.deepEqual(Object.keys(ci.on).sort(), ['pull_request', 'push']);
  t.deepEqual((ci.on.push as { branches: string[] }).branches, ['main']);
  const steps = Object.values(ci.jobs).flatMap((job) => job.steps);
  t.true(steps.some((s) => s.run?.trim() === 'bash .ci/run'));
  t.true(steps.some((s) => s.uses?.startsWith('azure/setup-kubectl@')));
  t.is(ci.permissions?.contents, 'read');
});

test('release workflow: CI first, then a multi-arch image with provenance on GHCR', (t) => {
  t.deepEqual((release.on.push as { tags: string[] }).tags, ['v*']);
  const [ciJob, imageJob] = [release.jobs.ci, release.jobs.image];
  t.true(ciJob?.steps.some((s) => s.run?.trim() === 'bash .ci/run'));
  t.is(imageJob?.needs, 'ci');
  t.deepEqual(imageJob?.permissions, { contents: 'read', packages: 'write' });

  const uses = (prefix: string) => imageJob?.steps.find((s) => s.uses?.startsWith(prefix));
  t.truthy(uses('docker/setup-qemu-action@'));
  t.truthy(uses('docker/setup-buildx-action@'));
  t.is(uses('docker/login-action@')?.with?.registry, 'ghcr.io');
  const build = uses('docker/build-push-action@')?.with ?? {};
  t.is(build.platforms, 'linux/amd64,linux/arm64');
  t.is(build.push, true);
  t.regex(String(build.provenance), /^(true|mode=max)$/);
  t.regex(
    String(build.tags),
    /^ghcr\.io\/\$\{\{ steps\.meta\.outputs\.owner \}\}\/kubelet-span-exporter:\$\{\{ steps\.meta\.outputs\.version \}\}$/,
  );
});
