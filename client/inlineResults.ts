/**
 * A dry run's results in the manifest: beside each change an inlay hint with its outcome and
 * measured time, whose hover lists the change's spans (a click opens the timeline at them), and a
 * failure as a diagnostic on the exact field (source `tracing-reload dry run`). The next edit of
 * the document, or its next run, clears them.
 */
import * as vscode from 'vscode';
import type { ReloadOutcome } from '../core/runtime/pipeline';
import { changeResults, type ChangeResult } from '../core/tracing/changeResults';
import type { TraceData } from '../core/tracing/model';
import { locateNearest, type TextSpan } from '../core/model/locateChange';
import { formatMilliseconds as formatMs } from '../core/tracing/timeline';
import { CLIENT_COMMANDS } from '../common/protocol';

export const DRY_RUN_SOURCE = 'tracing-reload dry run';

const STATUS_LABEL: Record<ChangeResult['status'], string> = { activated: '✓ activated', failed: '✗ failed', skipped: '○ skipped', rolledBack: '↶ rolled back' };

interface Shown {
  version: number;
  hints: vscode.InlayHint[];
}

/**
 * Inlay hints and diagnostics one run left in a document (a dry run's, an apply's), shown until
 * the document changes or closes, or the next run replaces them. Subclasses decide what to show.
 */
export class InlineAnnotations implements vscode.InlayHintsProvider, vscode.Disposable {
  private readonly shown = new Map<string, Shown>();
  private readonly diagnostics: vscode.DiagnosticCollection;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(source: string) {
    this.diagnostics = vscode.languages.createDiagnosticCollection(source);
    this.subscriptions = [
      this.diagnostics,
      this.changed,
      vscode.languages.registerInlayHintsProvider([{ language: 'reload-manifest' }, { language: 'mcp-context' }], this),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0) this.clear(event.document.uri);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.clear(document.uri)),
    ];
  }

  /** Shows these hints and diagnostics for the document's current version, replacing earlier ones. */
  protected set(document: vscode.TextDocument, hints: vscode.InlayHint[], diagnostics: vscode.Diagnostic[]): void {
    this.shown.set(document.uri.toString(), { version: document.version, hints });
    this.diagnostics.set(document.uri, diagnostics);
    this.changed.fire();
  }

  clear(uri: vscode.Uri): void {
    const had = this.shown.delete(uri.toString());
    if (this.diagnostics.has(uri)) this.diagnostics.delete(uri);
    if (had) this.changed.fire();
  }

  provideInlayHints(document: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    const shown = this.shown.get(document.uri.toString());
    if (!shown || shown.version !== document.version) return [];
    return shown.hints.filter((hint) => range.contains(hint.position));
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

export class InlineResults extends InlineAnnotations {
  constructor() {
    super(DRY_RUN_SOURCE);
  }

  /** Shows a run's results in the document it ran (the text it ran is the document's current text). */
  show(document: vscode.TextDocument, outcome: ReloadOutcome, trace: TraceData): void {
    const results = changeResults(outcome.changes, trace);
    const failure = outcome.error;
    // Every place shown, located in one pass over the text (a manifest may have thousands of changes).
    const where = locateNearest(document.getText(), [
      ...results.flatMap((r) => (r.error?.pointer ? [r.pointer, r.error.pointer] : [r.pointer])),
      failure?.pointer ?? '',
    ]);
    const hints: vscode.InlayHint[] = [];
    const diagnostics: vscode.Diagnostic[] = [];
    for (const result of results) {
      const at = where.get(result.pointer);
      if (!at) continue;
      hints.push(hintFor(document, at.start, result));
      if (result.status === 'failed' && result.error) diagnostics.push(diagnosticAt(document, where.get(result.error.pointer ?? result.pointer), `${result.error.type}: ${result.error.message}`, result.error.type));
    }
    // A failure not tied to a change (a rollback, a deadline, verify) is a diagnostic too, where it points.
    if (failure && outcome.outcome !== 'Invalid' && !diagnostics.some((d) => d.code === failure.type && d.message.endsWith(failure.message))) {
      diagnostics.push(diagnosticAt(document, where.get(failure.pointer ?? ''), `${failure.type}: ${failure.message}`, failure.type));
    }
    this.set(document, hints, diagnostics);
  }
}

function hintFor(document: vscode.TextDocument, offset: number, result: ChangeResult): vscode.InlayHint {
  const line = document.positionAt(offset).line;
  const position = document.lineAt(line).range.end;
  const time = result.durationMs === undefined ? '' : ` · ${formatMs(result.durationMs)}`;
  const label = new vscode.InlayHintLabelPart(`${STATUS_LABEL[result.status]}${time}`);
  label.tooltip = tooltipFor(result);
  const first = result.spans.find((s) => s.status === 2) ?? result.spans[0];
  if (first) label.command = { title: 'Show in the timeline', command: CLIENT_COMMANDS.showTrace, arguments: [{ spanId: first.spanId }] };
  const hint = new vscode.InlayHint(position, [label]);
  hint.paddingLeft = true;
  return hint;
}

function tooltipFor(result: ChangeResult): vscode.MarkdownString {
  const markdown = new vscode.MarkdownString(undefined, true);
  markdown.isTrusted = false;
  markdown.supportHtml = false;
  markdown.appendMarkdown(`**${escapeMarkdown(result.ref)}**: ${STATUS_LABEL[result.status]}`);
  if (result.durationMs !== undefined) markdown.appendMarkdown(` in ${formatMs(result.durationMs)}`);
  markdown.appendMarkdown('\n\n');
  if (result.error) markdown.appendMarkdown(`${escapeMarkdown(result.error.type)}: ${escapeMarkdown(result.error.message)}\n\n`);
  if (result.spans.length > 0) {
    markdown.appendMarkdown('| span | time | status |\n| --- | ---: | --- |\n');
    for (const span of result.spans) {
      const status = span.status === 2 ? `✗ ${escapeMarkdown(span.statusMessage ?? 'error')}` : span.status === 1 ? '✓' : '';
      markdown.appendMarkdown(`| ${escapeMarkdown(span.name)} | ${formatMs(span.durationMs)} | ${status} |\n`);
    }
    markdown.appendMarkdown('\nCtrl+click (⌘+click on macOS) the result to open the timeline at this change.');
  }
  return markdown;
}

/** Text from a run (messages may quote the manifest) shown literally in markdown, table cells included. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&').replace(/\r?\n/g, ' ');
}

/** A diagnostic on the first line of a located field (the start of the document when it was not found). */
export function diagnosticAt(document: vscode.TextDocument, located: TextSpan | undefined, message: string, code: string, source = DRY_RUN_SOURCE, severity = vscode.DiagnosticSeverity.Error): vscode.Diagnostic {
  const at = located ?? { start: 0, end: 0 };
  // The field's first line: a multi-line object would underline the whole block.
  const start = document.positionAt(at.start);
  const end = document.positionAt(at.end);
  const range = new vscode.Range(start, end.line === start.line ? end : document.lineAt(start.line).range.end);
  const diagnostic = new vscode.Diagnostic(range, message, severity);
  diagnostic.source = source;
  diagnostic.code = code;
  return diagnostic;
}
