/**
 * Reads a kubelet `/pods` response on stdin and writes it redacted (see
 * `scripts/lib/podListRedaction.ts`) on stdout: the filter `scripts/record-node.sh` pipes every
 * snapshot through before anything is written.
 *
 *   kubectl get --raw /api/v1/nodes/<node>/proxy/pods | tsx scripts/redactPodList.ts [--at TIME]
 *
 * `--at TIME` (RFC 3339) wraps the result as one recorded-timeline line
 * `{"at":TIME,"podList":{...}}`. Trace-context variables kept: TRACEPARENT, TRACESTATE,
 * TRACE_PARENT and the comma-separated names in `TRACE_CONTEXT_ENV`. Nothing of the input is
 * printed on errors. Exit codes: 0 ok, 1 input not a JSON object, 2 bad arguments.
 */
import { parseArgs } from 'node:util';
import { redactPodList, traceContextNames } from './lib/podListRedaction.js';

/** Larger inputs are refused (the agent's own default limit is 64 MiB). */
const MAX_INPUT_BYTES = 512 * 1024 * 1024;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_INPUT_BYTES) throw new Error(`input larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<number> {
  let at: string | undefined;
  try {
    const { values } = parseArgs({ options: { at: { type: 'string' } }, strict: true });
    at = values.at;
  } catch (error) {
    process.stderr.write(`redactPodList: ${error instanceof Error ? error.message : error}\n`);
    return 2;
  }
  if (at !== undefined && (!RFC3339.test(at) || Number.isNaN(Date.parse(at)))) {
    process.stderr.write('redactPodList: --at must be an RFC 3339 time\n');
    return 2;
  }
  let input: unknown;
  try {
    input = JSON.parse(await readStdin());
  } catch (error) {
    // Never echo the input: it is exactly what must not leak.
    const why = error instanceof SyntaxError ? 'input is not JSON' : String(error);
    process.stderr.write(`redactPodList: ${why}\n`);
    return 1;
  }
  if (
    typeof input !== 'object' ||
    input === null ||
    !Array.isArray((input as { items?: unknown }).items)
  ) {
    process.stderr.write('redactPodList: input is not a PodList (no items)\n');
    return 1;
  }
  const podList = redactPodList(input, traceContextNames(process.env.TRACE_CONTEXT_ENV));
  const out = at === undefined ? podList : { at, podList };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.stderr.write('redactPodList: failed\n');
    process.exitCode = 1;
  },
);
