/**
 * Exercises scripts/check-image-install.sh on tiny stand-in projects (no registry access: they
 * have no production dependencies), so that its verdicts are tested independently of the agent.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const SCRIPT = fileURLToPath(new URL('../../scripts/check-image-install.sh', import.meta.url));

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
  /**
   * The script's own work directories left in its TMPDIR (it must clean up after itself; other
   * tools, such as Node 22+'s compile cache under npm, may leave unrelated entries there).
   */
  leftovers: string[];
}

/**
 * Builds a stand-in project whose `npm run build` copies src/ to dist/, with `main` as
 * src/main.js; `devOnly` adds a local package `devonly` as a devDependency only.
 */
function runOnFakeProject(main: string, options: { devOnly?: boolean } = {}): Outcome {
  const root = mkdtempSync(join(tmpdir(), 'check-image-install-test-'));
  try {
    const project = join(root, 'project');
    const scratch = join(root, 'tmp');
    mkdirSync(join(project, 'src'), { recursive: true });
    mkdirSync(scratch);
    const pkg: Record<string, unknown> = {
      name: 'fake-agent',
      version: '0.0.0',
      private: true,
      type: 'module',
      scripts: { build: 'node build.mjs' },
    };
    const lock: { packages: Record<string, unknown> } & Record<string, unknown> = {
      name: 'fake-agent',
      version: '0.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'fake-agent', version: '0.0.0' } },
    };
    if (options.devOnly) {
      pkg.devDependencies = { devonly: 'file:./devonly' };
      lock.packages[''] = {
        name: 'fake-agent',
        version: '0.0.0',
        devDependencies: { devonly: 'file:./devonly' },
      };
      lock.packages.devonly = { version: '1.0.0', dev: true };
      lock.packages['node_modules/devonly'] = { resolved: 'devonly', link: true };
      mkdirSync(join(project, 'devonly'));
      writeFileSync(
        join(project, 'devonly/package.json'),
        JSON.stringify({
          name: 'devonly',
          version: '1.0.0',
          type: 'module',
          exports: './index.js',
        }),
      );
      writeFileSync(join(project, 'devonly/index.js'), 'export const value = 1;\n');
    }
    writeFileSync(join(project, 'package.json'), JSON.stringify(pkg, null, 2));
    writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
    writeFileSync(
      join(project, 'build.mjs'),
      "import { cpSync } from 'node:fs';\ncpSync('src', 'dist', { recursive: true });\n",
    );
    writeFileSync(join(project, 'src/main.js'), main);

    const result = spawnSync('bash', [SCRIPT, project], {
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: scratch, LEAKED_FROM_CI_SHELL: 'yes' },
      timeout: 120_000,
    });
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      leftovers: readdirSync(scratch).filter((name) => name.startsWith('check-image-install.')),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A well-behaved stand-in: logs its start line, reports its environment, exits 0 on SIGTERM. */
const GOOD_MAIN = `
const env = { node: process.env.NODE_NAME, tracing: process.env.TRACING_ENABLED,
  leaked: process.env.LEAKED_FROM_CI_SHELL ?? null };
console.log(JSON.stringify({ level: 'info', msg: 'started with tracing disabled: idling', env }));
const keepAlive = setInterval(() => {}, 1 << 30);
process.once('SIGTERM', () => {
  console.log(JSON.stringify({ level: 'info', msg: 'got SIGTERM' }));
  clearInterval(keepAlive);
});
`;

test('passes a project that starts, logs its start line and exits 0 on SIGTERM', (t) => {
  const outcome = runOnFakeProject(GOOD_MAIN);
  t.is(outcome.status, 0, outcome.stderr);
  t.regex(outcome.stdout, /"msg":"started with tracing disabled: idling"/);
  // SIGTERM reached node itself, which ran its handler.
  t.regex(outcome.stdout, /"msg":"got SIGTERM"/);
  // The agent runs with the script's settings and nothing from the calling shell.
  t.regex(outcome.stdout, /"env":\{"node":"ci-node","tracing":"false","leaked":null\}/);
  t.regex(outcome.stdout, /OK: /);
  t.deepEqual(outcome.leftovers, []);
});

test('fails loudly when a runtime import is only a devDependency', (t) => {
  const outcome = runOnFakeProject(
    `import { value } from 'devonly';\n${GOOD_MAIN}\nconsole.log(value);\n`,
    { devOnly: true },
  );
  t.not(outcome.status, 0);
  t.regex(outcome.stderr, /Cannot find package 'devonly'/);
  t.regex(outcome.stderr, /missing from the production install/);
  t.deepEqual(outcome.leftovers, []);
});

test('fails when the agent exits non-zero after SIGTERM', (t) => {
  const main = `
console.log(JSON.stringify({ level: 'info', msg: 'started' }));
setInterval(() => {}, 1 << 30);
process.once('SIGTERM', () => process.exit(3));
`;
  const outcome = runOnFakeProject(main);
  t.not(outcome.status, 0);
  t.regex(outcome.stderr, /exited with code 3 after SIGTERM/);
  t.deepEqual(outcome.leftovers, []);
});

test('fails when the agent exits before logging its start line', (t) => {
  const main = `process.stderr.write('config error: NODE_IP is bogus\\n'); process.exitCode = 2;\n`;
  const outcome = runOnFakeProject(main);
  t.not(outcome.status, 0);
  t.regex(outcome.stderr, /exited with code 2 before logging its start line/);
  // The agent's own output is shown to explain why.
  t.regex(outcome.stderr, /config error: NODE_IP is bogus/);
  t.deepEqual(outcome.leftovers, []);
});
