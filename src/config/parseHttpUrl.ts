/** Owns the validation of an http(s) URL variable (kubelet and collector endpoints). */
import type { ConfigVariable } from './configVariable.js';
import type { EnvReader } from './envReader.js';

/**
 * Parses an http(s) URL with a host, without credentials, query or fragment. Problems are
 * recorded; a URL carrying a user name or password is never quoted.
 */
export function parseHttpUrl(
  r: EnvReader,
  variable: ConfigVariable,
  value: string,
): URL | undefined {
  const { name } = variable;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    r.invalid(variable, value, 'not a URL (example: https://10.0.0.1:10250)');
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    r.errors.push(`${name}: must not contain a user name or password (value not shown)`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    r.invalid(variable, value, 'must be an http:// or https:// URL');
    return undefined;
  }
  if (url.hostname === '') {
    r.invalid(variable, value, 'has no host');
    return undefined;
  }
  if (url.search !== '' || url.hash !== '') {
    r.invalid(variable, value, 'must not have a query or fragment');
    return undefined;
  }
  return url;
}
