/**
 * The language server for `reload-manifest` and `mcp-context` documents: it composes the
 * one-feature modules of this folder over core. Entry files only create the connection.
 */
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  TextDocuments,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { languageIdForPath } from '../core/formats';
import { FileCache } from './cachedFileHost';
import { codeActions, resolvePinDigest, type PinDigestData } from './codeActions';
import { codeLenses } from './codeLens';
import { complete } from './completion';
import { definition } from './definition';
import { DiagnosticsProvider } from './diagnostics';
import { DocumentStates } from './documents';
import { hover } from './hover';
import { createJsonService } from './jsonService';
import { documentLinks } from './links';
import { migrateWorkspace } from './migrateWorkspace';
import { DEFAULT_SETTINGS, SERVER_COMMANDS, settingsFrom, type Settings } from '../common/protocol';
import { runSafe } from './runSafe';
import { documentSymbols } from './symbols';
import { WorkspaceIndex } from './workspaceIndex';

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const jsonService = createJsonService();
  const files = new FileCache();
  let settings: Settings = DEFAULT_SETTINGS;
  let capabilities: ClientCapabilities = {};
  let folders: string[] = [];
  const workspace: WorkspaceIndex = new WorkspaceIndex(
    () => folders,
    () => {
      states.forget();
      diagnostics.refreshAll();
    },
  );
  const states = new DocumentStates(
    jsonService,
    () => (settings.targets.length > 0 ? settings.targets.map((t) => t.name) : undefined),
    () => workspace.knownModels(),
  );
  const pull = (): boolean => capabilities.textDocument?.diagnostic !== undefined;
  const diagnostics = new DiagnosticsProvider({ connection, documents, states, files, settings: () => settings, pull });
  const workspaceModels = () => workspace.current();

  connection.onInitialize((params): InitializeResult => {
    capabilities = params.capabilities;
    folders = (params.workspaceFolders ?? []).map((f) => fileURLToPath(f.uri));
    if (folders.length === 0 && params.rootUri) folders = [fileURLToPath(params.rootUri)];
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
        executeCommandProvider: { commands: Object.values(SERVER_COMMANDS) },
        ...(pull() ? { diagnosticProvider: { identifier: 'tracing-reload', interFileDependencies: false, workspaceDiagnostics: false } } : {}),
      },
      serverInfo: { name: 'Tracing Reload language server' },
    };
  });

  connection.onInitialized(() => {
    if (capabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: 'tracingReload' });
    }
    void loadSettings();
    workspace.invalidate();
  });

  async function loadSettings(): Promise<void> {
    if (!capabilities.workspace?.configuration) return;
    const [raw] = await connection.workspace.getConfiguration([{ section: 'tracingReload' }]);
    settings = settingsFrom(raw);
    states.forget();
    diagnostics.refreshAll();
  }

  connection.onDidChangeConfiguration((change) => {
    if (capabilities.workspace?.configuration) void loadSettings();
    else {
      settings = settingsFrom((change.settings as { tracingReload?: unknown } | undefined)?.tracingReload);
      states.forget();
      diagnostics.refreshAll();
    }
  });

  connection.onDidChangeWatchedFiles((change) => {
    for (const event of change.changes) if (event.uri.startsWith('file:')) files.invalidate(fileURLToPath(event.uri));
    // Only a changed manifest can change the models the workspace declares.
    if (change.changes.some((event) => languageIdForPath(event.uri) !== undefined)) workspace.invalidate();
    diagnostics.refreshAll();
  });

  const withState = <T>(uri: string, fallback: T, run: (state: ReturnType<DocumentStates['get']>) => T | Promise<T>): T | Promise<T> => {
    const document = documents.get(uri);
    return document ? run(states.get(document)) : fallback;
  };

  connection.onCompletion((params, token) =>
    runSafe(connection, 'completion', token, null, () =>
      withState(params.textDocument.uri, null, (state) => complete({ state, position: params.position, jsonService, targets: settings.targets.map((t) => t.name), workspaceModels })),
    ),
  );
  connection.onHover((params, token) =>
    runSafe(connection, 'hover', token, null, () => withState(params.textDocument.uri, null, (state) => hover({ state, position: params.position, jsonService, files, workspaceModels }))),
  );
  connection.onCodeAction((params, token) =>
    runSafe(connection, 'code actions', token, [], () =>
      withState(params.textDocument.uri, [], async (state) => {
        const actions = codeActions(state, params);
        // Clients that cannot resolve edits get the digest computed now.
        if (capabilities.textDocument?.codeAction?.resolveSupport?.properties.includes('edit')) return actions;
        return Promise.all(actions.map((a) => ((a.data as PinDigestData | undefined)?.fix === 'pinDigest' ? resolvePinDigest(state, a, files) : a)));
      }),
    ),
  );
  connection.onCodeActionResolve(async (action) => {
    const data = action.data as PinDigestData | undefined;
    const document = data?.fix === 'pinDigest' ? documents.get(data.uri) : undefined;
    if (!document) return action;
    try {
      return await resolvePinDigest(states.get(document), action, files);
    } catch (error) {
      connection.console.error(`Pin artifact digest failed: ${error instanceof Error ? error.message : String(error)}`);
      return action;
    }
  });
  connection.onCodeLens((params, token) => runSafe(connection, 'code lenses', token, [], () => withState(params.textDocument.uri, [], codeLenses)));
  connection.onDocumentSymbol((params, token) => runSafe(connection, 'symbols', token, [], () => withState(params.textDocument.uri, [], documentSymbols)));
  connection.onDocumentLinks((params, token) => runSafe(connection, 'links', token, [], () => withState(params.textDocument.uri, [], documentLinks)));
  connection.onDefinition((params, token) =>
    runSafe(connection, 'definition', token, [], () => withState(params.textDocument.uri, [], (state) => definition(state, params.position, workspaceModels))),
  );
  connection.onDocumentFormatting((params, token) =>
    runSafe(connection, 'formatting', token, [], () =>
      withState(params.textDocument.uri, [], (state) => jsonService.service.format(state.json().document, undefined, params.options)),
    ),
  );
  connection.onDocumentRangeFormatting((params, token) =>
    runSafe(connection, 'range formatting', token, [], () =>
      withState(params.textDocument.uri, [], (state) => jsonService.service.format(state.json().document, params.range, params.options)),
    ),
  );
  connection.onFoldingRanges((params, token) =>
    runSafe(connection, 'folding', token, [], () => withState(params.textDocument.uri, [], (state) => jsonService.service.getFoldingRanges(state.json().document))),
  );
  connection.onSelectionRanges((params, token) =>
    runSafe(connection, 'selection ranges', token, [], () =>
      withState(params.textDocument.uri, [], (state) => {
        const json = state.json();
        return jsonService.service.getSelectionRanges(json.document, params.positions, json.parsed);
      }),
    ),
  );
  connection.onExecuteCommand(async (params) => {
    if (params.command !== SERVER_COMMANDS.migrateWorkspace) return null;
    const result = await migrateWorkspace(folders, documents);
    for (const { uri, reason } of result.refused) connection.console.warn(`Not migrated: ${uri}: ${reason}`);
    return result.edit;
  });

  documents.onDidClose((e) => states.forget(e.document.uri));
  documents.listen(connection);
  connection.listen();
}
