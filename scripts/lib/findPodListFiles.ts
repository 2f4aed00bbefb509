/**
 * Every `*.json` file under a directory (recursively, in path order) whose content is a kubelet
 * `/pods` answer (`kind: PodList`). Other JSON files (and unreadable ones) are left out.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface PodListFile {
  readonly path: string;
  readonly body: unknown;
}

export async function findPodListFiles(dir: string): Promise<PodListFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const found: PodListFile[] = [];
  for (const path of paths) {
    let body: unknown;
    try {
      body = JSON.parse(await readFile(path, 'utf8'));
    } catch {
      continue;
    }
    if ((body as { kind?: unknown } | null)?.kind === 'PodList') found.push({ path, body });
  }
  return found;
}
