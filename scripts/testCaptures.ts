/**
 * Runs real kubelet `/pods` captures through the agent's core (decode, selection, tracker) and
 * checks every pod's spans against what its JSON says it should give (`scripts/lib/checkCapture.ts`);
 * then sends every pod through the Pods API path (encoded with the simulator's proto, decoded
 * with the agent's) and compares it field by field with the JSON path
 * (`scripts/lib/checkCaptureViaPodsApi.ts`).
 *
 *   npm run test:captures -- DIR
 *
 * DIR (`.ci/run` passes the real captures' folder when it is beside the clone) is searched
 * recursively for `*.json` files holding a `PodList`. One line per capture (pods, spans,
 * malformed, pods equal through the Pods API, failures, each failure below it), then
 * `N passed, N failed`.
 * Exit codes: 0 all passed, 1 a capture failed or DIR holds none, 2 DIR not given, missing, or bad
 * arguments.
 */
import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { checkCapture } from './lib/checkCapture.js';
import { checkCaptureViaPodsApi } from './lib/checkCaptureViaPodsApi.js';
import { findPodListFiles } from './lib/findPodListFiles.js';

/** Failure lines printed per capture (the count is always printed). */
const MAX_FAILURE_LINES = 30;

async function main(args: readonly string[]): Promise<number> {
  const [arg] = args;
  if (args.length !== 1 || arg === undefined || arg.startsWith('-')) {
    process.stderr.write('usage: npm run test:captures -- DIR\n');
    return 2;
  }
  const dir = resolve(arg);
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    process.stdout.write(`captures folder absent: ${dir}\n`);
    return 2;
  }
  const captures = await findPodListFiles(dir);
  if (captures.length === 0) {
    process.stdout.write(`no PodList capture under ${dir}\n0 passed, 0 failed\n`);
    return 1;
  }
  let passed = 0;
  let failed = 0;
  for (const { path, body } of captures) {
    const result = checkCapture(body);
    const viaApi = checkCaptureViaPodsApi(body);
    const failures = [...result.failures, ...viaApi.failures];
    const ok = failures.length === 0;
    if (ok) passed++;
    else failed++;
    process.stdout.write(
      `${ok ? 'PASS' : 'FAIL'} ${relative(dir, path)}: ${result.pods} pods, ${result.spans} spans, ` +
        `${result.malformed} malformed, ${viaApi.equal} equal via Pods API, ${failures.length} failures\n`,
    );
    for (const line of failures.slice(0, MAX_FAILURE_LINES)) {
      process.stdout.write(`  ${line}\n`);
    }
    if (failures.length > MAX_FAILURE_LINES) {
      process.stdout.write(`  … ${failures.length - MAX_FAILURE_LINES} more\n`);
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
