/**
 * "Dry Run" in VS Code: the core pipeline on a worker thread of the extension host (client/dryRun/),
 * cancellable, with progress per step; then the results inline in the manifest, the trace in the
 * timeline, a summary in the log (with the extension host's longest event-loop stall meanwhile).
 */
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { MIGRATE_ACTION_PREFIX } from '../common/protocol';
import { languageIdForPath } from '../core/formats';
import type { ReloadOutcome } from '../core/runtime/pipeline';
import { renderTimeline } from '../core/tracing/timeline';
import type { CommandContext } from './context';
import { artifactRoots, targetDocument } from './documents';
import { DryRunCancelled, DryRunCrashed, type DryRunResult } from './dryRun/runner';
import { requireTrust } from './trust';

export async function dryRunDocument(context: CommandContext, arg: unknown): Promise<void> {
  if (!requireTrust('dryRun')) return;
  const document = await targetDocument(arg);
  const languageId = document ? languageIdForPath(document.uri.path) : undefined;
  if (!document || document.uri.scheme !== 'file' || !languageId) {
    void vscode.window.showWarningMessage('Tracing Reload: open a *.reload.json or *.mcp-context.json file on disk to dry-run it.');
    return;
  }
  const name = path.basename(document.uri.path);
  context.results.clear(document.uri);
  // An apply's answers describe another run: the dry run's results replace them.
  context.applyResults.clear(document.uri);
  const version = document.version;
  const stalls = monitorEventLoopDelay({ resolution: 10 });
  stalls.enable();
  const started = performance.now();
  let result: DryRunResult;
  try {
    result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Dry run of ${name}`, cancellable: true }, (progress, token) => {
      const cancel = new AbortController();
      token.onCancellationRequested(() => cancel.abort());
      return context.workers.run(
        { text: document.getText(), languageId, manifestPath: document.uri.fsPath, roots: artifactRoots(), wasmDir: context.extension.asAbsolutePath('dist'), serviceName: 'vscode-tracing-reload' },
        {
          signal: cancel.signal,
          onProgress: (event) => {
            if (event.kind === 'step' && event.state === 'start') progress.report({ message: event.ref ? `${event.step} ${event.ref}` : event.step });
          },
        },
      );
    });
  } catch (error) {
    if (error instanceof DryRunCancelled) {
      void vscode.window.showInformationMessage(`Tracing Reload: the dry run of ${name} was cancelled.`);
      return;
    }
    if (error instanceof DryRunCrashed) {
      context.log.error(`Dry run of ${document.uri.fsPath} crashed: ${error.detail ?? error.message}`);
      void vscode.window.showErrorMessage(`Tracing Reload: the dry run of ${name} stopped unexpectedly: ${error.message} (details in the Tracing Reload log).`);
      return;
    }
    throw error;
  } finally {
    // A stall is recorded when the sampling timer fires after it: let it fire once more before stopping.
    await new Promise((resolve) => setTimeout(resolve, 25));
    stalls.disable();
  }
  const ms = performance.now() - started;
  await report(context, document, version, result, { ms, stallMs: stalls.max / 1e6 });
}

async function report(context: CommandContext, document: vscode.TextDocument, version: number, { outcome, trace }: DryRunResult, timing: { ms: number; stallMs: number }): Promise<void> {
  const name = path.basename(document.uri.path);
  const shown = await context.traces.keepRun(trace, document.uri);
  // Inline results point into the text that ran: an edit during the run would misplace them.
  if (document.version === version) context.results.show(document, outcome, trace);
  else context.log.info(`The inline results of ${name} are not shown: the document changed while it ran (version ${version} → ${document.version}).`);
  context.status.ranDryRun({ manifest: document.uri, outcome: outcome.outcome, ms: timing.ms });
  const timeline = renderTimeline(trace);
  context.log.info(
    `Dry run of ${document.uri.fsPath}: ${outcome.outcome} in ${timing.ms.toFixed(0)} ms; longest extension-host event-loop stall during the run: ${timing.stallMs.toFixed(1)} ms\n${timeline.text}`,
  );
  if (outcome.outcome === 'Invalid' && outcome.diagnostics.some((d) => d.code === 'outdated-format')) {
    await offerMigration(document);
    return;
  }
  const summary = summaryOf(name, outcome);
  const action = await (outcome.outcome === 'Succeeded' ? vscode.window.showInformationMessage(summary, 'Show Trace') : vscode.window.showErrorMessage(summary, 'Show Trace'));
  if (action === 'Show Trace') context.timeline.show(shown);
}

function summaryOf(name: string, outcome: ReloadOutcome): string {
  const changes = outcome.changes.length;
  if (outcome.outcome === 'Succeeded') return `Tracing Reload: dry run of ${name} succeeded: ${changes} change${changes === 1 ? '' : 's'} activated.`;
  if (outcome.outcome === 'Invalid') {
    const errors = outcome.diagnostics.filter((d) => d.severity === 'error').length;
    return `Tracing Reload: ${name} is not valid (${errors} error${errors === 1 ? '' : 's'} in the Problems panel); nothing was run.`;
  }
  const failure = outcome.error ? `${outcome.error.type}: ${outcome.error.message}` : 'see the trace';
  return `Tracing Reload: dry run of ${name} ${outcome.outcome === 'RolledBack' ? 'rolled back' : 'failed'}: ${failure}`;
}

const MIGRATE = 'Migrate to the current format';

/** A legacy manifest is never run: offer the migration quick fix (the language server's), not a CLI command. */
async function offerMigration(document: vscode.TextDocument): Promise<void> {
  const name = path.basename(document.uri.path);
  const choice = await vscode.window.showErrorMessage(`Tracing Reload: ${name} is in a legacy format, which is never run. Migrate it to the current format, then run it.`, MIGRATE);
  if (choice !== MIGRATE) return;
  const everything = new vscode.Range(0, 0, document.lineCount, 0);
  const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, everything, vscode.CodeActionKind.QuickFix.value)) ?? [];
  // The language server's migration quick fix ("Migrate to reload/v2"); the diagnostics the command
  // hands back carry no code, so the action is known by its title.
  const migrate = actions.find((a) => a.title.startsWith(MIGRATE_ACTION_PREFIX) && a.edit);
  if (!migrate?.edit) {
    void vscode.window.showWarningMessage(`Tracing Reload: ${name} cannot be migrated automatically; the Problems panel says why.`);
    return;
  }
  if (await vscode.workspace.applyEdit(migrate.edit)) await vscode.window.showTextDocument(document);
}
