/**
 * Validation of `KUBELET_PODS_API_SOCKET`: the kubelet serves its Pods API on a local unix socket
 * only, so the setting must be `unix:///absolute/path` (stricter than the CRI endpoint: no bare
 * path, no `unix:/path`), as the kubelet documents it.
 */
import { posix } from 'node:path';

/** The result of {@link parsePodsApiSocket}. */
export type PodsApiSocketResult =
  | {
      readonly ok: true;
      /** grpc-js target, `unix:///<absolute path>`. */
      readonly target: string;
      /** Absolute path of the socket. */
      readonly socketPath: string;
    }
  | { readonly ok: false; readonly error: string };

/** Linux `sun_path` holds 108 bytes, one of them the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

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
  const path = rest.slice(2);
  if (path.includes('\0') || path.includes('?') || path.includes('#')) {
    return { ok: false, error: 'the socket path must not contain NUL, ? or #' };
  }
  const socketPath = posix.normalize(path);
  if (socketPath === '/' || socketPath.endsWith('/')) {
    return { ok: false, error: 'names a directory, not a socket file' };
  }
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    return {
      ok: false,
      error: `socket path longer than ${MAX_SOCKET_PATH_BYTES} bytes, the limit of unix sockets`,
    };
  }
  return { ok: true, target: `unix://${socketPath}`, socketPath };
}
