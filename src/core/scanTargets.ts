/**
 * What the pod-list scan looks for (label keys, tracked uids), as byte strings grouped by length,
 * so that the test made for every key and string value of a body is a shift and a mask. Pure.
 */

/** Byte strings to look for, by length. */
export interface Targets {
  /** Bit `n % 32` set: some target is `n` bytes long (the test made for every string). */
  readonly lengths: number;
  /** `bytes[n]`: the targets `n` bytes long. */
  readonly bytes: readonly (readonly Uint8Array[] | undefined)[];
  /** `bits[n][k]`: the key bit of `bytes[n][k]` (bit `index % 32` of its text in the list). */
  readonly bits: readonly (readonly number[] | undefined)[];
}

/** The targets among `texts`; texts that are not ASCII never match raw bytes, and are left out. */
export function targetsOf(texts: readonly string[]): Targets {
  let lengths = 0;
  const bytes: Uint8Array[][] = [];
  const bits: number[][] = [];
  texts.forEach((text, index) => {
    if (!isAsciiOnly(text)) return;
    const n = text.length;
    lengths |= 1 << (n % 32);
    bytes[n] = [...(bytes[n] ?? []), bytesOf(text)];
    bits[n] = [...(bits[n] ?? []), 1 << (index % 32)];
  });
  return { lengths, bytes, bits };
}

/** The key bits of the targets equal to `body[start, end)` (0: none). */
export function targetBits(targets: Targets, body: Uint8Array, start: number, end: number): number {
  const n = end - start;
  const group = targets.bytes[n];
  if (group === undefined) return 0;
  const bits = targets.bits[n] as readonly number[];
  let found = 0;
  for (let k = 0; k < group.length; k++) {
    if (equalsAt(body, start, end, group[k] as Uint8Array)) found |= bits[k] as number;
  }
  return found;
}

/** ASCII/Latin-1 strings only (label keys, uids, the names above); others never match. */
export function bytesOf(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function isAsciiOnly(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Whether `body[start, end)` are the bytes of `text`; `end` may lie past the body. */
export function equalsAt(body: Uint8Array, start: number, end: number, text: Uint8Array): boolean {
  if (end - start !== text.length || end > body.length) return false;
  for (let k = 0; k < text.length; k++) if (body[start + k] !== text[k]) return false;
  return true;
}
