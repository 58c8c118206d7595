/**
 * Staging: resolve an artifact, stream its bytes through sha256, and check digest and size. The
 * bytes are kept only when the caller will load them. Sizes from the manifest, the file system or
 * the server are untrusted: they are checked against the limits before anything is read, and a
 * file or response that turns out shorter or longer than announced fails staging.
 */
import { cancellationOf, messageOf, ReloadStepError, ResponseTooLargeError } from '../errors';
import type { ArtifactSource } from './artifactSource';
import { fileStepError, requireLocalPath, statFile } from './localPath';
import { readLocalFile } from './stageFile';
import { readFetched } from './stageFetch';

const GiB = 1024 * 1024 * 1024;

/** Largest artifact hashed without keeping its bytes (StageOptions.maxArtifactBytes). */
export const DEFAULT_MAX_ARTIFACT_BYTES = 4 * GiB;
/** Largest artifact kept in memory: an ONNX file cannot exceed 2 GiB (protobuf), and it is loaded from one array. */
export const DEFAULT_MAX_RETAINED_ARTIFACT_BYTES = 2 * GiB;
/** Largest http(s) response for an artifact whose manifest declares no `size` (StageOptions.maxUnsizedFetchBytes). */
export const DEFAULT_MAX_UNSIZED_FETCH_BYTES = 2 * GiB;

export interface ArtifactRef {
  uri: string;
  digest?: string;
  size?: number;
}

export interface StagedArtifact {
  uri: string;
  /** Where the bytes came from: a path or URL. */
  location: string;
  digest: string;
  size: number;
  bytes?: Uint8Array;
}

export interface StageOptions {
  retain: boolean;
  /** Where to read, when the caller located the artifact already (by its digest, say). */
  location?: ArtifactLocation;
  /** JSON pointer of the artifact object, for errors. */
  pointer?: string;
  /** Aborting stops the read or fetch promptly; staging rejects with the signal's reason when it is an Error (a StagingCancelled error otherwise). */
  signal?: AbortSignal;
  /**
   * Largest artifact staged, checked against the declared size, the file's size or the
   * Content-Length before any byte is read (default DEFAULT_MAX_ARTIFACT_BYTES, or
   * DEFAULT_MAX_RETAINED_ARTIFACT_BYTES when `retain`).
   */
  maxArtifactBytes?: number;
  /** Largest http(s) response when the manifest declares no size (default DEFAULT_MAX_UNSIZED_FETCH_BYTES). */
  maxUnsizedFetchBytes?: number;
  /**
   * Called once the most bytes staging will keep is known (the size, or the cap of an unsized
   * fetch), before any is read; staging waits for it. The Stager reserves memory here.
   */
  beforeRead?: (bytes: number) => Promise<void>;
  onProgress?: (bytes: number, total: number | undefined) => void;
}

export type ArtifactLocation = { kind: 'file'; path: string } | { kind: 'url'; url: string };

/** Where an artifact's bytes come from, or the error that says why it cannot be staged here. */
export function locateArtifact(source: ArtifactSource, artifact: ArtifactRef, pointer: string | undefined): ArtifactLocation {
  const kept = artifact.digest !== undefined ? source.byDigest?.(artifact.digest) : undefined;
  if (kept !== undefined) return { kind: 'file', path: kept };
  if (/^https?:/i.test(artifact.uri)) {
    if (!source.fetch) throw new ReloadStepError('UnsupportedArtifactUri', `${artifact.uri}: http(s) artifacts are not fetched here (no network allowed for this run).`, at(pointer, 'uri'));
    return { kind: 'url', url: artifact.uri };
  }
  return { kind: 'file', path: requireLocalPath(source, artifact.uri, at(pointer, 'uri')) };
}

export async function stageArtifact(source: ArtifactSource, artifact: ArtifactRef, options: StageOptions): Promise<StagedArtifact> {
  const { pointer, signal } = options;
  if (signal?.aborted) throw cancellationOf(signal, 'Staging');
  const location = options.location ?? locateArtifact(source, artifact, pointer);
  const limit = options.maxArtifactBytes ?? (options.retain ? DEFAULT_MAX_RETAINED_ARTIFACT_BYTES : DEFAULT_MAX_ARTIFACT_BYTES);
  if (artifact.size !== undefined && artifact.size > limit) throw tooLarge(artifact, artifact.size, limit, options);
  const read = location.kind === 'url' ? await stageUrl(source, location.url, artifact, limit, options) : await stageFile(source, location.path, artifact, limit, options);
  if (artifact.size !== undefined && read.size !== artifact.size) {
    throw new ReloadStepError('SizeMismatch', `${artifact.uri} is ${read.size} bytes, the manifest says ${artifact.size}.`, at(pointer, 'size'));
  }
  const staged = { uri: artifact.uri, location: location.kind === 'url' ? location.url : location.path, ...read };
  checkDigest(staged, artifact, pointer);
  return staged;
}

