/**
 * Owns the agent's view of the tracker: the calls the orchestration makes on it (feed observations,
 * ask what the runtime should be queried for, checkpoint it, read gauges). `PodTracker` in
 * `src/core/` fulfils it structurally; single-pod observations are optional until the tracker
 * accepts them.
 */
import type { CheckpointData } from './checkpoint/checkpointStore.js';
import type { KubeletPod } from './core/kubeletPod.js';
import type { RuntimeQueries, RuntimeView } from './core/runtimeView.js';
import type { SpanData } from './core/spanData.js';
import type { Time } from './core/time.js';
import type { ListContext } from './sources/podSource.js';

/** What the tracker is told about one observation besides its pods. */
export interface TrackerContext extends ListContext {
  /** The runtime's answers for this observation's `runtimeQueries` (CRI). */
  readonly runtime?: RuntimeView;
}

/** What the tracker returns for one observation: spans made final, and notices to report. */
export interface TrackerResult<Notice> {
  readonly spans: SpanData[];
  readonly notices: Notice[];
}

export interface TrackerPort<Notice> {
  /** A complete list of the selected pods at `at`. */
  observe(pods: readonly KubeletPod[], at: Time, context?: TrackerContext): TrackerResult<Notice>;
  /** One pod added or changed (push sources); absent: not supported by this tracker. */
  observePod?(pod: KubeletPod, at: Time, context?: TrackerContext): TrackerResult<Notice>;
  /** One pod removed (push sources); absent: not supported by this tracker. */
  observeDeleted?(uid: string, at: Time): TrackerResult<Notice>;
  /** What to ask the runtime about before observing `pods`. */
  runtimeQueries(pods: readonly KubeletPod[]): RuntimeQueries;
  trackedUids(): Iterable<string>;
  /** Changes with every change of state (checkpoint writes skip when unchanged). */
  readonly revision: number;
  readonly trackedPods: number;
  readonly hasLivePods: boolean;
  tracedPodsByOrigin(): { readonly context: number; readonly group: number };
  snapshot(): CheckpointData['tracker'];
}
