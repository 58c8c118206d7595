/**
 * Where a file a manifest names is on this machine, confined to the manifest's folder and the
 * configured artifact roots (CLI `--root`, setting `tracingReload.artifactRoots`, agent
 * `--artifact-root`). A manifest may come from a pull request or over the network: `..`, absolute
 * paths and file: URIs that leave those folders are refused here, lexically; the Node file host
 * also refuses symbolic links that lead out of them.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ArtifactLocation =
  /** A file on this machine, inside the allowed folders. */
  | { kind: 'local'; path: string }
  /** Fetched when staged (http:, https:, s3:, …), never read while editing. */
  | { kind: 'remote'; uri: string }
  /** Not readable here; `reason` says why and what to do. */
  | { kind: 'refused'; reason: string };

/** Whether `path` is `root` or inside it (both absolute and normalized). */
export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;

/** The absolute path a local uri names, or a reason it names none. */
function localPath(base: string, uri: string): { path: string } | { reason: string } {
  if (uri.includes('\0')) return { reason: `"${uri}" contains a NUL character: fix the path.` };
  if (uri.startsWith('file:')) {
    try {
      return { path: fileURLToPath(uri) };
    } catch {
      return { reason: `"${uri}" is not a local file: URI (a host or an encoded "/" in it): use a path relative to the manifest.` };
    }
  }
  return { path: isAbsolute(uri) ? resolve(uri) : resolve(base, uri) };
}

/** A relative path with no ".." segment cannot leave the folder it is resolved against. */
const CLIMBS = /(?:^|[\\/])\.\.(?:[\\/]|$)/;

/**
 * A locator for the uris of a manifest in folder `base`: `roots` are further allowed folders; the
 * manifest's own folder is always allowed. Made once per manifest, so a 10,000-artifact manifest
 * resolves the allowed folders once, and plain relative paths take a fast path.
 */
export function artifactLocator(base: string, roots: readonly string[] = []): (uri: string) => ArtifactLocation {
  const folder = resolve(base);
  const allowed = [folder, ...roots.map((root) => resolve(root))];
  return (uri) => {
    if (SCHEME.test(uri) && !uri.startsWith('file:') && !WINDOWS_DRIVE.test(uri)) return { kind: 'remote', uri };
    if (!uri.startsWith('file:') && !isAbsolute(uri) && !CLIMBS.test(uri) && !uri.includes('\0')) return { kind: 'local', path: resolve(folder, uri) };
    const found = localPath(folder, uri);
    if ('reason' in found) return { kind: 'refused', reason: found.reason };
    if (allowed.some((root) => isInside(found.path, root))) return { kind: 'local', path: found.path };
    return { kind: 'refused', reason: outsideRoots(uri) };
  };
}


/**
 * The message for a file outside the allowed folders. It names no folder: on an agent, the roots
 * are the agent's own configuration, not the caller's to learn.
 */
export function outsideRoots(uri: string): string {
  return `"${uri}" is outside the manifest's folder and the artifact roots: move the file there, or allow its folder as an artifact root (reloadctl --root, setting tracingReload.artifactRoots, agent --artifact-root).`;
}
