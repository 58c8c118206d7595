/**
 * The timeline webview's host side: one panel for the runs' traces (reused), one per trace file
 * opened (also as the custom editor of `*.otlp.json` / `*.trace.json`), restored after a window
 * reload by the panel serializer from the state the page keeps (common/timelineProtocol.ts).
 * The page is built by webview/html.ts with a strict CSP and a fresh nonce; span data only ever
 * crosses as a message.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostToWebview, TimelineViewState, WebviewToHost } from '../common/timelineProtocol';
import { toTimelineTrace } from '../core/tracing/timelineData';
import { newNonce, timelineHtml } from '../webview/html';
import { readTraceFile, type ShownTrace, TraceFileError } from './traces';

export const TIMELINE_VIEW_TYPE = 'tracingReload.timeline';
export const TRACE_EDITOR_VIEW_TYPE = 'tracingReload.traceFile';

export interface TimelineHost {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  /** "Reveal in manifest": opens the manifest at the change a span ref names. */
  reveal(manifestUri: vscode.Uri, ref: string): Promise<void>;
  /** Exports a trace, asking where (with a default name) and confirming. */
  exportTrace(shown: ShownTrace, format: 'otlp' | 'chrome'): Promise<void>;
}

/** A panel and the trace it shows. */
interface Attached {
  panel: vscode.WebviewPanel;
  shown: ShownTrace;
  pendingSelect?: string;
}

export class TimelineViews implements vscode.WebviewPanelSerializer<TimelineViewState>, vscode.CustomReadonlyEditorProvider {
  private runPanel?: Attached;

  constructor(private readonly host: TimelineHost) {}

  register(): vscode.Disposable[] {
    return [
      vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, this),
      vscode.window.registerCustomEditorProvider(TRACE_EDITOR_VIEW_TYPE, this, { webviewOptions: { retainContextWhenHidden: false } }),
    ];
  }

  /** Shows a run's (or the last) trace in the runs' panel, selecting a span when given. */
  show(shown: ShownTrace, spanId?: string): void {
    if (this.runPanel) {
      this.runPanel.shown = shown;
      // Kept for the page's next `ready` too: a hidden page reloads when shown, and misses messages meanwhile.
      this.runPanel.pendingSelect = spanId;
      this.runPanel.panel.title = `Trace: ${shown.title}`;
      this.runPanel.panel.reveal(undefined, true);
      this.send(this.runPanel, spanId);
      return;
    }
    const panel = vscode.window.createWebviewPanel(TIMELINE_VIEW_TYPE, `Trace: ${shown.title}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.options());
    this.runPanel = this.attach(panel, shown, undefined, spanId);
    panel.onDidDispose(() => {
      if (this.runPanel?.panel === panel) this.runPanel = undefined;
    });
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: TimelineViewState | undefined): Promise<void> {
    const source = state?.version === 1 ? state.source : undefined;
    const shown = source ? await this.reopen(source) : undefined;
    if (!shown) {
      // Nothing to show again (no stored trace, or it is gone): say so in the page rather than show a blank one.
      this.attach(panel, { trace: { resource: {}, scope: { name: 'tracing-reload' }, spans: [] }, title: source?.title ?? 'trace' }, undefined, undefined, [
        source ? `The trace of ${source.title} is no longer available: run the dry run again or open the trace file.` : 'No trace to restore: run a dry run or open a trace file.',
      ]);
      return;
    }
    const attached = this.attach(panel, shown, state);
    if (shown.manifestUri) {
      this.runPanel ??= attached;
      panel.onDidDispose(() => {
        if (this.runPanel?.panel === panel) this.runPanel = undefined;
      });
    }
  }

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    const title = path.basename(document.uri.path);
    try {
      this.attach(panel, { trace: await readTraceFile(document.uri), title, uri: document.uri });
    } catch (error) {
      if (!(error instanceof TraceFileError || error instanceof vscode.FileSystemError)) throw error;
      this.attach(panel, { trace: { resource: {}, scope: { name: 'tracing-reload' }, spans: [] }, title }, undefined, undefined, [`Cannot show ${title} as a trace: ${error.message} Reopen it with the text editor to see its content.`]);
    }
  }

  private async reopen(source: NonNullable<TimelineViewState['source']>): Promise<ShownTrace | undefined> {
    const uri = vscode.Uri.parse(source.uri, true);
    try {
      return { trace: await readTraceFile(uri), title: source.title, uri, ...(source.manifestUri ? { manifestUri: vscode.Uri.parse(source.manifestUri, true) } : {}) };
    } catch (error) {
      this.host.log.warn(`Timeline of ${source.title} not restored: ${(error as Error).message}`);
      return undefined;
    }
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: false, enableFindWidget: false, localResourceRoots: [vscode.Uri.joinPath(this.host.extensionUri, 'dist')] };
  }

  private attach(panel: vscode.WebviewPanel, shown: ShownTrace, state?: TimelineViewState, spanId?: string, warnings: string[] = []): Attached {
    const attached: Attached = { panel, shown, pendingSelect: spanId };
    const { webview } = panel;
    webview.options = this.options();
    const dist = vscode.Uri.joinPath(this.host.extensionUri, 'dist');
    webview.html = timelineHtml({
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      cspSource: webview.cspSource,
      nonce: newNonce(),
      title: `Trace: ${shown.title}`,
    });
    let restore = state;
    webview.onDidReceiveMessage((message: WebviewToHost) => {
      if (message?.type === 'ready') {
        this.send(attached, attached.pendingSelect, restore, warnings);
        attached.pendingSelect = undefined;
        restore = undefined;
      } else if (message?.type === 'reveal' && typeof message.ref === 'string') {
        if (attached.shown.manifestUri) void this.host.reveal(attached.shown.manifestUri, message.ref).catch((e: unknown) => this.report('Reveal in manifest', e));
      } else if (message?.type === 'export' && (message.format === 'otlp' || message.format === 'chrome')) {
        void this.host.exportTrace(attached.shown, message.format).catch((e: unknown) => this.report('Export Trace', e));
      }
    });
    return attached;
  }

  private send(attached: Attached, spanId?: string, state?: TimelineViewState, warnings: string[] = []): void {
    const { shown } = attached;
    const trace = toTimelineTrace(shown.trace, shown.title);
    trace.warnings.unshift(...warnings);
    const source = shown.uri ? { uri: shown.uri.toString(), title: shown.title, ...(shown.manifestUri ? { manifestUri: shown.manifestUri.toString() } : {}) } : undefined;
    void attached.panel.webview.postMessage({ type: 'trace', trace, source, revealable: shown.manifestUri !== undefined, ...(state ? { state } : {}) } satisfies HostToWebview);
    if (spanId) void attached.panel.webview.postMessage({ type: 'select', spanId } satisfies HostToWebview);
  }

  private report(what: string, error: unknown): void {
    this.host.log.error(`${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void vscode.window.showErrorMessage(`Tracing Reload: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
