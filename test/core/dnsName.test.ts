import test from 'ava';
import { isDnsLabel, isDnsSubdomain } from '../../src/core/dnsName.js';

const label63 = `a${'b'.repeat(61)}c`;

test('DNS labels: lowercase alphanumerics and "-", alphanumeric at both ends, at most 63', (t) => {
  for (const ok of ['a', '0', 'kube-system', 'a-b-c', '0abc9', label63]) t.true(isDnsLabel(ok), ok);
  for (const bad of ['', 'A', 'Kube-System', '-a', 'a-', 'a_b', 'a.b', 'ä', `${label63}d`, ' a']) {
    t.false(isDnsLabel(bad), JSON.stringify(bad));
  }
});

test('DNS subdomains: labels joined by ".", at most 253 in all, as Kubernetes node names', (t) => {
  for (const ok of ['worker-1', 'ip-10-0-0-5.ec2.internal', 'a.b.c', label63, `${label63}.x`]) {
    t.true(isDnsSubdomain(ok), ok);
  }
  for (const bad of ['', 'Node_1', '.a', 'a.', 'a..b', '-a.b', 'a-.b', 'a/b', 'node 1']) {
    t.false(isDnsSubdomain(bad), JSON.stringify(bad));
  }
  const exactly253 = [label63, label63, label63, 'a'.repeat(61)].join('.');
  t.is(exactly253.length, 253);
  t.true(isDnsSubdomain(exactly253));
  t.false(isDnsSubdomain(`${exactly253}a`), 'longer than 253');
  // as apimachinery's IsDNS1123Subdomain: one label may be longer than 63 inside a subdomain
  t.true(isDnsSubdomain(`${label63}dd.x`));
});
