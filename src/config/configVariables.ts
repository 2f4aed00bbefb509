/**
 * Owns the list of every variable the agent reads, in the README table's order, and the table
 * rendered from it. The declarations live in each concern's options module.
 */
import { AGENT_VARIABLES as A } from './agentOptions.js';
import type { ConfigVariable } from './configVariable.js';
import { EXPORT_VARIABLES as E } from './exportOptions.js';
import { KUBELET_VARIABLES as K } from './kubeletOptions.js';
import { OTLP_VARIABLES as O } from './otlpOptions.js';
import { RESOURCE_VARIABLES as R } from './resourceOptions.js';
import { SELECTION_VARIABLES as S } from './selectionOptions.js';
import { STATE_VARIABLES as T } from './stateOptions.js';

/**
 * One entry per variable the agent reads, grouped (agent, kubelet, selection, otel), for the
 * README reference table and for tests that check manifests use only known names.
 */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  A.NODE_NAME,
  A.TRACING_ENABLED,
  A.POLL_INTERVAL,
  A.IDLE_POLL_INTERVAL,
  A.GONE_AFTER,
  A.KUBELET_RESTART_GRACE,
  A.POD_UID,
  E.MAX_PENDING_SPANS,
  E.EXPORT_RETRY_MAX_BACKOFF,
  A.SHUTDOWN_TIMEOUT,
  A.LOG_LEVEL,
  A.HTTP_PORT,
  T.STATE_DIR,
  T.CATCHUP_WINDOW,
  A.MAX_TRACKED_PODS,
  A.MAX_SPANS_PER_POD,
  ...Object.values(K),
  ...Object.values(S),
  A.OTEL_SDK_DISABLED,
  ...Object.values(R),
  ...Object.values(O),
  E.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
  E.OTEL_BSP_SCHEDULE_DELAY,
  E.OTEL_BSP_MAX_QUEUE_SIZE,
].map(({ name, default: def, description, group }) => ({
  name,
  default: def,
  description,
  group,
}));

/**
 * Renders {@link CONFIG_VARIABLES} as a Markdown table (`Variable | Default | Description`), rows
 * in the order of the array, ending with a newline. The README embeds this exact text between
 * markers; a test checks they agree.
 */
export function renderConfigTable(): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|');
  const lines = ['| Variable | Default | Description |', '| --- | --- | --- |'];
  for (const v of CONFIG_VARIABLES) {
    const def = v.default === '' ? '—' : `\`${cell(v.default)}\``;
    lines.push(`| \`${v.name}\` | ${def} | ${cell(v.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}
