import { createHash } from 'node:crypto';
import test from 'ava';
import { GROUP_TRACE_ID_PREFIX, groupTraceId } from '../../src/core/groupTraceId.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

// Golden vectors: computed once, independently of this code, with
//   node -e 'const c=require("crypto"); console.log(c.createHash("sha256")
//     .update("kse.group.v1\0"+ns+"\0"+key+"\0"+value).digest("hex").slice(0,32))'
// They pin a compatibility contract (agents of different versions must agree during a rollout):
// a change here means a new version prefix, never new values for "kse.group.v1".
const GOLDEN = [
  [
    'litmus',
    'chaosUID',
    '3e4b8f2a-6c1d-4a9e-b7f0-2d5c8e1a9b46',
    '268c6e9ce3d0d5021e570acce159219c',
  ],
  [
    'default',
    'chaosUID',
    '3e4b8f2a-6c1d-4a9e-b7f0-2d5c8e1a9b46',
    '69c23488ee14337db9aef5a5ad1bb7af',
  ],
  ['argo', 'workflows.argoproj.io/workflow', 'chaos-wf-x7k2q', '9529de731f65636c1ec8f44cf438e6e0'],
  ['litmus', 'chaosUID', 'b', 'ac6874b3d4a81ef11cf834c540931271'],
] as const;

test('golden group trace ids (sha256, version prefix kse.group.v1)', (t) => {
  t.is(GROUP_TRACE_ID_PREFIX, 'kse.group.v1');
  for (const [namespace, key, value, expected] of GOLDEN) {
    t.is(groupTraceId(sha256, namespace, key, value), expected, `${namespace}/${key}=${value}`);
  }
});

test('the namespace, the key and the value each change the trace id', (t) => {
  const base = groupTraceId(sha256, 'litmus', 'chaosUID', 'u1');
  t.not(groupTraceId(sha256, 'litmus2', 'chaosUID', 'u1'), base);
  t.not(groupTraceId(sha256, 'litmus', 'chaosUID2', 'u1'), base);
  t.not(groupTraceId(sha256, 'litmus', 'chaosUID', 'u2'), base);
  // the separators keep the parts apart: ("ab","c") is not ("a","bc")
  t.not(groupTraceId(sha256, 'ab', 'c', 'v'), groupTraceId(sha256, 'a', 'bc', 'v'));
  t.regex(base, /^[0-9a-f]{32}$/);
});

test('all-zero first 16 bytes: the next 16 are used', (t) => {
  const fake = () => `${'0'.repeat(32)}${'ab'.repeat(16)}`;
  t.is(groupTraceId(fake, 'n', 'k', 'v'), 'ab'.repeat(16));
  const upper = () => `${'AB'.repeat(16)}${'cd'.repeat(16)}`;
  t.is(groupTraceId(upper, 'n', 'k', 'v'), 'ab'.repeat(16), 'hex is lowercased');
});

test('a hash shorter than 32 bytes (or not hex) is refused', (t) => {
  t.throws(() => groupTraceId(() => 'ab'.repeat(16), 'n', 'k', 'v'), { message: /64 hex digits/ });
  t.throws(() => groupTraceId(() => 'zz'.repeat(32), 'n', 'k', 'v'), { message: /64 hex digits/ });
});
