/** The one object that owns what the extension runs: the language client, the log, traces, inline results, views, status and the dry runs' workers. */
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { DryRunWorkers } from './dryRun/runner';
import type { InlineResults } from './inlineResults';
import type { ServerStatus } from './status';
import type { TimelineViews } from './timelinePanel';
import type { TraceStore } from './traces';

export interface CommandContext {
  extension: vscode.ExtensionContext;
  client: LanguageClient;
  log: vscode.LogOutputChannel;
  traces: TraceStore;
  results: InlineResults;
  timeline: TimelineViews;
  status: ServerStatus;
  /** The dry runs' worker threads. */
  workers: DryRunWorkers;
}
