/**
 * Reads a timeline file: a recorded timeline (JSON Lines from `scripts/record-node.sh`) or a
 * scripted one (YAML or JSON, `kind: ScriptedTimeline`), following `extends` chains.
 *
 * Plain module (no test-framework imports).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { isRecordedTimeline, recordedTimeline } from './recordedTimeline.js';
import { scriptedTimeline } from './scriptedTimeline.js';
import { type ScriptedTimelineDocument, type Timeline, TimelineError } from './timeline.js';

/** How deep `extends` may chain (and so a cycle ends). */
const MAX_EXTENDS_DEPTH = 8;

/**
 * A scripted document merged with what it extends: its pods and trace spans come after the
 * base's; any other field it sets replaces the base's.
 */
function mergeTimelineDocuments(
  base: ScriptedTimelineDocument,
  child: ScriptedTimelineDocument,
): ScriptedTimelineDocument {
  const { extends: _extends, pods, traceSpans, ...rest } = child;
  return {
    ...base,
    ...rest,
    pods: [...(base.pods ?? []), ...(pods ?? [])],
    traceSpans: [...(base.traceSpans ?? []), ...(traceSpans ?? [])],
  };
}

/** Reads a scripted document and everything it extends, merged. */
export function readScriptedDocument(path: string, depth = 0): ScriptedTimelineDocument {
  if (depth > MAX_EXTENDS_DEPTH) throw new TimelineError(`${path}: extends chain too deep`);
  let doc: ScriptedTimelineDocument;
  try {
    doc = parse(readFileSync(path, 'utf8')) as ScriptedTimelineDocument;
  } catch (error) {
    throw new TimelineError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof doc !== 'object' || doc === null) throw new TimelineError(`${path}: not a mapping`);
  if (doc.extends === undefined) return doc;
  const base = readScriptedDocument(resolve(dirname(path), doc.extends), depth + 1);
  return mergeTimelineDocuments(base, doc);
}

/** Loads any timeline file. Throws {@link TimelineError} with the file and field at fault. */
export function loadTimeline(path: string): Timeline {
  const text = readFileSync(path, 'utf8');
  if (isRecordedTimeline(text)) return recordedTimeline(text, basename(path));
  const doc = readScriptedDocument(path);
  try {
    return scriptedTimeline({ name: basename(path), ...doc });
  } catch (error) {
    if (error instanceof TimelineError) throw new TimelineError(`${path}: ${error.message}`);
    throw error;
  }
}
