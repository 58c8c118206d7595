/**
 * Every command of the extension, from one table (DESIGN.md §7). All are registered at activation;
 * a test keeps this table and package.json's `contributes.commands` equal.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WorkspaceEdit } from 'vscode-languageclient/node';
import { CLIENT_COMMANDS, SERVER_COMMANDS } from '../common/protocol';
import type { CommandContext } from './context';

type DryRunModule = typeof import('./dryRun');
let dryRunModule: Promise<DryRunModule> | undefined;

/**
 * The dry run and trace commands, with the runtime they need (the pipeline, onnxruntime-web, the
 * schema validators, RE2), are their own bundle, dist/dryRun.js, loaded on first use: activating
 * the extension then parses a third of the code (bench/extension.ts measures it).
 */
function loadDryRun(): Promise<DryRunModule> {
  // A require (not import()) so the extension host's interception of `vscode` applies to it as to client.js.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  dryRunModule ??= Promise.resolve().then(() => require(path.join(__dirname, 'dryRun.js')) as DryRunModule);
  return dryRunModule;
}

type Handler = (context: CommandContext, ...args: unknown[]) => unknown;

const notYet = (what: string) => () =>
  vscode.window.showWarningMessage(`Tracing Reload: ${what} needs the reload agent, which this version does not include yet. Use "Dry Run" to run a manifest locally.`);

export const COMMANDS: Record<(typeof CLIENT_COMMANDS)[keyof typeof CLIENT_COMMANDS], { title: string; run: Handler }> = {
  [CLIENT_COMMANDS.dryRun]: { title: 'Dry Run', run: async (c, uri) => (await loadDryRun()).dryRunDocument(c, uri) },
  [CLIENT_COMMANDS.apply]: { title: 'Apply…', run: notYet('Applying to a target') },
  [CLIENT_COMMANDS.rollback]: { title: 'Rollback…', run: notYet('Rolling back a target') },
  [CLIENT_COMMANDS.showTrace]: { title: 'Show Trace', run: async (c) => (await loadDryRun()).showLastTrace(c) },
  [CLIENT_COMMANDS.openTraceFile]: { title: 'Open Trace File…', run: async (c) => (await loadDryRun()).openTraceFile(c) },
  [CLIENT_COMMANDS.exportTrace]: { title: 'Export Trace…', run: async (c) => (await loadDryRun()).exportLastTrace(c) },
  [CLIENT_COMMANDS.migrateWorkspace]: { title: 'Migrate All Manifests in the Workspace', run: (c) => migrateWorkspace(c) },
  [CLIENT_COMMANDS.setTargetToken]: { title: 'Set Target Token…', run: notYet('Target tokens') },
  [CLIENT_COMMANDS.refreshTargets]: { title: 'Refresh Targets', run: notYet('The targets view') },
};

export function registerCommands(context: CommandContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, command]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await command.run(context, ...args);
      } catch (error) {
        context.log.error(`${id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        void vscode.window.showErrorMessage(`Tracing Reload: ${command.title} failed: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    }),
  );
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
