/**
 * Child process of the benchmark measuring the floor: a naive poller that fetches the kubelet
 * stand-in's `/pods` over HTTPS on one keep-alive connection and `JSON.parse`s every body, and
 * the fetch-only floor, which reads the body into one buffer and stops there. Both run
 * interleaved (fetch n parses when n is even), at each pace of `FLOOR_PACES_MS` in turn (the
 * agent's idle and busy intervals), so each agent figure has a floor polled at its own cadence.
 * A fetch's CPU is `process.cpuUsage()` from the end of the fetch before it (so the timers and
 * any garbage collection of the pause count) to the end of its own, in this process alone (the
 * stand-in serving in the bench process does not count). RSS from `/proc/self/status` at the end.
 * The bench runs it as plain JavaScript (compiled, no loader), as `node dist/main.js` runs.
 *
 * Env: FLOOR_URL (…/pods), FLOOR_TOKEN_FILE, FLOOR_CA_FILE, FLOOR_FETCHES (per pace and mode),
 * FLOOR_PACES_MS (comma-separated), FLOOR_WARMUP_MS (uncounted fetches at the first pace first,
 * as long as the agent's startup time: both are compared in their steady state).
 * Prints one JSON line: {"paces":[{"paceMs","parseCpuMs":[per fetch],"fetchOnlyCpuMs":[per
 * fetch]}],"rssMiB","bytes","items"}.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

const url = new URL(process.env.FLOOR_URL ?? '');
const token = readFileSync(process.env.FLOOR_TOKEN_FILE ?? '', 'utf8').trim();
const ca = readFileSync(process.env.FLOOR_CA_FILE ?? '', 'utf8');
const fetches = Math.min(10_000, Math.max(1, Number(process.env.FLOOR_FETCHES ?? 20)));
/** Fetching at the first pace, uncounted, before the counted fetches (ms). */
const warmupMs = Math.min(600_000, Math.max(0, Number(process.env.FLOOR_WARMUP_MS ?? 0)));
const paces = (process.env.FLOOR_PACES_MS ?? '250')
  .split(',')
  .map((p) => Math.min(60_000, Math.max(0, Number(p))));
const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });

function fetchOnce(parse: boolean): Promise<{ bytes: number; items: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`status ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (!parse) {
          resolve({ bytes: body.length, items: 0 });
          return;
        }
        const parsed = JSON.parse(body.toString('utf8')) as { items?: unknown[] };
        resolve({ bytes: body.length, items: parsed.items?.length ?? 0 });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMiB(): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

let last = { bytes: 0, items: 0 };
// Warm up as the agent does before its windows: connection, JIT tiering, first collections.
const warmUntil = performance.now() + warmupMs;
for (let n = 0; n < 3 || performance.now() < warmUntil; n++) {
  const fetched = await fetchOnce(n % 2 === 0);
  if (n % 2 === 0) last = fetched;
  if (performance.now() < warmUntil) await sleep(paces[0] ?? 250);
}
const results: { paceMs: number; parseCpuMs: number[]; fetchOnlyCpuMs: number[] }[] = [];
for (const paceMs of paces) {
  const parseCpuMs: number[] = [];
  const fetchOnlyCpuMs: number[] = [];
  let mark = process.cpuUsage();
  for (let n = 0; n < 2 * fetches; n++) {
    const parse = n % 2 === 0;
    const fetched = await fetchOnce(parse);
    if (parse) last = fetched;
    const used = cpuMs(process.cpuUsage(mark));
    mark = process.cpuUsage();
    (parse ? parseCpuMs : fetchOnlyCpuMs).push(used);
    await sleep(paceMs);
  }
  results.push({ paceMs, parseCpuMs, fetchOnlyCpuMs });
}
const rss = rssMiB();
agent.destroy();
process.stdout.write(`${JSON.stringify({ paces: results, rssMiB: rss, ...last })}\n`);
