/**
 * JSON on raw bytes, for the pod-list scan: the lexicon (whitespace, strings with their escapes,
 * numbers, literals: RFC 8259, as `JSON.parse` applies it to the body decoded as UTF-8) and
 * {@link scanValue}, the loop over the tokens of one value. Builds nothing. Pure.
 *
 * No read falls outside the body: every skip is bounded by the body's length, or, for the
 * contents of strings, by the body's last `"`, which no string can run past and which stops the
 * scan of every run of plain bytes (see {@link skipPlain}).
 *
 * Shaped for V8's optimising compiler, which is what makes the scan cheap: constants, tables and
 * helpers are module-local (it builds those into the code of a function that inlines a helper,
 * where an exported or imported binding is a load and a check at each use), the loop itself tests
 * literal numbers (see {@link scanValue}), the scan state is one object literal whose fields keep
 * one kind each (see {@link valueScan}), and the end of a body takes no branch of its own in the
 * string skip (code first run after the loop is compiled costs a deoptimisation).
 */
import { type Targets, targetBits } from './scanTargets.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const LOWER_U = 0x75;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** The characters the walk over the top-level object tests (see `scanPodList`). */
export const CHARS = {
  QUOTE,
  OPEN_OBJECT: 0x7b,
  CLOSE_OBJECT: 0x7d,
  OPEN_ARRAY: 0x5b,
  CLOSE_ARRAY: 0x5d,
  COMMA: 0x2c,
  COLON: 0x3a,
} as const;

/** `SHORT_ESCAPE[c]` is 1 for the `c` of a two-character escape `\\c`. */
const SHORT_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SHORT_ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
/** `WHITESPACE[c]` is 1 for the four bytes JSON allows between tokens. */
const WHITESPACE = new Uint8Array(256);
for (const c of ' \t\n\r') WHITESPACE[c.charCodeAt(0)] = 1;

/** Byte patterns of the word-wide test in {@link skipPlain}: one byte repeated four times. */
const ONES = 0x01010101;
const HIGH_BITS = 0x80808080 | 0;
const BACKSLASHES = BACKSLASH * ONES;
const QUOTE_TO_SPACE = 0x02 * ONES;
const BELOW_SPACE_OR_QUOTE = 0x21 * ONES;

/**
 * The first byte at or after `from` (at most the body's last `"`) that a string cannot hold as it
 * is: `j` when it is a `"`, `-j - 1` when it is a `\\` or a control character (below 0x20).
 *
 * Four bytes at a time, as the little-endian word `w` read at `j` (its low byte is `body[j]`).
 * `t = w ^ 0x02020202` turns `"` into 0x20 and keeps control characters below it, and no other
 * byte below 0x21: `(t - 0x21212121) & ~t & HIGH_BITS` sets the high bit of each byte that is a
 * `"` or a control character; `(s - ONES) & ~s & HIGH_BITS` with `s = w ^ BACKSLASHES`, of each
 * `\\`. A borrow can set a high bit above a byte found, never below one: the lowest bit set marks
 * the first such byte, and a word with none holds four plain bytes.
 *
 * `words` holds three bytes at least after the last `"` (see {@link valueScan}): every word read
 * starting at or before it lies in `words`, and the last `"` ends the run; no other bound tested.
 */
function skipPlain(words: DataView, from: number): number {
  let j = from;
  for (;;) {
    const w = words.getInt32(j, true);
    const t = w ^ QUOTE_TO_SPACE;
    const s = w ^ BACKSLASHES;
    const found = (((t - BELOW_SPACE_OR_QUOTE) & ~t) | ((s - ONES) & ~s)) & HIGH_BITS;
    if (found !== 0) {
      const bit = (31 - Math.clz32(found & -found)) & ~7; // the low bit of the byte found
      const stop = j + (bit >> 3);
      return ((w >>> bit) & 0xff) === QUOTE ? stop : -stop - 1;
    }
    j += 4;
  }
}

/**
 * Skips the string starting at `scan.body[from] === '"'`. Returns the index after it when it
 * holds no escape, `-(that index) - 2` when it holds one (and then `scan.spelled` tells whether
 * one is `\\u` or `\\/`), `-1` when it is not a valid string.
 */
export function skipString(scan: ValueScan, from: number): number {
  return stringEnd(scan, from);
}

/** See {@link skipString}. */
function stringEnd(scan: ValueScan, from: number): number {
  if (from >= scan.lastQuote) return -1; // no `"` closes it
  const stop = skipPlain(scan.words, from + 1);
  return stop >= 0 ? stop + 1 : escapedStringEnd(scan, -stop - 1);
}

