/**
 * Owns building the {@link Config} from the environment: each concern's options read and
 * validated in turn, every problem reported at once. Pure: the caller passes the environment
 * (`parseConfig(process.env)`); nothing here touches the process or the file system.
 *
 * An empty (or all-whitespace) value counts as unset, as in OpenTelemetry (except
 * TRACE_GROUP_LABEL, where set-but-empty turns the group fallback off). Where two variables set
 * the same thing, precedence is `choose`: the agent's own (or the signal-specific
 * `OTEL_EXPORTER_OTLP_TRACES_*`) variable, then the general `OTEL_*` one, then the default.
 */
import { readAgentOptions, readTrackerLimits } from './agentOptions.js';
import type { ConfigFacts, ConfigResult } from './config.js';
import { EnvReader } from './envReader.js';
import { readExportOptions } from './exportOptions.js';
import { readCriOptions, readKubeletOptions, readPodsApiOptions } from './kubeletOptions.js';
import { readOtlpOptions } from './otlpOptions.js';
import { readResourceOptions } from './resourceOptions.js';
import { readSelectionOptions } from './selectionOptions.js';
import { readStateOptions } from './stateOptions.js';

/**
 * Validates the environment and builds the {@link Config}. Reads only the variables listed in
 * `CONFIG_VARIABLES`, each exactly as named, and every one of them on every call.
 *
 * @param env the process environment (`process.env`), or any map of the same shape.
 * @returns the config with start-up warnings, or every error found (never only the first).
 */
export function parseConfig(
  env: Readonly<Record<string, string | undefined>>,
  facts: ConfigFacts = {},
): ConfigResult {
  const r = new EnvReader(env);
  const { nodeName, ...agent } = readAgentOptions(r);
  const state = readStateOptions(r);
  const cri = readCriOptions(r);
  const limits = readTrackerLimits(r);
  const kubelet = readKubeletOptions(r, agent.tracingEnabled, facts.kubeconfigFound ?? false);
  const podsApi = readPodsApiOptions(r, kubelet);
  const { podSelectors, ...selection } = readSelectionOptions(r);
  const otlp = readOtlpOptions(r);
  const exportOptions = readExportOptions(r);
  const resource = readResourceOptions(r);

  if (r.errors.length > 0 || podSelectors === undefined || nodeName === undefined) {
    return { ok: false, errors: r.errors };
  }
  return {
    ok: true,
    warnings: r.warnings,
    config: {
      ...agent,
      ...selection,
      ...state,
      ...resource,
      nodeName,
      kubelet,
      podsApi,
      podSelectors,
      otlp,
      export: exportOptions,
      cri,
      limits,
    },
  };
}
