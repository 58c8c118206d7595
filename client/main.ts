/** Entry of the VS Code extension (dist/client.js): starts the language server over node-ipc. */
import * as path from 'node:path';
import type { ExtensionContext } from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'reload-manifest' },
      { scheme: 'file', language: 'mcp-context' },
      { scheme: 'untitled', language: 'reload-manifest' },
      { scheme: 'untitled', language: 'mcp-context' },
    ],
  };
  client = new LanguageClient('tracingReload', 'Tracing Reload', serverOptions, clientOptions);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