/** Fails when the staged bytes are not the ones `artifact` pins. */
export function checkDigest(staged: StagedArtifact, artifact: ArtifactRef, pointer: string | undefined): void {
  if (artifact.digest !== undefined && staged.digest !== artifact.digest) {
    throw new ReloadStepError('DigestMismatch', `${artifact.uri} hashes to ${staged.digest}, not the pinned ${artifact.digest}: the bytes changed; pin the new digest only if the change is intended.`, at(pointer, 'digest'));
  }
}

interface Read {
  size: number;
  digest: string;
  bytes?: Uint8Array;
}

async function stageFile(source: ArtifactSource, path: string, artifact: ArtifactRef, limit: number, options: StageOptions): Promise<Read> {
  const { pointer } = options;
  const stat = await statFile(source, path, at(pointer, 'uri'));
  if (!stat?.isFile) throw new ReloadStepError('ArtifactNotFound', `No file at ${path} (from "${artifact.uri}").`, at(pointer, 'uri'));
  if (artifact.size !== undefined && stat.size !== artifact.size) {
    throw new ReloadStepError('SizeMismatch', `${artifact.uri} is ${stat.size} bytes, the manifest says ${artifact.size}.`, at(pointer, 'size'));
  }
  if (stat.size > limit) throw tooLarge(artifact, stat.size, limit, options);
  await options.beforeRead?.(stat.size);
  const file = await source.openFile(path).catch((e: unknown) => {
    const mapped = fileStepError(e, path, at(pointer, 'uri'));
    throw mapped instanceof ReloadStepError ? mapped : new ReloadStepError('ArtifactUnreadable', `Cannot read ${path}: ${messageOf(e)}.`, at(pointer, 'uri'));
  });
  try {
    const read = await readLocalFile(file, stat.size, options);
    if (read.outcome === 'complete') return { size: stat.size, digest: read.digest, bytes: read.bytes };
    const what = read.outcome === 'grew' ? `grew past the ${stat.size} bytes it had` : `ended after ${read.bytesRead} of the ${stat.size} bytes it had`;
    throw new ReloadStepError('SizeMismatch', `${artifact.uri} changed while it was staged: it ${what} when staging began. Stage it again once nothing writes to it.`, at(pointer, 'size'));
  } finally {
    await file.close();
  }
}

async function stageUrl(source: ArtifactSource, url: string, artifact: ArtifactRef, limit: number, options: StageOptions): Promise<Read> {
  const { signal, pointer } = options;
  const maxBytes = artifact.size ?? Math.min(limit, options.maxUnsizedFetchBytes ?? DEFAULT_MAX_UNSIZED_FETCH_BYTES);
  await options.beforeRead?.(maxBytes);
  // One controller per fetch, so that leaving here for any reason closes the connection.
  const transfer = new AbortController();
  const cancel = (): void => transfer.abort(signal?.reason);
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    const fetched = await source.fetch!(url, { signal: transfer.signal, maxBytes });
    return await readFetched(fetched, { retain: options.retain, declaredSize: artifact.size, maxBytes, onProgress: options.onProgress });
  } catch (e) {
    if (signal?.aborted) throw cancellationOf(signal, 'Staging');
    if (e instanceof ResponseTooLargeError) {
      if (artifact.size !== undefined) throw new ReloadStepError('SizeMismatch', `${artifact.uri}: ${e.message}; the manifest says ${artifact.size} bytes. Pin the new size and digest only if the change is intended.`, at(pointer, 'size'));
      throw new ReloadStepError('ArtifactTooLarge', `${artifact.uri}: ${e.message}. Declare the artifact's size in the manifest (without one, at most ${maxBytes} bytes are fetched).`, at(pointer, 'uri'));
    }
    if (e instanceof ReloadStepError && e.pointer === undefined) throw new ReloadStepError(e.type, `${artifact.uri}: ${e.message}`, at(pointer, 'uri'));
    if (e instanceof ReloadStepError) throw e;
    throw new ReloadStepError('ArtifactFetchFailed', `${artifact.uri}: ${messageOf(e)}`, at(pointer, 'uri'));
  } finally {
    signal?.removeEventListener('abort', cancel);
    transfer.abort();
  }
}

function tooLarge(artifact: ArtifactRef, size: number, limit: number, options: StageOptions): ReloadStepError {
  const purpose = options.retain ? 'to load' : 'to hash';
  return new ReloadStepError('ArtifactTooLarge', `${artifact.uri} is ${size} bytes, more than the ${limit} bytes this runtime stages ${purpose}: nothing was read.`, at(options.pointer, artifact.size !== undefined ? 'size' : 'uri'));
}

/** The pointer of one field of the artifact object at `pointer`. */
function at(pointer: string | undefined, field: 'uri' | 'size' | 'digest'): string | undefined {
  return pointer === undefined ? undefined : `${pointer}/${field}`;
}
