/** Hashing (and keeping) the body of an http(s) artifact as it arrives, within `maxBytes`. */
import { createHash } from 'node:crypto';
import { ResponseTooLargeError } from '../errors';
import type { FetchedArtifact } from './artifactSource';

export interface FetchedRead {
  size: number;
  digest: string;
  bytes?: Uint8Array;
}

export interface FetchedReadOptions {
  retain: boolean;
  /** The size the manifest declares; when set, kept bytes go straight into one array of that size. */
  declaredSize?: number;
  /** The most bytes accepted (the declared size, or a cap when there is none). */
  maxBytes: number;
  onProgress?: (bytes: number, total: number | undefined) => void;
}

export async function readFetched(fetched: FetchedArtifact, options: FetchedReadOptions): Promise<FetchedRead> {
  const { maxBytes, declaredSize } = options;
  const total = declaredSize ?? fetched.contentLength;
  const hash = createHash('sha256');
  const into = options.retain && declaredSize !== undefined ? new Uint8Array(declaredSize) : undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of fetched.body) {
    // The source is asked to stop at maxBytes; one that does not is stopped here, before a byte
    // lands outside the array or the kept chunks outgrow the cap.
    if (size + chunk.byteLength > maxBytes) throw new ResponseTooLargeError(maxBytes);
    hash.update(chunk);
    if (into) into.set(chunk, size);
    else if (options.retain) chunks.push(chunk);
    size += chunk.byteLength;
    options.onProgress?.(size, total);
  }
  const digest = `sha256:${hash.digest('hex')}`;
  if (!options.retain) return { size, digest };
  return { size, digest, bytes: into ? into.subarray(0, size) : concat(chunks, size) };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
