/**
 * Child process of the benchmark measuring the floor: a naive poller that fetches the kubelet
 * stand-in's `/pods` over HTTPS on one keep-alive connection every `FLOOR_PACE_MS` and
 * `JSON.parse`s every body (mode `parse`), or only reads it into one buffer (mode `fetch`, the
 * fetch-only floor). CPU from `process.cpuUsage()` of this process alone (the stand-in serving in
 * the bench process does not count); RSS from `/proc/self/status` after the parse rounds.
 * The bench runs it as plain JavaScript (transpiled, no loader), as `node dist/main.js` runs.
 *
 * Env: FLOOR_URL (…/pods), FLOOR_TOKEN_FILE, FLOOR_CA_FILE, FLOOR_FETCHES (per round),
 * FLOOR_ROUNDS, FLOOR_PACE_MS.
 * Prints one JSON line: {"cpuMsPerFetch":[per parse round],"fetchOnlyCpuMsPerFetch":[per
 * fetch-only round],"rssMiB":N,"bytes":N,"items":N}.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

const url = new URL(process.env.FLOOR_URL ?? '');
const token = readFileSync(process.env.FLOOR_TOKEN_FILE ?? '', 'utf8').trim();
const ca = readFileSync(process.env.FLOOR_CA_FILE ?? '', 'utf8');
const fetches = Math.min(10_000, Math.max(1, Number(process.env.FLOOR_FETCHES ?? 20)));
const rounds = Math.min(20, Math.max(1, Number(process.env.FLOOR_ROUNDS ?? 3)));
const paceMs = Math.min(60_000, Math.max(0, Number(process.env.FLOOR_PACE_MS ?? 250)));
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

/** CPU ms per fetch of each round; the pauses between fetches count (timers, GC), as a poller's. */
async function measure(parse: boolean): Promise<number[]> {
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < fetches; i++) {
      await fetchOnce(parse);
      await sleep(paceMs);
    }
    const used = process.cpuUsage(before);
    perRound.push((used.user + used.system) / 1000 / fetches);
  }
  return perRound;
}

let last = { bytes: 0, items: 0 };
for (let i = 0; i < 3; i++) last = await fetchOnce(true); // warm up: connection, JIT
const cpuMsPerFetch = await measure(true);
const rss = rssMiB();
const fetchOnlyCpuMsPerFetch = await measure(false);
agent.destroy();
process.stdout.write(
  `${JSON.stringify({ cpuMsPerFetch, fetchOnlyCpuMsPerFetch, rssMiB: rss, ...last })}\n`,
);
