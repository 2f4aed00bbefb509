/**
 * Owns the OTLP/gRPC exporter's options: the collector endpoint, protocol, gRPC metadata
 * (headers), compression, timeout and TLS files, read from the standard `OTEL_EXPORTER_OTLP_*`
 * variables (the `TRACES_` one winning over the general one) and handed to the exporter
 * explicitly. Header values are credentials: messages name an entry's position or key, never its
 * value.
 */
import { choose } from './choose.js';
import { type ConfigVariable, countVariable, type NumberVariable } from './configVariable.js';
import { decodePercent } from './decodePercent.js';
import type { EnvReader } from './envReader.js';
import { parseHttpUrl } from './parseHttpUrl.js';

const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4317';
const OTLP_TIMEOUT_RANGE = [1, 600_000] as const;

export const OTLP_VARIABLES = {
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {
    name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    group: 'otel',
    default: '',
    description: 'Collector URL for traces; wins over OTEL_EXPORTER_OTLP_ENDPOINT.',
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    group: 'otel',
    default: DEFAULT_OTLP_ENDPOINT,
    description:
      'OTLP/gRPC collector, an `http://` (plaintext) or `https://` (TLS) URL with a host; a path is ignored.',
  },
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: {
    name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    group: 'otel',
    default: '',
    description: 'Must be `grpc` if set.',
  },
  OTEL_EXPORTER_OTLP_PROTOCOL: {
    name: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    group: 'otel',
    default: 'grpc',
    description: 'Must be `grpc`: this agent speaks OTLP/gRPC only.',
  },
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: {
    name: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_HEADERS, for traces; wins per key.',
  },
  OTEL_EXPORTER_OTLP_HEADERS: {
    name: 'OTEL_EXPORTER_OTLP_HEADERS',
    group: 'otel',
    default: '',
    description:
      'gRPC metadata sent with every export, `key=value,...`, values percent-decoded (e.g. `authorization=Bearer%20xyz`).',
  },
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: {
    name: 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_COMPRESSION, for traces; wins over it.',
  },
  OTEL_EXPORTER_OTLP_COMPRESSION: {
    name: 'OTEL_EXPORTER_OTLP_COMPRESSION',
    group: 'otel',
    default: 'none',
    description: '`gzip` or `none`.',
  },
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: {
    name: 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
    group: 'otel',
    default: '',
    bounds: OTLP_TIMEOUT_RANGE,
    description: 'Like OTEL_EXPORTER_OTLP_TIMEOUT, for traces; wins over it.',
  },
  OTEL_EXPORTER_OTLP_TIMEOUT: countVariable({
    name: 'OTEL_EXPORTER_OTLP_TIMEOUT',
    group: 'otel',
    value: 10_000,
    bounds: OTLP_TIMEOUT_RANGE,
    description: `Export request timeout, integer milliseconds (${OTLP_TIMEOUT_RANGE[0]}..${OTLP_TIMEOUT_RANGE[1]}).`,
  }),
  OTEL_EXPORTER_OTLP_TRACES_INSECURE: {
    name: 'OTEL_EXPORTER_OTLP_TRACES_INSECURE',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_INSECURE, for traces.',
  },
  OTEL_EXPORTER_OTLP_INSECURE: {
    name: 'OTEL_EXPORTER_OTLP_INSECURE',
    group: 'otel',
    default: 'false',
    description:
      'Boolean. Has no effect here: the endpoint always has a scheme, and `http://` vs `https://` decides.',
  },
  OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: {
    name: 'OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_CERTIFICATE, for traces; wins over it.',
  },
  OTEL_EXPORTER_OTLP_CERTIFICATE: {
    name: 'OTEL_EXPORTER_OTLP_CERTIFICATE',
    group: 'otel',
    default: '',
    description:
      "File with the CA certificates that verify the collector's certificate (`https://` only).",
  },
  OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: {
    name: 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_CLIENT_KEY, for traces; wins over it.',
  },
  OTEL_EXPORTER_OTLP_CLIENT_KEY: {
    name: 'OTEL_EXPORTER_OTLP_CLIENT_KEY',
    group: 'otel',
    default: '',
    description:
      'File with the private key for mTLS to the collector; needs the client certificate.',
  },
  OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: {
    name: 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE',
    group: 'otel',
    default: '',
    description: 'Like OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, for traces; wins over it.',
  },
  OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: {
    name: 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE',
    group: 'otel',
    default: '',
    description: 'File with the certificate chain for mTLS to the collector; needs the client key.',
  },
} as const satisfies Record<string, ConfigVariable & Partial<NumberVariable>>;

