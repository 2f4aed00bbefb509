import test from 'ava';
import { KubeletError } from '../../src/kubelet/kubeletError.js';
import { pollFailureKind } from '../../src/sources/pollFailureKind.js';

const networkError = (code: string) => Object.assign(new Error(code), { code });

test('a kubelet that cannot be reached is a connection failure', (t) => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH']) {
    const error = new KubeletError('connection', `cannot reach the kubelet (${code})`, {
      cause: networkError(code),
    });
    t.is(pollFailureKind(error), 'connection', code);
  }
  const connectTimeout = new KubeletError('timeout', 'connecting to the kubelet timed out', {
    cause: networkError('ETIMEDOUT'),
  });
  t.is(pollFailureKind(connectTimeout), 'connection');
});

test('a kubelet that answered, or answered too slowly, is another failure', (t) => {
  const slow = new KubeletError('timeout', 'kubelet request timed out after 10000 ms');
  t.is(pollFailureKind(slow), 'other');
  for (const kind of [
    'http',
    'tls',
    'unauthorized',
    'forbidden',
    'tooLarge',
    'truncated',
  ] as const) {
    t.is(pollFailureKind(new KubeletError(kind, kind)), 'other', kind);
  }
  t.is(pollFailureKind(new SyntaxError('Unexpected token < in JSON')), 'other');
  t.is(pollFailureKind('not even an error'), 'other');
});
