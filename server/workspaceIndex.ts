/**
 * The reload manifests of the workspace and the models they declare, for adapters' `baseModel`
 * (completion, definition, and the check that it names a model). Rescanned when files change.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { languageIdForPath } from '../core/formats';
import { parseJsonc } from '../core/jsonc/parse';
import { declaredChanges } from '../core/declaredChanges';

export interface WorkspaceModel {
  ref: string;
  uri: string;
  pointer: string;
  text: string;
}

const SKIP = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test']);
const MAX_FILES = 5_000;

/** Every manifest file (both languages) under the folders, skipping build and dependency folders. */
export async function findManifests(folders: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    if (found.length >= MAX_FILES) return;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name) && !entry.name.startsWith('.')) await walk(join(dir, entry.name));
      } else if (entry.isFile() && languageIdForPath(entry.name)) {
        found.push(join(dir, entry.name));
      }
    }
  };
  for (const folder of folders) await walk(folder);
  return found.sort();
}

export class WorkspaceIndex {
  private models: WorkspaceModel[] = [];
  private scanning: Promise<void> | undefined;
  private stale = true;
  private scanned = false;

  constructor(
    private readonly folders: () => readonly string[],
    private readonly onChange: () => void,
  ) {}

  invalidate(): void {
    this.stale = true;
    void this.refresh();
  }

  private manifestCount = 0;

  /**
   * Model references to check adapters against: undefined before the first scan, or when the
   * workspace has no reload manifests (nothing to check against; the CLI behaves the same).
   */
  knownModels(): ReadonlySet<string> | undefined {
    if (this.stale) void this.refresh();
    return this.scanned && this.manifestCount > 0 ? new Set(this.models.map((m) => m.ref)) : undefined;
  }

  /** The models known now (possibly from the last scan); a rescan runs when they are stale. */
  current(): readonly WorkspaceModel[] {
    if (this.stale) void this.refresh();
    return this.models;
  }

  async refresh(): Promise<void> {
    if (this.scanning) return this.scanning;
    this.stale = false;
    this.scanning = (async () => {
      const models: WorkspaceModel[] = [];
      let manifestCount = 0;
      for (const path of await findManifests(this.folders())) {
        if (languageIdForPath(path) !== 'reload-manifest') continue;
        manifestCount++;
        const text = await fs.readFile(path, 'utf8').catch(() => '');
        for (const change of declaredChanges(parseJsonc(text).value)) {
          if (change.kind === 'model') models.push({ ref: `model:${change.id}`, uri: pathToFileURL(path).href, pointer: change.pointer, text });
        }
      }
      const changed = !this.scanned || JSON.stringify(models.map((m) => [m.ref, m.uri])) !== JSON.stringify(this.models.map((m) => [m.ref, m.uri]));
      this.models = models;
      this.scanned = true;
      this.manifestCount = manifestCount;
      if (changed) this.onChange();
    })().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }
}
