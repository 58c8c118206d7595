/**
 * A real LSP client over stdio for tests: starts `node dist/server.js --stdio` and speaks
 * JSON-RPC with vscode-jsonrpc, answering the server's own requests as an editor would.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { ClientCapabilities, Diagnostic, PublishDiagnosticsParams, TextDocumentContentChangeEvent, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { ROOT } from './fixtures';

export interface ClientOptions {
  /** The workspace folder. */
  root: string;
  /** 'push' (default) or 'pull' diagnostics. */
  diagnostics?: 'push' | 'pull';
  settings?: Record<string, unknown>;
  capabilities?: ClientCapabilities;
  /** The client's process id for the server's watchdog (default this process; null for an in-process server, which must not watch it). */
  processId?: number | null;
}

export class LspClient {
  readonly published: PublishDiagnosticsParams[] = [];
  readonly appliedEdits: WorkspaceEdit[] = [];
  readonly logs: string[] = [];
  /** What the server registered dynamically (client/registerCapability), in order. */
  readonly registrations: { id: string; method: string; registerOptions?: unknown }[] = [];
  private readonly waiters: (() => void)[] = [];

  private constructor(
    readonly connection: MessageConnection,
    private readonly child: ChildProcessWithoutNullStreams | undefined,
    private settings: Record<string, unknown>,
  ) {}

  /** The built server (dist/server.js) over stdio, as an editor starts it. */
  static start(options: ClientOptions): Promise<LspClient> {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'server.js'), '--stdio'], { stdio: 'pipe' });
    return LspClient.connect(createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin)), options, child);
  }

  /** A client over an existing connection (an in-process server, for tests that bring their own file system). */
  static async connect(connection: MessageConnection, options: ClientOptions, child?: ChildProcessWithoutNullStreams): Promise<LspClient> {
    const client = new LspClient(connection, child, options.settings ?? {});
    connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      client.published.push(params);
      client.wake();
    });
    connection.onNotification('window/logMessage', (params: { message: string }) => {
      client.logs.push(params.message);
    });
    connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) => params.items.map(() => client.settings));
    connection.onRequest('client/registerCapability', (params: { registrations: { id: string; method: string; registerOptions?: unknown }[] }) => {
      client.registrations.push(...params.registrations);
      client.wake();
      return null;
    });
    connection.onRequest('client/unregisterCapability', () => null);
    connection.onRequest('workspace/diagnostic/refresh', () => null);
    connection.onRequest('workspace/codeLens/refresh', () => {
      client.codeLensRefreshes += 1;
      return null;
    });
    connection.onRequest('workspace/applyEdit', (params: { edit: WorkspaceEdit }) => {
      client.appliedEdits.push(params.edit);
      return { applied: true };
    });
    connection.listen();
    const capabilities: ClientCapabilities = options.capabilities ?? {
      workspace: { configuration: true, applyEdit: true, workspaceEdit: { documentChanges: true }, didChangeConfiguration: { dynamicRegistration: true }, codeLens: { refreshSupport: true } },
      textDocument: {
        synchronization: { dynamicRegistration: false },
        publishDiagnostics: { relatedInformation: false, versionSupport: true, tagSupport: { valueSet: [1, 2] } },
        completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown'] } },
        hover: { contentFormat: ['markdown'] },
        codeAction: { resolveSupport: { properties: ['edit'] }, codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source.fixAll'] } } },
        ...(options.diagnostics === 'pull' ? { diagnostic: { dynamicRegistration: false } } : {}),
      },
    };
    await connection.sendRequest('initialize', {
      processId: options.processId === undefined ? process.pid : options.processId,
      rootUri: pathToFileURL(options.root).href,
      workspaceFolders: [{ uri: pathToFileURL(options.root).href, name: 'test' }],
      capabilities,
      initializationOptions: { settings: options.settings },
    });
    await connection.sendNotification('initialized', {});
    return client;
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  async open(uri: string, languageId: string, text: string, version = 1): Promise<void> {
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  async change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest(method, params) as Promise<T>;
  }

  /** The diagnostics published for `uri` at `version` (or any version), waiting up to `timeoutMs`. */
  async diagnostics(uri: string, version?: number, timeoutMs = 15_000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = [...this.published].reverse().find((p) => p.uri === uri && (version === undefined || p.version === version));
      if (found) return found.diagnostics;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no diagnostics for ${uri}${version !== undefined ? ` v${version}` : ''} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The first diagnostics published for `uri` after `published[from]`, waiting up to `timeoutMs`. */
  async publishedAfter(uri: string, from: number, timeoutMs = 15_000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.published.slice(from).find((p) => p.uri === uri);
      if (found) return found.diagnostics;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no new diagnostics for ${uri} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** How often the server asked to refresh code lenses. */
  codeLensRefreshes = 0;

  async setSettings(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    await this.connection.sendNotification('workspace/didChangeConfiguration', { settings: { tracingReload: settings } });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Waits (up to `timeoutMs`) until `check` holds, re-checking whenever the server sends something. */
  async until<T>(check: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    try {
      await this.request('shutdown', null);
      // An in-process server would exit the test process on "exit": only a child gets it.
      if (this.child) await this.connection.sendNotification('exit');
    } finally {
      this.connection.dispose();
      const child = this.child;
      if (child) {
        await new Promise<void>((resolve) => {
          if (child.exitCode !== null) resolve();
          else child.once('exit', () => resolve());
          setTimeout(() => {
            child.kill();
            resolve();
          }, 5_000).unref();
        });
      }
    }
  }
}
