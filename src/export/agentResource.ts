/**
 * The agent-wide resource attributes (`service.name`, version, node, `OTEL_RESOURCE_ATTRIBUTES`)
 * that every exported batch merges with each pod's own.
 */
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import type { Config } from '../config.js';

/**
 * Agent-wide resource attributes: `OTEL_RESOURCE_ATTRIBUTES`, then `service.name` from
 * `OTEL_SERVICE_NAME` (which wins, per the OpenTelemetry spec) and `k8s.node.name`. Each observed
 * pod's own attributes are merged over these per span.
 */
export function agentResource(
  config: Pick<Config, 'serviceName' | 'resourceAttributes' | 'nodeName'>,
): Resource {
  return resourceFromAttributes({
    ...config.resourceAttributes,
    'service.name': config.serviceName,
    'k8s.node.name': config.nodeName,
  });
}