/** {@link stringEnd} from `body[from]`, the `\\` or control character that ended the first run. */
function escapedStringEnd(scan: ValueScan, from: number): number {
  const { body, words, lastQuote } = scan;
  scan.spelled = false;
  let j = from;
  for (;;) {
    if (body[j] !== BACKSLASH) return -1; // a control character
    // `body[j]` is not the last `"`: `body[j + 1]` is in the body.
    const d = body[j + 1] as number;
    if (d === LOWER_U) {
      // the string closes after the four hex digits, if at all: at `lastQuote` at the latest
      if (j + 6 > lastQuote) return -1;
      if ((HEX[body[j + 2] as number] as number) + (HEX[body[j + 3] as number] as number) < 2) {
        return -1;
      }
      if ((HEX[body[j + 4] as number] as number) + (HEX[body[j + 5] as number] as number) < 2) {
        return -1;
      }
      scan.spelled = true;
      j += 6;
    } else if (SHORT_ESCAPE[d] === 1) {
      if (d === SLASH) scan.spelled = true;
      j += 2;
      if (j > lastQuote) return -1; // the last `"` was escaped: nothing closes the string
    } else {
      return -1;
    }
    const stop = skipPlain(words, j);
    if (stop >= 0) return -(stop + 1) - 2;
    j = -stop - 1;
  }
}

/** See {@link skip}. */
function skipWhitespace(body: Uint8Array, from: number, n: number): number {
  let j = from;
  while (j < n && WHITESPACE[body[j] as number] === 1) j++;
  return j;
}

/** The index of the first byte at or after `from` that is not JSON whitespace, or `n`. */
export function skip(body: Uint8Array, from: number, n: number): number {
  return skipWhitespace(body, from, n);
}

/** Whether `body[j]` is a decimal digit; false at or past `n`. */
function digitAt(body: Uint8Array, j: number, n: number): boolean {
  if (j >= n) return false;
  const c = body[j] as number;
  return c >= ZERO && c <= NINE;
}

/** The index after the digits at or after `from` (none: `from`). */
function skipDigits(body: Uint8Array, from: number, n: number): number {
  let j = from;
  while (digitAt(body, j, n)) j++;
  return j;
}

/**
 * The index after the number starting at `from < n`, or -1:
 * `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
 */
