/**
 * From the raw bytes of a kubelet `GET /pods` body to the selected, decoded pods, parsing only
 * the items that can matter.
 *
 * Item-level path: {@link scanPodList} validates the body and finds each item; an item is a
 * candidate when it has, as an object key, every key some selector alternative requires
 * ({@link requiredKeys}), or holds the uid of a tracked pod as a string value, or spells a key
 * with a `\u` / `\/` escape (which could be a required key in disguise). Only candidates are
 * `JSON.parse`d and decoded. A pod that no candidate covers cannot be selected: every
 * alternative it could match requires keys that would appear verbatim in its item (label keys
 * are `[A-Za-z0-9._/-]`; a JSON encoder needs no escape for them, and an item using one is a
 * candidate anyway).
 *
 * Full path, with the same result as before this module existed (`JSON.parse` of the whole body,
 * `decodePodList`, select): when a selector alternative requires no key (`!=`, `notin`, `!key`
 * only, or empty: it can match a pod without any of its keys) or a key with other characters
 * (which a parsed selector never has), and whenever the scan does not
 * accept the body — so a broken body is rejected by `JSON.parse` itself, with its own error,
 * and a body that is not a PodList by `decodePodList`, with its own.
 *
 * Malformed pods are reported for the items decoded (all of them on the full path, candidates
 * on the item-level path), with their index in the body's `items`.
 */

import { DecodedItems, DecodedItemsBuilder, type ItemOutcome } from './decodedItems.js';
import { decodePodList, type MalformedPod } from './decodePodList.js';
import type { KubeletPod } from './kubeletPod.js';
import { type LabelSelector, requiredKeys } from './labelSelector.js';
import { scanPodList } from './podListScan.js';
import { selectPods } from './selectPods.js';

export interface PodListSelectionOptions {
  /** Selector alternatives: a pod is selected when any of them matches (at least one). */
  readonly selectors: readonly LabelSelector[];
  /** Namespaces whose pods may be selected; undefined: all. */
  readonly namespaces: readonly string[] | undefined;
  /** env names kept by decoding (see `DecodeOptions`). */
  readonly envNames: readonly string[];
  /** Uids of the pods being tracked: their items are always decoded. */
  readonly trackedUids: Iterable<string>;
  /**
   * The previous poll's {@link PodListSelection} `items` memo: candidates whose bytes it holds
   * are not parsed again. Must come from calls with the same `envNames`.
   * @default DecodedItems.EMPTY
   */
  readonly previous?: DecodedItems;
}

/** Why the whole body was parsed. */
export type FullParseReason = 'selector' | 'syntax' | 'notPodList' | 'ambiguous' | 'item';

export type PodListSelection =
  | {
      readonly ok: true;
      /** The selected pods, in body order. */
      readonly selected: KubeletPod[];
      readonly malformed: MalformedPod[];
      /** Items in the body. */
      readonly items: number;
      /** Items parsed and decoded (all of them on the full path). */
      readonly decoded: number;
      /** Candidate items taken from `previous` instead of being parsed. */
      readonly reused: number;
      /** This poll's candidates, for the next call's `previous` (empty after a full parse). */
      readonly memo: DecodedItems;
      /** Set when the whole body was parsed, and why. */
      readonly fullParse?: FullParseReason;
    }
  | { readonly ok: false; readonly error: Error };

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Label-key characters: JSON needs no escape for them, so the key appears as it is. */
const VERBATIM_KEY = /^[A-Za-z0-9._/-]+$/;
const isVerbatim = (key: string): boolean => VERBATIM_KEY.test(key);

/** `JSON.parse` of the whole body, then `decodePodList`: the errors are theirs. */
function fullParse(
  body: Uint8Array,
  options: PodListSelectionOptions,
  reason: FullParseReason,
): PodListSelection {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(body));
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
  const decoded = decodePodList(json, { envNames: options.envNames });
  if (!decoded.ok) return { ok: false, error: new Error(decoded.error) };
  return {
    ok: true,
    selected: selectPods(decoded.pods, options.selectors, options.namespaces),
    malformed: decoded.malformed,
    items: decoded.pods.length + decoded.malformed.length,
    decoded: decoded.pods.length + decoded.malformed.length,
    reused: 0,
    memo: DecodedItems.EMPTY,
    fullParse: reason,
  };
}

