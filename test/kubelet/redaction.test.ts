import test from 'ava';
import { KubeletError } from '../../src/kubelet/kubeletError.js';
import { describe, errorCode, excerpt, Redactor } from '../../src/kubelet/redaction.js';

test('excerpt cuts secrets before shortening, strips control characters and bearer tokens', (t) => {
  const secret = 'abcdefghij'.repeat(30);
  const text = `token ${secret}\u0000\n\tand Authorization: Bearer xyz.123 end`;
  t.is(
    excerpt(text, [secret, undefined, '']),
    'token [REDACTED] and Authorization: Bearer [REDACTED] end',
  );
  const long = excerpt('x'.repeat(250));
  t.is(long.length, 201);
  t.true(long.endsWith('…'));
});

test('errorCode and describe name the code once', (t) => {
  const refused = Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' });
  t.is(errorCode(refused), 'ECONNREFUSED');
  t.is(errorCode({ code: 7 }), undefined);
  t.is(describe(refused), 'ECONNREFUSED: connect failed');
  t.is(
    describe(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })),
    'ENOENT: no such file',
  );
  t.is(describe('plain'), 'plain');
});

test('a redactor remembers the last four secrets and keeps them out of errors', (t) => {
  const r = new Redactor();
  for (const s of ['s1-secret', 's2-secret', 's3-secret', 's4-secret', 's5-secret']) r.remember(s);
  t.is(r.redact('s1-secret s5-secret'), 's1-secret [REDACTED]');
  const error = new KubeletError('http', 'kubelet answered HTTP 500: s4-secret', {
    statusCode: 500,
    hint: 'h',
  });
  const clean = r.sanitised(error);
  t.is(clean.message, 'kubelet answered HTTP 500: [REDACTED]');
  t.is(clean.kind, 'http');
  t.is(clean.statusCode, 500);
  t.is(clean.hint, 'h');
  const untouched = new KubeletError('timeout', 'slow');
  t.is(r.sanitised(untouched), untouched);
});
