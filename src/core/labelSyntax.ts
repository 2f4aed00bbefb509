/** Owns the validity of a single label key or value, by the label selector grammar. */
import { parseLabelSelector } from './labelSelector.js';

/**
 * Whether `text` is a valid Kubernetes label key (`chaosUID`, `workflows.argoproj.io/workflow`):
 * exactly what the selector grammar accepts as a bare `key` requirement.
 */
export function isLabelKey(text: string): boolean {
  const parsed = parseLabelSelector(text);
  if (!parsed.ok) return false;
  const [only, ...rest] = parsed.selector.requirements;
  return rest.length === 0 && only?.operator === 'exists' && only.key === text;
}

/**
 * Whether `text` is a valid, non-empty Kubernetes label value (at most 63 characters of
 * `A-Za-z0-9-_.`, starting and ending with a letter or digit).
 */
export function isNonEmptyLabelValue(text: string): boolean {
  if (text === '') return false;
  const parsed = parseLabelSelector(`k=${text}`);
  if (!parsed.ok) return false;
  const [only, ...rest] = parsed.selector.requirements;
  return rest.length === 0 && only?.operator === 'equals' && only.values[0] === text;
}
