/** `FileHost` and `ArtifactSource` on Node's file system, for a manifest at `manifestPath`. */
import { promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { artifactLocator, isInside, outsideRoots } from '../core/artifactPath';
import { FileAccessError } from '../core/errors';
import { DEFAULT_MAX_HASH_BYTES, type FileHost, type FileStat } from '../core/localFiles';
import type { ArtifactSource } from '../core/runtime/artifactSource';
import { openArtifactFile } from './artifactFile';
import { hashFile } from './hashFile';
import { createHttpFetcher, type HttpFetchLimits } from './httpFetch';

export interface FileHostOptions {
  /** Further folders files may be read from (CLI --root, setting tracingReload.artifactRoots). */
  roots?: readonly string[];
  /** Files up to this size are hashed to check pinned digests (0: never); default DEFAULT_MAX_HASH_BYTES. */
  maxHashBytes?: number;
}

/**
 * Resolves symbolic links before every read and refuses a path whose real location leaves the
 * allowed folders (a link planted inside the manifest's folder pointing at /etc, say).
 */
export function confinement(base: string, roots: readonly string[] = []): (path: string) => Promise<string | undefined> {
  let realRoots: Promise<string[]> | undefined;
  const allowed = (): Promise<string[]> =>
    (realRoots ??= Promise.all([base, ...roots].map((root) => fs.realpath(resolve(root)).catch(() => resolve(root)))));
  return async (path) => {
    let real: string;
    try {
      real = await fs.realpath(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw error;
    }
    if (!(await allowed()).some((root) => isInside(real, root))) throw new FileAccessError('outside-roots', outsideRoots(path));
    return real;
  };
}

export function nodeFileHost(manifestPath: string, options: FileHostOptions = {}): FileHost {
  const base = dirname(resolve(manifestPath));
  const roots = options.roots ?? [];
  const confine = confinement(base, roots);
  return {
    locate: artifactLocator(base, roots),
    async stat(path): Promise<FileStat | undefined> {
      const real = await confine(path);
      if (real === undefined) return undefined;
      const stat = await fs.stat(real);
      return { size: stat.size, isFile: stat.isFile(), mtimeMs: stat.mtimeMs };
    },
    async readText(path) {
      const real = await confine(path);
      if (real === undefined) throw Object.assign(new Error(`no file at ${path}`), { code: 'ENOENT' });
      return fs.readFile(real, 'utf8');
    },
    async digest(path, stat, signal) {
      if (stat.size > (options.maxHashBytes ?? DEFAULT_MAX_HASH_BYTES)) return undefined;
      const real = await confine(path);
      return real === undefined ? undefined : hashFile(real, signal);
    },
  };
}

export interface NodeArtifactSourceOptions extends FileHostOptions {
  /** Allow http(s) artifacts, fetched within `http` limits. */
  allowHttp?: boolean;
  /** Timeouts and redirects for http(s) artifacts (defaults: DEFAULT_HTTP_FETCH_LIMITS). */
  http?: Partial<HttpFetchLimits>;
}

export function nodeArtifactSource(manifestPath: string, options: NodeArtifactSourceOptions = {}): ArtifactSource {
  const host = nodeFileHost(manifestPath, options);
  const confine = confinement(dirname(resolve(manifestPath)), options.roots);
  return {
    ...host,
    // The real path is checked against the roots again at open: a link swapped in after stat
    // cannot lead the read out of them.
    openFile: async (path) => {
      const real = await confine(path);
      if (real === undefined) throw Object.assign(new Error(`no file at ${path}`), { code: 'ENOENT' });
      return openArtifactFile(real);
    },
    fetch: options.allowHttp ? createHttpFetcher(options.http) : undefined,
  };
}
