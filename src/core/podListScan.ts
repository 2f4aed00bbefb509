/**
 * One pass over the raw bytes of a kubelet `GET /pods` body that finds the byte range of each
 * element of the top-level `items` array without building any value, so that only the items
 * worth decoding are handed to `JSON.parse`.
 *
 * The scan is a complete JSON validator (RFC 8259 grammar, as `JSON.parse` applies it to the
 * body decoded as UTF-8): structure, strings (control characters, escapes, `\u` with four hex
 * digits), numbers, literals, whitespace, nothing after the value. Bytes of 0x80 and above are
 * accepted inside strings only: decoding turns invalid UTF-8 into U+FFFD, which `JSON.parse`
 * accepts in a string and nowhere else, and never swallows an ASCII byte.
 *
 * It never explains a rejection: `{ ok: false }` means "parse the whole body the usual way", and
 * that path produces the error (or, for an ambiguity the scan does not resolve, the result). A
 * body is accepted only when it is valid JSON whose top level is an object with `items` an array
 * (or `null`) and `kind` absent or exactly `"PodList"`, each at most once and never spelt with an
 * escape. So an accepted body is one the full parse and `decodePodList` accept as a whole.
 *
 * While scanning, each item records which of the given object keys it contains as a key (any
 * depth, raw bytes equal: a key spelt with `\u` or `\/` escapes is flagged instead, since it may
 * decode to one), and whether one of the given string values appears as a string value.
 */

import {
  bytesOf,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  equalsAt,
  isAsciiOnly,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  skip,
  skipNumber,
  skipString,
  spellsCharacters,
  WHITESPACE,
} from './jsonBytes.js';

/** What makes an item interesting to the caller. */
export interface ScanTargets {
  /**
   * Object keys to look for (label keys). Key `i` sets bit `i % 32` of {@link ScannedItem.keyMask}
   * when it appears as an object key anywhere in the item.
   */
  readonly keys: readonly string[];
  /** String values to look for (uids); any of them as a string value sets `valueHit`. */
  readonly values: Iterable<string>;
}

/** One element of `items`: `body.subarray(start, end)` is its JSON text. */
export interface ScannedItem {
  readonly start: number;
  readonly end: number;
  /** Bit `i % 32` set: `keys[i]` appears verbatim as an object key in the item. */
  readonly keyMask: number;
  /** A string value of the item equals one of `values`. */
  readonly valueHit: boolean;
  /** An object key of the item contains a `\u` or `\/` escape: it may spell any key. */
  readonly escapedKey: boolean;
}

/** The items of a usable PodList, or `ok: false`: parse the whole body instead. */
export type PodListScan =
  | { readonly ok: true; readonly items: readonly ScannedItem[] }
  | { readonly ok: false; readonly reason: 'syntax' | 'notPodList' | 'ambiguous' };

const OBJECT = 0;
const ARRAY = 1;

/** Expecting a value. */
const VALUE = 0;
/** A value just ended: expecting `,`, a closing bracket or the end. */
const AFTER = 1;
/** In an object after `{` or `,`: expecting a key. */
const KEY = 2;

const ITEMS = bytesOf('items');
const KIND = bytesOf('kind');
const POD_LIST = bytesOf('PodList');
const TRUE = bytesOf('true');
const FALSE = bytesOf('false');
const NULL = bytesOf('null');

/** Targets of one length: the byte strings and their indexes (for key bits). */
interface SameLength {
  readonly bytes: Uint8Array[];
  readonly indexes: number[];
}

function byLength(texts: readonly string[]): Map<number, SameLength> {
  const out = new Map<number, SameLength>();
  texts.forEach((text, index) => {
    if (!isAsciiOnly(text)) return;
    let group = out.get(text.length);
    if (!group) {
      group = { bytes: [], indexes: [] };
      out.set(text.length, group);
    }
    group.bytes.push(bytesOf(text));
    group.indexes.push(index);
  });
  return out;
}

/** `lengths[n]` is 1 when some target is `n` bytes long: the cheap test made for every string. */
function lengthTable(groups: Map<number, SameLength>): Uint8Array {
  let max = 0;
  for (const n of groups.keys()) max = Math.max(max, n);
  const table = new Uint8Array(max + 1);
  for (const n of groups.keys()) table[n] = 1;
  return table;
}

const REJECT_SYNTAX: PodListScan = { ok: false, reason: 'syntax' };
const REJECT_NOT_POD_LIST: PodListScan = { ok: false, reason: 'notPodList' };
const REJECT_AMBIGUOUS: PodListScan = { ok: false, reason: 'ambiguous' };

/**
 * Scans `body` (UTF-8 JSON) for the items of a PodList. See the module comment for what is
 * accepted; anything else returns `ok: false`.
 */
