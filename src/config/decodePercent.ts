/** Owns percent-decoding of `key=value` list entries (OTLP headers, resource attributes). */

/** The percent-decoded text; undefined when it is not valid percent-encoding. */
export function decodePercent(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
