/**
 * The manifests of a workspace, and the models its reload manifests declare: what an adapter's
 * `baseModel` may name. The language server (workspace folders) and `reloadctl validate` (the
 * current folder, or --workspace) find them in the same way, so both report the same diagnostics.
 */
import { promises as fs } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isInside } from '../core/artifactPath';
import { languageIdForPath } from '../core/formats';
import { declaredModels } from '../core/service';

/** Folders never searched: dependencies, build output, VCS data. */
const SKIP = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test']);
/** At most this many manifests are indexed; more are reported, not silently dropped. */
export const MAX_WORKSPACE_MANIFESTS = 5_000;
/** Larger files are not manifests (the CLI refuses them too). */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export interface FoundManifests {
  /** Manifest files (both languages), sorted. */
  paths: string[];
  /** How many more manifest files were found past the limit and left out. */
  leftOut: number;
}

/** Whether `findManifests(folders)` would look at `path` (under a folder, in no skipped or hidden folder). */
export function isSearched(folders: readonly string[], path: string): boolean {
  return folders.some((folder) => {
    if (!isInside(path, folder)) return false;
    const dirs = relative(folder, path).split(sep).slice(0, -1);
    return dirs.every((dir) => !SKIP.has(dir) && !dir.startsWith('.'));
  });
}

/** Every manifest file under the folders, skipping dependency and build folders and hidden ones. */
export async function findManifests(folders: readonly string[], limit = MAX_WORKSPACE_MANIFESTS): Promise<FoundManifests> {
  const found: string[] = [];
  let leftOut = 0;
  // Breadth-first with an explicit queue: no recursion a deep tree could exhaust.
  const queue = [...folders];
  for (let next = 0; next < queue.length; next++) {
    const entries = await fs.readdir(queue[next], { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name) && !entry.name.startsWith('.')) queue.push(join(queue[next], entry.name));
      } else if (entry.isFile() && languageIdForPath(entry.name)) {
        if (found.length < limit) found.push(join(queue[next], entry.name));
        else leftOut++;
      }
    }
  }
  return { paths: found.sort(), leftOut };
}

export interface DeclaredModels {
  text: string;
  models: { ref: string; pointer: string }[];
}

/** The Model changes one reload manifest file declares, with its text; undefined when it is not a readable manifest file. */
export async function modelsDeclaredBy(path: string): Promise<DeclaredModels | undefined> {
  const stat = await fs.stat(path).catch(() => undefined);
  if (!stat?.isFile() || stat.size > MAX_MANIFEST_BYTES) return undefined;
  const text = await fs.readFile(path, 'utf8');
  return { text, models: declaredModels(text) };
}

/**
 * The models an adapter may name: those declared by the reload manifests among `paths`.
 * Undefined when there are none: with no reload manifest around, adapters are not checked.
 */
export async function knownModelsOf(paths: readonly string[]): Promise<Set<string> | undefined> {
  const reload = paths.filter((path) => languageIdForPath(path) === 'reload-manifest');
  if (reload.length === 0) return undefined;
  const models = new Set<string>();
  for (const path of reload) {
    // An unreadable manifest declares nothing here; `validate` reports it when it is given.
    const declared = await modelsDeclaredBy(path).catch(() => undefined);
    for (const model of declared?.models ?? []) models.add(model.ref);
  }
  return models;
}
