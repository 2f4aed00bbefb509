/**
 * The journal's record: one tracker change with the segment of the spans it built, and span keys
 * settled inside segments still on disk; how records are checked when read and applied on replay.
 */
import { isTrackerSnapshot, type PodSnapshot } from '../core/trackerSnapshot.js';

/**
 * One tracker change, appended as one framed record: the pods it changed (upserts), the pods it
 * forgot (tombstones), and the segment holding the spans the same poll built, so no crash can keep
 * one without the other. `settled` lists span keys acknowledged (or given up) inside segments that
 * are still on disk because other spans of theirs still wait.
 */
export interface JournalRecord {
  readonly pods: readonly PodSnapshot[];
  readonly removed: readonly string[];
  readonly segment?: number;
  readonly settled?: readonly SettledKeys[];
}

/** Span keys settled inside one segment. */
export interface SettledKeys {
  readonly segment: number;
  readonly keys: readonly string[];
}

/** Replays one record: upserts win over what was there, tombstones remove. */
export function applyRecord(pods: Map<string, PodSnapshot>, record: JournalRecord): void {
  for (const pod of record.pods) pods.set(pod.ref.uid, pod);
  for (const uid of record.removed) pods.delete(uid);
}

const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The record a decoded payload holds, or undefined when it is not one. */
export function parseRecord(value: unknown): JournalRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if (!isTrackerSnapshot({ pods: o.pods }) || !isStrings(o.removed)) return undefined;
  if (o.segment !== undefined && !Number.isSafeInteger(o.segment)) return undefined;
  if (o.settled !== undefined && !isSettled(o.settled)) return undefined;
  return value as JournalRecord;
}

/** Whether `v` is a list of keys settled per segment. */
export function isSettled(v: unknown): v is SettledKeys[] {
  return (
    Array.isArray(v) &&
    v.every(
      (e) =>
        typeof e === 'object' &&
        e !== null &&
        Number.isSafeInteger((e as SettledKeys).segment) &&
        isStrings((e as SettledKeys).keys),
    )
  );
}
