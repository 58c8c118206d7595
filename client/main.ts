/** Entry of the VS Code extension (dist/client.js): starts the language server and registers the commands. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { settingsFrom } from '../common/protocol';
import { registerCommands } from './commands';
import type { TraceStore } from './context';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const activating = performance.now();
  const log = vscode.window.createOutputChannel('Tracing Reload', { log: true });
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: ['reload-manifest', 'mcp-context'].flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    outputChannel: log,
    initializationOptions: { settings: settingsFrom(vscode.workspace.getConfiguration('tracingReload')) },
    // No file watcher here: the server registers watchers for the manifests and the files they name.
  };
  client = new LanguageClient('tracingReload', 'Tracing Reload', serverOptions, clientOptions);
  const traces: TraceStore = {};
  context.subscriptions.push(log, ...registerCommands({ client, log, traces }));
  await client.start();
  // The end-to-end tests and bench/extension.ts read this line; VS Code's own figure
  // (Developer: Show Running Extensions) covers loading the code and the call up to the await above.
  log.info(`Language server ready, ${Math.round(performance.now() - activating)} ms after activation began`);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