export function scanPodList(body: Uint8Array, targets: ScanTargets): PodListScan {
  const n = body.length;
  const keyGroups = byLength(targets.keys);
  const keyLengths = lengthTable(keyGroups);
  const valueGroups = byLength([...targets.values]);
  const valueLengths = lengthTable(valueGroups);

  const stack: number[] = [];
  const items: ScannedItem[] = [];
  let mode = VALUE;

  // The top level: which key's value comes next, what was seen.
  let topKey: 'items' | 'kind' | 'other' = 'other';
  let sawItems = false;
  let sawKind = false;
  /** The `items` array is open: stack depth 2 holds its elements. */
  let inItems = false;
  // The item being scanned.
  let itemStart = -1;
  let keyMask = 0;
  let valueHit = false;
  let escapedKey = false;

  let i = skip(body, 0);
  if (body[i] !== OPEN_OBJECT) {
    // Not an object: the full parse fails, or decodePodList does; either way, its error.
    return REJECT_NOT_POD_LIST;
  }

  for (;;) {
    if (mode === VALUE) {
      const depth = stack.length;
      if (inItems && depth === 2) {
        itemStart = i;
        keyMask = 0;
        valueHit = false;
        escapedKey = false;
      }
      const c = body[i];
      if (depth === 1 && topKey !== 'other') {
        // The value of a top-level `items` or `kind`.
        if (topKey === 'kind') {
          if (c !== QUOTE) return REJECT_NOT_POD_LIST;
          const end = skipString(body, i);
          if (end === -1) return REJECT_SYNTAX;
          if (end < 0 || !equalsAt(body, i + 1, end - 1, POD_LIST)) return REJECT_NOT_POD_LIST;
          i = end;
          topKey = 'other';
          mode = AFTER;
          continue;
        }
        // items: an array, or null (no items)
        if (c === OPEN_ARRAY) {
          inItems = true;
        } else if (equalsAt(body, i, i + 4, NULL)) {
          i += 4;
          topKey = 'other';
          mode = AFTER;
          continue;
        } else {
          return REJECT_NOT_POD_LIST;
        }
        topKey = 'other';
      }
      if (c === QUOTE) {
        let end = skipString(body, i);
        if (end === -1) return REJECT_SYNTAX;
        if (end < 0) {
          end = -end - 2; // escaped: never one of the values (they are compared raw)
        } else {
          const length = end - i - 2;
          if (length < valueLengths.length && valueLengths[length] === 1) {
            const group = valueGroups.get(length);
            if (group) {
              for (const bytes of group.bytes) {
                if (equalsAt(body, i + 1, end - 1, bytes)) valueHit = true;
              }
            }
          }
        }
        i = end;
        mode = AFTER;
      } else if (c === OPEN_OBJECT) {
        stack.push(OBJECT);
        i = skip(body, i + 1);
        if (body[i] === CLOSE_OBJECT) {
          i++;
          stack.pop();
          mode = AFTER;
        } else {
          mode = KEY;
        }
      } else if (c === OPEN_ARRAY) {
        stack.push(ARRAY);
        i = skip(body, i + 1);
        if (body[i] === CLOSE_ARRAY) {
          i++;
          stack.pop();
          if (inItems && stack.length === 1) inItems = false; // `items: []`
          mode = AFTER;
        }
      } else if (c === 0x74) {
        if (!equalsAt(body, i, i + 4, TRUE)) return REJECT_SYNTAX;
        i += 4;
        mode = AFTER;
      } else if (c === 0x66) {
        if (!equalsAt(body, i, i + 5, FALSE)) return REJECT_SYNTAX;
        i += 5;
        mode = AFTER;
      } else if (c === 0x6e) {
        if (!equalsAt(body, i, i + 4, NULL)) return REJECT_SYNTAX;
        i += 4;
        mode = AFTER;
      } else {
        i = skipNumber(body, i);
        if (i < 0) return REJECT_SYNTAX;
        mode = AFTER;
      }
      continue;
    }

    if (mode === AFTER) {
      const depth = stack.length;
      if (depth === 0) {
        // The top-level object has ended: only whitespace may follow.
        if (skip(body, i) !== n) return REJECT_SYNTAX;
        break;
      }
      if (inItems && depth === 2) {
        items.push({ start: itemStart, end: i, keyMask, valueHit, escapedKey });
      }
      let c = body[i];
      if (c !== undefined && WHITESPACE[c] === 1) {
        i = skip(body, i);
        c = body[i];
      }
      const top = stack[depth - 1];
      if (c === COMMA) {
        i = skip(body, i + 1);
        mode = top === OBJECT ? KEY : VALUE;
        continue;
      }
      if (c === (top === OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        i++;
        stack.pop();
        if (inItems && depth === 2) inItems = false; // the items array closed
        continue;
      }
      return REJECT_SYNTAX;
    }

    // mode === KEY
    if (body[i] !== QUOTE) return REJECT_SYNTAX;
    let end = skipString(body, i);
    if (end === -1) return REJECT_SYNTAX;
    const escaped = end < 0;
    if (escaped) end = -end - 2;
    if (stack.length === 1) {
      // A key of the top-level object: `items` and `kind` decide, each once and spelt plainly.
      if (escaped) return REJECT_AMBIGUOUS;
      if (equalsAt(body, i + 1, end - 1, ITEMS)) {
        if (sawItems) return REJECT_AMBIGUOUS;
        sawItems = true;
        topKey = 'items';
      } else if (equalsAt(body, i + 1, end - 1, KIND)) {
        if (sawKind) return REJECT_AMBIGUOUS;
        sawKind = true;
        topKey = 'kind';
      }
    } else if (escaped) {
      if (spellsCharacters(body, i + 1, end - 1)) escapedKey = true;
    } else {
      const length = end - i - 2;
      if (length < keyLengths.length && keyLengths[length] === 1) {
        const group = keyGroups.get(length);
        if (group) {
          for (let g = 0; g < group.bytes.length; g++) {
            if (equalsAt(body, i + 1, end - 1, group.bytes[g] as Uint8Array)) {
              keyMask |= 1 << ((group.indexes[g] as number) % 32);
            }
          }
        }
      }
    }
    i = end;
    if (body[i] !== COLON) {
      i = skip(body, i);
      if (body[i] !== COLON) return REJECT_SYNTAX;
    }
    i = skip(body, i + 1);
    mode = VALUE;
  }

  if (!sawItems) return REJECT_NOT_POD_LIST;
  return { ok: true, items };
}
