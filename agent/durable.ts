/**
 * Writes in the agent's state folder that survive `kill -9` and power loss at any point: the bytes
 * go to an exclusively created temporary file (random name, O_EXCL | O_NOFOLLOW: nothing planted
 * beside it is followed), are flushed (fsync), renamed over the target (rename replaces a link
 * rather than following it), and the folder is flushed so the rename itself is durable. A reader
 * sees the old file or the new one, never a mix.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
export const TEMP_SUFFIX = '.tmp';

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}${TEMP_SUFFIX}`);
}

/** Replaces `path` durably with `data` (mode 0600: state may name tokens' users and manifests). */
export async function writeDurably(path: string, data: string | Uint8Array, beforeRename?: () => void): Promise<void> {
  const temp = tempPathFor(path);
  const handle = await fs.open(temp, CREATE, 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  beforeRename?.();
  try {
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await syncFolder(dirname(path));
}

/** Makes the folder's entries (a rename, a new file) durable. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await fs.open(folder, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes temporary files a crash left behind (they were never renamed, so never part of the state). */
export async function removeLeftovers(folder: string): Promise<number> {
  let removed = 0;
  for (const name of await fs.readdir(folder).catch(() => [] as string[])) {
    if (name.startsWith('.') && name.endsWith(TEMP_SUFFIX)) {
      await fs.rm(join(folder, name), { force: true });
      removed++;
    }
  }
  return removed;
}
