import { open, rename } from 'node:fs/promises';

/**
 * Whether writes wait for the disk: `fdatasync` after each write (and fsync of the directory after
 * a file is created, renamed or removed), or `none` (the page cache only: fast, loses what a host
 * crash catches unwritten; a killed process loses nothing the kernel already has).
 */
export type SyncPolicy = 'fdatasync' | 'none';

/** Makes a directory's entries (created, renamed files) durable; ignores refusals. */
export async function syncDirectory(dir: string, policy: SyncPolicy): Promise<void> {
  if (policy === 'none') return;
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename or create is still atomic.
  } finally {
    await directory.close();
  }
}

/** Writes a new file (exclusive create) and syncs its data, then the directory entry. */
export async function writeNewFile(
  dir: string,
  path: string,
  data: Buffer,
  policy: SyncPolicy,
): Promise<void> {
  const file = await open(path, 'wx', 0o600);
  try {
    await file.writeFile(data);
    if (policy !== 'none') await file.datasync();
  } finally {
    await file.close();
  }
  await syncDirectory(dir, policy);
}

/** Replaces `target` atomically with `temp` (already written and synced): rename, sync directory. */
export async function replaceFile(
  dir: string,
  temp: string,
  target: string,
  policy: SyncPolicy,
): Promise<void> {
  await rename(temp, target);
  await syncDirectory(dir, policy);
}
