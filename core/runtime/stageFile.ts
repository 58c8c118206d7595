/**
 * Hashing a local file at the speed of sha256: positioned reads into one buffer allocated per
 * staging (never a buffer per chunk), each read running on the thread pool while the previous
 * chunk is hashed. Kept bytes are read straight into the final array, so nothing is copied twice.
 * The file may change while it is read: reading stops at the size it had, and a file that ends
 * sooner or goes on longer is reported, never truncated or overrun.
 */
import { createHash } from 'node:crypto';
import { cancellationOf } from '../errors';
import type { ArtifactFile } from './artifactSource';

/**
 * Bytes per read. Each read costs a round trip to the thread pool (tens of µs), hidden behind the
 * hashing of the previous chunk once chunks reach a few hundred KiB; 1 MiB leaves a margin for
 * slower pools and disks, while a chunk is still small enough to be in cache when it is hashed
 * right after its read. `npm run bench:runtime -- --read-sizes` compares 256 KiB…8 MiB.
 */
export const READ_CHUNK_BYTES = 1024 * 1024;

export type FileRead =
  | { outcome: 'complete'; digest: string; bytes?: Uint8Array }
  /** The file ended after `bytesRead` bytes, before the size it had when staging began. */
  | { outcome: 'ended'; bytesRead: number }
  /** The file has more bytes than the size it had when staging began. */
  | { outcome: 'grew' };

export interface FileReadOptions {
  retain: boolean;
  signal?: AbortSignal;
  onProgress?: (bytes: number, total: number) => void;
  /** Bytes per read (default READ_CHUNK_BYTES); the benchmark compares sizes. */
  chunkBytes?: number;
}

interface PendingRead {
  target: Uint8Array;
  offset: number;
  bytesRead: Promise<number>;
}

/** Reads and hashes the `size` bytes of `file`, then checks with a one-byte read that it has no more. */
export async function readLocalFile(file: ArtifactFile, size: number, options: FileReadOptions): Promise<FileRead> {
  const chunk = options.chunkBytes ?? READ_CHUNK_BYTES;
  const hash = createHash('sha256');
  const bytes = options.retain ? new Uint8Array(size) : undefined;
  // Hash-only: two halves of one buffer, one being filled while the other is hashed.
  const half = Math.min(chunk, size);
  const scratch = bytes ? undefined : new Uint8Array(2 * half);
  const probe = new Uint8Array(1);
  let useSecondHalf = false;
  const start = (position: number): PendingRead => {
    const length = Math.min(chunk, size - position);
    if (length === 0) return { target: probe, offset: 0, bytesRead: file.read(probe, 0, 1, position) };
    if (bytes) return { target: bytes, offset: position, bytesRead: file.read(bytes, position, length, position) };
    useSecondHalf = !useSecondHalf;
    const offset = useSecondHalf ? half : 0;
    return { target: scratch!, offset, bytesRead: file.read(scratch!, offset, length, position) };
  };

  let done = 0;
  let pending: PendingRead | undefined = start(0);
  try {
    for (;;) {
      const current: PendingRead = pending;
      pending = undefined;
      const n = await current.bytesRead;
      if (current.target === probe) return n === 0 ? { outcome: 'complete', digest: `sha256:${hash.digest('hex')}`, bytes } : { outcome: 'grew' };
      if (n === 0) return { outcome: 'ended', bytesRead: done };
      done += n;
      if (options.signal?.aborted) throw cancellationOf(options.signal, 'Staging');
      pending = start(done);
      hash.update(current.target.subarray(current.offset, current.offset + n));
      options.onProgress?.(done, size);
    }
  } finally {
    // A read still under way writes into our buffer through the caller's handle: the handle must
    // not be closed under it. Its own result no longer matters, only that it has finished.
    if (pending) await pending.bytesRead.catch(() => 0);
  }
}
