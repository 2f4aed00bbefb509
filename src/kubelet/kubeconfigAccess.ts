/**
 * Reaching a node's kubelet from outside the cluster ("run it from a laptop"): the API server's
 * node proxy `GET <server>/api/v1/nodes/<node>/proxy/pods`, authenticated like kubectl with the
 * current context of the kubeconfig (client certificates, tokens, exec and auth-provider plugins).
 *
 * `@kubernetes/client-node` costs ~70 MB of memory once imported, so it is imported lazily,
 * only by {@link kubeconfigAccess}: in-cluster runs (token file, KUBELET_URL / NODE_IP) never load
 * it. Only `import type` from it may appear at the top of any module.
 */
import { statSync } from 'node:fs';
import type * as https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import { isDnsSubdomain } from '../core/dnsName.js';
import type { KubeletAccess, KubeletAccessMaterial } from './kubeletAccess.js';
import { KubeletError } from './kubeletError.js';
import { errorCode, excerpt } from './redaction.js';

/** Where kubeconfig files are looked for, as kubectl does. */
export interface KubeconfigLocation {
  /**
   * Value of `KUBECONFIG`: paths separated by `:` (`;` on Windows). Set and non-empty: only
   * these files are read (missing ones are skipped). Otherwise `<home>/.kube/config`.
   */
  readonly kubeconfig?: string;
  /** Home directory. @default os.homedir() */
  readonly home?: string;
}

export interface KubeconfigAccessOptions extends KubeconfigLocation {
  /** Node whose kubelet is reached (`NODE_NAME`): a DNS subdomain name. */
  readonly nodeName: string;
}

export type KubeconfigAccessResult =
  | {
      readonly ok: true;
      /** `<server>/api/v1/nodes/<node>/proxy`: the base URL for `KubeletClient`. */
      readonly baseUrl: string;
      /** Per-request credentials of the current context, for `KubeletClient`'s `access`. */
      readonly access: KubeletAccess;
      /** Name of the kubeconfig's current context. */
      readonly context: string;
      /** The cluster's server URL (without credentials, query or fragment). */
      readonly server: string;
    }
  | { readonly ok: false; readonly error: string };

function candidates(options: KubeconfigLocation): { paths: string[]; fromEnv: boolean } {
  const list = options.kubeconfig ?? '';
  if (list.length > 0) {
    return { paths: list.split(delimiter).filter((path) => path.length > 0), fromEnv: true };
  }
  return { paths: [join(options.home ?? homedir(), '.kube', 'config')], fromEnv: false };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The first existing kubeconfig file: of the `KUBECONFIG` list when it is set and non-empty
 * (then `~/.kube/config` is not considered, as with kubectl), else `<home>/.kube/config`.
 * Does not read the file nor load `@kubernetes/client-node`.
 */
export function findKubeconfig(options: KubeconfigLocation): string | undefined {
  return candidates(options).paths.find(isFile);
}

/** Why a kubeconfig file could not be loaded, without quoting its content (it holds secrets). */
function loadErrorDetail(error: unknown): string {
  if (typeof error === 'object' && error !== null && (error as Error).name === 'YAMLException') {
    // js-yaml's message quotes the offending lines; its reason and position do not.
    const { reason, mark } = error as { reason?: unknown; mark?: { line?: unknown } };
    const line = typeof mark?.line === 'number' ? ` at line ${mark.line + 1}` : '';
    return `invalid YAML${line}${typeof reason === 'string' ? `: ${excerpt(reason)}` : ''}`;
  }
  if (error instanceof TypeError) return 'empty, or not a kubeconfig mapping';
  if (error instanceof Error) {
    const code = errorCode(error);
    if (code !== undefined) return code;
    return excerpt(error.message.split('\n')[0] ?? '');
  }
  return 'not a kubeconfig';
}

/** Stringifies a TLS option the way client-node returns it (Buffer or PEM string). */
function pem(value: unknown): string | Buffer | undefined {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) {
    const parts = value.filter(
      (part): part is string | Buffer => typeof part === 'string' || Buffer.isBuffer(part),
    );
    return parts.length > 0 ? parts.map((part) => part.toString()).join('\n') : undefined;
  }
  return undefined;
}

function execCommand(user: User): string | undefined {
  const exec = (user.exec ?? user.authProvider?.config?.exec) as { command?: unknown } | undefined;
  return typeof exec?.command === 'string' ? exec.command : undefined;
}

