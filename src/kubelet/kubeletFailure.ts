/**
 * Owns how a failed kubelet request is described: the mapping of network, TLS, HTTP and body
 * failures to a {@link KubeletError} kind and message, and the hints that tell an operator what to
 * do (RBAC rules, CA files, kubeconfig fixes).
 */
import type { KubeletAccess } from './kubeletAccess.js';
import { KubeletError } from './kubeletError.js';
import { describe, errorCode, type Redactor } from './redaction.js';

/** Who was asked, for messages. */
export interface FailureContext {
  /** The URL fetched, without credentials. */
  readonly displayUrl: string;
  /** The access behind the API server's node proxy; undefined: the kubelet directly. */
  readonly access: KubeletAccess | undefined;
  readonly redactor: Redactor;
}

const RBAC_HINT =
  'the service account needs `get` on `nodes/pods` (ClusterRole rule {apiGroups: [""], ' +
  'resources: ["nodes/pods"], verbs: ["get"]}), or `nodes/proxy` on clusters before 1.33 ' +
  'where the KubeletFineGrainedAuthz feature gate is off';
const UNAUTHORIZED_HINT =
  'the kubelet did not accept the bearer token (expired, wrong audience, or kubelet webhook ' +
  `authentication disabled); once authenticated, ${RBAC_HINT}`;
const PROXY_RBAC_HINT =
  'through the API server the kubeconfig user needs `get` on `nodes/proxy` (ClusterRole rule ' +
  '{apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"]}); check with ' +
  '`kubectl auth can-i get nodes/proxy`';
export const TLS_HINT =
  "set KUBELET_CA_FILE to a PEM bundle with the CA that signed the kubelet's serving " +
  'certificate, or KUBELET_INSECURE_TLS=true to skip verification (kubelet serving ' +
  'certificates are often self-signed unless serverTLSBootstrap is on)';
const ALTNAME_HINT =
  "the kubelet's certificate does not name the host in the base URL (self-signed kubelet " +
  'certificates usually name only the node); use a host it names, or ' +
  TLS_HINT;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function isTlsCode(code: string): boolean {
  return (
    TLS_CODES.has(code) ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_OSSL_') ||
    code.startsWith('UNABLE_TO_') ||
    code.startsWith('CERT_')
  );
}

/** The error of a non-2xx answer, with an excerpt of its body. */
export function statusError(ctx: FailureContext, status: number, body: Buffer): KubeletError {
  const text = ctx.redactor.excerpt(body.toString('utf8'));
  const detail = text.length > 0 ? `: ${text}` : '';
  const access = ctx.access;
  const who = access === undefined ? 'kubelet' : `API server node proxy (${access.description})`;
  if (status === 401) {
    return new KubeletError('unauthorized', `${who} answered 401 Unauthorized${detail}`, {
      statusCode: status,
      hint:
        access === undefined
          ? UNAUTHORIZED_HINT
          : `the API server did not accept the credentials of ${access.description} ` +
            `(expired or revoked: log in again or refresh the kubeconfig); once authenticated, ${PROXY_RBAC_HINT}`,
    });
  }
  if (status === 403) {
    return new KubeletError('forbidden', `${who} answered 403 Forbidden${detail}`, {
      statusCode: status,
      hint: access === undefined ? RBAC_HINT : PROXY_RBAC_HINT,
    });
  }
  return new KubeletError('http', `${who} answered HTTP ${status}${detail}`, {
    statusCode: status,
    ...(access !== undefined && status === 404
      ? { hint: 'check that NODE_NAME names a node of this cluster (`kubectl get nodes`)' }
      : {}),
  });
}

/** A body over the limit (`maxBodyBytes`), e.g. `detail` = `announces 123456 bytes`. */
export function tooLarge(maxBodyBytes: number, detail: string): KubeletError {
  return new KubeletError('tooLarge', `kubelet /pods body ${detail} (limit ${maxBodyBytes})`, {
    hint: 'raise the body size limit if this node really runs that many pods',
  });
}

/** A response whose HTTP/1.1 framing is broken, e.g. `detail` = `invalid chunk size`. */
export function malformedResponse(detail: string): KubeletError {
  return new KubeletError('http', `kubelet sent a malformed HTTP response (${detail})`);
}

export function truncated(cause: unknown): KubeletError {
  return new KubeletError(
    'truncated',
    `kubelet closed the connection before the whole /pods body arrived`,
    cause === undefined ? {} : { cause },
  );
}

export function badGzip(error: unknown, status: number): KubeletError {
  const code = errorCode(error);
  if (code === 'Z_BUF_ERROR') return truncated(error);
  return new KubeletError('http', `kubelet sent an invalid gzip body (${describe(error)})`, {
    statusCode: status,
    cause: error,
  });
}

/** Maps an error of the request (before or after the response head) to a KubeletError. */
export function networkError(
  ctx: FailureContext,
  error: unknown,
  responded: boolean,
): KubeletError {
  if (error instanceof KubeletError) return error;
  const code = errorCode(error) ?? '';
  const where = ctx.displayUrl;
  const access = ctx.access;
  // With an access (kubeconfig), the peer is normally the API server's node proxy.
  const peer = access === undefined ? 'the kubelet' : 'the API server';
  if (code !== '' && isTlsCode(code)) {
    let hint = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? ALTNAME_HINT : TLS_HINT;
    if (access !== undefined) hint = accessTlsHint(access);
    return new KubeletError(
      'tls',
      `TLS verification of ${peer} at ${where} failed (${describe(error)})`,
      { hint, cause: error },
    );
  }
  if (responded) return truncated(error);
  if (code === 'ETIMEDOUT') {
    return new KubeletError('timeout', `connecting to ${peer} at ${where} timed out`, {
      cause: error,
    });
  }
  if (CONNECTION_CODES.has(code)) {
    return new KubeletError('connection', `cannot reach ${peer} at ${where} (${code})`, {
      cause: error,
    });
  }
  return new KubeletError(
    'connection',
    `request to ${peer} at ${where} failed (${describe(error)})`,
    {
      cause: error,
    },
  );
}

export function accessTlsHint(access: KubeletAccess): string {
  return (
    `the server's certificate must verify against the certificate-authority(-data) of ` +
    `${access.description}; fix the kubeconfig (set tls-server-name when the certificate does not ` +
    'name the host in the server URL), or set insecure-skip-tls-verify: true on its cluster to ' +
    'skip verification'
  );
}
