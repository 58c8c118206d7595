/** Where a manifest's artifact URI points on this machine. */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A manifest-relative path or file: URI as an absolute path; undefined for remote URIs. */
export function resolveArtifactPath(base: string, uri: string): string | undefined {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) && !/^[A-Za-z]:[\\/]/.test(uri)) return undefined;
  return isAbsolute(uri) ? uri : resolve(base, uri);
}
