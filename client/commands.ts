/**
 * Every command of the extension, from one table (DESIGN.md §7). All are registered at activation;
 * a test keeps this table and package.json's `contributes.commands` equal. A failing command says
 * what failed in one line; the stack goes to the log only.
 */
import { createRequire } from 'node:module';
import * as vscode from 'vscode';
import type { WorkspaceEdit } from 'vscode-languageclient/node';
import { CLIENT_COMMANDS, SERVER_COMMANDS } from '../common/protocol';
import { openApplyTrace } from './applyTrace';
import type { CommandContext } from './context';
import { dryRunDocument } from './dryRun';
import type * as TargetActions from './targetActions';
import { exportTrace, openTraceFile } from './traceActions';
import { setTargetToken } from './targets';
import { isTargetNode } from './targetsView';

type Handler = (context: CommandContext, ...args: unknown[]) => unknown;

/** Apply and Rollback live in their own bundle (dist/targetActions.js), loaded on first use: activation never parses it. */
const targetActions = (context: CommandContext): typeof TargetActions => createRequire(__filename)(context.extension.asAbsolutePath('dist/targetActions.js')) as typeof TargetActions;

export const COMMANDS: Record<(typeof CLIENT_COMMANDS)[keyof typeof CLIENT_COMMANDS], { title: string; run: Handler }> = {
  [CLIENT_COMMANDS.dryRun]: { title: 'Dry Run', run: (c, uri) => dryRunDocument(c, uri) },
  [CLIENT_COMMANDS.apply]: { title: 'Apply…', run: (c, uri) => targetActions(c).applyDocument(c, uri) },
  [CLIENT_COMMANDS.rollback]: { title: 'Rollback…', run: (c, arg) => targetActions(c).rollbackTarget(c, arg) },
  [CLIENT_COMMANDS.showTrace]: { title: 'Show Trace', run: (c, arg) => showTrace(c, arg) },
  [CLIENT_COMMANDS.openTraceFile]: { title: 'Open Trace File…', run: (_, uri) => openTraceFile(uri) },
  [CLIENT_COMMANDS.exportTrace]: { title: 'Export Trace…', run: (c) => exportLastTrace(c) },
  [CLIENT_COMMANDS.migrateWorkspace]: { title: 'Migrate All Manifests in the Workspace', run: (c) => migrateWorkspace(c) },
  [CLIENT_COMMANDS.setTargetToken]: { title: 'Set Target Token…', run: (c, arg) => setTargetToken(c.extension.secrets, typeof arg === 'string' ? arg : isTargetNode(arg) ? arg.target.name : undefined) },
  [CLIENT_COMMANDS.refreshTargets]: { title: 'Refresh Targets', run: (c) => c.targets.refresh() },
  [CLIENT_COMMANDS.rollbackToSerial]: { title: 'Roll Back to This Serial…', run: (c, row) => targetActions(c).rollbackTarget(c, row) },
  [CLIENT_COMMANDS.openApplyTrace]: { title: 'Open Trace', run: (c, row) => openApplyTrace(c, row) },
};

/** Not in the palette: the language status item's "Show Log". */
export const SHOW_LOG_COMMAND = 'tracingReload.showLog';

export function registerCommands(context: CommandContext): vscode.Disposable[] {
  const registered = Object.entries(COMMANDS).map(([id, command]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await command.run(context, ...args);
      } catch (error) {
        context.log.error(`${id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        void vscode.window.showErrorMessage(`Tracing Reload: ${command.title.replace('…', '')} failed: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    }),
  );
  return [...registered, vscode.commands.registerCommand(SHOW_LOG_COMMAND, () => context.log.show(true))];
}

/** "Show Trace": the last trace in the timeline; `{ spanId }` selects a span (from an inline result). */
function showTrace(context: CommandContext, arg: unknown): void {
  const last = context.traces.last;
  if (!last) {
    void vscode.window.showInformationMessage('Tracing Reload: no trace yet. Run "Dry Run" on a manifest first, or open a trace file.');
    return;
  }
  const spanId = typeof (arg as { spanId?: unknown } | undefined)?.spanId === 'string' ? (arg as { spanId: string }).spanId : undefined;
  context.timeline.show(last, spanId);
}

async function exportLastTrace(context: CommandContext): Promise<void> {
  const last = context.traces.last;
  if (!last) {
    void vscode.window.showInformationMessage('Tracing Reload: no trace to export yet. Run "Dry Run" on a manifest first, or open a trace file.');
    return;
  }
  const format = await vscode.window.showQuickPick(
    [
      { label: 'OTLP JSON', description: 'for OpenTelemetry tools and Jaeger', id: 'otlp' as const },
      { label: 'Chrome Trace Event JSON', description: 'for Perfetto and chrome://tracing', id: 'chrome' as const },
    ],
    { placeHolder: `Export the trace of ${last.title} as` },
  );
  if (format) await exportTrace(last, format.id);
}

/** Asks the server for one WorkspaceEdit migrating every legacy manifest, and applies it with a preview. */
async function migrateWorkspace(context: CommandContext): Promise<void> {
  const edit = await context.client.sendRequest<WorkspaceEdit | null>('workspace/executeCommand', { command: SERVER_COMMANDS.migrateWorkspace, arguments: [] });
  const converted = await context.client.protocol2CodeConverter.asWorkspaceEdit(edit);
  if (!converted || converted.size === 0) {
    void vscode.window.showInformationMessage('Tracing Reload: no legacy manifests to migrate.');
    return;
  }
  const applied = await vscode.workspace.applyEdit(converted, { isRefactoring: true });
  if (applied) void vscode.window.showInformationMessage(`Tracing Reload: migrated ${converted.size} manifest${converted.size === 1 ? '' : 's'}.`);
}