function skipNumber(body: Uint8Array, from: number, n: number): number {
  let j = from;
  if (body[j] === MINUS) j++;
  if (j < n && body[j] === ZERO) {
    j++;
  } else if (digitAt(body, j, n)) {
    j = skipDigits(body, j + 1, n);
  } else {
    return -1;
  }
  if (j < n && body[j] === DOT) {
    if (!digitAt(body, j + 1, n)) return -1;
    j = skipDigits(body, j + 2, n);
  }
  if (j < n && (body[j] === LOWER_E || body[j] === UPPER_E)) {
    j++;
    if (j < n && (body[j] === PLUS || body[j] === MINUS)) j++;
    if (!digitAt(body, j, n)) return -1;
    j = skipDigits(body, j + 1, n);
  }
  return j;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/** The index after `true`, `false` or `null` at `from < n`, or -1. */
function skipLiteral(body: Uint8Array, from: number, n: number): number {
  const c = body[from];
  const word = c === TRUE[0] ? TRUE : c === FALSE[0] ? FALSE : NULL;
  if (from + word.length > n) return -1;
  for (let k = 0; k < word.length; k++) if (body[from + k] !== word[k]) return -1;
  return from + word.length;
}

/** One body under scan, and what the last {@link scanValue} found in its value. */
export interface ValueScan {
  /** A plain `Uint8Array` (never a subclass): every read of it has one shape. */
  readonly body: Uint8Array;
  readonly keys: Targets;
  readonly values: Targets;
  /** The same bytes as `body` (a copy when fewer than three follow the last `"`), by words. */
  readonly words: DataView;
  /** The index of the body's last `"` (-1: none). */
  readonly lastQuote: number;
  /** Bit `i % 32` set: key `i` of the targets appears verbatim as an object key. */
  keyMask: number;
  /** A string value equals one of the value targets. */
  valueHit: boolean;
  /** An object key contains a `\u` or `\/` escape. */
  escapedKey: boolean;
  /** Of the last string skipped, if it held escapes: whether one is `\u` or `\/`. */
  spelled: boolean;
}

/**
 * The scan of `body` (a plain `Uint8Array`) for `keys` and `values`: one object literal with
 * every field set, so that V8 knows the kind of each (a small integer, a view of bytes) where the
 * loop reads it, and checks nothing more.
 */
export function valueScan(body: Uint8Array, keys: Targets, values: Targets): ValueScan {
  const lastQuote = body.lastIndexOf(QUOTE);
  // Three bytes at least after the last `"` for the word reads; else (a body that ends with a
  // string, nearly) a copy has them.
  let wide = body;
  if (lastQuote + 4 > body.length) {
    wide = new Uint8Array(lastQuote + 4);
    wide.set(body);
  }
  const scan: ValueScan = {
    body,
    keys,
    values,
    words: new DataView(wide.buffer, wide.byteOffset, wide.byteLength),
    lastQuote,
    keyMask: 0,
    valueHit: false,
    escapedKey: false,
    spelled: false,
  };
  // Written once more now: V8 takes a field never written since its object was built for a
  // constant, and deoptimises the code that relied on that when it first is (say, at the first
  // escape in a string) instead.
  scan.keyMask = 0;
  scan.valueHit = false;
  scan.escapedKey = false;
  scan.spelled = false;
  return scan;
}

/** `stack` with `close` at `depth`, grown (a copy twice as long) when it is full. */
function push(stack: Uint8Array, depth: number, close: number): Uint8Array {
  let out = stack;
  if (depth === stack.length) {
    out = new Uint8Array(depth * 2);
    out.set(stack);
  }
  out[depth] = close;
  return out;
}

/**
 * Scans the JSON value starting at `scan.body[from]` and returns the index just after it, or -1
 * when the bytes from `from` on do not start with a valid value. Sets `keyMask`, `valueHit` and
 * `escapedKey` of `scan` for that value alone.
 *
 * One loop over tokens, no recursion: each open container has the byte that closes it, so a `,`
 * or a closing bracket is checked against one byte, and nesting has no depth limit. The bytes it
 * tests are written as numbers, which V8 builds into the compiled loop (module-level constants
 * would be loaded and checked: this function is compiled on its own, not inlined). What is rare
 * (a string of a target's length, a key with escapes, a new container) is left to the helpers.
 */
export function scanValue(scan: ValueScan, from: number): number {
  const { body } = scan;
  const n = body.length;
  const keyLengths = scan.keys.lengths;
  const valueLengths = scan.values.lengths;
  scan.keyMask = 0;
  scan.valueHit = false;
  scan.escapedKey = false;
  let i = from;
  /** Containers open, and the byte that closes the innermost: `}`, `]`, or 0 for none. */
  let depth = 0;
  let close = 0;
  /** The closing byte of each open container but the innermost, after a 0. */
  let stack: Uint8Array = new Uint8Array(64);
  /** The next token is an object key (after `{` or a `,` in an object). */
  let key = false;

  tokens: for (;;) {
    if (key) {
      // `"key":` at `i`, after whitespace
      if (i < n && (body[i] as number) <= 0x20) i = skipWhitespace(body, i, n);
      if (i >= n || body[i] !== 0x22) return -1;
      let end = stringEnd(scan, i);
      if (end < 0) {
        if (end === -1) return -1;
        // escaped: never equal to a target (they are compared raw), but it may spell one
        end = -end - 2;
        if (scan.spelled) scan.escapedKey = true;
      } else if (((keyLengths >>> ((end - i - 2) & 31)) & 1) !== 0) {
        scan.keyMask |= targetBits(scan.keys, body, i + 1, end - 1);
      }
      i = end;
      if (i < n && body[i] !== 0x3a) i = skipWhitespace(body, i, n);
      if (i >= n || body[i] !== 0x3a) return -1; // `:`
      i++;
      key = false;
    }
    // A value at `i`, after whitespace.
    if (i >= n) return -1;
    let c = body[i] as number;
    if (c <= 0x20) {
      i = skipWhitespace(body, i, n);
      if (i >= n) return -1;
      c = body[i] as number;
    }
    if (c === 0x22) {
      // `"`
      let end = stringEnd(scan, i);
      if (end < 0) {
        if (end === -1) return -1;
        end = -end - 2; // escaped: never equal to a target (they are compared raw)
      } else if (((valueLengths >>> ((end - i - 2) & 31)) & 1) !== 0) {
        if (targetBits(scan.values, body, i + 1, end - 1) !== 0) scan.valueHit = true;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      // `{` or `[`, closed by `}` 0x7d or `]` 0x5d
      i++;
      if (i < n && (body[i] as number) <= 0x20) i = skipWhitespace(body, i, n);
      if (i < n && body[i] === c + 2) {
        i++; // empty
      } else {
        stack = push(stack, depth, close);
        depth++;
        close = c + 2;
        key = c === 0x7b;
        continue;
      }
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      // `t`, `f`, `n`
      i = skipLiteral(body, i, n);
      if (i < 0) return -1;
    } else {
      i = skipNumber(body, i, n);
      if (i < 0) return -1;
    }
    // A value has ended at `i`: a `,` or the closing bracket of its container follows.
    while (depth > 0) {
      if (i >= n) return -1;
      let d = body[i] as number;
      if (d <= 0x20) {
        i = skipWhitespace(body, i, n);
        if (i >= n) return -1;
        d = body[i] as number;
      }
      if (d === 0x2c) {
        // `,`
        i++;
        key = close === 0x7d;
        continue tokens;
      }
      if (d !== close) return -1;
      i++;
      depth--;
      close = stack[depth] as number;
    }
    return i;
  }
}
