/** File-system errors in words a user can act on, for every Node adapter and command that reports them. */

/** What went wrong with a file operation, without the path (the caller names the file). */
export function describeFileError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ELOOP':
      return 'its symbolic links form a loop';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'the disk quota is exceeded';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EFBIG':
      return 'file too large (a file size limit is set for this process)';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