/** TLS files for the collector connection (`https://` endpoints only). */
export interface OtlpTlsFiles {
  /** CA certificates verifying the collector. */
  readonly caFile?: string;
  /** mTLS client key and certificate chain (both or neither). */
  readonly clientKeyFile?: string;
  readonly clientCertificateFile?: string;
}

export interface OtlpOptions {
  /** Collector URL as `scheme://host:port` (path dropped: gRPC ignores it). */
  readonly endpoint: string;
  /** Export request timeout, ms. */
  readonly timeoutMs: number;
  /**
   * gRPC metadata sent with every export, keys lowercased, values percent-decoded; the traces
   * variable wins per key. Values are credentials: never log them.
   */
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  /** Set only for an `https://` endpoint (they are ignored otherwise, with a warning). */
  readonly tls: OtlpTlsFiles | undefined;
}

export function readOtlpOptions(r: EnvReader): OtlpOptions {
  const v = OTLP_VARIABLES;
  const endpoint = readEndpoint(r);
  for (const variable of [v.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, v.OTEL_EXPORTER_OTLP_PROTOCOL]) {
    const value = r.get(variable);
    if (value !== undefined && value.toLowerCase() !== 'grpc') {
      r.invalid(variable, value, 'this agent speaks OTLP/gRPC only: use grpc or leave it unset');
    }
  }
  const tracesHeaders = readHeaders(r, v.OTEL_EXPORTER_OTLP_TRACES_HEADERS);
  const generalHeaders = readHeaders(r, v.OTEL_EXPORTER_OTLP_HEADERS);
  const compressions = [
    v.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,
    v.OTEL_EXPORTER_OTLP_COMPRESSION,
  ].map((variable) => {
    const value = r.get(variable);
    if (value === undefined || value === 'gzip' || value === 'none') return value;
    r.invalid(variable, value, 'not a compression (gzip or none)');
    return undefined;
  });
  const timeoutMs = choose(
    r.integer(v.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, 'milliseconds'),
    r.integer(v.OTEL_EXPORTER_OTLP_TIMEOUT, 'milliseconds'),
    v.OTEL_EXPORTER_OTLP_TIMEOUT.value,
  );
  const insecure = choose(
    r.boolean(v.OTEL_EXPORTER_OTLP_TRACES_INSECURE),
    r.boolean(v.OTEL_EXPORTER_OTLP_INSECURE),
    false,
  );
  if (insecure) {
    r.warnings.push(
      'OTEL_EXPORTER_OTLP_INSECURE=true has no effect: the endpoint scheme decides (http:// is plaintext, https:// is TLS)',
    );
  }
  const tls = readTlsFiles(r, endpoint.secure);
  return {
    endpoint: endpoint.url,
    timeoutMs,
    headers: { ...generalHeaders, ...tracesHeaders },
    compression: choose(...compressions, 'none'),
    tls,
  };
}

interface Endpoint {
  readonly url: string;
  readonly secure: boolean;
}

