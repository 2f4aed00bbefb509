/**
 * Several nodes from one timeline: pods name their node with `nodeName` (the document's `node` is
 * the default node and the filler pods'). {@link timelineNodes} lists the nodes a timeline's pods
 * run on; {@link timelineForNode} is the timeline as that node's kubelet lists it (only its own
 * pods), so one simulator and one agent play each node.
 *
 * Plain module (no test-framework imports).
 */
import type { Timeline } from './timeline.js';

interface PodHead {
  readonly key: string;
  readonly node: string;
}

function headOf(text: string, fallback: string): PodHead {
  const pod = JSON.parse(text) as {
    metadata?: { namespace?: string; name?: string };
    spec?: { nodeName?: string };
  };
  return {
    key: `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`,
    node: pod.spec?.nodeName ?? fallback,
  };
}

/** Every pod's node over the whole timeline: `namespace/name` → node. */
function podNodes(timeline: Timeline): Map<string, string> {
  const nodes = new Map<string, string>();
  const seen = new Set<string>();
  for (let t = 0; t <= timeline.endSeconds; t++) {
    for (const text of timeline.itemsAt(t, 0)) {
      if (seen.has(text)) continue;
      seen.add(text);
      const head = headOf(text, timeline.nodeName);
      nodes.set(head.key, head.node);
    }
  }
  return nodes;
}

/** The nodes the timeline's pods run on: the timeline's own node first, the others sorted. */
export function timelineNodes(timeline: Timeline): string[] {
  const others = new Set(podNodes(timeline).values());
  others.delete(timeline.nodeName);
  return [timeline.nodeName, ...[...others].sort()];
}

/** The timeline as `node`'s kubelet lists it: only the pods whose `spec.nodeName` is `node`. */
export function timelineForNode(timeline: Timeline, node: string): Timeline {
  const nodes = podNodes(timeline);
  const onNode = (key: string) => (nodes.get(key) ?? timeline.nodeName) === node;
  return {
    name: `${timeline.name} (${node})`,
    nodeName: node,
    startEpochSeconds: timeline.startEpochSeconds,
    endSeconds: timeline.endSeconds,
    traceSpans: timeline.traceSpans,
    exits: timeline.exits.filter((e) => onNode(`${e.namespace}/${e.pod}`)),
    itemsAt: (t, shiftSeconds) =>
      timeline
        .itemsAt(t, shiftSeconds)
        .filter((text) => headOf(text, timeline.nodeName).node === node),
  };
}
