/**
 * Staging: resolve an artifact, stream its bytes through sha256, and check digest and size. The
 * bytes are kept only when the caller will load them.
 */
import { createHash } from 'node:crypto';
import type { FileHost } from '../localFiles';
import { ReloadStepError } from '../errors';
import { requireLocalPath, statFile } from './localPath';

export interface ArtifactSource extends FileHost {
  /** Streams a local file in large chunks. */
  openStream(path: string): AsyncIterable<Uint8Array>;
  /** For http(s) artifacts; absent when the caller allows no network. */
  fetch?: (url: string) => Promise<Response>;
}

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
  /** JSON pointer of the artifact object, for errors. */
  pointer?: string;
  onProgress?: (bytes: number, total: number | undefined) => void;
}

export async function stageArtifact(source: ArtifactSource, artifact: ArtifactRef, options: StageOptions): Promise<StagedArtifact> {
  const { pointer } = options;
  const uriPointer = pointer && `${pointer}/uri`;
  let chunks: AsyncIterable<Uint8Array>;
  let location: string;
  let total = artifact.size;
  if (/^https?:/i.test(artifact.uri)) {
    if (!source.fetch) throw new ReloadStepError('UnsupportedArtifactUri', `${artifact.uri}: http(s) artifacts are not fetched here (no network allowed for this run).`, uriPointer);
    location = artifact.uri;
    const response = await source.fetch(artifact.uri).catch((e: unknown) => {
      throw new ReloadStepError('ArtifactFetchFailed', `${artifact.uri}: ${e instanceof Error ? e.message : String(e)}`, uriPointer);
    });
    if (!response.ok || !response.body) throw new ReloadStepError('ArtifactFetchFailed', `${artifact.uri}: HTTP ${response.status}`, uriPointer);
    total ??= Number(response.headers.get('content-length') ?? '') || undefined;
    chunks = response.body as unknown as AsyncIterable<Uint8Array>;
  } else {
    const path = requireLocalPath(source, artifact.uri, uriPointer);
    const stat = await statFile(source, path, uriPointer);
    if (!stat?.isFile) throw new ReloadStepError('ArtifactNotFound', `No file at ${path} (from "${artifact.uri}").`, uriPointer);
    if (artifact.size !== undefined && stat.size !== artifact.size) {
      throw new ReloadStepError('SizeMismatch', `${artifact.uri} is ${stat.size} bytes, the manifest says ${artifact.size}.`, pointer && `${pointer}/size`);
    }
    total = stat.size;
    location = path;
    chunks = source.openStream(path);
  }

  const hash = createHash('sha256');
  const kept: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    size += chunk.byteLength;
    if (options.retain) kept.push(chunk);
    options.onProgress?.(size, total);
  }
  const digest = `sha256:${hash.digest('hex')}`;
  if (artifact.size !== undefined && size !== artifact.size) {
    throw new ReloadStepError('SizeMismatch', `${artifact.uri} is ${size} bytes, the manifest says ${artifact.size}.`, pointer && `${pointer}/size`);
  }
  if (artifact.digest !== undefined && digest !== artifact.digest) {
    throw new ReloadStepError('DigestMismatch', `${artifact.uri} hashes to ${digest}, not the pinned ${artifact.digest}: the bytes changed; pin the new digest only if the change is intended.`, pointer && `${pointer}/digest`);
  }
  return { uri: artifact.uri, location, digest, size, bytes: options.retain ? concat(kept, size) : undefined };
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
