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

/** A state file that is a link, or not a regular file: it was planted, not written by the agent. */
export class PlantedFileError extends Error {}

/**
 * Reads a file of the state folder, never following a link (O_NOFOLLOW): undefined when it does
 * not exist, PlantedFileError when it is a link or not a regular file.
 */
export async function readStateFile(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new PlantedFileError(`${path} is a symbolic link: the agent never follows links in its state folder; remove it`);
    throw error;
  }
  try {
    if (!(await handle.stat()).isFile()) throw new PlantedFileError(`${path} is not a regular file: remove it`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Creates a folder of the state (0700) and checks that it is one: a link planted in its place would send every write elsewhere. */
export async function stateFolder(path: string): Promise<void> {
  await fs.mkdir(path, { recursive: true, mode: 0o700 });
  const stat = await fs.lstat(path);
  if (!stat.isDirectory()) throw new PlantedFileError(`${path} is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}: the agent never follows links in its state folder; remove it`);
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
