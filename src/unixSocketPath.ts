/**
 * The checks every unix-socket setting shares (`CRI_ENDPOINT`, `KUBELET_PODS_API_SOCKET`): an
 * absolute path with no NUL, query or fragment, naming a file, short enough for a unix socket;
 * and its grpc-js target.
 */
import { posix } from 'node:path';

/** Linux `sun_path` holds 108 bytes, one of them the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

export type UnixSocketResult =
  | {
      readonly ok: true;
      /** grpc-js target, `unix:///<absolute path>`. */
      readonly target: string;
      /** Absolute path of the socket. */
      readonly socketPath: string;
    }
  | { readonly ok: false; readonly error: string };

/** Checks an absolute socket path and gives its grpc-js target; the error says what is wrong. */
export function unixSocketTarget(path: string): UnixSocketResult {
  if (path.includes('\0')) return { ok: false, error: 'the socket path contains a NUL character' };
  if (path.includes('?') || path.includes('#')) {
    return { ok: false, error: 'query strings and fragments are not allowed' };
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
