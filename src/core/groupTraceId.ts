/**
 * Owns the derivation of a run's group trace id from its group label (a compatibility contract
 * between agent versions).
 */
import type { HashFn } from './spanData.js';

/** Version prefix of the derivation; changing the derivation means a new prefix. */
export const GROUP_TRACE_ID_PREFIX = 'kse.group.v1';

const ZERO_TRACE_ID = '0'.repeat(32);

/**
 * The trace id of a run, derived from the run's group label (`chaosUID=<engine uid>`) in its
 * namespace: the first 16 bytes of `sha256("kse.group.v1\0" + namespace + "\0" + key + "\0" +
 * value)`, or the next 16 when those are all zero. A compatibility contract: agents of different
 * versions must agree (golden vectors in the tests pin it). The namespace is part of the input so
 * that a pod elsewhere cannot join a run by copying its label.
 *
 * @param hash a hex digest of at least 32 bytes (sha256 in the agent); throws otherwise.
 */
export function groupTraceId(hash: HashFn, namespace: string, key: string, value: string): string {
  const digest = hash(`${GROUP_TRACE_ID_PREFIX}\0${namespace}\0${key}\0${value}`).toLowerCase();
  if (!/^[0-9a-f]{64,}$/.test(digest)) {
    throw new Error(
      'group trace id: the hash function must return at least 64 hex digits (sha256)',
    );
  }
  const first = digest.slice(0, 32);
  return first !== ZERO_TRACE_ID ? first : digest.slice(32, 64);
}
