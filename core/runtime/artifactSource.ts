/** Where staging gets bytes from: local files opened for positioned reads, and http(s) fetches (DESIGN.md §5). */
import type { FileHost } from '../localFiles';

/** A local file opened for staging. */
export interface ArtifactFile {
  /** Reads up to `length` bytes at file position `position` into `target` at `offset`; resolves to the count read, 0 at the end of the file. */
  read(target: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface FetchRequest {
  /** Aborting stops the transfer at any point and closes the connection. */
  signal: AbortSignal;
  /** More bytes than this, announced by Content-Length or received, reject with ResponseTooLargeError and stop the transfer. */
  maxBytes: number;
}

export interface FetchedArtifact {
  /** The response's Content-Length, when it sent a valid one. */
  contentLength?: number;
  /** The response body; a transfer that breaks ends it with an error, never early and silently. */
  body: AsyncIterable<Uint8Array>;
}

export interface ArtifactSource extends FileHost {
  /** Opens a regular file for positioned reads; rejects when it cannot (or is no longer a regular file). */
  openFile(path: string): Promise<ArtifactFile>;
  /**
   * For http(s) artifacts; absent when the caller allows no network. Rejects with a
   * ReloadStepError ('ArtifactFetchFailed', without pointer), a ResponseTooLargeError, or the
   * signal's reason.
   */
  fetch?: (url: string, request: FetchRequest) => Promise<FetchedArtifact>;
  /**
   * A local file holding the bytes with this digest, when the source keeps artifacts by digest
   * (the reload agent's blobs): staging reads it instead of the artifact's uri, and still checks
   * the bytes against the digest.
   */
  byDigest?: (digest: string) => string | undefined;
}