function readEndpoint(r: EnvReader): Endpoint {
  const parse = (variable: ConfigVariable): Endpoint | undefined => {
    const value = r.get(variable);
    if (value === undefined) return undefined;
    const url = parseHttpUrl(r, variable, value);
    if (url === undefined) return undefined;
    if (url.pathname !== '/' && url.pathname !== '') {
      r.warnings.push(
        `${variable.name}=${JSON.stringify(value)}: the path is ignored (OTLP/gRPC has none)`,
      );
    }
    return { url: url.origin, secure: url.protocol === 'https:' };
  };
  return choose(
    parse(OTLP_VARIABLES.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
    parse(OTLP_VARIABLES.OTEL_EXPORTER_OTLP_ENDPOINT),
    { url: DEFAULT_OTLP_ENDPOINT, secure: false },
  );
}

function readTlsFiles(r: EnvReader, secure: boolean): OtlpTlsFiles | undefined {
  const v = OTLP_VARIABLES;
  const pick = (specific: ConfigVariable, general: ConfigVariable) => {
    const s = r.get(specific);
    if (s !== undefined) return { name: specific.name, value: s };
    const g = r.get(general);
    return g === undefined ? undefined : { name: general.name, value: g };
  };
  const ca = pick(v.OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE, v.OTEL_EXPORTER_OTLP_CERTIFICATE);
  const key = pick(v.OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY, v.OTEL_EXPORTER_OTLP_CLIENT_KEY);
  const cert = pick(
    v.OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE,
    v.OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
  );
  if (key !== undefined && cert === undefined) {
    r.errors.push(
      `${key.name} is set but neither OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE nor OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is: mTLS needs both`,
    );
  }
  if (cert !== undefined && key === undefined) {
    r.errors.push(
      `${cert.name} is set but neither OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY nor OTEL_EXPORTER_OTLP_CLIENT_KEY is: mTLS needs both`,
    );
  }
  if (!secure) {
    for (const file of [ca, key, cert]) {
      if (file !== undefined) {
        r.warnings.push(`${file.name} is ignored: the OTLP endpoint uses http:// (no TLS)`);
      }
    }
    return undefined;
  }
  return {
    ...(ca ? { caFile: ca.value } : {}),
    ...(key ? { clientKeyFile: key.value } : {}),
    ...(cert ? { clientCertificateFile: cert.value } : {}),
  };
}

/**
 * Reads `key=value,...` gRPC metadata. Values hold credentials, so messages name the entry's
 * position or key, never its value.
 */
function readHeaders(r: EnvReader, variable: ConfigVariable): Record<string, string> {
  const headers: Record<string, string> = {};
  const value = r.get(variable);
  if (value === undefined) return headers;
  const problem = (what: string) => r.errors.push(`${variable.name}: ${what} (values not shown)`);
  value.split(',').forEach((entry, index) => {
    if (entry.trim() === '') return;
    const eq = entry.indexOf('=');
    if (eq < 0) {
      problem(`entry ${index + 1} has no "=" (expected key=value,key2=value2)`);
      return;
    }
    const rawKey = entry.slice(0, eq).trim();
    if (rawKey === '') {
      problem(`entry ${index + 1} has an empty key`);
      return;
    }
    const key = decodePercent(rawKey);
    if (key === undefined || !/^[0-9a-zA-Z_.-]+$/.test(key)) {
      problem(
        `key ${JSON.stringify(rawKey)} is not a valid gRPC metadata key (letters, digits, "-", "_", ".")`,
      );
      return;
    }
    if (key.toLowerCase().endsWith('-bin')) {
      problem(`key ${JSON.stringify(key)}: binary ("-bin") metadata is not supported`);
      return;
    }
    if (entry.includes(';')) {
      problem(
        `entry with key ${JSON.stringify(key)} contains ";", which cuts the value short; write it as %3B`,
      );
      return;
    }
    const decoded = decodePercent(entry.slice(eq + 1).trim());
    if (decoded === undefined) {
      problem(`the value for key ${JSON.stringify(key)} is not valid percent-encoding`);
    } else if (decoded === '') {
      problem(`the value for key ${JSON.stringify(key)} is empty`);
    } else if (!/^[ -~]*$/.test(decoded)) {
      problem(
        `the value for key ${JSON.stringify(key)} has characters gRPC metadata forbids (printable ASCII only)`,
      );
    } else {
      headers[key.toLowerCase()] = decoded;
    }
  });
  return headers;
}
