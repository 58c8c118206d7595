/**
 * Diagnostics: pulled by clients that support textDocument/diagnostic, pushed (debounced, per
 * document version) to the others. A result computed for an older version is never sent: checks
 * that read files can finish after a newer version's.
 */
import { DocumentDiagnosticReportKind, type Connection, type Diagnostic, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ManifestService } from '../core/service';
import { sortDiagnostics } from '../core/validate';
import type { Settings } from '../common/protocol';
import type { FileCache } from './cachedFileHost';
import type { DocumentStates } from './documents';
import { logError, runSafe } from './runSafe';
import { toLspDiagnostic } from './toLsp';
import { localPathOf } from './uris';

export interface DiagnosticsOptions {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  states: DocumentStates;
  service: ManifestService;
  files: FileCache;
  settings: () => Settings;
  /** True when the client pulls diagnostics; otherwise they are pushed. */
  pull: () => boolean;
}

export class DiagnosticsProvider {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** The version last scheduled per document: opening fires both onDidOpen and onDidChangeContent, which must not check it twice. */
  private readonly scheduled = new Map<string, number>();
  private disposed = false;

  constructor(private readonly options: DiagnosticsOptions) {
    const { connection, documents } = options;
    connection.languages.diagnostics.on((params, token) =>
      runSafe(connection, 'diagnostics', token, { kind: DocumentDiagnosticReportKind.Full, items: [] }, async () => {
        const document = documents.get(params.textDocument.uri);
        return { kind: DocumentDiagnosticReportKind.Full, items: document ? await this.compute(document) : [] };
      }),
    );
    documents.onDidOpen((e) => this.schedule(e.document, 0));
    documents.onDidChangeContent((e) => {
      if (this.scheduled.get(e.document.uri) !== e.document.version) this.schedule(e.document, this.options.settings().validation.delayMs);
    });
    documents.onDidClose((e) => {
      clearTimeout(this.timers.get(e.document.uri));
      this.timers.delete(e.document.uri);
      this.scheduled.delete(e.document.uri);
      this.options.files.release(e.document.uri);
      if (!this.options.pull()) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }).catch(logError(connection, 'clearing diagnostics'));
    });
  }

  /** Stops publishing (the server is shutting down): pending checks are dropped. */
  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Checks open documents again: all of them (settings changed), or those `affects` picks (a file they name changed). */
  refresh(affects: (document: TextDocument) => boolean = () => true): void {
    if (this.disposed) return;
    const documents = this.options.documents.all().filter(affects);
    if (documents.length === 0) return;
    if (this.options.pull()) {
      void this.options.connection.languages.diagnostics.refresh().catch(logError(this.options.connection, 'asking the client to pull diagnostics'));
      return;
    }
    for (const document of documents) this.schedule(document, 0);
  }

  async compute(document: TextDocument): Promise<Diagnostic[]> {
    const { states, service, settings, files } = this.options;
    const state = states.get(document);
    const result = state.validation();
    let diagnostics = result.diagnostics;
    const path = localPathOf(document.uri);
    if (settings().validation.checkLocalFiles && path !== undefined) {
      const local = await service.checkFiles(document.getText(), result, path, { requester: document.uri });
      // Only the latest version's check says which background hashes are still wanted.
      if (this.options.documents.get(document.uri)?.version === document.version) files.settle(document.uri);
      if (local.length > 0) diagnostics = sortDiagnostics([...diagnostics, ...local]);
    }
    return diagnostics.map(toLspDiagnostic);
  }

  private schedule(document: TextDocument, delay: number): void {
    if (this.options.pull() || this.disposed) return;
    const { uri } = document;
    clearTimeout(this.timers.get(uri));
    this.scheduled.set(uri, document.version);
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
      if (this.disposed || this.options.documents.get(uri)?.version !== version) return;
      await this.options.connection.sendDiagnostics({ uri, version, diagnostics });
    } catch (error) {
      logError(this.options.connection, `validating ${uri}`)(error);
    }
  }
}
