/**
 * What the candidate items of one `GET /pods` body decoded to, kept by their exact bytes, so that
 * the next poll decodes only the items that changed. Pure.
 *
 * A kubelet serialises a pod the same way until something about it changes: between two polls
 * the order of the items changes (Go map order) but a pod's own bytes mostly do not. Equal bytes
 * parse and decode to equal values, so an item whose bytes equal a remembered one takes its
 * outcome (the same frozen-by-convention `KubeletPod` object, or the same malformed report)
 * without `JSON.parse`. Only the last poll's candidates are kept: each poll builds the memo anew
 * from what it decoded and reused, so a pod that is no longer a candidate is forgotten at once.
 * Bytes are copied in, never kept as views: the body they come from is reused for the next fetch.
 *
 * A memo is only valid for one set of decode options (`envNames`): its owner keeps them fixed.
 */
import type { MalformedPod } from './decodePodList.js';
import type { KubeletPod } from './kubeletPod.js';
import { equalsAt } from './scanTargets.js';

/** What one item decoded to. */
export type ItemOutcome =
  | { readonly pod: KubeletPod }
  | { readonly malformed: Omit<MalformedPod, 'index'> };

/** One remembered item: a copy of its bytes and what they decoded to. */
export interface RememberedItem {
  readonly bytes: Uint8Array;
  readonly outcome: ItemOutcome;
}

/** The remembered items of one poll, by length then bytes. Immutable. */
export class DecodedItems {
  /** Nothing remembered (the first poll, or after a full parse). */
  static readonly EMPTY = new DecodedItems(new Map());

  readonly #byLength: ReadonlyMap<number, readonly RememberedItem[]>;
  /** Items remembered. */
  readonly size: number;

  /** Made by {@link DecodedItemsBuilder.build}: items grouped by their length in bytes. */
  constructor(byLength: ReadonlyMap<number, readonly RememberedItem[]>) {
    this.#byLength = byLength;
    let size = 0;
    for (const items of byLength.values()) size += items.length;
    this.size = size;
  }

  /** The outcome remembered for the item `body[start, end)`, if its bytes are known. */
  find(body: Uint8Array, start: number, end: number): ItemOutcome | undefined {
    const entries = this.#byLength.get(end - start);
    if (entries === undefined) return undefined;
    for (const entry of entries) {
      if (equalsAt(body, start, end, entry.bytes)) return entry.outcome;
    }
    return undefined;
  }
}

/** Gathers one poll's items and their outcomes; `build()` makes the memo of the next poll. */
export class DecodedItemsBuilder {
  readonly #byLength = new Map<number, RememberedItem[]>();

  /** Remembers `body[start, end)` (copied) with what it decoded to. */
  add(body: Uint8Array, start: number, end: number, outcome: ItemOutcome): void {
    const length = end - start;
    let entries = this.#byLength.get(length);
    if (entries === undefined) {
      entries = [];
      this.#byLength.set(length, entries);
    }
    // Two identical items (a pod listed twice) need one entry.
    for (const entry of entries) if (equalsAt(body, start, end, entry.bytes)) return;
    // A copy (`new Uint8Array(view)`), never a view: `Buffer#slice` would share the bytes.
    entries.push({ bytes: new Uint8Array(body.subarray(start, end)), outcome });
  }

  build(): DecodedItems {
    return new DecodedItems(this.#byLength);
  }
}
