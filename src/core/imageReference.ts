/** A container image reference split the way the `container.image.*` attributes want it. */
export interface ImageReference {
  /** Repository without tag or digest, e.g. `docker.io/library/busybox`. */
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Splits `registry[:port]/path[:tag][@digest]`. A colon before the last `/` belongs to the
 * registry's port, not to a tag. Returns `undefined` for an empty reference.
 */
export function parseImageReference(reference: string): ImageReference | undefined {
  let rest = reference.trim();
  if (rest === '') return undefined;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1) || undefined;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1) || undefined;
    rest = rest.slice(0, colon);
  }
  if (rest === '') return undefined;
  return { name: rest, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}
