import test from 'ava';
import { parseConfig } from '../src/config.js';
import { LIVENESS_MARGIN_MS, livenessStaleAfterMs, pollLiveness } from '../src/pollLiveness.js';
import { MAX_BACKOFF_MS } from '../src/sources/pollLoop.js';

function configFrom(env: Record<string, string>) {
  const parsed = parseConfig({ NODE_NAME: 'node-1', NODE_IP: '10.0.0.5', ...env });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

test('stale only after KUBELET_TIMEOUT + the largest back-off + 30 s, from the config', (t) => {
  t.is(MAX_BACKOFF_MS + LIVENESS_MARGIN_MS, 60_000);
  // defaults: a 10 s kubelet timeout
  t.is(livenessStaleAfterMs(configFrom({})), 10_000 + 30_000 + 30_000);
  // a 10 min timeout: the old fixed 90 s would have restarted a healthy agent mid-poll
  t.is(livenessStaleAfterMs(configFrom({ KUBELET_TIMEOUT: '10m' })), 600_000 + 60_000);
  t.is(livenessStaleAfterMs(configFrom({ KUBELET_TIMEOUT: '100ms' })), 100 + 60_000);
});

test('a poll interval longer than the largest back-off is the longest wait instead', (t) => {
  t.is(livenessStaleAfterMs(configFrom({ IDLE_POLL_INTERVAL: '5m' })), 10_000 + 300_000 + 30_000);
  t.is(
    livenessStaleAfterMs(
      configFrom({ POLL_INTERVAL: '30s', GONE_AFTER: '1m', IDLE_POLL_INTERVAL: '2m' }),
    ),
    10_000 + 120_000 + 30_000,
  );
});

test('healthy while the last poll started within the limit, from the agent start before any', (t) => {
  const staleAfterMs = 70_000;
  const startedAtMs = 1_000_000;
  t.deepEqual(
    pollLiveness({ lastTickMs: 0, startedAtMs, nowMs: startedAtMs + 69_999, staleAfterMs }),
    {
      ok: true,
      detail: { lastPollStartedMsAgo: 69_999 },
    },
  );
  t.false(
    pollLiveness({ lastTickMs: 0, startedAtMs, nowMs: startedAtMs + 70_000, staleAfterMs }).ok,
  );
  const lastTickMs = startedAtMs + 500_000;
  t.true(pollLiveness({ lastTickMs, startedAtMs, nowMs: lastTickMs + 69_999, staleAfterMs }).ok);
  t.like(pollLiveness({ lastTickMs, startedAtMs, nowMs: lastTickMs + 70_000, staleAfterMs }), {
    ok: false,
    detail: { lastPollStartedMsAgo: 70_000 },
  });
});
