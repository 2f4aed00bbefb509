/**
 * Small, valid tracker and span records for the checkpoint storage tests (plain module, no
 * test-framework imports: the SIGKILL child script uses it too).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanData } from '../../src/core/spanData.js';
import type { PodSnapshot } from '../../src/core/trackerSnapshot.js';

/** A pod snapshot whose `childSpans` carries `version`, so tests can tell versions apart. */
export function podRecord(uid: string, version: number): PodSnapshot {
  return {
    ref: { uid, namespace: 'ci', name: `job-${uid}` },
    firstSeen: [1_763_892_000, 0],
    emitted: ['phase/sandbox'],
    containers: [
      {
        key: 'container/main',
        highestIndex: 0,
        highestRestartCount: 0,
        open: {
          runKey: 'run-0',
          index: 0,
          start: [1_763_892_001, 500],
          firstSeenAt: [1_763_892_002, 0],
          unobservedRuns: 0,
        },
        done: [],
        doneThrough: -1,
        waitingMarks: { restartCount: 0, reasons: [] },
      },
    ],
    events: [],
    reasonsSeen: [],
    droppedEvents: 0,
    podSpanDone: false,
    reappeared: false,
    missing: 0,
    deleting: false,
    lastSeenAt: [1_763_892_000 + version, 0],
    allTerminated: false,
    childSpans: version,
    droppedSpans: 0,
  };
}

/** A well-formed span with the given key (ids derived from `n`). */
export function spanRecord(key: string, n: number): SpanData {
  const hex = (n + 1).toString(16).padStart(16, '0');
  return {
    traceId: `4bf92f3577b34da6${hex}`,
    spanId: hex,
    parentSpanId: '00f067aa0ba902b7',
    parentIsRemote: false,
    name: 'container main',
    start: [1_763_892_000, 0],
    end: [1_763_892_001, 250_000_000],
    attributes: { 'k8s.container.name': 'main' },
    events: [],
    status: { code: 'unset' },
    resource: { 'k8s.pod.name': 'job' },
    key,
    podUid: 'uid',
    subject: { podUid: 'uid', role: 'container', name: 'main', run: key },
  };
}

const made: string[] = [];

/** A new empty state directory, removed by {@link removeStateDirs}. */
export function tempStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kse-journal-'));
  made.push(dir);
  return dir;
}

/** Removes every directory {@link tempStateDir} made (for `test.after.always`). */
export function removeStateDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
