/**
 * Owns the contract between the kubelet client's one fetch path and where its credentials come
 * from: a {@link KubeletAccessProvider} prepares each request (connection setting and headers) and
 * renews it after a 401. Two providers exist: `ServiceAccountProvider` (token file + CA file) and
 * `ProxyAccessProvider` (a {@link KubeletAccess} such as a kubeconfig, through the API server's
 * node proxy).
 */
/** What a {@link KubeletAccess} supplies for one request. */
export interface KubeletAccessMaterial {
  /** PEM CA bundle that verifies the server (default: Node's root CAs). */
  readonly ca?: string | Buffer;
  /** PEM client certificate (chain), with `key`. */
  readonly cert?: string | Buffer;
  /** PEM private key of `cert`. */
  readonly key?: string | Buffer;
  /** `false`: the server certificate is not verified. @default true */
  readonly rejectUnauthorized?: boolean;
  /** TLS server name to verify instead of the URL's host (kubeconfig `tls-server-name`). */
  readonly servername?: string;
  /** Extra request headers, e.g. `Authorization` (values are redacted from error messages). */
  readonly headers?: Record<string, string>;
}

/**
 * Where credentials come from when not from the token/CA files, e.g. a kubeconfig. `prepare()`
 * runs before every request (credentials may expire); when the TLS material it returns changes,
 * the keep-alive connection is replaced.
 */
export interface KubeletAccess {
  /**
   * Per request: TLS material and headers to use (may refresh expiring credentials). Rejects
   * with `KubeletError('token' | 'ca', ...)` on failure (other errors become `'token'`).
   */
  prepare(): Promise<KubeletAccessMaterial>;
  /** Shown in errors and logs instead of credentials, e.g. `kubeconfig context "kind-dev"`. */
  readonly description: string;
}

/** The deadline of one fetch, and how it is named in messages. */
export interface RequestDeadline {
  /** Epoch ms. */
  readonly at: number;
  readonly signal: AbortSignal | undefined;
  /** The URL fetched, without credentials. */
  readonly displayUrl: string;
  /** The whole-fetch timeout the deadline comes from (ms). */
  readonly timeoutMs: number;
}

/**
 * TLS material of the connection (as `tls.connect` takes it): an access's material, with
 * `rejectUnauthorized` decided.
 */
export type ConnectionTls = Pick<KubeletAccessMaterial, 'ca' | 'cert' | 'key' | 'servername'> & {
  /** `false`: the server certificate is not verified. */
  readonly rejectUnauthorized: boolean;
};

/** How a request reaches the server: over TLS or not, and the signature of the TLS material. */
export interface ConnectionSetting {
  /** Changes when `tls` changes: a connection made with other material is replaced. */
  readonly signature: string;
  /** TLS material; undefined: plain TCP (an `http:` URL). */
  readonly tls: ConnectionTls | undefined;
}

/** The connection and headers of one request. */
export interface PreparedRequest {
  /** TLS material of the connection, and its signature (a change replaces the connection). */
  readonly connection: ConnectionSetting;
  readonly headers: Readonly<Record<string, string>>;
  /** Changes when anything the request would send changes (headers or TLS material). */
  readonly signature: string;
}

/** Supplies the credentials and connection of the kubelet client's requests. */
export interface KubeletAccessProvider {
  /** The connection and headers of the next request. Rejects with `KubeletError`. */
  prepare(deadline: RequestDeadline): Promise<PreparedRequest>;
  /** After a 401: the request prepared again when its credentials changed, else undefined. */
  renew(previous: PreparedRequest, deadline: RequestDeadline): Promise<PreparedRequest | undefined>;
  /** Later `prepare` calls reject with `'connection'`. */
  close(): void;
  /** The access behind a proxy provider (its description names it in errors); none: direct. */
  readonly proxied: KubeletAccess | undefined;
}
