/** Owns span identity: the key derived from a span's subject, and the span id hashed from it. */
import type { HashFn, SpanSubject } from './spanData.js';

/**
 * The stable identity of a span: `traceId/podUid/role/name/run`. The same observation of the
 * same pod always yields the same key, across polls and agent restarts.
 */
export function spanKey(traceId: string, subject: SpanSubject): string {
  return `${traceId}/${subject.podUid}/${subject.role}/${subject.name}/${subject.run}`;
}

const ZERO_SPAN_ID = '0000000000000000';

/**
 * A W3C span id (16 lowercase hex digits, never all zero) derived from a span key with the
 * given hash. Uses the first 64 bits of the digest that are not all zero.
 */
export function spanIdFromKey(hash: HashFn, key: string): string {
  const digest = hash(key).toLowerCase();
  for (let i = 0; i + 16 <= digest.length; i += 16) {
    const candidate = digest.slice(i, i + 16);
    if (candidate !== ZERO_SPAN_ID && /^[0-9a-f]{16}$/.test(candidate)) return candidate;
  }
  throw new Error('hash function returned no usable 64-bit span id (need >= 16 hex digits)');
}
