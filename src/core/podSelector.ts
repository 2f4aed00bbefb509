/**
 * Owns `POD_SELECTOR`: parsing its `;`-separated alternatives and matching a pod's labels against
 * them.
 */
import { type LabelSelector, matchesLabels, parseLabelSelector } from './labelSelector.js';

/**
 * `POD_SELECTOR` with alternatives: full Kubernetes label selectors separated by `;` (a pod is
 * selected when it matches any). Whitespace around an alternative is ignored; an empty
 * alternative (`a;;b`, a trailing `;`) is an error naming its 1-based position. Parsed once at
 * start-up; each alternative keeps its own text.
 */
export function parsePodSelector(
  text: string,
): { ok: true; alternatives: readonly LabelSelector[] } | { ok: false; error: string } {
  const parts = text.split(';');
  const alternatives: LabelSelector[] = [];
  for (const [i, part] of parts.entries()) {
    const trimmed = part.trim();
    if (trimmed === '') {
      return {
        ok: false,
        error: `alternative ${i + 1} of ${parts.length} is empty (alternatives are separated by ";")`,
      };
    }
    const parsed = parseLabelSelector(trimmed);
    if (!parsed.ok) {
      return {
        ok: false,
        error: parts.length > 1 ? `alternative ${i + 1}: ${parsed.error}` : parsed.error,
      };
    }
    alternatives.push(parsed.selector);
  }
  return { ok: true, alternatives };
}

/** Whether `labels` satisfy at least one of the alternatives (none given: nothing matches). */
export function matchesAny(
  alternatives: readonly LabelSelector[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return alternatives.some((selector) => matchesLabels(selector, labels));
}

/** The alternatives written back as `POD_SELECTOR` text (`chaosUID; app=web`). */
export function podSelectorText(alternatives: readonly LabelSelector[]): string {
  return alternatives.map((s) => s.text).join('; ');
}