/**
 * The pods of `body` that `options` select, parsing only candidate items when that is sound
 * (see the module comment). Same result as parsing the whole body, or its error.
 */
export function selectFromPodList(
  body: Uint8Array,
  options: PodListSelectionOptions,
): PodListSelection {
  const { selectors } = options;
  const perAlternative = selectors.map(requiredKeys);
  if (
    perAlternative.length === 0 ||
    perAlternative.some((keys) => keys.length === 0 || !keys.every(isVerbatim))
  ) {
    return fullParse(body, options, 'selector');
  }
  const keys = [...new Set(perAlternative.flat())];
  const index = new Map(keys.map((key, i) => [key, i]));
  // An alternative can match only an item holding all its keys: its bits all set in keyMask.
  const masks = perAlternative.map((required) =>
    required.reduce((mask, key) => mask | (1 << ((index.get(key) as number) % 32)), 0),
  );
  const scan = scanPodList(body, { keys, values: options.trackedUids });
  if (!scan.ok) return fullParse(body, options, scan.reason);

  const previous = options.previous ?? DecodedItems.EMPTY;
  /** Per candidate, in body order: its item index and its outcome (undefined: parse it). */
  const positions: number[] = [];
  const outcomes: (ItemOutcome | undefined)[] = [];
  const parsed: unknown[] = [];
  let reused = 0;
  for (let i = 0; i < scan.items.length; i++) {
    const item = scan.items[i];
    if (item === undefined) continue;
    const { keyMask } = item;
    if (!item.escapedKey && !item.valueHit && !masks.some((m) => (keyMask & m) === m)) continue;
    positions.push(i);
    const known = previous.find(body, item.start, item.end);
    outcomes.push(known);
    if (known !== undefined) {
      reused++;
      continue;
    }
    try {
      parsed.push(JSON.parse(utf8.decode(body.subarray(item.start, item.end))));
    } catch {
      // The scan accepted what JSON.parse does not: never expected; trust the full parse.
      return fullParse(body, options, 'item');
    }
  }
  if (positions.length === 0) {
    return {
      ok: true,
      selected: [],
      malformed: [],
      items: scan.items.length,
      decoded: 0,
      reused: 0,
      memo: DecodedItems.EMPTY,
    };
  }
  const fresh = decodeEach(parsed, options.envNames);
  if (fresh === undefined) return fullParse(body, options, 'item');
  const memo = new DecodedItemsBuilder();
  const pods: KubeletPod[] = [];
  const malformed: MalformedPod[] = [];
  let next = 0;
  for (let k = 0; k < positions.length; k++) {
    const outcome = outcomes[k] ?? (fresh[next++] as ItemOutcome);
    const index = positions[k] as number;
    const item = scan.items[index] as (typeof scan.items)[number];
    memo.add(body, item.start, item.end, outcome);
    if ('pod' in outcome) pods.push(outcome.pod);
    else malformed.push({ index, ...outcome.malformed });
  }
  return {
    ok: true,
    selected: selectPods(pods, selectors, options.namespaces),
    malformed,
    items: scan.items.length,
    decoded: parsed.length,
    reused,
    memo: memo.build(),
  };
}

/** What each parsed item decodes to, in order; undefined when the list as a whole is refused. */
function decodeEach(parsed: unknown[], envNames: readonly string[]): ItemOutcome[] | undefined {
  if (parsed.length === 0) return [];
  const decoded = decodePodList({ items: parsed }, { envNames });
  if (!decoded.ok) return undefined;
  const out: ItemOutcome[] = [];
  let pod = 0;
  let bad = 0;
  for (let k = 0; k < parsed.length; k++) {
    const report = decoded.malformed[bad];
    if (report !== undefined && report.index === k) {
      const { index: _index, ...rest } = report;
      out.push({ malformed: rest });
      bad++;
    } else {
      out.push({ pod: decoded.pods[pod++] as KubeletPod });
    }
  }
  return out;
}