/** The kubeconfig credentials of one context, applied anew for every request. */
class KubeconfigCredentials implements KubeletAccess {
  readonly description: string;
  readonly #config: KubeConfig;
  readonly #cluster: Cluster;
  readonly #user: User;

  constructor(config: KubeConfig, context: Context, cluster: Cluster, user: User) {
    this.#config = config;
    this.#cluster = cluster;
    this.#user = user;
    this.description = `kubeconfig context "${context.name}", user "${user.name}"`;
  }

  async prepare(): Promise<KubeletAccessMaterial> {
    const options: https.RequestOptions = {};
    try {
      // Re-reads certificate/key/CA files and re-runs exec/auth-provider plugins whose token
      // expired (client-node caches unexpired plugin tokens).
      await this.#config.applyToHTTPSOptions(options);
    } catch (error) {
      throw this.#credentialError(error);
    }
    const headers: Record<string, string> = {};
    const raw = options.headers;
    if (raw !== undefined && !Array.isArray(raw)) {
      for (const [name, value] of Object.entries(raw)) {
        if (value === undefined) continue;
        headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
      }
    }
    if (typeof options.auth === 'string' && options.auth.length > 0) {
      headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    }
    const ca = pem(options.ca);
    const cert = pem(options.cert);
    const key = pem(options.key);
    const servername = (options as { servername?: unknown }).servername;
    return {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      ...(typeof servername === 'string' && servername.length > 0 ? { servername } : {}),
      headers,
    };
  }

  #credentialError(error: unknown): KubeletError {
    const user = this.#user;
    const secrets = [user.token, user.password];
    const code = errorCode(error);
    const command = execCommand(user);
    const syscall = (error as { syscall?: unknown } | null)?.syscall;
    if (command !== undefined && typeof syscall === 'string' && syscall.startsWith('spawn')) {
      return new KubeletError(
        'token',
        `exec credential plugin "${command}" of kubeconfig user "${user.name}" could not be run (${code ?? 'error'})`,
        { hint: 'install the plugin or put it on PATH, as kubectl would need it too' },
      );
    }
    const path = (error as { path?: unknown } | null)?.path;
    if (typeof path === 'string') {
      if (path === this.#cluster.caFile) {
        return new KubeletError(
          'ca',
          `cannot read certificate-authority ${path} of kubeconfig cluster "${this.#cluster.name}" (${code ?? 'error'})`,
        );
      }
      return new KubeletError(
        'token',
        `cannot read ${path}, a credential file of kubeconfig user "${user.name}" (${code ?? 'error'})`,
      );
    }
    if (command !== undefined) {
      const plugin = `exec credential plugin "${command}" of kubeconfig user "${user.name}"`;
      if (error instanceof SyntaxError || error instanceof TypeError) {
        // JSON.parse messages may quote the plugin's output, i.e. the token: never show them.
        return new KubeletError('token', `${plugin} printed no valid ExecCredential JSON`);
      }
      const stderr = error instanceof Error ? excerpt(error.message, secrets) : '';
      return new KubeletError(
        'token',
        `${plugin} failed${stderr.length > 0 ? `: ${stderr}` : ' (no message)'}`,
        { hint: 'check that `kubectl get --raw /version` works with this context' },
      );
    }
    const detail = error instanceof Error ? excerpt(error.message, secrets) : '';
    return new KubeletError(
      'token',
      `cannot obtain credentials of kubeconfig user "${user.name}"${detail.length > 0 ? ` (${detail})` : ''}`,
    );
  }
}

/**
 * Loads the kubeconfig lazily (`KUBECONFIG` paths or `~/.kube/config`, current context, merged
 * as kubectl does: the first file that sets a name or the current context wins) and returns the
 * node-proxy base URL plus a {@link KubeletAccess}. Fails with a clear message: no kubeconfig
 * found, no current context, cluster without server, node name invalid, ...
 */
