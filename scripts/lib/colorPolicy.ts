/**
 * Whether to colour terminal output: only when the stream is a terminal and `NO_COLOR` is unset
 * or empty (https://no-color.org).
 */
export function useColor(
  stream: { readonly isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}
