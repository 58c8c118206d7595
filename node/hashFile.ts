/** sha256 of a file, read through one reused buffer (no allocation per chunk), cancellable. */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';

const BUFFER_BYTES = 1024 * 1024;

/** `sha256:<hex>` of the file's bytes; rejects with the signal's reason when aborted. */
export async function hashFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  const handle = await fs.open(path, 'r');
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return `sha256:${hash.digest('hex')}`;
}
