/** What the timeline and the palette do with a trace: reveal a change in its manifest, export, open a trace file. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { prettyJsonText } from '../core/jsonChunks';
import { languageIdForPath } from '../core/formats';
import { changePointer, locatePointer } from '../core/model/locateChange';
import { toChromeTraceStream } from '../core/tracing/chrome';
import { toOtlpJsonStream } from '../core/tracing/otlp';
import { readTraceFile, TraceFileError, writeJsonFile, type ShownTrace } from './traces';

/** Opens the manifest with the change a span names (`reload.change.ref`) selected, as its text is now. */
export async function revealChange(manifestUri: vscode.Uri, ref: string): Promise<void> {
  const document = await vscode.workspace.openTextDocument(manifestUri);
  const text = document.getText();
  const pointer = changePointer(text, languageIdForPath(manifestUri.path), ref);
  const at = pointer === undefined ? undefined : locatePointer(text, pointer);
  if (!at) {
    void vscode.window.showWarningMessage(`Tracing Reload: ${path.basename(manifestUri.path)} no longer has the change ${ref}.`);
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One });
    return;
  }
  const start = document.positionAt(at.start);
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(start, document.lineAt(start.line).range.end) });
}

const EXPORTS = {
  otlp: { label: 'OTLP JSON', suffix: '.otlp.json', chunks: (shown: ShownTrace) => prettyJsonText(toOtlpJsonStream(shown.trace)) },
  chrome: { label: 'Chrome Trace Event JSON', suffix: '.chrome-trace.json', chunks: (shown: ShownTrace) => prettyJsonText(toChromeTraceStream(shown.trace)) },
} as const;

/** Asks where to export (a default name beside the manifest or in the workspace), writes the file streamed and atomically, and confirms. */
export async function exportTrace(shown: ShownTrace, format: keyof typeof EXPORTS): Promise<vscode.Uri | undefined> {
  const kind = EXPORTS[format];
  const base = shown.title.replace(/\.(reload|mcp-context|otlp|trace)?\.?json$/, '') || 'trace';
  const folder = shown.manifestUri ? vscode.Uri.joinPath(shown.manifestUri, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
  const defaultUri = folder ? vscode.Uri.joinPath(folder, `${base}${kind.suffix}`) : undefined;
  const target = await vscode.window.showSaveDialog({ defaultUri, filters: { [kind.label]: ['json'] }, saveLabel: 'Export Trace', title: `Export the trace of ${shown.title} as ${kind.label}` });
  if (!target) return undefined;
  await writeJsonFile(target, kind.chunks(shown));
  void vscode.window.showInformationMessage(`Tracing Reload: exported ${shown.trace.spans.length} span${shown.trace.spans.length === 1 ? '' : 's'} to ${path.basename(target.path)} (${kind.label}).`, 'Open').then((choice) => {
    if (choice === 'Open') void vscode.commands.executeCommand('vscode.open', target);
  });
  return target;
}

/** "Open Trace File…": an OTLP or Jaeger JSON file, shown in its own timeline (the trace file editor). */
export async function openTraceFile(arg?: unknown): Promise<void> {
  const uri = arg instanceof vscode.Uri ? arg : (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Trace (OTLP or Jaeger JSON)': ['json'] }, openLabel: 'Open Trace' }))?.[0];
  if (!uri) return;
  try {
    await readTraceFile(uri); // says what is wrong before a panel opens
  } catch (error) {
    if (!(error instanceof TraceFileError || error instanceof vscode.FileSystemError)) throw error;
    void vscode.window.showErrorMessage(`Tracing Reload: ${error.message}`);
    return;
  }
  await vscode.commands.executeCommand('vscode.openWith', uri, 'tracingReload.traceFile');
}
