/**
 * Child process of the benchmark measuring the floor: the CPU to fetch the kubelet stand-in's
 * body over HTTPS on one keep-alive connection (it asks for gzip as the agent does; a kubelet,
 * and the stand-in, never compress) and `JSON.parse`
 * it, from `process.cpuUsage()` in this process alone (the stand-in serving in the bench process
 * does not count).
 *
 * Env: FLOOR_URL (…/pods), FLOOR_TOKEN_FILE, FLOOR_CA_FILE, FLOOR_FETCHES, FLOOR_ROUNDS.
 * Prints one JSON line: {"cpuMsPerFetch":[per round...],"bytes":N,"items":N}.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createGunzip } from 'node:zlib';

const url = new URL(process.env.FLOOR_URL ?? '');
const token = readFileSync(process.env.FLOOR_TOKEN_FILE ?? '', 'utf8').trim();
const ca = readFileSync(process.env.FLOOR_CA_FILE ?? '', 'utf8');
const fetches = Math.min(10_000, Math.max(1, Number(process.env.FLOOR_FETCHES ?? 20)));
const rounds = Math.min(20, Math.max(1, Number(process.env.FLOOR_ROUNDS ?? 3)));
const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });

function fetchOnce(): Promise<{ bytes: number; items: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent, headers: { Authorization: `Bearer ${token}`, 'Accept-Encoding': 'gzip' } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`status ${res.statusCode}`));
          return;
        }
        const source = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
        const chunks: Buffer[] = [];
        source.on('data', (c: Buffer) => chunks.push(c));
        source.on('error', reject);
        source.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const parsed = JSON.parse(text) as { items?: unknown[] };
          resolve({ bytes: text.length, items: parsed.items?.length ?? 0 });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let last = { bytes: 0, items: 0 };
for (let i = 0; i < 3; i++) last = await fetchOnce(); // warm up: connection, JIT
const perRound: number[] = [];
for (let r = 0; r < rounds; r++) {
  const before = process.cpuUsage();
  for (let i = 0; i < fetches; i++) last = await fetchOnce();
  const used = process.cpuUsage(before);
  perRound.push((used.user + used.system) / 1000 / fetches);
}
agent.destroy();
process.stdout.write(`${JSON.stringify({ cpuMsPerFetch: perRound, ...last })}\n`);
