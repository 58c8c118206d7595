/**
 * Replaces a file so that it holds either its old bytes or the new ones, never a mix, and so that
 * nothing else is written: a symbolic link is followed to the file it names (the link stays a
 * link), the temporary file is created exclusively under a random name (a file or link planted
 * beside the target cannot redirect the write), the target keeps its mode and owner, and on any
 * failure the temporary file is removed and the target is left as it was.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeFileError } from '../core/errors';
import { batched } from './writeChunks';

export interface AtomicWriteOptions {
  /** Replace a file whose mode gives its owner no write permission. */
  force?: boolean;
  /** Source of the temporary file's random name; tests pass a fixed one to plant files at that name. */
  randomBytes?: (size: number) => Buffer;
}

/** Why a write was refused or failed; the target is unchanged in every case. */
export type AtomicWriteRefusal = 'dangling-link' | 'link-loop' | 'not-a-file' | 'read-only' | 'failed';

export type AtomicWriteResult =
  | {
      ok: true;
      /** The file written: the path with its symbolic links resolved. */
      target: string;
      /** What was written but could not be kept as it was (the owner, without the right to give files away). */
      warnings: string[];
    }
  | {
      ok: false;
      reason: AtomicWriteRefusal;
      /** What is wrong, without the path: the caller names the file. */
      message: string;
    };

type Refusal = Extract<AtomicWriteResult, { ok: false }>;

const refuse = (reason: AtomicWriteRefusal, message: string): Refusal => ({ ok: false, reason, message });

/** Owner write permission (S_IWUSR): checked on the mode, since root passes any access() check. */
const OWNER_WRITE = 0o200;
/** Permission bits including setuid, setgid and sticky, all kept. */
const PERMISSION_BITS = 0o7777;
/** Code points of the target's name kept in the temporary name: it stays well under NAME_MAX. */
const NAME_PREFIX_LENGTH = 32;

/** `data` may be text, bytes, or text in pieces (a long output written as it is produced, never held whole). */
export async function writeFileAtomically(path: string, data: string | Uint8Array | Iterable<string>, options: AtomicWriteOptions = {}): Promise<AtomicWriteResult> {
  const resolved = await resolveTarget(path);
  if (!resolved.ok) return resolved;
  const { target, existing } = resolved;
  if (existing && !existing.isFile()) return refuse('not-a-file', existing.isDirectory() ? 'it is a directory' : 'it is not a regular file');
  if (existing && (existing.mode & OWNER_WRITE) === 0 && !options.force) {
    return refuse('read-only', `it is read-only (mode ${(existing.mode & PERMISSION_BITS).toString(8).padStart(4, '0')})`);
  }

  const folder = dirname(target);
  const random = (options.randomBytes ?? cryptoRandomBytes)(8).toString('hex');
  const temp = join(folder, `.${[...basename(target)].slice(0, NAME_PREFIX_LENGTH).join('')}.${random}.tmp`);
  let handle: FileHandle;
  try {
    // 'wx' is O_CREAT|O_EXCL: it fails on any existing entry, a symbolic link included, instead of following it.
    // A new file gets the usual 0666 less the umask; a replacement starts private and takes the target's mode below.
    handle = await fs.open(temp, 'wx', existing ? 0o600 : 0o666);
  } catch (e) {
    return refuse('failed', `cannot create a temporary file in ${folder}: ${describeFileError(e)}`);
  }
  const warnings: string[] = [];
  try {
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
      else for (const batch of batched(data)) await handle.write(batch);
      if (existing) {
        // Owner first: changing the owner clears setuid/setgid bits, which the mode then restores.
        warnings.push(...(await keepOwner(handle, existing)));
        await handle.chmod(existing.mode & PERMISSION_BITS);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (e) {
    return refuse('failed', `${describeFileError(e)}${await removeTemp(temp)}; the file is unchanged`);
  }
  const unsynced = await syncFolder(folder);
  if (unsynced) warnings.push(unsynced);
  return { ok: true, target, warnings };
}

type ResolvedTarget = { ok: true; target: string; existing?: Stats } | Refusal;

/** The real file behind `path` (links followed), or the path a new file gets in its real folder. */
async function resolveTarget(path: string): Promise<ResolvedTarget> {
  let entry: Stats;
  try {
    entry = await fs.lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return refuse('failed', describeFileError(e));
    try {
      return { ok: true, target: join(await fs.realpath(dirname(path)), basename(path)) };
    } catch (folderError) {
      const missing = (folderError as NodeJS.ErrnoException).code === 'ENOENT';
      return refuse('failed', missing ? `its folder ${dirname(path)} does not exist` : `its folder cannot be opened: ${describeFileError(folderError)}`);
    }
  }
  let target: string;
  try {
    target = await fs.realpath(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return refuse('link-loop', 'its symbolic links form a loop: fix the links');
    if (code === 'ENOENT' && entry.isSymbolicLink()) {
      // The link's text only makes the message more precise; a link replaced meanwhile leaves it out.
      const to = await fs.readlink(path).then((link) => ` to ${JSON.stringify(link)}`, () => '');
      return refuse('dangling-link', `it is a symbolic link${to}, which does not exist: fix the link or write to a file`);
    }
    return refuse('failed', describeFileError(e));
  }
  try {
    return { ok: true, target, existing: await fs.stat(target) };
  } catch (e) {
    return refuse('failed', describeFileError(e));
  }
}

/** Gives the new file the target's owner and group when they differ from ours; says so when it cannot. */
async function keepOwner(handle: FileHandle, existing: Stats): Promise<string[]> {
  const created = await handle.stat();
  if (created.uid === existing.uid && created.gid === existing.gid) return [];
  try {
    await handle.chown(existing.uid, existing.gid);
    return [];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
  }
  // Only root can give a file away; a group we belong to can still be kept.
  const groupKept = await handle.chown(-1, existing.gid).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPERM') throw e;
      return false;
    },
  );
  const lost = [
    created.uid !== existing.uid ? `owner (uid ${existing.uid}; now ${created.uid})` : undefined,
    !groupKept && created.gid !== existing.gid ? `group (gid ${existing.gid}; now ${created.gid})` : undefined,
  ].filter((part): part is string => part !== undefined);
  return lost.length > 0 ? [`its ${lost.join(' and ')} could not be kept: only root can give a file away`] : [];
}

/** Removes the temporary file after a failure; returns what to add to the message when that fails too. */
async function removeTemp(temp: string): Promise<string> {
  try {
    await fs.rm(temp, { force: true });
    return '';
  } catch (e) {
    return ` (and the temporary file ${temp} could not be removed: ${describeFileError(e)})`;
  }
}

/** Makes the rename durable: the folder's entry is what a crash would otherwise lose. */
async function syncFolder(folder: string): Promise<string | undefined> {
  // Windows cannot open a folder for syncing; NTFS journals the rename itself.
  if (process.platform === 'win32') return undefined;
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(folder, 'r');
    await handle.sync();
    return undefined;
  } catch (e) {
    return `the folder ${folder} could not be synced (${describeFileError(e)}): the new contents may not survive a crash`;
  } finally {
    await handle?.close();
  }
}
