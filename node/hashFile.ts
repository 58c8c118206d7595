/** sha256 of a file for drift checks while editing: the staging reader (reused buffers), cancellable. */
import { promises as fs } from 'node:fs';
import { readLocalFile } from '../core/runtime/stageFile';
import { openArtifactFile } from './artifactFile';

/**
 * `sha256:<hex>` of the file's bytes, or undefined when the file changed size while it was read
 * (the next check hashes it again); rejects with the signal's reason when aborted.
 */
export async function hashFile(path: string, signal?: AbortSignal): Promise<string | undefined> {
  const file = await openArtifactFile(path);
  try {
    const { size } = await fs.stat(path);
    const read = await readLocalFile(file, size, { retain: false, signal });
    return read.outcome === 'complete' ? read.digest : undefined;
  } finally {
    await file.close();
  }
}
