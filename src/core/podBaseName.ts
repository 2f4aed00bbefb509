/**
 * The pod's name without the suffix Kubernetes generated for it, so span names stay
 * low-cardinality: `generateName` (`container-kill-helper-` → `container-kill-helper`) where set,
 * and a ReplicaSet's `pod-template-hash` segment (`web-7d9f8c6b5-x2v7q` → `web`).
 */
export function podBaseName(
  name: string,
  generateName: string | undefined,
  labels: Readonly<Record<string, string>>,
): string {
  let base = name;
  if (generateName && name.startsWith(generateName) && name.length > generateName.length) {
    base = generateName.replace(/[-.]+$/, '');
  }
  const templateHash = labels['pod-template-hash'];
  if (templateHash && base.endsWith(`-${templateHash}`)) {
    base = base.slice(0, -(templateHash.length + 1));
  }
  return base === '' ? name : base;
}
