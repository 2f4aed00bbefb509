/**
 * The JSON lexicon of the pod-list scan, on raw bytes: character codes, the tables of bytes a
 * string holds as they are, and the skips over whitespace, strings and numbers (RFC 8259). Pure.
 */
export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const LOWER_U = 0x75;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
export const COMMA = 0x2c;
export const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** `PLAIN[c]` is 1 for a byte a string holds as it is: not `"`, `\\` or a control character. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 256; c++) PLAIN[c] = 1;
PLAIN[QUOTE] = 0;
PLAIN[BACKSLASH] = 0;
/** `SHORT_ESCAPE[c]` is 1 for the `c` of a two-character escape `\\c`. */
const SHORT_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SHORT_ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
export const WHITESPACE = new Uint8Array(256);
for (const c of ' \t\n\r') WHITESPACE[c.charCodeAt(0)] = 1;

/**
 * Skips the string starting at `body[from] === '"'`. Returns the index after it when it holds no
 * escape, `-(that index) - 2` when it holds one, `-1` when it is not a valid string.
 */
export function skipString(body: Uint8Array, from: number): number {
  const n = body.length;
  let j = from + 1;
  let escaped = false;
  for (;;) {
    while (j < n && PLAIN[body[j] as number] === 1) j++;
    const c = body[j];
    if (c === QUOTE) return escaped ? -(j + 1) - 2 : j + 1;
    if (c !== BACKSLASH) return -1; // a control character, or the end of the body
    escaped = true;
    const d = body[j + 1];
    if (d === LOWER_U) {
      if (!isHex(body[j + 2]) || !isHex(body[j + 3]) || !isHex(body[j + 4])) return -1;
      if (!isHex(body[j + 5])) return -1;
      j += 6;
    } else if (d !== undefined && SHORT_ESCAPE[d] === 1) {
      j += 2;
    } else {
      return -1;
    }
  }
}

/** Whether the escapes of `body[start, end)` (a string with escapes) include `\\u` or `\\/`. */
export function spellsCharacters(body: Uint8Array, start: number, end: number): boolean {
  for (let j = start; j < end; j++) {
    if (body[j] === BACKSLASH) {
      const d = body[j + 1];
      if (d === LOWER_U || d === SLASH) return true;
      j++;
    }
  }
  return false;
}

/** ASCII/Latin-1 strings only (label keys, uids, the names above); others never match. */
export function bytesOf(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

export function isAsciiOnly(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && HEX[c] === 1;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE;
}

/** The index of the first byte at or after `from` that is not JSON whitespace. */
export function skip(body: Uint8Array, from: number): number {
  const n = body.length;
  let j = from;
  while (j < n && WHITESPACE[body[j] as number] === 1) j++;
  return j;
}

/** The index after the number starting at `from`, or -1: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` */
export function skipNumber(body: Uint8Array, from: number): number {
  let j = from;
  if (body[j] === MINUS) j++;
  if (body[j] === ZERO) {
    j++;
  } else if (isDigit(body[j])) {
    while (isDigit(body[j])) j++;
  } else {
    return -1;
  }
  if (body[j] === DOT) {
    j++;
    if (!isDigit(body[j])) return -1;
    while (isDigit(body[j])) j++;
  }
  if (body[j] === LOWER_E || body[j] === UPPER_E) {
    j++;
    if (body[j] === PLUS || body[j] === MINUS) j++;
    if (!isDigit(body[j])) return -1;
    while (isDigit(body[j])) j++;
  }
  return j;
}

export function equalsAt(body: Uint8Array, start: number, end: number, text: Uint8Array): boolean {
  if (end - start !== text.length) return false;
  for (let k = 0; k < text.length; k++) if (body[start + k] !== text[k]) return false;
  return true;
}
