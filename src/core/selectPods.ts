import type { KubeletPod } from './kubeletPod.js';
import { type LabelSelector, matchesLabels } from './labelSelector.js';

/**
 * The pods the agent considers: in one of `namespaces` (all when undefined) and matching the
 * label selector.
 */
export function selectPods(
  pods: readonly KubeletPod[],
  selector: LabelSelector,
  namespaces: readonly string[] | undefined,
): KubeletPod[] {
  const allowed = namespaces ? new Set(namespaces) : undefined;
  return pods.filter(
    (pod) => (!allowed || allowed.has(pod.namespace)) && matchesLabels(selector, pod.labels),
  );
}
