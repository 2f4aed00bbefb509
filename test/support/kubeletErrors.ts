/** Asserting the `KubeletError`s of the kubelet client's tests. */
import type { ExecutionContext } from 'ava';
import { KubeletError, type KubeletErrorKind } from '../../src/kubelet/kubeletError.js';

/**
 * Asserts that `promise` rejects with a KubeletError of `kind`, and that none of `secrets`
 * appears in its message, hint, cause or stack. Returns the error.
 */
export async function expectKubeletError(
  t: ExecutionContext,
  promise: Promise<unknown>,
  kind: KubeletErrorKind,
  secrets: Iterable<string> = [],
): Promise<KubeletError> {
  const error = await t.throwsAsync(promise, { instanceOf: KubeletError });
  if (error === undefined) throw new Error('unreachable: throwsAsync failed the test');
  t.is(error.kind, kind, error.message);
  for (const secret of secrets) {
    t.false(error.message.includes(secret), 'secret in message');
    t.false((error.hint ?? '').includes(secret), 'secret in hint');
    t.false(String(error.cause ?? '').includes(secret), 'secret in cause');
    t.false((error.stack ?? '').includes(secret), 'secret in stack');
  }
  return error;
}
