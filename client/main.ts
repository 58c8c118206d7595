/**
 * Entry of the VS Code extension (dist/client.js). Activation only wires things up: the language
 * server starts in the background (its state shows in the language status item and the log), so
 * activating costs milliseconds. Everything lives in one context object, disposed with the extension.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type Middleware, type ServerOptions } from 'vscode-languageclient/node';
import { CLIENT_COMMANDS, settingsFrom } from '../common/protocol';
import { ApplyResults } from './applyResults';
import { registerCommands } from './commands';
import type { CommandContext } from './context';
import { DryRunWorkers } from './dryRun/runner';
import { InlineResults } from './inlineResults';
import { McpServers } from './mcpServers';
import { ServerStatus } from './status';
import { trackTargets } from './targets';
import { TargetsView } from './targetsView';
import { exportTrace, revealChange } from './traceActions';
import { TraceStore } from './traces';
import { TimelineViews } from './timelinePanel';

const LANGUAGES = ['reload-manifest', 'mcp-context'];

/** Lenses that run something, and how they read in Restricted Mode (running one says why it is disabled and offers to trust the workspace). */
const RESTRICTED_LENS_TITLES: Record<string, string> = {
  [CLIENT_COMMANDS.dryRun]: '$(shield) Dry Run (disabled in Restricted Mode)',
  [CLIENT_COMMANDS.apply]: '$(shield) Apply… (disabled in Restricted Mode)',
  [CLIENT_COMMANDS.rollback]: '$(shield) Rollback… (disabled in Restricted Mode)',
};

const middleware: Middleware = {
  provideCodeLenses: async (document, token, next) => {
    const lenses = await next(document, token);
    if (vscode.workspace.isTrusted || !lenses) return lenses;
    for (const lens of lenses) {
      const title = lens.command && RESTRICTED_LENS_TITLES[lens.command.command];
      if (title) lens.command!.title = title;
    }
    return lenses;
  },
};

function createClient(extension: vscode.ExtensionContext, log: vscode.LogOutputChannel): LanguageClient {
  const module = extension.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    outputChannel: log,
    initializationOptions: { settings: settingsFrom(vscode.workspace.getConfiguration('tracingReload')) },
    middleware,
    // No file watcher here: the server registers watchers for the manifests and the files they name.
  };
  return new LanguageClient('tracingReload', 'Tracing Reload', serverOptions, clientOptions);
}

export function activate(extension: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Tracing Reload', { log: true });
  const client = createClient(extension, log);
  const timeline = new TimelineViews({ extensionUri: extension.extensionUri, log, reveal: revealChange, exportTrace: async (shown, format) => void (await exportTrace(shown, format)) });
  const context: CommandContext = {
    extension,
    client,
    log,
    traces: new TraceStore(extension.storageUri ?? extension.globalStorageUri, log),
    results: new InlineResults(),
    applyResults: new ApplyResults(),
    targets: new TargetsView(extension.secrets, log),
    timeline,
    status: new ServerStatus(client, log),
    workers: new DryRunWorkers({ workerFile: extension.asAbsolutePath(path.join('dist', 'dryRunWorker.js')) }),
    mcpServers: new McpServers(extension, log),
  };
  extension.subscriptions.push(log, context.results, context.applyResults, context.targets, context.status, context.workers, context.mcpServers, ...timeline.register(), ...registerCommands(context), trackTargets(), {
    // Stops the server (shutdown, exit) when the extension is deactivated.
    dispose: () => void client.stop().catch((e: unknown) => log.warn(`Stopping the language server: ${(e as Error).message}`)),
  });
  client.start().then(
    // The end-to-end tests and bench/extension.ts read this line.
    () => log.info(`Language server ready, ${Math.round(performance.now() - started)} ms after activation began.`),
    (error: unknown) => context.status.serverFailed(error instanceof Error ? error.message : String(error)),
  );
  log.info(`Tracing Reload ${String(extension.extension.packageJSON.version)} activated in ${(performance.now() - started).toFixed(1)} ms (Restricted Mode: ${vscode.workspace.isTrusted ? 'off' : 'on'}).`);
}

export function deactivate(): void {
  // Everything is in the extension context's subscriptions, disposed by VS Code.
}
