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
 *
 * This module walks the top-level object and the `items` array; `jsonBytes` holds the lexicon
 * and the loop over the tokens of each value, `scanTargets` the keys and values looked for.
 */

import { CHARS, scanValue, skip, skipString, type ValueScan, valueScan } from './jsonBytes.js';
import { bytesOf, equalsAt, targetsOf } from './scanTargets.js';

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

const { QUOTE, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, COMMA, COLON } = CHARS;

const ITEMS = bytesOf('items');
const KIND = bytesOf('kind');
const POD_LIST = bytesOf('PodList');
const NULL = bytesOf('null');

const REJECT_SYNTAX: PodListScan = { ok: false, reason: 'syntax' };
const REJECT_NOT_POD_LIST: PodListScan = { ok: false, reason: 'notPodList' };
const REJECT_AMBIGUOUS: PodListScan = { ok: false, reason: 'ambiguous' };

/**
 * Scans `body` (UTF-8 JSON) for the items of a PodList. See the module comment for what is
 * accepted; anything else returns `ok: false`.
 *
 * The top-level object is walked here, key by key; each value, and each element of `items`, is
 * scanned by {@link scanValue}. A rejection is the first one met in body order, as a scan of the
 * body token by token would meet it.
 */
export function scanPodList(body: Uint8Array, targets: ScanTargets): PodListScan {
  // A plain `Uint8Array` (a `Buffer` is a subclass): every read of the body has one shape.
  const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  const n = bytes.length;
  const scan = valueScan(bytes, targetsOf(targets.keys), targetsOf([...targets.values]));
  const items: ScannedItem[] = [];
  let sawItems = false;
  let sawKind = false;

  let i = skip(bytes, 0, n);
  if (i >= n || bytes[i] !== OPEN_OBJECT) {
    // Not an object: the full parse fails, or decodePodList does; either way, its error.
    return REJECT_NOT_POD_LIST;
  }
  i = skip(bytes, i + 1, n);
  if (i < n && bytes[i] === CLOSE_OBJECT) {
    i++;
  } else {
    for (;;) {
      // A key of the top-level object: `items` and `kind` decide, each once and spelt plainly.
      if (i >= n || bytes[i] !== QUOTE) return REJECT_SYNTAX;
      const end = skipString(scan, i);
      if (end === -1) return REJECT_SYNTAX;
      if (end < 0) return REJECT_AMBIGUOUS;
      const isItems = equalsAt(bytes, i + 1, end - 1, ITEMS);
      const isKind = !isItems && equalsAt(bytes, i + 1, end - 1, KIND);
      if ((isItems && sawItems) || (isKind && sawKind)) return REJECT_AMBIGUOUS;
      sawItems ||= isItems;
      sawKind ||= isKind;
      i = skip(bytes, end, n);
      if (i >= n || bytes[i] !== COLON) return REJECT_SYNTAX;
      i = skip(bytes, i + 1, n);

      if (isKind) {
        if (i >= n || bytes[i] !== QUOTE) return REJECT_NOT_POD_LIST;
        const kindEnd = skipString(scan, i);
        if (kindEnd === -1) return REJECT_SYNTAX;
        if (kindEnd < 0 || !equalsAt(bytes, i + 1, kindEnd - 1, POD_LIST)) {
          return REJECT_NOT_POD_LIST;
        }
        i = kindEnd;
      } else if (isItems && i < n && bytes[i] === OPEN_ARRAY) {
        i = scanItems(scan, i, items);
        if (i < 0) return REJECT_SYNTAX;
      } else if (isItems) {
        // items: an array, or null (no items)
        if (!equalsAt(bytes, i, i + 4, NULL)) return REJECT_NOT_POD_LIST;
        i += 4;
      } else {
        i = scanValue(scan, i);
        if (i < 0) return REJECT_SYNTAX;
      }

      i = skip(bytes, i, n);
      if (i >= n) return REJECT_SYNTAX;
      if (bytes[i] === CLOSE_OBJECT) {
        i++;
        break;
      }
      if (bytes[i] !== COMMA) return REJECT_SYNTAX;
      i = skip(bytes, i + 1, n);
    }
  }
  // The top-level object has ended: only whitespace may follow.
  if (skip(bytes, i, n) !== n) return REJECT_SYNTAX;
  if (!sawItems) return REJECT_NOT_POD_LIST;
  return { ok: true, items };
}

/**
 * Scans the `items` array opening at `from`, adding each element to `items`; returns the index
 * after the array, or -1 when it is not valid JSON.
 */
function scanItems(scan: ValueScan, from: number, items: ScannedItem[]): number {
  const { body } = scan;
  const n = body.length;
  let i = skip(body, from + 1, n);
  if (i < n && body[i] === CLOSE_ARRAY) return i + 1;
  for (;;) {
    const end = scanValue(scan, i);
    if (end < 0) return -1;
    const { keyMask, valueHit, escapedKey } = scan;
    items.push({ start: i, end, keyMask, valueHit, escapedKey });
    i = skip(body, end, n);
    if (i >= n) return -1;
    if (body[i] === CLOSE_ARRAY) return i + 1;
    if (body[i] !== COMMA) return -1;
    i = skip(body, i + 1, n);
  }
}
