/**
 * Owns the options that choose what is traced: the pod selector, the group label, the
 * namespaces, and the env names carrying a trace context.
 */
import { isDnsLabel } from '../core/dnsName.js';
import type { LabelSelector } from '../core/labelSelector.js';
import { isLabelKey } from '../core/labelSyntax.js';
import { parsePodSelector } from '../core/podSelector.js';
import type { ConfigVariable } from './configVariable.js';
import type { EnvReader } from './envReader.js';

const DEFAULT_POD_SELECTOR = 'chaosUID; workflows.argoproj.io/workflow';
const DEFAULT_TRACE_GROUP_LABEL = 'chaosUID';
const DEFAULT_TRACE_CONTEXT_ENV = ['TRACEPARENT', 'TRACE_PARENT'] as const;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export const SELECTION_VARIABLES = {
  POD_SELECTOR: {
    name: 'POD_SELECTOR',
    group: 'selection',
    default: DEFAULT_POD_SELECTOR,
    description:
      'Which pods to trace: Kubernetes label selectors (`app=web,tier in (a,b),!canary`) separated by `;`; a pod matching any of them is selected (once). The default catches LitmusChaos pods and Argo Workflows step pods. An empty value means the default; an empty alternative is an error.',
  },
  TRACE_GROUP_LABEL: {
    name: 'TRACE_GROUP_LABEL',
    group: 'selection',
    default: DEFAULT_TRACE_GROUP_LABEL,
    description:
      'A selected pod with no trace context but this label is traced in its run\'s trace, derived from the label\'s namespace, key and value (the pod span is a root; see README "Runs without a trace context"). The value must be unique per run. Set it empty (`TRACE_GROUP_LABEL=`) to turn this off. A label key.',
  },
  POD_NAMESPACES: {
    name: 'POD_NAMESPACES',
    group: 'selection',
    default: '',
    description:
      'Comma-separated namespaces to consider; unset means all. Spaces are trimmed, duplicates removed.',
  },
  TRACE_CONTEXT_ENV: {
    name: 'TRACE_CONTEXT_ENV',
    group: 'selection',
    default: DEFAULT_TRACE_CONTEXT_ENV.join(','),
    description:
      "Comma-separated env var names holding a W3C `traceparent`, looked up in each container's spec in this order.",
  },
} as const satisfies Record<string, ConfigVariable>;

export interface SelectionOptions {
  /** Pods whose labels match any of these alternatives are traced; undefined: invalid. */
  readonly podSelectors: readonly LabelSelector[] | undefined;
  /**
   * Label naming a pod's run: a selected pod with no trace context but this label is traced in
   * the run's group trace. `undefined` (TRACE_GROUP_LABEL set empty): no fallback.
   */
  readonly traceGroupLabel: string | undefined;
  /** Namespaces to consider, deduplicated in the order given; `undefined` means all. */
  readonly podNamespaces: readonly string[] | undefined;
  /** Env var names carrying a W3C `traceparent`, looked up in each container's spec in order. */
  readonly traceContextEnv: readonly string[];
}

export function readSelectionOptions(r: EnvReader): SelectionOptions {
  const v = SELECTION_VARIABLES;
  const selectorText = r.get(v.POD_SELECTOR);
  const parsedSelector = parsePodSelector(selectorText ?? DEFAULT_POD_SELECTOR);
  if (!parsedSelector.ok) r.invalid(v.POD_SELECTOR, selectorText ?? '', parsedSelector.error);
  // Unlike other variables, set-but-empty means "off" here (unset means the default).
  const groupLabelRaw = r.raw(v.TRACE_GROUP_LABEL);
  const traceGroupLabel =
    groupLabelRaw === undefined ? DEFAULT_TRACE_GROUP_LABEL : groupLabelRaw || undefined;
  if (traceGroupLabel !== undefined && !isLabelKey(traceGroupLabel)) {
    r.invalid(
      v.TRACE_GROUP_LABEL,
      traceGroupLabel,
      'not a label key (an optional DNS subdomain prefix and "/", then a name of at most 63 characters: A-Z, a-z, 0-9, "-", "_", ".")',
    );
  }
  const podNamespaces = r.list(
    v.POD_NAMESPACES,
    isDnsLabel,
    'not a valid namespace name (DNS label: lowercase letters, digits and "-", at most 63 characters)',
  );
  const traceContextEnv =
    r.list(
      v.TRACE_CONTEXT_ENV,
      (name) => ENV_VAR_NAME.test(name),
      'not a valid env var name ([-._a-zA-Z][-._a-zA-Z0-9]*)',
    ) ?? DEFAULT_TRACE_CONTEXT_ENV;
  return {
    podSelectors: parsedSelector.ok ? parsedSelector.alternatives : undefined,
    traceGroupLabel,
    podNamespaces,
    traceContextEnv,
  };
}
