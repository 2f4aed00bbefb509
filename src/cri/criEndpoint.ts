/**
 * Validation of the CRI endpoint setting, in the kubelet's `--container-runtime-endpoint` form.
 * Runtimes serve the CRI on a local unix socket only, so only `unix://` (or a bare absolute path)
 * is accepted.
 */
import { type UnixSocketResult, unixSocketTarget } from '../unixSocketPath.js';

/** The result of {@link parseCriEndpoint}. */
export type CriEndpointResult = UnixSocketResult;

const EXAMPLES =
  'unix:///run/containerd/containerd.sock (containerd) or unix:///var/run/crio/crio.sock (CRI-O)';

/**
 * Parses a CRI endpoint: `unix:///abs/path`, `unix:/abs/path` or a bare `/abs/path`, surrounding
 * whitespace ignored. Rejects relative paths (including `unix://run/x.sock`, where `run` would be
 * read as a host), `tcp://` and other network schemes, Windows `npipe://`, and paths too long for a
 * unix socket. The error text says what to write instead.
 */
export function parseCriEndpoint(endpoint: string): CriEndpointResult {
  const value = endpoint.trim();
  if (value === '') return fail(`the CRI endpoint is empty; expected e.g. ${EXAMPLES}`);

  let path: string;
  if (value.startsWith('/')) {
    path = value;
  } else if (/^unix:/i.test(value)) {
    const rest = value.slice('unix:'.length);
    if (rest.startsWith('///')) {
      path = rest.slice(2);
    } else if (rest.startsWith('//')) {
      return fail(
        `CRI endpoint ${JSON.stringify(value)}: unix:// must be followed by an absolute path ` +
          `(three slashes), e.g. unix:///${rest.slice(2)}`,
      );
    } else if (rest.startsWith('/')) {
      path = rest;
    } else {
      return fail(
        `CRI endpoint ${JSON.stringify(value)}: the socket path must be absolute, e.g. ${EXAMPLES}`,
      );
    }
  } else {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
    if (scheme === 'npipe') {
      return fail(
        `CRI endpoint ${JSON.stringify(value)}: Windows named pipes are not supported ` +
          `(the agent runs on Linux nodes); expected e.g. ${EXAMPLES}`,
      );
    }
    if (scheme !== undefined) {
      return fail(
        `CRI endpoint ${JSON.stringify(value)}: scheme ${scheme}: is not supported; container ` +
          `runtimes serve the CRI on a local unix socket only, e.g. ${EXAMPLES}`,
      );
    }
    return fail(
      `CRI endpoint ${JSON.stringify(value)}: the socket path must be absolute, e.g. ${EXAMPLES}`,
    );
  }

  const checked = unixSocketTarget(path);
  if (checked.ok) return checked;
  // A NUL is not echoed: the value would carry it into logs.
  if (path.includes('\0')) return fail(`CRI endpoint: ${checked.error}`);
  return fail(`CRI endpoint ${JSON.stringify(value)}: ${checked.error}`);
}

function fail(error: string): CriEndpointResult {
  return { ok: false, error };
}
