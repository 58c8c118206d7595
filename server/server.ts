/**
 * The language server for `reload-manifest` and `mcp-context` documents: it composes the
 * one-feature modules of this folder over core, around one session object (session.ts). Entry
 * files only create the connection and choose the runtime (the file system; tests bring their own).
 */
import { CodeActionKind, DidChangeConfigurationNotification, TextDocumentSyncKind, type ClientCapabilities, type Connection, type InitializeResult, type ServerCapabilities } from 'vscode-languageserver';
import { settingsFrom } from '../common/protocol';
import { nodeFileHost } from '../node/fileHost';
import type { FileHostFactory } from './cachedFileHost';
import { registerFeatures, SERVER_COMMAND_IDS } from './features';
import { logError, runNotification } from './runSafe';
import { ServerSession } from './session';
import { localPathOf } from './uris';

/** What the server runs on: the file system behind the checks that read files. */
export interface ServerRuntime {
  fileHost: FileHostFactory;
}

export const NODE_RUNTIME: ServerRuntime = { fileHost: nodeFileHost };

/** What the server offers, given what the client can do. */
function serverCapabilities(client: ClientCapabilities, pull: boolean): ServerCapabilities {
  const resolveEdits = client.textDocument?.codeAction?.resolveSupport?.properties.includes('edit') === true;
  return {
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
    ...(pull ? { diagnosticProvider: { identifier: 'tracing-reload', interFileDependencies: false, workspaceDiagnostics: false } } : {}),
  };
}

export function startServer(connection: Connection, runtime: ServerRuntime = NODE_RUNTIME): void {
  const session = new ServerSession(connection, runtime.fileHost);
  const { documents, states, watchers } = session;

  connection.onInitialize((params): InitializeResult => {
    session.capabilities = params.capabilities;
    session.folders = (params.workspaceFolders ?? []).map((f) => localPathOf(f.uri)).filter((p): p is string => p !== undefined);
    const rootPath = params.rootUri ? localPathOf(params.rootUri) : undefined;
    if (session.folders.length === 0 && rootPath !== undefined) session.folders = [rootPath];
    session.settings = settingsFrom(params.initializationOptions?.settings);
    return { capabilities: serverCapabilities(params.capabilities, session.pullsDiagnostics), serverInfo: { name: 'Tracing Reload language server' } };
  });

  connection.onInitialized(() =>
    runNotification(connection, 'starting', async () => {
      if (session.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
        void connection.client.register(DidChangeConfigurationNotification.type, { section: 'tracingReload' }).catch(logError(connection, 'registering for settings'));
      }
      void watchers.register().catch(logError(connection, 'registering file watchers'));
      void session.workspace.scan().catch(logError(connection, 'scanning the workspace'));
      await session.loadSettings();
    }),
  );
  connection.onDidChangeConfiguration((change) =>
    runNotification(connection, 'applying settings', async () => {
      if (session.capabilities.workspace?.configuration) await session.loadSettings();
      else session.applySettings(settingsFrom((change.settings as { tracingReload?: unknown } | undefined)?.tracingReload));
    }),
  );
  connection.onDidChangeWatchedFiles((change) => runNotification(connection, 'handling changed files', () => session.filesChanged(change.changes)));
  connection.onShutdown(() => session.shutdown());

  documents.onDidChangeContent(() => watchers.update());
  documents.onDidClose((e) => {
    states.forget(e.document.uri);
    watchers.update();
  });
  registerFeatures(connection, session);
  documents.listen(connection);
  connection.listen();
}
