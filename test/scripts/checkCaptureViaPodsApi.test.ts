import { readFileSync } from 'node:fs';
import test from 'ava';
import { checkCaptureViaPodsApi } from '../../scripts/lib/checkCaptureViaPodsApi.js';
import { firstDifference } from '../../scripts/lib/firstDifference.js';

const FIXTURES = new URL('../fixtures/kubelet/', import.meta.url);
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as { items: Record<string, unknown>[] };

test('every pod of the fixtures is equal through the Pods API', (t) => {
  for (const name of [
    'podlist-docker-1.18.json',
    'podlist-init-and-restart.json',
    'podlist-node-1.35.json',
    'podlist-short-lived-succeeded.json',
  ]) {
    const body = fixture(name);
    const result = checkCaptureViaPodsApi(body);
    t.deepEqual(result, { pods: body.items.length, equal: body.items.length, failures: [] }, name);
  }
});

test('a JSON pod Go would never write (running without startedAt) is reported at its field', (t) => {
  const body = fixture('podlist-init-and-restart.json');
  const first = body.items[0] as { status: { containerStatuses: { state: unknown }[] } };
  (first.status.containerStatuses[0] as { state: unknown }).state = { running: {} };
  const result = checkCaptureViaPodsApi(body);
  t.is(result.equal, body.items.length - 1);
  t.is(result.failures.length, 1);
  t.regex(
    result.failures[0] ?? '',
    /^Pods API \S+: containerStatuses\[0\]\.state\.running\.startedAt: got null, want no key$/,
  );
});

test('an item both paths reject counts as equal (no uid; a label the simulator cannot encode)', (t) => {
  const body = fixture('podlist-short-lived-succeeded.json');
  (body.items[0]?.metadata as Record<string, unknown>).uid = '';
  t.deepEqual(checkCaptureViaPodsApi(body), { pods: 1, equal: 1, failures: [] });
  const wrongType = fixture('podlist-short-lived-succeeded.json');
  (wrongType.items[0]?.metadata as Record<string, unknown>).labels = { a: 1 };
  t.deepEqual(checkCaptureViaPodsApi(wrongType), { pods: 1, equal: 1, failures: [] });
});

test('firstDifference names the first differing path and never quotes a string', (t) => {
  t.is(firstDifference({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }), undefined);
  t.is(
    firstDifference({ a: [1, { b: 'secret' }] }, { a: [1, { b: 'other!' }] }),
    'a[1].b: got a string of 6, want a string of 6',
  );
  t.is(firstDifference({ a: null }, {}), 'a: got null, want no key');
  t.is(
    firstDifference(new Map([['K', { v: 1 }]]), new Map([['K', { v: 2 }]]), 'env'),
    'env[K].v: got 1, want 2',
  );
  t.is(
    firstDifference(new Map([['K', 1]]), new Map(), 'env'),
    'env[K]: got an entry, want nothing',
  );
  t.is(firstDifference([1], [1, 2]), '[1]: got no key, want 2');
});
