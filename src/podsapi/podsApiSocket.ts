/**
 * Validation of `KUBELET_PODS_API_SOCKET`: the kubelet serves its Pods API on a local unix socket
 * only, so the setting must be `unix:///absolute/path` (stricter than the CRI endpoint: no bare
 * path, no `unix:/path`), as the kubelet documents it.
 */
import { type UnixSocketResult, unixSocketTarget } from '../unixSocketPath.js';

/** The result of {@link parsePodsApiSocket}. */
export type PodsApiSocketResult = UnixSocketResult;

const EXAMPLE = 'unix:///var/lib/kubelet/pods-api/pods-api.sock';

/** Parses `unix:///absolute/path` (surrounding whitespace ignored); the error says what to write. */
export function parsePodsApiSocket(value: string): PodsApiSocketResult {
  const text = value.trim();
  if (!text.startsWith('unix:')) {
    return { ok: false, error: `must be unix:///absolute/path, e.g. ${EXAMPLE}` };
  }
  const rest = text.slice('unix:'.length);
  if (!rest.startsWith('///')) {
    return {
      ok: false,
      error: `must be unix:// followed by an absolute path (three slashes), e.g. ${EXAMPLE}`,
    };
  }
  return unixSocketTarget(rest.slice(2));
}
