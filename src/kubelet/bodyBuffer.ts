/**
 * Owns the memory of the kubelet client's response bodies: one growable buffer reused from body
 * to body, so a poll copies its body once and allocates nothing, and shrunk again when recent
 * bodies leave most of it unused, so one huge body does not pin its memory for good.
 */

export interface BodyBufferOptions {
  /** Capacity allocated by the first body, and never shrunk below (bytes). @default 64 KiB */
  readonly minBytes?: number;
  /**
   * Bodies in a row that must each use under a quarter of the capacity before it is shrunk (to
   * twice the largest of them). @default 8
   */
  readonly shrinkAfter?: number;
  /**
   * Largest body expected (the client's body limit): growth by doubling stops there, so a body
   * near the limit does not hold twice the limit. A larger body still gets exactly its size.
   * @default Infinity
   */
  readonly maxBytes?: number;
}

/**
 * A growable byte buffer holding one body at a time. {@link view} is a view into memory that the
 * next body (after {@link reset}) overwrites: copy what must outlive it.
 */
export class BodyBuffer {
  readonly #minBytes: number;
  readonly #shrinkAfter: number;
  readonly #maxBytes: number;
  #bytes: Buffer | undefined;
  #length = 0;
  /** Bodies in a row, ending with the last one, that used under a quarter of the capacity. */
  #smallInARow = 0;
  /** The largest of those bodies (bytes). */
  #largestSmall = 0;

  constructor(options: BodyBufferOptions = {}) {
    this.#minBytes = options.minBytes ?? 64 * 1024;
    this.#shrinkAfter = options.shrinkAfter ?? 8;
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Bytes of the current body. */
  get length(): number {
    return this.#length;
  }

  /** Bytes allocated (0 before the first body). */
  get capacity(): number {
    return this.#bytes?.length ?? 0;
  }

  /** Starts a new body: the previous one is dropped, and the capacity shrunk if long unused. */
  reset(): void {
    const capacity = this.capacity;
    if (capacity > this.#minBytes && this.#length < capacity / 4) {
      this.#smallInARow += 1;
      this.#largestSmall = Math.max(this.#largestSmall, this.#length);
      if (this.#smallInARow >= this.#shrinkAfter) {
        // The old memory stays valid for views still held; it is freed once they are dropped.
        this.#bytes = Buffer.allocUnsafeSlow(Math.max(this.#minBytes, 2 * this.#largestSmall));
        this.#smallInARow = 0;
        this.#largestSmall = 0;
      }
    } else {
      this.#smallInARow = 0;
      this.#largestSmall = 0;
    }
    this.#length = 0;
  }

  /** Makes room for `total` bytes of body in all (e.g. an announced `Content-Length`). */
  reserve(total: number): void {
    if (total > this.capacity) this.#grow(total);
  }

  /** Appends `source[start, end)`. */
  append(source: Buffer, start: number, end: number): void {
    const count = end - start;
    if (count <= 0) return;
    const needed = this.#length + count;
    if (needed > this.capacity) {
      this.#grow(Math.max(needed, Math.min(2 * this.capacity, this.#maxBytes)));
    }
    // Checked above: the buffer exists and has room.
    source.copy(this.#bytes as Buffer, this.#length, start, end);
    this.#length = needed;
  }

  /** The current body: a view valid until the next {@link reset}. */
  view(): Buffer {
    return this.#bytes === undefined ? Buffer.alloc(0) : this.#bytes.subarray(0, this.#length);
  }

  #grow(size: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(this.#minBytes, size));
    if (this.#bytes !== undefined && this.#length > 0) {
      this.#bytes.copy(next, 0, 0, this.#length);
    }
    this.#bytes = next;
  }
}
