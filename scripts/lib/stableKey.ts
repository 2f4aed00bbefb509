/**
 * A deterministic text key of a decoded OTLP value (BigInts and byte buffers included): the
 * grouping key of resources and scopes in the OTLP/JSON and Jaeger outputs, and Jaeger's text
 * form of arrays and maps.
 */
export const stableKey = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : Buffer.isBuffer(v) ? v.toString('base64') : v,
  );
