import test from 'ava';
import type { KubeletPod } from '../../src/core/kubeletPod.js';
import { matchesAny, parsePodSelector, podSelectorText } from '../../src/core/podSelector.js';
import { selectPods } from '../../src/core/selectPods.js';

function alternatives(text: string) {
  const parsed = parsePodSelector(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.alternatives;
}

test('one alternative is a plain label selector', (t) => {
  const alts = alternatives('app=web, tier in (a,b),!canary');
  t.is(alts.length, 1);
  t.is(alts[0]?.text, 'app=web, tier in (a,b),!canary');
  t.is(alts[0]?.requirements.length, 3);
});

test('alternatives are separated by ";", whitespace around them ignored, text kept', (t) => {
  const alts = alternatives('  chaosUID ;\tworkflows.argoproj.io/workflow\n; app in (x, y) ');
  t.deepEqual(
    alts.map((a) => a.text),
    ['chaosUID', 'workflows.argoproj.io/workflow', 'app in (x, y)'],
  );
  t.is(podSelectorText(alts), 'chaosUID; workflows.argoproj.io/workflow; app in (x, y)');
});

test('an empty alternative is an error naming its position', (t) => {
  for (const [text, position] of [
    [';chaosUID', 'alternative 1 of 2'],
    ['chaosUID;', 'alternative 2 of 2'],
    ['a; ;b', 'alternative 2 of 3'],
    ['a;;b', 'alternative 2 of 3'],
    [';', 'alternative 1 of 2'],
  ] as const) {
    const parsed = parsePodSelector(text);
    t.false(parsed.ok, text);
    if (!parsed.ok) t.true(parsed.error.startsWith(`${position} is empty`), parsed.error);
  }
});

test('a syntax error in one alternative names the alternative and the parser message', (t) => {
  const parsed = parsePodSelector('chaosUID; env in dev');
  t.false(parsed.ok);
  if (!parsed.ok) {
    t.is(
      parsed.error,
      'alternative 2: expected "(" after "in", found "dev" at position 8 in "env in dev"',
    );
  }
  // ";" cannot appear inside a value set: it always separates alternatives
  t.false(parsePodSelector('tier in (a;b)').ok);
  const single = parsePodSelector('env in dev');
  if (!single.ok) t.false(single.error.startsWith('alternative'), 'one alternative: no prefix');
});

test('matchesAny: a pod matching any alternative is selected', (t) => {
  const alts = alternatives('chaosUID; workflows.argoproj.io/workflow; app=web,!canary');
  t.true(matchesAny(alts, { chaosUID: 'u1' }));
  t.true(matchesAny(alts, { 'workflows.argoproj.io/workflow': 'wf-1' }));
  t.true(matchesAny(alts, { app: 'web' }));
  t.false(matchesAny(alts, { app: 'web', canary: 'true' }));
  t.false(matchesAny(alts, { app: 'db' }));
  t.false(matchesAny([], { chaosUID: 'u1' }), 'no alternative matches nothing');
});

const pod = (name: string, labels: Record<string, string>, namespace = 'litmus'): KubeletPod => ({
  uid: `uid-${name}`,
  name,
  namespace,
  labels,
  annotations: {},
  initContainers: [],
  containers: [],
  conditions: [],
  initContainerStatuses: [],
  containerStatuses: [],
});

test('selectPods: a pod matched by two alternatives is selected once, list order kept', (t) => {
  const alts = alternatives('chaosUID; workflows.argoproj.io/workflow');
  const pods = [
    pod('both', { chaosUID: 'u1', 'workflows.argoproj.io/workflow': 'wf' }),
    pod('other', { app: 'x' }),
    pod('argo', { 'workflows.argoproj.io/workflow': 'wf' }),
    pod('litmus', { chaosUID: 'u1' }),
    pod('elsewhere', { chaosUID: 'u1' }, 'default'),
  ];
  t.deepEqual(
    selectPods(pods, alts, undefined).map((p) => p.name),
    ['both', 'argo', 'litmus', 'elsewhere'],
  );
  t.deepEqual(
    selectPods(pods, alts, ['litmus']).map((p) => p.name),
    ['both', 'argo', 'litmus'],
  );
});
