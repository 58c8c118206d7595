/**
 * The language status item of manifests: the language server's state and the last run; and the
 * log lines that say when the server starts, stops or fails.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { formatMilliseconds } from '../core/tracing/timeline';
import { CLIENT_COMMANDS } from '../common/protocol';

const SELECTOR = [{ language: 'reload-manifest' }, { language: 'mcp-context' }];

export interface LastRun {
  manifest: vscode.Uri;
  outcome: string;
  ms: number;
}

export class ServerStatus implements vscode.Disposable {
  private readonly item = vscode.languages.createLanguageStatusItem('tracingReload.status', SELECTOR);
  private server: 'starting' | 'running' | 'stopped' | 'failed' = 'starting';
  private failure?: string;
  private lastRun?: LastRun;
  private readonly subscription: vscode.Disposable;

  constructor(client: LanguageClient, private readonly log: vscode.LogOutputChannel) {
    this.item.name = 'Tracing Reload';
    this.subscription = client.onDidChangeState(({ newState }) => {
      if (newState === State.Running) this.serverIs('running');
      else if (newState === State.Starting) this.serverIs('starting');
      else if (this.server !== 'failed') this.serverIs('stopped');
    });
    this.render();
  }

  serverIs(state: 'starting' | 'running' | 'stopped', detail?: string): void {
    this.server = state;
    this.failure = undefined;
    if (state === 'running') this.log.info(`Language server running${detail ? ` (${detail})` : ''}.`);
    else if (state === 'starting') this.log.info('Language server starting.');
    else this.log.warn('Language server stopped.');
    this.render();
  }

  serverFailed(message: string): void {
    this.server = 'failed';
    this.failure = message;
    this.log.error(`Language server failed: ${message}`);
    this.render();
  }

  ranDryRun(run: LastRun): void {
    this.lastRun = run;
    this.render();
  }

  private render(): void {
    const item = this.item;
    item.busy = this.server === 'starting';
    item.severity = this.server === 'failed' || this.server === 'stopped' ? vscode.LanguageStatusSeverity.Error : vscode.LanguageStatusSeverity.Information;
    const server = { starting: 'starting…', running: 'ready', stopped: 'stopped', failed: 'failed' }[this.server];
    item.text = this.lastRun ? `Tracing Reload: ${server} · last dry run ${this.lastRun.outcome}` : `Tracing Reload: ${server}`;
    const run = this.lastRun ? `Last dry run: ${this.lastRun.outcome} in ${formatMilliseconds(this.lastRun.ms)} (${path.basename(this.lastRun.manifest.path)})` : 'No dry run yet';
    item.detail = this.failure ? `Server failed: ${this.failure}` : run;
    item.command = this.lastRun ? { title: 'Show Trace', command: CLIENT_COMMANDS.showTrace } : { title: 'Show Log', command: 'tracingReload.showLog' };
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
