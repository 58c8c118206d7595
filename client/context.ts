/** What the extension's commands share: the language client, the log, and the traces kept for showing and export. */
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { TraceData } from '../core/tracing/model';

export interface CommandContext {
  client: LanguageClient;
  log: vscode.LogOutputChannel;
  traces: TraceStore;
}

/** The last trace shown (a dry run's, or one opened from a file). */
export interface TraceStore {
  last?: { trace: TraceData; name: string };
}
