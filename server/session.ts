/**
 * One object owns the server's state (like rust-analyzer's context): the settings, the client's
 * capabilities and folders, the documents and what is known of them, file access, the workspace's
 * models, diagnostics and file watchers, and what changing any of them means for the others.
 */
import { isAbsolute, join } from 'node:path';
import { CodeLensRefreshRequest, FileChangeType, TextDocuments, type ClientCapabilities, type Connection, type FileEvent } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_SETTINGS, settingsFrom, type Settings } from '../common/protocol';
import { languageIdForPath } from '../core/formats';
import { createManifestService, type ManifestService } from '../core/service';
import { FileCache, type FileHostFactory } from './cachedFileHost';
import { DiagnosticsProvider } from './diagnostics';
import { DocumentStates } from './documents';
import { createJsonService, type JsonService } from './jsonService';
import { localPathOf } from './uris';
import { FileWatchers } from './watchers';
import { WorkspaceIndex } from './workspaceIndex';

export class ServerSession {
  readonly documents = new TextDocuments(TextDocument);
  readonly jsonService: JsonService = createJsonService();
  settings: Settings = DEFAULT_SETTINGS;
  capabilities: ClientCapabilities = {};
  folders: string[] = [];
  readonly files: FileCache;
  readonly workspace: WorkspaceIndex;
  readonly service: ManifestService;
  readonly states: DocumentStates;
  readonly diagnostics: DiagnosticsProvider;
  readonly watchers: FileWatchers;

  constructor(
    readonly connection: Connection,
    fileHost: FileHostFactory,
  ) {
    this.files = new FileCache(fileHost, () => ({ roots: this.roots(), maxHashBytes: this.settings.validation.maxHashBytes }), (path) => this.diagnostics.refresh((d) => this.names(d, path)));
    this.workspace = new WorkspaceIndex(() => this.folders, { modelsChanged: () => this.refreshContextManifests(), log: (message) => connection.console.warn(message) });
    this.service = createManifestService({
      files: this.files,
      knownModels: () => this.workspace.knownModels(),
      knownTargets: () => (this.settings.targets.length > 0 ? this.settings.targets.map((t) => t.name) : undefined),
    });
    this.states = new DocumentStates(this.jsonService, this.service);
    const pull = (): boolean => this.pullsDiagnostics;
    this.diagnostics = new DiagnosticsProvider({ connection, documents: this.documents, states: this.states, service: this.service, files: this.files, settings: () => this.settings, pull });
    this.watchers = new FileWatchers(connection, () => this.capabilities, () => this.documents.all().flatMap((d) => this.filesOf(d)));
  }

  /** Whether the client pulls diagnostics (textDocument/diagnostic) rather than having them pushed. */
  get pullsDiagnostics(): boolean {
    return this.capabilities.textDocument?.diagnostic !== undefined;
  }

  /** The artifact roots setting, relative entries against the first workspace folder. */
  roots(): string[] {
    return this.settings.artifactRoots.map((root) => (isAbsolute(root) || this.folders.length === 0 ? root : join(this.folders[0], root)));
  }

  /** The local files an open manifest names. */
  filesOf(document: TextDocument): string[] {
    const path = localPathOf(document.uri);
    const model = path === undefined ? undefined : this.states.get(document).model();
    if (!model || path === undefined) return [];
    const host = this.files.hostFor(path);
    return model.changes.flatMap((change) => change.files.map((file) => host.locate(file.uri))).flatMap((at) => (at.kind === 'local' ? [at.path] : []));
  }

  names(document: TextDocument, path: string): boolean {
    return this.filesOf(document).includes(path);
  }

  /** The models the workspace declares changed: only context manifests depend on them. */
  refreshContextManifests(): void {
    const contexts = this.documents.all().filter((d) => this.states.get(d).languageId === 'mcp-context');
    for (const document of contexts) this.states.forget(document.uri);
    this.diagnostics.refresh((d) => contexts.includes(d));
  }

  async loadSettings(): Promise<void> {
    if (!this.capabilities.workspace?.configuration) return;
    const [raw] = await this.connection.workspace.getConfiguration([{ section: 'tracingReload' }]);
    this.applySettings(settingsFrom(raw));
  }

  applySettings(next: Settings): void {
    this.settings = next;
    this.files.invalidate();
    this.states.forget();
    this.diagnostics.refresh();
    this.watchers.update();
    // Apply/Rollback lenses come and go with the targets setting.
    if (this.capabilities.workspace?.codeLens?.refreshSupport) void this.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }

  /** Documents naming a changed file are checked again; a changed reload manifest updates the model index alone. */
  async filesChanged(events: readonly FileEvent[]): Promise<void> {
    const changed = events
      .map((event) => ({ path: localPathOf(event.uri), deleted: event.type === FileChangeType.Deleted }))
      .filter((c): c is { path: string; deleted: boolean } => c.path !== undefined);
    for (const { path } of changed) this.files.invalidate(path);
    this.diagnostics.refresh((document) => changed.some(({ path }) => this.names(document, path)));
    for (const { path, deleted } of changed) if (languageIdForPath(path)) await this.workspace.fileChanged(path, deleted);
  }

  /** Background work ends here: no more checks, publications, watcher registrations or hashing. */
  shutdown(): void {
    this.diagnostics.dispose();
    this.watchers.dispose();
    this.files.invalidate();
  }
}
