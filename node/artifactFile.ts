/** Local artifact files opened for staging's positioned reads. */
import { constants, promises as fs } from 'node:fs';
import type { ArtifactFile } from '../core/runtime/artifactSource';

/**
 * Opens a regular file for staging. O_NONBLOCK: a path swapped for a FIFO after it was stat'ed
 * would otherwise block the open (and a thread-pool thread) until a writer appears; it has no
 * effect on regular files, and anything that is not one is refused.
 */
export async function openArtifactFile(path: string): Promise<ArtifactFile> {
  const handle = await fs.open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  const stat = await handle.stat().catch(async (e: unknown) => {
    await handle.close();
    throw e;
  });
  if (!stat.isFile()) {
    await handle.close();
    throw new Error('it is no longer a regular file');
  }
  return {
    read: async (target, offset, length, position) => (await handle.read(target, offset, length, position)).bytesRead,
    close: () => handle.close(),
  };
}
