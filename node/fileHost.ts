/** `FileHost` and `ArtifactSource` on Node's file system, for a manifest at `manifestPath`. */
import { createReadStream, promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { resolveArtifactPath } from '../core/artifactPath';
import type { FileHost } from '../core/localFiles';
import type { ArtifactSource } from '../core/runtime/stage';

/** Large reads keep hashing, not system calls, the bottleneck of staging. */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;

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

export interface NodeArtifactSourceOptions {
  /** Allow http(s) artifacts (fetched with the global fetch). */
  allowHttp?: boolean;
}

export function nodeArtifactSource(manifestPath: string, options: NodeArtifactSourceOptions = {}): ArtifactSource {
  return {
    ...nodeFileHost(manifestPath),
    openStream: (path) => createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }),
    fetch: options.allowHttp ? (url) => fetch(url) : undefined,
  };
}
