import { KubeletError } from '../kubelet/kubeletError.js';
import type { PollFailureKind } from './pollLoop.js';

/**
 * What a failed kubelet poll means for the poll loop's back-off: `connection` when the kubelet
 * could not be reached (refused, reset, unreachable, connecting timed out), which a restarting
 * kubelet causes and which is retried within seconds; `other` for everything else (HTTP errors,
 * TLS, credentials, a response too slow, too large, truncated or not a pod list).
 */
export function pollFailureKind(error: unknown): PollFailureKind {
  if (!(error instanceof KubeletError)) return 'other';
  if (error.kind === 'connection') return 'connection';
  if (error.kind === 'timeout' && errorCode(error.cause) === 'ETIMEDOUT') return 'connection';
  return 'other';
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
