/**
 * Owns reading one HTTP/1.1 response (RFC 9112) off a kept-alive connection, incrementally, from
 * byte ranges of a reused read buffer: the status line and header fields, interim 1xx responses
 * (skipped), the body framed by `Content-Length`, by `Transfer-Encoding: chunked` (extensions
 * and trailers allowed, ignored) or by the close of the connection, and whether the connection
 * may carry the next request. The body is copied into a {@link BodyBuffer}; nothing else is
 * allocated per body byte. Broken framing is a {@link KubeletError}: `'truncated'` (closed early),
 * `'tooLarge'` (over the body limit) or `'http'` (malformed).
 */
import type { BodyBuffer } from './bodyBuffer.js';
import { malformedResponse, tooLarge, truncated } from './kubeletFailure.js';

/** Longest response head, status line to the empty line, interim responses included (bytes). */
const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
/** Longest chunk-size line, extensions included (bytes). */
const MAX_CHUNK_LINE_BYTES = 4 * 1024;
/** Hex digits of a chunk size (leading zeros included): 13 keep it under 2^53. */
const MAX_CHUNK_SIZE_DIGITS = 13;
const CR = 13;
const LF = 10;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

// biome-ignore lint/suspicious/noControlCharactersInRegex: a reason phrase has no control character
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?$/;
const FIELD_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const FIELD_VALUE_FORBIDDEN = /[\x00-\x08\x0a-\x1f\x7f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: chunk extensions have no control character
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]+)[ \t]*(;[^\x00-\x08\x0a-\x1f\x7f]*)?$/;

export interface HttpResponseParserOptions {
  /** Largest body of a 2xx response; more is a `'tooLarge'` error (bytes). */
  readonly maxBodyBytes: number;
  /** Bytes kept of another response's body (for the error message); the rest is not read. */
  readonly maxErrorBodyBytes: number;
  /** Longest response head (interim responses included). @default 64 KiB */
  readonly maxHeaderBytes?: number;
}

/** A complete response. */
export interface HttpResponse {
  readonly status: number;
  /** Field values by lower-case name, in the order received. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** The body bytes (still encoded, if `Content-Encoding` says so): a view into the body buffer. */
  readonly body: Buffer;
  /** The connection may carry the next request. */
  readonly reusable: boolean;
  /** A non-2xx body was cut at `maxErrorBodyBytes` (the rest was not read). */
  readonly capped: boolean;
}

enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

/** Parses responses one after the other; {@link begin} before each. Not reentrant. */
export class HttpResponseParser {
  readonly #options: Required<HttpResponseParserOptions>;
  readonly #body: BodyBuffer;
  #state = State.Done;
  /** Bytes of the response head so far (interim heads included), and where they were copied. */
  #headBytes = 0;
  #head = Buffer.allocUnsafe(1024);
  #headLength = 0;
  #started = false;
  #status = 0;
  #headers = new Map<string, string[]>();
  #keepAlive = true;
  /** Body bytes still expected: of the whole body (Length) or of the current chunk. */
  #remaining = 0;
  #limit = 0;
  #ok = true;
  #capped = false;
  /** A chunk-size or trailer line read so far (latin1). */
  #line = '';
  #response: HttpResponse | undefined;

  constructor(body: BodyBuffer, options: HttpResponseParserOptions) {
    this.#body = body;
    this.#options = { maxHeaderBytes: DEFAULT_MAX_HEADER_BYTES, ...options };
  }

  /** Whether any byte of the current response has arrived. */
  get started(): boolean {
    return this.#started;
  }

  /** Expects a new response; the previous body is dropped. */
  begin(): void {
    this.#body.reset();
    this.#state = State.Head;
    this.#headBytes = 0;
    this.#headLength = 0;
    this.#started = false;
    this.#capped = false;
    this.#line = '';
    this.#response = undefined;
  }

