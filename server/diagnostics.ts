/**
 * Diagnostics: pulled by clients that support textDocument/diagnostic, pushed (debounced, per
 * document version) to the others. A result computed for an older version is never sent.
 */
import { fileURLToPath } from 'node:url';
import { DocumentDiagnosticReportKind, type Connection, type Diagnostic, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { localFileDiagnostics, sortDiagnostics } from '../core/validate';
import type { FileCache } from './cachedFileHost';
import type { DocumentStates } from './documents';
import type { Settings } from '../common/protocol';
import { runSafe } from './runSafe';
import { toLspDiagnostic } from './toLsp';

export interface DiagnosticsOptions {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  states: DocumentStates;
  files: FileCache;
  settings: () => Settings;
  /** True when the client pulls diagnostics; otherwise they are pushed. */
  pull: () => boolean;
}

export class DiagnosticsProvider {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly options: DiagnosticsOptions) {
    const { connection, documents } = options;
    connection.languages.diagnostics.on((params, token) =>
      runSafe(connection, 'diagnostics', token, { kind: DocumentDiagnosticReportKind.Full, items: [] }, async () => {
        const document = documents.get(params.textDocument.uri);
        return { kind: DocumentDiagnosticReportKind.Full, items: document ? await this.compute(document) : [] };
      }),
    );
    documents.onDidOpen((e) => this.schedule(e.document, 0));
    documents.onDidChangeContent((e) => this.schedule(e.document, this.options.settings().validation.delayMs));
    documents.onDidClose((e) => {
      clearTimeout(this.timers.get(e.document.uri));
      this.timers.delete(e.document.uri);
      if (!this.options.pull()) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    });
  }

  /** Revalidates every open document (after settings or watched files change). */
  refreshAll(): void {
    if (this.options.pull()) {
      void this.options.connection.languages.diagnostics.refresh();
      return;
    }
    for (const document of this.options.documents.all()) this.schedule(document, 0);
  }

  async compute(document: TextDocument): Promise<Diagnostic[]> {
    const state = this.options.states.get(document);
    const result = state.validation();
    let diagnostics = result.diagnostics;
    if (this.options.settings().validation.checkLocalFiles && document.uri.startsWith('file:')) {
      const local = await localFileDiagnostics(document.getText(), result, this.options.files.hostFor(fileURLToPath(document.uri)));
      if (local.length > 0) diagnostics = sortDiagnostics([...diagnostics, ...local]);
    }
    return diagnostics.map(toLspDiagnostic);
  }

  private schedule(document: TextDocument, delay: number): void {
    if (this.options.pull()) return;
    const { uri } = document;
    clearTimeout(this.timers.get(uri));
    const run = (): void => {
      this.timers.delete(uri);
      void this.publish(uri);
    };
    if (delay === 0) run();
    else this.timers.set(uri, setTimeout(run, delay));
  }

  private async publish(uri: string): Promise<void> {
    const document = this.options.documents.get(uri);
    if (!document) return;
    const version = document.version;
    try {
      const diagnostics = await this.compute(document);
      if (this.options.documents.get(uri)?.version !== version) return;
      await this.options.connection.sendDiagnostics({ uri, version, diagnostics });
    } catch (error) {
      this.options.connection.console.error(`Validating ${uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
}