export async function kubeconfigAccess(
  options: KubeconfigAccessOptions,
): Promise<KubeconfigAccessResult> {
  const { nodeName } = options;
  // Kubernetes node names are DNS subdomains (RFC 1123).
  if (!isDnsSubdomain(nodeName)) {
    return {
      ok: false,
      error: `node name ${JSON.stringify(nodeName.slice(0, 100))} is invalid: NODE_NAME must be a Kubernetes node name (lower-case DNS subdomain, e.g. worker-1)`,
    };
  }

  const { paths, fromEnv } = candidates(options);
  const files = paths.filter(isFile);
  if (files.length === 0) {
    const looked = fromEnv
      ? `KUBECONFIG=${options.kubeconfig} names no existing file (~/.kube/config is not used while KUBECONFIG is set)`
      : `KUBECONFIG is not set and ~/.kube/config (${paths[0]}) does not exist`;
    return {
      ok: false,
      error: `no kubeconfig found: ${looked}; set KUBECONFIG or create ~/.kube/config to go through the API server, or set KUBELET_URL / NODE_IP to reach the kubelet directly`,
    };
  }

  let clientNode: typeof import('@kubernetes/client-node');
  try {
    clientNode = await import('@kubernetes/client-node');
  } catch (error) {
    return {
      ok: false,
      error: `cannot load @kubernetes/client-node to read the kubeconfig (${loadErrorDetail(error)})`,
    };
  }

  // Merge like kubectl: for clusters, users and contexts the first file naming one wins; the
  // current context comes from the first file that sets one.
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const file of files) {
    const config = new clientNode.KubeConfig();
    try {
      // `filter`: an invalid entry of an unrelated context does not break the load (kubectl too).
      config.loadFromFile(file, { onInvalidEntry: 'filter' });
    } catch (error) {
      return { ok: false, error: `cannot load kubeconfig ${file}: ${loadErrorDetail(error)}` };
    }
    for (const cluster of config.getClusters()) {
      if (!clusters.has(cluster.name)) clusters.set(cluster.name, cluster);
    }
    for (const user of config.getUsers()) if (!users.has(user.name)) users.set(user.name, user);
    for (const context of config.getContexts()) {
      if (!contexts.has(context.name)) contexts.set(context.name, context);
    }
    const current = config.getCurrentContext();
    if (currentContext === '' && typeof current === 'string') currentContext = current;
  }
  const where = `kubeconfig ${files.join(delimiter)}`;

  if (currentContext === '') {
    return {
      ok: false,
      error: `${where} sets no current context; choose one with \`kubectl config use-context <name>\``,
    };
  }
  const context = contexts.get(currentContext);
  if (context === undefined) {
    return {
      ok: false,
      error: `current context "${currentContext}" of ${where} is not defined there (or is invalid)`,
    };
  }
  let cluster = clusters.get(context.cluster);
  if (cluster === undefined) {
    return {
      ok: false,
      error: `cluster "${context.cluster}" of context "${context.name}" is missing from ${where}, or it has no server`,
    };
  }
  const user = users.get(context.user);
  if (user === undefined) {
    return {
      ok: false,
      error: `user "${context.user}" of context "${context.name}" is missing from ${where}`,
    };
  }
  if (cluster.proxyUrl !== undefined && cluster.proxyUrl !== '') {
    return {
      ok: false,
      error: `cluster "${cluster.name}" uses proxy-url, which is not supported; run \`kubectl proxy --port=8001\` and set KUBELET_URL=http://127.0.0.1:8001/api/v1/nodes/${nodeName}/proxy instead`,
    };
  }

  let server: URL;
  try {
    server = new URL(cluster.server);
    if (server.protocol !== 'https:' && server.protocol !== 'http:') throw new Error('protocol');
  } catch {
    return {
      ok: false,
      error: `cluster "${cluster.name}" has no valid server URL (http: or https:) in ${where}`,
    };
  }
  server.username = '';
  server.password = '';
  server.search = '';
  server.hash = '';
  const serverPath = server.pathname.replace(/\/+$/, '');
  const serverText = `${server.origin}${serverPath}`;
  const baseUrl = `${serverText}/api/v1/nodes/${encodeURIComponent(nodeName)}/proxy`;

  if (server.protocol === 'http:') {
    // client-node refuses to prepare options for http: servers unless TLS verification is
    // "skipped"; without TLS there is nothing to verify, so say so.
    cluster = { ...cluster, skipTLSVerify: true };
  }
  const config = new clientNode.KubeConfig();
  config.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [context],
    currentContext: context.name,
  });

  return {
    ok: true,
    baseUrl,
    access: new KubeconfigCredentials(config, context, cluster, user),
    context: context.name,
    server: serverText,
  };
}
