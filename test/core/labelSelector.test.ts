import test from 'ava';
import fc from 'fast-check';
import {
  type LabelSelector,
  matchesLabels,
  parseLabelSelector,
  type Requirement,
  requiredKeys,
} from '../../src/core/labelSelector.js';

function parse(text: string): LabelSelector {
  const result = parseLabelSelector(text);
  if (!result.ok) {
    throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${result.error}`);
  }
  return result.selector;
}

function parseError(text: string): string {
  const result = parseLabelSelector(text);
  if (result.ok) {
    throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
  }
  return result.error;
}

function matches(text: string, labels: Record<string, string>): boolean {
  return matchesLabels(parse(text), labels);
}

const litmusHelper = {
  chaosUID: '9f3c1c2e-7a55-4a8b-b1b4-3e0f5c1d2a10',
  'app.kubernetes.io/part-of': 'litmus',
  'app.kubernetes.io/component': 'experiment-job',
  app: 'pod-delete-helper-abc123',
};

// --- parsing: every operator ---

test('the default selector "chaosUID" is an exists requirement', (t) => {
  const selector = parse('chaosUID');
  t.deepEqual(selector.requirements, [{ key: 'chaosUID', operator: 'exists', values: [] }]);
  t.is(selector.text, 'chaosUID');
  t.true(matchesLabels(selector, litmusHelper));
  t.true(matchesLabels(selector, { chaosUID: '' }));
  t.false(matchesLabels(selector, { app: 'web' }));
  t.false(matchesLabels(selector, {}));
});

test('"=" and "==" are both equality', (t) => {
  for (const text of ['env=prod', 'env==prod', ' env = prod ', 'env ==prod']) {
    t.deepEqual(parse(text).requirements, [{ key: 'env', operator: 'equals', values: ['prod'] }]);
  }
  t.true(matches('env=prod', { env: 'prod', other: 'x' }));
  t.false(matches('env=prod', { env: 'dev' }));
  t.false(matches('env=prod', {}));
  t.false(matches('env=prod', { ENV: 'prod' }), 'keys are case-sensitive');
  t.false(matches('env=prod', { env: 'Prod' }), 'values are case-sensitive');
});

test('"!=" matches other values and an absent key', (t) => {
  t.deepEqual(parse('env!=prod').requirements, [
    { key: 'env', operator: 'notEquals', values: ['prod'] },
  ]);
  t.false(matches('env!=prod', { env: 'prod' }));
  t.true(matches('env!=prod', { env: 'dev' }));
  t.true(matches('env!=prod', {}));
});

test('"in" matches a present key whose value is in the set', (t) => {
  t.deepEqual(parse('env in (prod, dev)').requirements, [
    { key: 'env', operator: 'in', values: ['dev', 'prod'] },
  ]);
  t.true(matches('env in (prod,dev)', { env: 'dev' }));
  t.true(matches('env in (prod,dev)', { env: 'prod' }));
  t.false(matches('env in (prod,dev)', { env: 'qa' }));
  t.false(matches('env in (prod,dev)', {}));
});

test('"notin" matches values outside the set and an absent key', (t) => {
  t.deepEqual(parse('env notin (prod)').requirements, [
    { key: 'env', operator: 'notIn', values: ['prod'] },
  ]);
  t.false(matches('env notin (prod,dev)', { env: 'dev' }));
  t.true(matches('env notin (prod,dev)', { env: 'qa' }));
  t.true(matches('env notin (prod,dev)', {}));
});

test('"!key" matches only when the key is absent', (t) => {
  t.deepEqual(parse('!canary').requirements, [
    { key: 'canary', operator: 'doesNotExist', values: [] },
  ]);
  t.deepEqual(parse(' ! canary ').requirements, [
    { key: 'canary', operator: 'doesNotExist', values: [] },
  ]);
  t.true(matches('!canary', { app: 'x' }));
  t.false(matches('!canary', { canary: '' }));
  t.false(matches('!canary', { canary: 'true' }));
});

test('empty and whitespace-only selectors match everything', (t) => {
  for (const text of ['', '   ', '\t\n']) {
    const selector = parse(text);
    t.deepEqual(selector.requirements, []);
    t.true(matchesLabels(selector, {}));
    t.true(matchesLabels(selector, litmusHelper));
  }
});

test('requirements are ANDed and keep their written order', (t) => {
  const selector = parse('chaosUID,app.kubernetes.io/part-of=litmus,!skip,tier notin (db)');
  t.deepEqual(selector.requirements, [
    { key: 'chaosUID', operator: 'exists', values: [] },
    { key: 'app.kubernetes.io/part-of', operator: 'equals', values: ['litmus'] },
    { key: 'skip', operator: 'doesNotExist', values: [] },
    { key: 'tier', operator: 'notIn', values: ['db'] },
  ]);
  t.true(matchesLabels(selector, litmusHelper));
  t.false(matchesLabels(selector, { ...litmusHelper, skip: 'yes' }));
  t.false(matchesLabels(selector, { ...litmusHelper, tier: 'db' }));
  t.false(matchesLabels(selector, { chaosUID: 'x' }), 'part-of missing');
});

test('two requirements on the same key must both hold', (t) => {
  t.false(matches('env=prod,env=dev', { env: 'prod' }));
  t.true(matches('env in (a,b),env!=a', { env: 'b' }));
  t.false(matches('env in (a,b),env!=a', { env: 'a' }));
});

test('whitespace (space, tab, CR, LF) is allowed around every token', (t) => {
  const selector = parse(
    '\t a = b ,\n c!=d , e\rin\t( x ,y ) , f notin(z),g==h,i in(j),  !k  ,\tl  ',
  );
  t.deepEqual(selector.requirements, [
    { key: 'a', operator: 'equals', values: ['b'] },
    { key: 'c', operator: 'notEquals', values: ['d'] },
    { key: 'e', operator: 'in', values: ['x', 'y'] },
    { key: 'f', operator: 'notIn', values: ['z'] },
    { key: 'g', operator: 'equals', values: ['h'] },
    { key: 'i', operator: 'in', values: ['j'] },
    { key: 'k', operator: 'doesNotExist', values: [] },
    { key: 'l', operator: 'exists', values: [] },
  ]);
});

test('the Litmus labels from the notes select the expected pods', (t) => {
  const probePod = { name: 'pod-delete-probe-x1', chaosUID: 'u' };
  const runnerPod = {
    app: 'engine',
    chaosUID: 'u',
    'app.kubernetes.io/component': 'chaos-runner',
    'app.kubernetes.io/part-of': 'litmus',
  };
  t.true(matches('chaosUID', probePod));
  t.false(matches('app.kubernetes.io/part-of=litmus', probePod));
  t.true(matches('app.kubernetes.io/part-of=litmus', runnerPod));
  t.true(matches('chaosUID,app.kubernetes.io/component in (chaos-runner)', runnerPod));
  t.false(matches('chaosUID,app.kubernetes.io/component in (chaos-runner)', litmusHelper));
});

// --- keys and values ---

test('prefixed keys and the full name/value character set are accepted', (t) => {
  t.deepEqual(parse('app.kubernetes.io/part-of=litmus').requirements, [
    { key: 'app.kubernetes.io/part-of', operator: 'equals', values: ['litmus'] },
  ]);
  const key = `${'a'.repeat(63)}.example-1.com/A_b.c-D9`;
  t.is(parse(`${key}=v`).requirements[0]?.key, key);
  t.is(parse(`k=${'Z'.repeat(63)}`).requirements[0]?.values[0], 'Z'.repeat(63));
  t.is(parse('k=a-b_c.d').requirements[0]?.values[0], 'a-b_c.d');
  t.is(parse(`${'p'.repeat(253)}/n`).requirements[0]?.key.length, 255);
  t.is(parse(`${'n'.repeat(63)}`).requirements[0]?.key.length, 63);
});

test('"in" and "notin" are keywords only where an operator is expected', (t) => {
  t.deepEqual(parse('in=notin').requirements, [
    { key: 'in', operator: 'equals', values: ['notin'] },
  ]);
  t.deepEqual(parse('in in (in)').requirements, [{ key: 'in', operator: 'in', values: ['in'] }]);
  t.deepEqual(parse('notin').requirements, [{ key: 'notin', operator: 'exists', values: [] }]);
  t.deepEqual(parse('!in').requirements, [{ key: 'in', operator: 'doesNotExist', values: [] }]);
});

test('empty values: "k=", "k!=", "k in ()" and empty list items mean the empty value', (t) => {
  t.deepEqual(parse('k=').requirements, [{ key: 'k', operator: 'equals', values: [''] }]);
  t.deepEqual(parse('k==,j').requirements, [
    { key: 'k', operator: 'equals', values: [''] },
    { key: 'j', operator: 'exists', values: [] },
  ]);
  t.deepEqual(parse('k!=').requirements, [{ key: 'k', operator: 'notEquals', values: [''] }]);
  t.deepEqual(parse('k in ()').requirements, [{ key: 'k', operator: 'in', values: [''] }]);
  t.deepEqual(parse('k notin ( )').requirements, [{ key: 'k', operator: 'notIn', values: [''] }]);
  t.deepEqual(parse('k in (,)').requirements[0]?.values, ['']);
  t.deepEqual(parse('k in (a,)').requirements[0]?.values, ['', 'a']);
  t.deepEqual(parse('k in (,a)').requirements[0]?.values, ['', 'a']);
  t.deepEqual(parse('k in (a,,b)').requirements[0]?.values, ['', 'a', 'b']);
  t.deepEqual(parse('k in (,,a)').requirements[0]?.values, ['', 'a']);
  t.true(matches('k=', { k: '' }));
  t.false(matches('k=', { k: 'x' }));
  t.false(matches('k=', {}));
  t.true(matches('k in ()', { k: '' }));
  t.false(matches('k in ()', { k: 'x' }));
  t.true(matches('k notin ()', { k: 'x' }));
  t.true(matches('k notin ()', {}));
  t.false(matches('k notin ()', { k: '' }));
});

test('set values are de-duplicated and sorted', (t) => {
  t.deepEqual(parse('k in (c,a,b,a,c)').requirements[0]?.values, ['a', 'b', 'c']);
});

test('matching ignores inherited object properties', (t) => {
  t.false(matches('constructor', {}));
  t.true(matches('!toString', {}));
  t.true(matches('hasOwnProperty!=x', {}));
  t.false(matches('valueOf=x', {}));
});

// --- errors ---

const malformed: ReadonlyArray<readonly [string, string]> = [
  ['env in dev', 'expected "(" after "in", found "dev" at position 8 in "env in dev"'],
  ['env in', 'expected "(" after "in", found end of selector in "env in"'],
  ['env notin', 'expected "(" after "notin", found end of selector in "env notin"'],
  [
    'env in (a',
    'expected "," or ")" after a value in the list, found end of selector in "env in (a"',
  ],
  [
    'env in (a b)',
    'expected "," or ")" after a value in the list, found "b" at position 11 in "env in (a b)"',
  ],
  ['env in (=)', 'expected a value, "," or ")" after "(", found "=" at position 9 in "env in (=)"'],
  [
    'env in (a,=)',
    'expected a value or "," in the list, found "=" at position 11 in "env in (a,=)"',
  ],
  [
    'env in (a,,)',
    'expected a value or "," in the list, found ")" at position 12 in "env in (a,,)"',
  ],
  [
    'env in (a))',
    'expected "," or end of selector after a requirement, found ")" at position 11 in "env in (a))"',
  ],
  [',', 'expected a label key or "!", found "," at position 1 in ","'],
  ['=x', 'expected a label key or "!", found "=" at position 1 in "=x"'],
  ['a,', 'expected a label key or "!" after ",", found end of selector in "a,"'],
  ['a,,b', 'expected a label key or "!" after ",", found "," at position 3 in "a,,b"'],
  [' , a', 'expected a label key or "!", found "," at position 2 in " , a"'],
  [
    'a b',
    'expected an operator (=, ==, !=, in, notin), "," or end of selector after key "a", found "b" at position 3 in "a b"',
  ],
  [
    'a (x)',
    'expected an operator (=, ==, !=, in, notin), "," or end of selector after key "a", found "(" at position 3 in "a (x)"',
  ],
  [
    'a=b=c',
    'expected "," or end of selector after a requirement, found "=" at position 4 in "a=b=c"',
  ],
  [
    'a=b c',
    'expected "," or end of selector after a requirement, found "c" at position 5 in "a=b c"',
  ],
  ['a=(b)', 'expected a value after "=", found "(" at position 3 in "a=(b)"'],
  ['a!=!b', 'expected a value after "!=", found "!" at position 4 in "a!=!b"'],
  ['a===b', 'expected a value after "==", found "=" at position 4 in "a===b"'],
  ['!', 'expected a label key after "!", found end of selector in "!"'],
  ['!!a', 'expected a label key after "!", found "!" at position 2 in "!!a"'],
  [
    '!a=b',
    '"!a" takes no operator or value; expected "," or end of selector, found "=" at position 3 in "!a=b"',
  ],
  [
    '!a in (b)',
    '"!a" takes no operator or value; expected "," or end of selector, found "in" at position 4 in "!a in (b)"',
  ],
  [
    'a>1',
    'operator ">" is not supported; use =, ==, !=, in, notin, a bare key or "!key", found ">" at position 2 in "a>1"',
  ],
  [
    'a<1',
    'operator "<" is not supported; use =, ==, !=, in, notin, a bare key or "!key", found "<" at position 2 in "a<1"',
  ],
  [
    'Foo.Example/a',
    'invalid label key "Foo.Example/a": prefix must be a lowercase DNS subdomain (a-z, 0-9, "-", ".", starting and ending with a-z or 0-9), found "Foo.Example/a" at position 1 in "Foo.Example/a"',
  ],
  [
    '/a',
    'invalid label key "/a": prefix before "/" must not be empty, found "/a" at position 1 in "/a"',
  ],
  ['x/=1', 'invalid label key "x/": name must not be empty, found "x/" at position 1 in "x/=1"'],
  [
    'a/b/c',
    'invalid label key "a/b/c": a key is an optional DNS subdomain prefix and "/" followed by a name, with at most one "/", found "a/b/c" at position 1 in "a/b/c"',
  ],
  [
    '-a',
    'invalid label key "-a": name must consist of A-Z, a-z, 0-9, "-", "_", "." and start and end with a letter or digit, found "-a" at position 1 in "-a"',
  ],
  [
    'a in (b), x_',
    'invalid label key "x_": name must consist of A-Z, a-z, 0-9, "-", "_", "." and start and end with a letter or digit, found "x_" at position 11 in "a in (b), x_"',
  ],
  [
    'k=a.',
    'invalid label value "a.": must consist of A-Z, a-z, 0-9, "-", "_", "." and start and end with a letter or digit, found "a." at position 3 in "k=a."',
  ],
  [
    'k in (ok,b@d)',
    'invalid label value "b@d": must consist of A-Z, a-z, 0-9, "-", "_", "." and start and end with a letter or digit, found "b@d" at position 10 in "k in (ok,b@d)"',
  ],
  [
    'k="v"',
    'invalid label value "\\"v\\"": must consist of A-Z, a-z, 0-9, "-", "_", "." and start and end with a letter or digit, found "\\"v\\"" at position 3 in "k=\\"v\\""',
  ],
];

for (const [text, error] of malformed) {
  test(`rejects ${JSON.stringify(text)} with a precise message`, (t) => {
    t.is(parseError(text), error);
  });
}

test('length limits on key name, prefix and value', (t) => {
  t.regex(
    parseError(`${'n'.repeat(64)}`),
    /name must be at most 63 characters, found "n{64}" at position 1/,
  );
  t.regex(parseError(`${'p'.repeat(254)}/n`), /prefix must be at most 253 characters/);
  t.regex(
    parseError(`k=${'v'.repeat(64)}`),
    /invalid label value "v{64}": must be at most 63 characters, found .* at position 3/,
  );
  t.regex(parseError(`k notin (${'v'.repeat(64)})`), /must be at most 63 characters/);
});

test('non-ASCII characters are not part of a valid key or value', (t) => {
  t.regex(parseError('kéy'), /^invalid label key "kéy": name must consist/);
  t.regex(parseError('k=vàl'), /^invalid label value "vàl"/);
});

// --- properties ---

const nameChars = 'abcxyzABZ019-_.';
const alnum = fc.constantFrom(...'abcxyzABZ019');
const labelName = fc
  .tuple(alnum, fc.string({ unit: fc.constantFrom(...nameChars), maxLength: 8 }), alnum)
  .map(([first, middle, last]) => first + middle + last)
  .chain((long) => fc.constantFrom(long, long.charAt(0)));
const dnsLabel = fc
  .tuple(
    fc.constantFrom(...'abz09'),
    fc.string({ unit: fc.constantFrom(...'abz09-'), maxLength: 5 }),
    fc.constantFrom(...'abz09'),
  )
  .map(([first, middle, last]) => first + middle + last);
const labelKey = fc.oneof(
  labelName,
  fc
    .tuple(fc.array(dnsLabel, { minLength: 1, maxLength: 3 }), labelName)
    .map(([labels, name]) => `${labels.join('.')}/${name}`),
);
const labelValue = fc.oneof(fc.constant(''), labelName);

const requirementArb: fc.Arbitrary<Requirement> = fc.oneof(
  labelKey.map((key) => ({ key, operator: 'exists' as const, values: [] })),
  labelKey.map((key) => ({ key, operator: 'doesNotExist' as const, values: [] })),
  fc.tuple(labelKey, labelValue).map(([key, value]) => ({
    key,
    operator: 'equals' as const,
    values: [value],
  })),
  fc.tuple(labelKey, labelValue).map(([key, value]) => ({
    key,
    operator: 'notEquals' as const,
    values: [value],
  })),
  fc
    .tuple(
      labelKey,
      fc.constantFrom('in' as const, 'notIn' as const),
      fc.uniqueArray(labelName, { minLength: 1, maxLength: 4 }),
    )
    .map(([key, operator, values]) => ({ key, operator, values: [...values].sort() })),
);

const space = fc.constantFrom('', ' ', '  ', '\t');

function printRequirement(requirement: Requirement, pad: string, equals: string): string {
  const values = requirement.values.join(`${pad},${pad}`);
  switch (requirement.operator) {
    case 'exists':
      return requirement.key;
    case 'doesNotExist':
      return `!${pad}${requirement.key}`;
    case 'equals':
      return `${requirement.key}${pad}${equals}${pad}${requirement.values[0] ?? ''}`;
    case 'notEquals':
      return `${requirement.key}${pad}!=${pad}${requirement.values[0] ?? ''}`;
    case 'in':
      return `${requirement.key} in${pad}(${pad}${values}${pad})`;
    case 'notIn':
      return `${requirement.key} notin${pad}(${pad}${values}${pad})`;
  }
}

test('property: a printed selector parses back to the same requirements', (t) => {
  fc.assert(
    fc.property(
      fc.array(requirementArb, { maxLength: 6 }),
      space,
      fc.constantFrom('=', '=='),
      (requirements, pad, equals) => {
        const text = requirements
          .map((requirement) => printRequirement(requirement, pad, equals))
          .join(`${pad},${pad}`);
        const result = parseLabelSelector(`${pad}${text}${pad}`);
        return (
          result.ok && JSON.stringify(result.selector.requirements) === JSON.stringify(requirements)
        );
      },
    ),
  );
  t.pass();
});

test('property: "key=value" matches exactly the label sets holding that pair', (t) => {
  fc.assert(
    fc.property(
      labelKey,
      labelName,
      fc.dictionary(labelKey, labelValue, { maxKeys: 5 }),
      fc.boolean(),
      (key, value, others, include) => {
        const labels: Record<string, string> = { ...others };
        if (include) {
          labels[key] = value;
        }
        const selector = parse(`${key}=${value}`);
        const inverse = parse(`${key}!=${value}`);
        const expected = Object.hasOwn(labels, key) && labels[key] === value;
        return (
          matchesLabels(selector, labels) === expected &&
          matchesLabels(inverse, labels) === !expected
        );
      },
    ),
  );
  t.pass();
});

test('property: "in" agrees with membership and "notin" is its complement', (t) => {
  fc.assert(
    fc.property(
      labelKey,
      fc.uniqueArray(labelName, { minLength: 1, maxLength: 4 }),
      fc.option(labelValue, { nil: undefined }),
      (key, values, actual) => {
        const labels: Record<string, string> = actual === undefined ? {} : { [key]: actual };
        const inSelector = parse(`${key} in (${values.join(',')})`);
        const notInSelector = parse(`${key} notin (${values.join(',')})`);
        const expected = actual !== undefined && values.includes(actual);
        return (
          matchesLabels(inSelector, labels) === expected &&
          matchesLabels(notInSelector, labels) === !expected
        );
      },
    ),
  );
  t.pass();
});

test('property: parsing never throws on arbitrary input', (t) => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom(...'ab =!(),<>/.-_é\t'), maxLength: 30 }),
      (text) => {
        const result = parseLabelSelector(text);
        return result.ok
          ? result.selector.text === text
          : result.error.endsWith(`${JSON.stringify(text)}`);
      },
    ),
  );
  t.pass();
});

// --- requiredKeys ---

test('requiredKeys: the keys of "=", "==", "in" and bare-key terms, once each, in written order', (t) => {
  t.deepEqual(requiredKeys(parse('chaosUID')), ['chaosUID']);
  t.deepEqual(requiredKeys(parse('b=1,a==2,example.com/c in (x),d,b,e=')), [
    'b',
    'a',
    'example.com/c',
    'd',
    'e',
  ]);
  t.deepEqual(
    requiredKeys(parse('a in ()')),
    ['a'],
    '"in ()" is the set {""}: the key must be there',
  );
});

test('requiredKeys: "!=", "notin" and "!key" require nothing; nor does the empty selector', (t) => {
  t.deepEqual(requiredKeys(parse('a!=1,b notin (x),!c')), []);
  t.deepEqual(requiredKeys(parse('')), []);
  t.deepEqual(requiredKeys(parse('a!=1,b')), ['b']);
});

test('property: a pod whose labels lack a required key is never matched', (t) => {
  const requirementText = fc.oneof(
    labelKey,
    labelKey.map((k) => `!${k}`),
    fc.tuple(labelKey, fc.constantFrom('=', '==', '!='), labelValue).map((p) => p.join('')),
    fc
      .tuple(labelKey, fc.constantFrom('in', 'notin'), fc.array(labelName, { maxLength: 3 }))
      .map(([k, op, vs]) => `${k} ${op} (${vs.join(',')})`),
  );
  let matched = 0;
  fc.assert(
    fc.property(
      fc.array(requirementText, { minLength: 1, maxLength: 5 }),
      fc.infiniteStream(fc.nat()),
      (terms, choices) => {
        const selector = parse(terms.join(','));
        // labels drawn from the selector itself, so that many pods match: each key present or
        // not, with one of the values the selector names (or another)
        const labels: Record<string, string> = {};
        const next = choices[Symbol.iterator]();
        for (const { key, values } of selector.requirements) {
          const n = next.next().value ?? 0;
          if (n % 3 === 0) continue;
          labels[key] = values[n % (values.length + 1)] ?? 'other';
        }
        if (!matchesLabels(selector, labels)) return true;
        matched++;
        return requiredKeys(selector).every((key) => Object.hasOwn(labels, key));
      },
    ),
    { seed: 7, numRuns: 2000 },
  );
  t.true(matched > 200, `${matched} matching pods`);
});
