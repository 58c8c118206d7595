/**
 * The reload manifests of the workspace and the models they declare, for adapters' `baseModel`
 * (completion, definition, and the check that it names a model). Scanned once; after that a
 * changed, created or deleted manifest updates only its own entry, and only a change in the
 * declared models is reported (context manifests are then checked again, nothing else).
 */
import { pathToFileURL } from 'node:url';
import { languageIdForPath } from '../core/formats';
import { findManifests, isSearched, modelsDeclaredBy, MAX_WORKSPACE_MANIFESTS } from '../node/workspaceManifests';

export interface WorkspaceModel {
  ref: string;
  uri: string;
  pointer: string;
  text: string;
}

export interface WorkspaceIndexEvents {
  /** The set of declared models changed. */
  modelsChanged(): void;
  /** Something worth a line in the log (files left out past the limit, unreadable manifests). */
  log(message: string): void;
}

export class WorkspaceIndex {
  /** Reload manifest path → the models it declares. */
  private readonly files = new Map<string, WorkspaceModel[]>();
  private scanning: Promise<void> | undefined;
  private scanned = false;
  private reloadManifests = 0;

  constructor(
    private readonly folders: () => readonly string[],
    private readonly events: WorkspaceIndexEvents,
  ) {}

  /**
   * Model references to check adapters against: undefined before the first scan, or when the
   * workspace has no reload manifests (nothing to check against; the CLI behaves the same).
   */
  knownModels(): ReadonlySet<string> | undefined {
    if (!this.scanned || this.reloadManifests === 0) return undefined;
    return new Set([...this.files.values()].flatMap((models) => models.map((m) => m.ref)));
  }

  /** The models known now. */
  current(): readonly WorkspaceModel[] {
    return [...this.files.values()].flat();
  }

  /** The first scan of the workspace folders (again when the folders change). */
  scan(): Promise<void> {
    this.scanning ??= (async () => {
      const found = await findManifests(this.folders());
      if (found.leftOut > 0) {
        this.events.log(`The workspace holds more than ${MAX_WORKSPACE_MANIFESTS} manifests: ${found.leftOut} were left out of the model index (adapters naming their models may be reported as unresolved).`);
      }
      this.files.clear();
      this.reloadManifests = 0;
      for (const path of found.paths) if (languageIdForPath(path) === 'reload-manifest') await this.read(path);
      this.scanned = true;
      this.events.modelsChanged();
    })().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  /** A manifest file was created, changed or deleted: updates its entry; reports whether the models changed. */
  async fileChanged(path: string, deleted: boolean): Promise<void> {
    if (languageIdForPath(path) !== 'reload-manifest' || !isSearched(this.folders(), path)) return;
    if (this.scanning) await this.scanning;
    const before = this.signature();
    if (this.files.delete(path)) this.reloadManifests--;
    if (!deleted) await this.read(path);
    if (this.scanned && this.signature() !== before) this.events.modelsChanged();
  }

  private async read(path: string): Promise<void> {
    const uri = pathToFileURL(path).href;
    try {
      const declared = await modelsDeclaredBy(path);
      if (!declared) return;
      this.files.set(path, declared.models.map((m) => ({ ref: m.ref, uri, pointer: m.pointer, text: declared.text })));
      this.reloadManifests++;
    } catch (error) {
      this.events.log(`Cannot read ${path} for the model index: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private signature(): string {
    return `${this.reloadManifests}|${[...this.knownModels() ?? []].sort().join(',')}`;
  }
}
