/**
 * Owns what the kubelet access code may quote of an error: the error's code and message, and
 * printable excerpts with secrets and bearer tokens cut out. {@link Redactor} remembers the
 * secrets read so far (tokens, credentials) so no message carries them.
 */
import { KubeletError, type KubeletErrorDetails } from './kubeletError.js';

/** Characters of an error text shown in a message. */
const EXCERPT_CHARS = 200;
/** Secrets remembered: enough to redact a token that just rotated out. */
const REMEMBERED_SECRETS = 4;

/** The string `code` of a Node error, if any. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error as { code: unknown };
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Short description of an error: its code and message, no stack. */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = errorCode(error);
    return code !== undefined && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}

/**
 * One printable line of at most 200 characters: `secrets` redacted (before cutting, so that no
 * prefix of a token survives), control characters removed, bearer tokens cut, whitespace collapsed.
 */
export function excerpt(text: string, secrets: Iterable<string | undefined> = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length > 0) result = result.split(secret).join('[REDACTED]');
  }
  result = result
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\bBearer\s+[\x21-\x7e]+/gi, 'Bearer [REDACTED]')
    .replace(/\s+/g, ' ')
    .trim();
  return result.length > EXCERPT_CHARS ? `${result.slice(0, EXCERPT_CHARS)}…` : result;
}

/** The secrets a client has read, and how to keep them out of its messages. */
export class Redactor {
  readonly #secrets = new Set<string>();

  /** Remembers a secret (the last few only). */
  remember(secret: string): void {
    this.#secrets.add(secret);
    while (this.#secrets.size > REMEMBERED_SECRETS) {
      const oldest = this.#secrets.values().next().value;
      if (oldest === undefined) break;
      this.#secrets.delete(oldest);
    }
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.#secrets) result = result.split(secret).join('[REDACTED]');
    return result;
  }

  /** {@link excerpt} of `text` with every remembered secret cut. */
  excerpt(text: string): string {
    return excerpt(text, this.#secrets);
  }

  /** The error with every remembered secret replaced in its message (error bodies may echo it). */
  sanitised(error: KubeletError): KubeletError {
    const message = this.redact(error.message);
    if (message === error.message) return error;
    const details: KubeletErrorDetails = {
      ...(error.statusCode === undefined ? {} : { statusCode: error.statusCode }),
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.cause === undefined ? {} : { cause: error.cause }),
    };
    return new KubeletError(error.kind, message, details);
  }
}
