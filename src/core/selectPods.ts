/** Owns choosing the pods the agent considers: by namespace and pod selector. */
import type { KubeletPod } from './kubeletPod.js';
import type { LabelSelector } from './labelSelector.js';
import { matchesAny } from './podSelector.js';

/**
 * The pods the agent considers: in one of `namespaces` (all when undefined) and matching any of
 * the selector alternatives (`POD_SELECTOR`). A pod matched by several alternatives is selected
 * once.
 */
export function selectPods(
  pods: readonly KubeletPod[],
  selectors: readonly LabelSelector[],
  namespaces: readonly string[] | undefined,
): KubeletPod[] {
  const allowed = namespaces ? new Set(namespaces) : undefined;
  return pods.filter(
    (pod) => (!allowed || allowed.has(pod.namespace)) && matchesAny(selectors, pod.labels),
  );
}
