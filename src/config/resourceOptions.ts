/**
 * Owns the options of the agent's resource: `service.name` and OTEL_RESOURCE_ATTRIBUTES, parsed
 * per the OpenTelemetry spec.
 */
import { choose } from './choose.js';
import type { ConfigVariable } from './configVariable.js';
import { decodePercent } from './decodePercent.js';
import type { EnvReader } from './envReader.js';

const DEFAULT_SERVICE_NAME = 'kubelet-span-exporter';

export const RESOURCE_VARIABLES = {
  OTEL_SERVICE_NAME: {
    name: 'OTEL_SERVICE_NAME',
    group: 'otel',
    default: DEFAULT_SERVICE_NAME,
    description: 'Resource `service.name`; wins over `service.name` in OTEL_RESOURCE_ATTRIBUTES.',
  },
  OTEL_RESOURCE_ATTRIBUTES: {
    name: 'OTEL_RESOURCE_ATTRIBUTES',
    group: 'otel',
    default: '',
    description:
      'Extra resource attributes, `key=value,...`; keys and values percent-decoded (write `,` as `%2C`, `=` as `%3D`).',
  },
} as const satisfies Record<string, ConfigVariable>;

export interface ResourceOptions {
  /** Resource `service.name`. */
  readonly serviceName: string;
  /**
   * Parsed, percent-decoded OTEL_RESOURCE_ATTRIBUTES, without `service.name` (that one is folded
   * into `serviceName`, so spreading these can never override it).
   */
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

export function readResourceOptions(r: EnvReader): ResourceOptions {
  const attributes = readResourceAttributes(r);
  const fromAttributes = attributes['service.name'];
  const serviceName = choose(
    r.get(RESOURCE_VARIABLES.OTEL_SERVICE_NAME),
    fromAttributes === '' ? undefined : fromAttributes,
    DEFAULT_SERVICE_NAME,
  );
  delete attributes['service.name'];
  return { serviceName, resourceAttributes: attributes };
}

/**
 * Parses OTEL_RESOURCE_ATTRIBUTES per the OpenTelemetry spec: `key=value` entries separated by
 * commas, whitespace around keys and values trimmed, both percent-decoded, later keys winning.
 */
function readResourceAttributes(r: EnvReader): Record<string, string> {
  const variable = RESOURCE_VARIABLES.OTEL_RESOURCE_ATTRIBUTES;
  const name = variable.name;
  const attributes: Record<string, string> = {};
  const value = r.get(variable);
  if (value === undefined) return attributes;
  for (const entry of value.split(',')) {
    if (entry.trim() === '') continue;
    const parts = entry.split('=');
    const quoted = JSON.stringify(entry.trim());
    if (parts.length !== 2) {
      r.errors.push(
        `${name}: entry ${quoted} is not key=value (write "," as %2C and "=" as %3D inside keys and values)`,
      );
      continue;
    }
    const key = decodePercent((parts[0] ?? '').trim());
    const decoded = decodePercent((parts[1] ?? '').trim());
    if (key === '') {
      r.errors.push(`${name}: entry ${quoted} has an empty key`);
    } else if (key === undefined || decoded === undefined) {
      r.errors.push(`${name}: entry ${quoted} is not valid percent-encoding`);
    } else {
      attributes[key] = decoded;
    }
  }
  return attributes;
}
