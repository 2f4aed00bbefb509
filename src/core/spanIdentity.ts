import type { HashFn } from './spanData.js';

/** What a span stands for within its pod; part of its identity. */
export type SpanRole = 'pod' | 'phase' | 'init-container' | 'container';

/**
 * The stable identity of a span: `traceId/podUid/role/name/run`. The same observation of the
 * same pod always yields the same key, across polls and agent restarts.
 */
export function spanKey(
  traceId: string,
  podUid: string,
  role: SpanRole,
  name = '',
  run = '',
): string {
  return `${traceId}/${podUid}/${role}/${name}/${run}`;
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

/** The parts of a span key (see {@link spanKey}); `undefined` for anything else. */
export function parseSpanKey(
  key: string,
): { traceId: string; podUid: string; role: SpanRole; name: string; run: string } | undefined {
  const parts: string[] = [];
  let rest = key;
  for (let i = 0; i < 4; i++) {
    const slash = rest.indexOf('/');
    if (slash < 0) return undefined;
    parts.push(rest.slice(0, slash));
    rest = rest.slice(slash + 1);
  }
  const [traceId, podUid, role, name] = parts as [string, string, string, string];
  if (role !== 'pod' && role !== 'phase' && role !== 'init-container' && role !== 'container') {
    return undefined;
  }
  return { traceId, podUid, role, name, run: rest };
}
