/** The one object that owns what the extension runs: the language client, the log, traces, inline results, views, status, the targets view, the dry runs' workers and the targets' MCP server definitions. */
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ApplyResults } from './applyResults';
import type { DryRunWorkers } from './dryRun/runner';
import type { InlineResults } from './inlineResults';
import type { McpServers } from './mcpServers';
import type { ServerStatus } from './status';
import type { TargetsView } from './targetsView';
import type { TimelineViews } from './timelinePanel';
import type { TraceStore } from './traces';

export interface CommandContext {
  extension: vscode.ExtensionContext;
  client: LanguageClient;
  log: vscode.LogOutputChannel;
  traces: TraceStore;
  results: InlineResults;
  /** An apply's ACK/NACK per change, inline. */
  applyResults: ApplyResults;
  /** The Reload Targets view. */
  targets: TargetsView;
  timeline: TimelineViews;
  status: ServerStatus;
  /** The dry runs' worker threads. */
  workers: DryRunWorkers;
  /** The targets as MCP server definitions for VS Code (where its API has them). */
  mcpServers: McpServers;
}
