/**
 * The language server: diagnostics for `reload-manifest` and `mcp-context` documents from core,
 * published per document version and never stale.
 */
import { TextDocumentSyncKind, TextDocuments, type Connection } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileURLToPath } from 'node:url';
import { languageIdForPath, LANGUAGES, type LanguageId } from '../core/formats';
import { localFileDiagnostics, sortDiagnostics, validateManifest } from '../core/validate';
import { nodeFileHost } from '../cli/nodeFileHost';
import { toLspDiagnostic } from './toLsp';

/** Delay after the last keystroke before validating, so typing is not slowed by it. */
export const VALIDATION_DELAY_MS = 150;

function languageOf(document: TextDocument): LanguageId | undefined {
  return document.languageId in LANGUAGES ? (document.languageId as LanguageId) : languageIdForPath(document.uri);
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const pending = new Map<string, ReturnType<typeof setTimeout>>();

  connection.onInitialize(() => ({
    capabilities: { textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental } },
    serverInfo: { name: 'Tracing Reload language server' },
  }));

  async function validate(uri: string): Promise<void> {
    const document = documents.get(uri);
    if (!document) return;
    const version = document.version;
    const text = document.getText();
    const result = validateManifest(text, { languageId: languageOf(document) });
    let diagnostics = result.diagnostics;
    if (uri.startsWith('file:')) {
      const local = await localFileDiagnostics(text, result, nodeFileHost(fileURLToPath(uri)));
      diagnostics = sortDiagnostics([...diagnostics, ...local]);
    }
    // The document may have changed while local files were read: drop a stale result.
    if (documents.get(uri)?.version !== version) return;
    await connection.sendDiagnostics({ uri, version, diagnostics: diagnostics.map(toLspDiagnostic) });
  }

  function schedule(uri: string, delay: number): void {
    clearTimeout(pending.get(uri));
    pending.set(
      uri,
      setTimeout(() => {
        pending.delete(uri);
        validate(uri).catch((error: unknown) => connection.console.error(`Validating ${uri} failed: ${error instanceof Error ? error.stack : String(error)}`));
      }, delay),
    );
  }

  documents.onDidOpen((e) => schedule(e.document.uri, 0));
  documents.onDidChangeContent((e) => schedule(e.document.uri, VALIDATION_DELAY_MS));
  documents.onDidClose((e) => {
    clearTimeout(pending.get(e.document.uri));
    pending.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });
  documents.listen(connection);
  connection.listen();
}
