/**
 * An apply's answers in the manifest: beside each change an inlay hint with each target's ACK or
 * NACK (its hover says which stage and why), and each NACK as a diagnostic where the target's
 * pointer says (source `tracing-reload apply`). The next edit of the document, or its next apply
 * or dry run, clears them.
 */
import * as vscode from 'vscode';
import { CLIENT_COMMANDS } from '../common/protocol';
import { ackLabel, ackProblems, changeAcks, type ChangeAcks, type TargetOutcome } from '../core/target/changeAcks';
import { locateNearest } from '../core/model/locateChange';
import { diagnosticAt, escapeMarkdown, InlineAnnotations } from './inlineResults';

export const APPLY_SOURCE = 'tracing-reload apply';

const STAGE_TEXT = { accepted: 'not accepted (staging, loading or probes)', activated: 'not activated' } as const;

export class ApplyResults extends InlineAnnotations {
  constructor() {
    super(APPLY_SOURCE);
  }

  /** Shows the targets' answers in the document that was applied (its current text is the text applied). */
  show(document: vscode.TextDocument, targets: readonly TargetOutcome[]): void {
    const changes = changeAcks(targets);
    const problems = changes.flatMap((change) => ackProblems(change));
    const text = document.getText();
    const where = locateNearest(text, [...changes.map((c) => c.pointer), ...problems.map((p) => p.pointer)]);
    const hints: vscode.InlayHint[] = [];
    for (const change of changes) {
      const at = where.get(change.pointer);
      if (at) hints.push(hintFor(document, at.start, change));
    }
    const diagnostics = problems.map((problem) =>
      diagnosticAt(document, where.get(problem.pointer), problem.message, problem.code, APPLY_SOURCE, problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning),
    );
    this.set(document, hints, diagnostics);
  }
}

function hintFor(document: vscode.TextDocument, offset: number, change: ChangeAcks): vscode.InlayHint {
  const line = document.positionAt(offset).line;
  const label = new vscode.InlayHintLabelPart(ackLabel(change));
  label.tooltip = tooltipFor(change);
  label.command = { title: 'Show the apply\'s trace', command: CLIENT_COMMANDS.showTrace, arguments: [] };
  const hint = new vscode.InlayHint(document.lineAt(line).range.end, [label]);
  hint.paddingLeft = true;
  return hint;
}

function tooltipFor(change: ChangeAcks): vscode.MarkdownString {
  const markdown = new vscode.MarkdownString(undefined, true);
  markdown.isTrusted = false;
  markdown.supportHtml = false;
  markdown.appendMarkdown(`**${escapeMarkdown(change.ref)}** applied\n\n| target | answer |\n| --- | --- |\n`);
  for (const ack of change.targets) {
    const answer = ack.nack
      ? `✗ NACK: ${STAGE_TEXT[ack.nack.stage]}${ack.nack.error ? ` — ${escapeMarkdown(ack.nack.error.type)}: ${escapeMarkdown(ack.nack.error.message)}` : ''}`
      : ack.verdict === 'activated'
        ? '✓ ACK: accepted and activated'
        : ack.verdict === 'rolledBack'
          ? '↶ ACK, then rolled back with the rollout'
          : '◐ accepted, not yet activated';
    markdown.appendMarkdown(`| ${escapeMarkdown(ack.target)} | ${answer} |\n`);
  }
  markdown.appendMarkdown('\nCtrl+click (⌘+click on macOS) the result to open the apply\'s trace.');
  return markdown;
}
