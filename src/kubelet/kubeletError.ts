/** Owns the kubelet client's failure type: a {@link KubeletError} with a `kind` and an operator hint. */

/** Why a kubelet request failed. */
export type KubeletErrorKind =
  | 'timeout'
  | 'connection'
  | 'tls'
  | 'unauthorized'
  | 'forbidden'
  | 'http'
  | 'tooLarge'
  | 'truncated'
  | 'token'
  | 'ca';

/** Options of {@link KubeletError} besides kind and message. */
export interface KubeletErrorDetails {
  /** HTTP status, when the kubelet answered. */
  readonly statusCode?: number;
  /** What an operator can do about it. */
  readonly hint?: string;
  /** Underlying error (network or TLS errors only; never carries the token). */
  readonly cause?: unknown;
}

/** A failed kubelet request. The message and hint never contain the bearer token. */
export class KubeletError extends Error {
  readonly kind: KubeletErrorKind;
  /** HTTP status, when the kubelet answered. */
  readonly statusCode?: number;
  /** Operator hint, e.g. the RBAC rule to grant. */
  readonly hint?: string;

  constructor(kind: KubeletErrorKind, message: string, details: KubeletErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'KubeletError';
    this.kind = kind;
    if (details.statusCode !== undefined) this.statusCode = details.statusCode;
    if (details.hint !== undefined) this.hint = details.hint;
  }
}
