/**
 * The dry run from VS Code: the core pipeline in the extension host (onnxruntime-web is WASM, so
 * nothing native loads), its timeline in the Tracing Reload output, its trace kept for export.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { nodeArtifactSource } from '../node/fileHost';
import { renderTimeline } from '../core/tracing/timeline';
import { languageIdForPath } from '../core/formats';
import { createOnnxEngine } from '../core/runtime/onnxEngine';
import { runReload } from '../core/runtime/pipeline';
import { LocalRuntime } from '../core/runtime/runtime';
import { toChromeTrace } from '../core/tracing/chrome';
import { fromReadableSpans, type TraceData } from '../core/tracing/model';
import { toOtlpJson } from '../core/tracing/otlp';
import { readTrace } from '../core/tracing/readTrace';
import { TraceFormatError } from '../core/tracing/traceFormatError';
import { createTraceRecorder } from '../core/tracing/recorder';
import type { CommandContext } from './context';
import { settingsFrom } from '../common/protocol';


function targetDocument(arg: unknown): vscode.TextDocument | undefined {
  const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.parse(arg) : vscode.window.activeTextEditor?.document.uri;
  return uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) : undefined;
}

/** The artifact roots setting, relative entries against the first workspace folder. */
function artifactRoots(): string[] {
  const roots = settingsFrom(vscode.workspace.getConfiguration('tracingReload')).artifactRoots;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return roots.map((root) => (path.isAbsolute(root) || folder === undefined ? root : path.join(folder, root)));
}

export async function dryRunDocument(context: CommandContext, arg: unknown): Promise<void> {
  const document = targetDocument(arg);
  if (!document || document.uri.scheme !== 'file') {
    void vscode.window.showWarningMessage('Tracing Reload: open a saved *.reload.json or *.mcp-context.json file to dry-run it.');
    return;
  }
  const file = document.uri.fsPath;
  const recorder = createTraceRecorder();
  const runtime = new LocalRuntime(createOnnxEngine({ wasmDir: __dirname }));
  try {
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Dry run of ${path.basename(file)}`, cancellable: false }, (progress) =>
      runReload({
        text: document.getText(),
        languageId: languageIdForPath(file),
        mode: 'dryRun',
        runtime,
        source: nodeArtifactSource(file, { roots: artifactRoots() }),
        tracer: recorder.tracer,
        onProgress: (event) => {
          if (event.kind === 'step' && event.state === 'start') progress.report({ message: `${event.step}${event.ref ? ` ${event.ref}` : ''}` });
        },
      }),
    );
    const trace = fromReadableSpans(recorder.finishedSpans(), { 'service.name': 'vscode-tracing-reload' });
    context.traces.last = { trace, name: path.basename(file) };
    context.log.info(`Dry run of ${file}: ${outcome.outcome}\n${renderTimeline(trace).text}`);
    const summary = `Dry run ${outcome.outcome}${outcome.error ? `: ${outcome.error.type}: ${outcome.error.message}` : ''}`;
    const action = await (outcome.outcome === 'Succeeded' ? vscode.window.showInformationMessage(summary, 'Show Trace') : vscode.window.showErrorMessage(summary, 'Show Trace'));
    if (action === 'Show Trace') showLastTrace(context);
  } finally {
    await runtime.dispose();
    await recorder.shutdown();
  }
}

export function showLastTrace(context: CommandContext): void {
  if (!context.traces.last) {
    void vscode.window.showInformationMessage('Tracing Reload: no trace yet. Run "Dry Run" on a manifest first, or open a trace file.');
    return;
  }
  const timeline = renderTimeline(context.traces.last.trace);
  for (const warning of timeline.warnings) context.log.warn(`Trace of ${context.traces.last.name}: ${warning}`);
  context.log.info(`Trace of ${context.traces.last.name}\n${timeline.text}`);
  context.log.show(true);
}

export async function openTraceFile(context: CommandContext): Promise<void> {
  const [uri] = (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Trace (OTLP or Jaeger JSON)': ['json'] } })) ?? [];
  if (!uri) return;
  let trace: TraceData;
  try {
    trace = readTrace(JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri))));
  } catch (e) {
    if (!(e instanceof SyntaxError || e instanceof TraceFormatError)) throw e;
    void vscode.window.showErrorMessage(`Tracing Reload: cannot read ${path.basename(uri.fsPath)} as a trace: ${e instanceof SyntaxError ? `not JSON (${e.message})` : e.message}`);
    return;
  }
  context.traces.last = { trace, name: path.basename(uri.fsPath) };
  showLastTrace(context);
}

export async function exportLastTrace(context: CommandContext): Promise<void> {
  const last = context.traces.last;
  if (!last) {
    void vscode.window.showInformationMessage('Tracing Reload: no trace to export yet.');
    return;
  }
  const format = await vscode.window.showQuickPick(
    [
      { label: 'OTLP JSON', description: 'for OpenTelemetry tools', id: 'otlp' },
      { label: 'Chrome Trace Event JSON', description: 'for Perfetto', id: 'chrome' },
    ],
    { placeHolder: 'Export the trace as' },
  );
  if (!format) return;
  const target = await vscode.window.showSaveDialog({ filters: { JSON: ['json'] }, saveLabel: 'Export Trace' });
  if (!target) return;
  const body = format.id === 'otlp' ? toOtlpJson(last.trace) : toChromeTrace(last.trace);
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(`${JSON.stringify(body, null, 2)}\n`));
}
