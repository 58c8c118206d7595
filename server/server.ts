/**
 * The language server for `reload-manifest` and `mcp-context` documents: it composes the
 * one-feature modules of this folder over core. Entry files only create the connection and choose
 * the runtime (the file system; tests bring their own).
 */
import { isAbsolute, join } from 'node:path';
import { CodeActionKind, DidChangeConfigurationNotification, FileChangeType, TextDocuments, TextDocumentSyncKind, type ClientCapabilities, type Connection, type InitializeResult } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_SETTINGS, settingsFrom, type Settings } from '../common/protocol';
import { languageIdForPath } from '../core/formats';
import { createManifestService } from '../core/service';
import { nodeFileHost } from '../node/fileHost';
import { FileCache, type FileHostFactory } from './cachedFileHost';
import { DiagnosticsProvider } from './diagnostics';
import { DocumentStates } from './documents';
import { registerFeatures, SERVER_COMMAND_IDS } from './features';
import { createJsonService } from './jsonService';
import { logError, runNotification } from './runSafe';
import { localPathOf } from './uris';
import { FileWatchers } from './watchers';
import { WorkspaceIndex } from './workspaceIndex';

/** What the server runs on: the file system behind the checks that read files. */
export interface ServerRuntime {
  fileHost: FileHostFactory;
}

export const NODE_RUNTIME: ServerRuntime = { fileHost: nodeFileHost };

export function startServer(connection: Connection, runtime: ServerRuntime = NODE_RUNTIME): void {
  const documents = new TextDocuments(TextDocument);
  const jsonService = createJsonService();
  let settings: Settings = DEFAULT_SETTINGS;
  let capabilities: ClientCapabilities = {};
  let folders: string[] = [];
  const roots = (): string[] => settings.artifactRoots.map((root) => (isAbsolute(root) || folders.length === 0 ? root : join(folders[0], root)));
  const files = new FileCache(runtime.fileHost, () => ({ roots: roots(), maxHashBytes: settings.validation.maxHashBytes }), (path) => diagnostics.refresh((d) => names(d, path)));
  const workspace = new WorkspaceIndex(() => folders, {
    modelsChanged: () => refreshContextManifests(),
    log: (message) => connection.console.warn(message),
  });
  const service = createManifestService({
    files,
    knownModels: () => workspace.knownModels(),
    knownTargets: () => (settings.targets.length > 0 ? settings.targets.map((t) => t.name) : undefined),
  });
  const states = new DocumentStates(jsonService, service);
  const pull = (): boolean => capabilities.textDocument?.diagnostic !== undefined;
  const diagnostics = new DiagnosticsProvider({ connection, documents, states, service, files, settings: () => settings, pull });
  const watchers = new FileWatchers(connection, () => capabilities, () => namedFiles());

  /** The local files an open manifest names. */
  function filesOf(document: TextDocument): string[] {
    const path = localPathOf(document.uri);
    const model = path === undefined ? undefined : states.get(document).model();
    if (!model || path === undefined) return [];
    const host = files.hostFor(path);
    return model.changes.flatMap((change) => change.files.map((file) => host.locate(file.uri))).flatMap((at) => (at.kind === 'local' ? [at.path] : []));
  }
  function namedFiles(): string[] {
    return documents.all().flatMap(filesOf);
  }
  const names = (document: TextDocument, path: string): boolean => filesOf(document).includes(path);

  /** The models the workspace declares changed: only context manifests depend on them. */
  function refreshContextManifests(): void {
    const contexts = documents.all().filter((d) => states.get(d).languageId === 'mcp-context');
    for (const document of contexts) states.forget(document.uri);
    diagnostics.refresh((d) => contexts.includes(d));
  }

  connection.onInitialize((params): InitializeResult => {
    capabilities = params.capabilities;
    folders = (params.workspaceFolders ?? []).map((f) => localPathOf(f.uri)).filter((p): p is string => p !== undefined);
    const rootPath = params.rootUri ? localPathOf(params.rootUri) : undefined;
    if (folders.length === 0 && rootPath !== undefined) folders = [rootPath];
    settings = settingsFrom(params.initializationOptions?.settings);
    const resolveEdits = capabilities.textDocument?.codeAction?.resolveSupport?.properties.includes('edit') === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        completionProvider: { triggerCharacters: ['"', ':', '/', '{'] },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll], resolveProvider: resolveEdits },
        codeLensProvider: { resolveProvider: false },
        documentSymbolProvider: true,
        documentLinkProvider: { resolveProvider: false },
        documentFormattingProvider: true,
        documentRangeFormattingProvider: true,
        foldingRangeProvider: true,
        selectionRangeProvider: true,
        definitionProvider: true,
        executeCommandProvider: { commands: SERVER_COMMAND_IDS },
        ...(pull() ? { diagnosticProvider: { identifier: 'tracing-reload', interFileDependencies: false, workspaceDiagnostics: false } } : {}),
      },
      serverInfo: { name: 'Tracing Reload language server' },
    };
  });

  connection.onInitialized(() =>
    runNotification(connection, 'starting', async () => {
      if (capabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
        void connection.client.register(DidChangeConfigurationNotification.type, { section: 'tracingReload' }).catch(logError(connection, 'registering for settings'));
      }
      void watchers.register().catch(logError(connection, 'registering file watchers'));
      void workspace.scan().catch(logError(connection, 'scanning the workspace'));
      await loadSettings();
    }),
  );

  async function loadSettings(): Promise<void> {
    if (!capabilities.workspace?.configuration) return;
    const [raw] = await connection.workspace.getConfiguration([{ section: 'tracingReload' }]);
    applySettings(settingsFrom(raw));
  }

  function applySettings(next: Settings): void {
    settings = next;
    files.invalidate();
    states.forget();
    diagnostics.refresh();
    watchers.update();
  }

  connection.onDidChangeConfiguration((change) =>
    runNotification(connection, 'applying settings', async () => {
      if (capabilities.workspace?.configuration) await loadSettings();
      else applySettings(settingsFrom((change.settings as { tracingReload?: unknown } | undefined)?.tracingReload));
    }),
  );

  connection.onDidChangeWatchedFiles((change) =>
    runNotification(connection, 'handling changed files', async () => {
      const changed = change.changes.map((event) => ({ path: localPathOf(event.uri), deleted: event.type === FileChangeType.Deleted })).filter((c): c is { path: string; deleted: boolean } => c.path !== undefined);
      for (const { path } of changed) files.invalidate(path);
      // Documents naming a changed file are checked again; a changed reload manifest updates the model index alone.
      diagnostics.refresh((document) => changed.some(({ path }) => names(document, path)));
      for (const { path, deleted } of changed) if (languageIdForPath(path)) await workspace.fileChanged(path, deleted);
    }),
  );

  connection.onShutdown(() => {
    // Background work ends here: no more checks, publications, watcher registrations or hashing.
    diagnostics.dispose();
    watchers.dispose();
    files.invalidate();
  });

  documents.onDidChangeContent(() => watchers.update());
  documents.onDidClose((e) => {
    states.forget(e.document.uri);
    watchers.update();
  });
  registerFeatures(connection, { documents, states, jsonService, files, workspace, settings: () => settings, folders: () => folders, capabilities: () => capabilities });
  documents.listen(connection);
  connection.listen();
}
