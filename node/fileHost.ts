/** `FileHost` and `ArtifactSource` on Node's file system, for a manifest at `manifestPath`. */
import { constants, promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { resolveArtifactPath } from '../core/artifactPath';
import type { FileHost } from '../core/localFiles';
import type { ArtifactFile, ArtifactSource } from '../core/runtime/stage';
import { createHttpFetcher, type HttpFetchLimits } from './httpFetch';

export function nodeFileHost(manifestPath: string): FileHost {
  const base = dirname(resolve(manifestPath));
  return {
    resolve: (uri) => resolveArtifactPath(base, uri),
    async stat(path) {
      try {
        const stat = await fs.stat(path);
        return { size: stat.size, isFile: stat.isFile() };
      } catch {
        return undefined;
      }
    },
    readText: (path) => fs.readFile(path, 'utf8'),
  };
}

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

export interface NodeArtifactSourceOptions {
  /** Allow http(s) artifacts, fetched within `http` limits. */
  allowHttp?: boolean;
  /** Timeouts and redirects for http(s) artifacts (defaults: DEFAULT_HTTP_FETCH_LIMITS). */
  http?: Partial<HttpFetchLimits>;
}

export function nodeArtifactSource(manifestPath: string, options: NodeArtifactSourceOptions = {}): ArtifactSource {
  return {
    ...nodeFileHost(manifestPath),
    openFile: openArtifactFile,
    fetch: options.allowHttp ? createHttpFetcher(options.http) : undefined,
  };
}
