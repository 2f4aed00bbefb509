/**
 * RFC 1123 names exactly as Kubernetes validates them (apimachinery `IsDNS1123Label` and
 * `IsDNS1123Subdomain`): lowercase letters, digits and "-", starting and ending with a letter or
 * digit; a subdomain is such labels joined by ".". Namespace names are labels; node names and
 * label-key prefixes are subdomains. Pure.
 */

/** Longest DNS label (a namespace name). */
const DNS_LABEL_MAX_LENGTH = 63;
/** Longest DNS subdomain (a node name, a label-key prefix). */
export const DNS_SUBDOMAIN_MAX_LENGTH = 253;

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const LABEL_PATTERN = new RegExp(`^${LABEL}$`);
const SUBDOMAIN_PATTERN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

/** An RFC 1123 label of at most 63 characters, as Kubernetes namespace names are. */
export function isDnsLabel(text: string): boolean {
  return text.length <= DNS_LABEL_MAX_LENGTH && LABEL_PATTERN.test(text);
}

/**
 * An RFC 1123 subdomain of at most 253 characters, as Kubernetes node names are. Like Kubernetes,
 * the length of each label is not limited on its own.
 */
export function isDnsSubdomain(text: string): boolean {
  return text.length <= DNS_SUBDOMAIN_MAX_LENGTH && SUBDOMAIN_PATTERN.test(text);
}