  /**
   * Parses `data[start, end)`. Returns the response once complete (bytes after its end make it
   * not reusable: nothing was asked for them), else undefined. Throws a KubeletError.
   */
  feed(data: Buffer, start: number, end: number): HttpResponse | undefined {
    if (start < end) this.#started = true;
    let at = start;
    while (at < end && this.#state !== State.Done) {
      switch (this.#state) {
        case State.Head:
          at = this.#readHead(data, at, end);
          break;
        case State.Length: {
          const take = Math.min(this.#remaining, end - at);
          this.#keep(data, at, at + take);
          this.#remaining -= take;
          at += take;
          if (this.#remaining === 0 && !this.#capped) this.#complete();
          break;
        }
        case State.ChunkSize:
          at = this.#readLine(data, at, end, MAX_CHUNK_LINE_BYTES, 'chunk-size line', 0);
          if (this.#line.endsWith('\n')) this.#chunkSize();
          break;
        case State.ChunkData: {
          const take = Math.min(this.#remaining, end - at);
          this.#keep(data, at, at + take);
          this.#remaining -= take;
          at += take;
          if (this.#remaining === 0) this.#state = State.ChunkDataEnd;
          break;
        }
        case State.ChunkDataEnd:
          // The CRLF after chunk data: #remaining counts its bytes seen.
          if (data[at] !== (this.#remaining === 0 ? CR : LF)) {
            throw malformedResponse('chunk data not followed by CRLF');
          }
          at += 1;
          this.#remaining += 1;
          if (this.#remaining === 2) this.#state = State.ChunkSize;
          break;
        case State.Trailers:
          at = this.#readLine(
            data,
            at,
            end,
            this.#options.maxHeaderBytes,
            'response head and trailers',
            this.#headBytes,
          );
          if (this.#line.endsWith('\n')) this.#trailer();
          break;
        case State.UntilClose:
          this.#keep(data, at, end);
          at = end;
          break;
      }
      if (this.#capped) break;
    }
    const response = this.#response;
    if (response === undefined) return undefined;
    this.#response = undefined;
    return at < end && response.reusable ? { ...response, reusable: false } : response;
  }

  /** The peer closed the connection: the response, if the close ends its body; else throws. */
  end(): HttpResponse {
    if (this.#state !== State.UntilClose) throw truncated(undefined);
    const response = this.#complete();
    this.#response = undefined;
    return response;
  }

  /**
   * Keeps head bytes until the empty line that ends the head; returns where the head ended in
   * `data`. Only head bytes are copied: the body bytes of the same read are left where they are.
   */
  #readHead(data: Buffer, start: number, end: number): number {
    const room = this.#options.maxHeaderBytes - this.#headBytes;
    const read = data.subarray(start, start + Math.min(end - start, room));
    // Bytes of this read up to the end of the head: across the seam with the kept part, or within.
    let used = this.#seamEnd(read);
    if (used === -1) {
      const found = read.indexOf(HEAD_END);
      if (found !== -1) used = found + HEAD_END.length;
    }
    if (used === -1) {
      if (read.length === room) {
        throw malformedResponse(`response head over ${this.#options.maxHeaderBytes} bytes`);
      }
      this.#keepHead(read);
      this.#headBytes += read.length;
      return start + read.length;
    }
    this.#keepHead(read.subarray(0, used));
    this.#headBytes += used;
    const length = this.#headLength - HEAD_END.length;
    this.#headLength = 0;
    this.#onHead(this.#head.toString('latin1', 0, length));
    return start + used;
  }

  /** Bytes of `read` that end the head when its `\r\n\r\n` began in the kept part, or -1. */
  #seamEnd(read: Buffer): number {
    const kept = this.#headLength;
    for (let k = Math.min(3, kept); k >= 1; k--) {
      if (this.#head.compare(HEAD_END, 0, k, kept - k, kept) !== 0) continue;
      const rest = HEAD_END.length - k;
      if (read.length >= rest && read.compare(HEAD_END, k, HEAD_END.length, 0, rest) === 0) {
        return rest;
      }
    }
    return -1;
  }

  /** Appends head bytes to the kept head. */
  #keepHead(bytes: Buffer): void {
    const length = this.#headLength;
    if (length + bytes.length > this.#head.length) {
      const size = Math.min(this.#options.maxHeaderBytes, 2 * (length + bytes.length));
      const next = Buffer.allocUnsafe(Math.max(size, length + bytes.length));
      this.#head.copy(next, 0, 0, length);
      this.#head = next;
    }
    bytes.copy(this.#head, length);
    this.#headLength = length + bytes.length;
  }

  #onHead(text: string): void {
    const lines = text.split('\r\n');
    const match = STATUS_LINE.exec(lines[0] ?? '');
    if (match === null) throw malformedResponse('invalid status line');
    const http10 = match[1] === '0';
    const status = Number(match[2]);
    const headers = new Map<string, string[]>();
    for (let i = 1; i < lines.length; i += 1) {
      const [name, value] = fieldLine(lines[i] as string);
      const values = headers.get(name);
      if (values === undefined) headers.set(name, [value]);
      else values.push(value);
    }
    if (status < 200) {
      // Interim (100 Continue, 103 Early Hints): the final response follows.
      if (status === 101) throw malformedResponse('unexpected 101 Switching Protocols');
      return;
    }
    this.#status = status;
    this.#headers = headers;
    this.#ok = status < 300;
    this.#limit = this.#ok ? this.#options.maxBodyBytes : this.#options.maxErrorBodyBytes;
    const connection = tokens(headers.get('connection'));
    this.#keepAlive = http10 ? connection.includes('keep-alive') : !connection.includes('close');

    if (status === 204 || status === 304) {
      this.#complete();
      return;
    }
    const transfer = headers.get('transfer-encoding');
    const length = headers.get('content-length');
    if (transfer !== undefined) {
      const codings = tokens(transfer);
      // An HTTP/1.0 message with Transfer-Encoding has faulty framing (RFC 9112 §6.1).
      if (http10) throw malformedResponse('Transfer-Encoding in an HTTP/1.0 response');
      if (codings.length !== 1 || codings[0] !== 'chunked') {
        throw malformedResponse(`unsupported transfer-encoding ${codings.join(', ')}`);
      }
      // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3), but the pair smells of
      // response splitting: do not trust the connection afterwards.
      if (length !== undefined) this.#keepAlive = false;
      this.#state = State.ChunkSize;
      return;
    }
    if (length !== undefined) {
      const announced = contentLength(length);
      if (announced > this.#limit && this.#ok) {
        throw tooLarge(this.#options.maxBodyBytes, `announces ${announced} bytes`);
      }
      this.#body.reserve(Math.min(announced, this.#limit));
      this.#remaining = announced;
      this.#state = State.Length;
      if (announced === 0) this.#complete();
      return;
    }
    this.#keepAlive = false;
    this.#state = State.UntilClose;
  }

  /**
   * Reads up to a LF into #line; returns where it stopped. `used` bytes plus the line may not
   * exceed `limit` bytes (`what`, for the message).
   */
  #readLine(
    data: Buffer,
    start: number,
    end: number,
    limit: number,
    what: string,
    used: number,
  ): number {
    const found = data.subarray(start, end).indexOf(LF);
    const stop = found === -1 ? end : start + found + 1;
    if (used + this.#line.length + (stop - start) > limit) {
      throw malformedResponse(`${what} over ${limit} bytes`);
    }
    this.#line += data.toString('latin1', start, stop);
    return stop;
  }

  #chunkSize(): void {
    const line = this.#line;
    this.#line = '';
    if (!line.endsWith('\r\n')) throw malformedResponse('chunk-size line not ended by CRLF');
    const match = CHUNK_SIZE_LINE.exec(line.slice(0, -2));
    const digits = match?.[1];
    if (digits === undefined || digits.length > MAX_CHUNK_SIZE_DIGITS) {
      throw malformedResponse('invalid chunk size');
    }
    const size = Number.parseInt(digits, 16);
    if (size === 0) {
      this.#state = State.Trailers;
      return;
    }
    this.#remaining = size;
    this.#state = State.ChunkData;
  }

  #trailer(): void {
    const line = this.#line;
    this.#line = '';
    this.#headBytes += line.length;
    if (!line.endsWith('\r\n')) throw malformedResponse('trailer line not ended by CRLF');
    if (line === '\r\n') {
      this.#complete();
      return;
    }
    // Trailer fields are checked like header fields, then ignored.
    fieldLine(line.slice(0, -2));
  }

  /** Keeps body bytes up to the limit: a 2xx body over it fails, another one is cut. */
  #keep(data: Buffer, start: number, end: number): void {
    const room = this.#limit - this.#body.length;
    if (end - start <= room) {
      this.#body.append(data, start, end);
      return;
    }
    if (this.#ok) throw tooLarge(this.#options.maxBodyBytes, 'is larger');
    this.#body.append(data, start, start + room);
    this.#capped = true;
    this.#keepAlive = false;
    this.#complete();
  }

  #complete(): HttpResponse {
    this.#state = State.Done;
    this.#response = {
      status: this.#status,
      headers: this.#headers,
      body: this.#body.view(),
      reusable: this.#keepAlive,
      capped: this.#capped,
    };
    return this.#response;
  }
}

/** `[lower-case name, value]` of a field line; throws on obs-fold and malformed lines. */
function fieldLine(line: string): [string, string] {
  if (line.startsWith(' ') || line.startsWith('\t')) {
    throw malformedResponse('obsolete line folding in a header field');
  }
  const match = FIELD_LINE.exec(line);
  if (match === null) throw malformedResponse('invalid header field');
  const value = match[2] as string;
  if (FIELD_VALUE_FORBIDDEN.test(value)) throw malformedResponse('control character in a header');
  return [(match[1] as string).toLowerCase(), value];
}

/** The lower-case tokens of a comma-separated field (e.g. `Connection`), empty ones dropped. */
function tokens(values: readonly string[] | undefined): string[] {
  if (values === undefined) return [];
  const result: string[] = [];
  for (const value of values) {
    for (const part of value.split(',')) {
      const token = part.trim().toLowerCase();
      if (token.length > 0) result.push(token);
    }
  }
  return result;
}

/** The one length all `Content-Length` values agree on; throws when they do not. */
function contentLength(values: readonly string[]): number {
  let agreed: string | undefined;
  for (const value of values) {
    for (const part of value.split(',')) {
      const digits = part.trim();
      if (!/^\d{1,15}$/.test(digits)) throw malformedResponse('invalid Content-Length');
      const normal = digits.replace(/^0+(?=\d)/, '');
      if (agreed !== undefined && agreed !== normal) {
        throw malformedResponse('conflicting Content-Length values');
      }
      agreed = normal;
    }
  }
  if (agreed === undefined) throw malformedResponse('empty Content-Length');
  return Number(agreed);
}
