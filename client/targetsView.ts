/**
 * The Reload Targets view (DESIGN.md §7): one node per configured target with its active serial
 * and generation (GET /status) or why it cannot say (unreachable; 401 offers Set Target Token);
 * under it what the target serves per kind, and its History (GET /history, newest first) whose
 * rows open their trace and, when they succeeded, roll back to their serial. It refreshes when the
 * targets setting changes, on Refresh Targets, and after an apply or rollback.
 */
import * as vscode from 'vscode';
import { CLIENT_COMMANDS, type TargetSetting } from '../common/protocol';
import type { HistoryEntry, HistoryOutcome, TargetStatus } from '../core/target/api';
import { TargetError } from '../core/target/client';
import { activeRows, generationText, historyRow, newestFirst } from '../core/target/targetText';
import { configuredTargets, targetClient } from './targets';

export const TARGETS_VIEW_ID = 'tracingReload.targets';

/** A configured target and what its status request answered. */
export interface TargetNode {
  kind: 'target';
  target: TargetSetting;
  status?: TargetStatus;
  error?: { message: string; unauthorized: boolean };
}

export interface HistoryNode {
  kind: 'history';
  target: TargetSetting;
  entry: HistoryEntry;
}

interface HistoryFolderNode {
  kind: 'historyFolder';
  target: TargetSetting;
}

interface InfoNode {
  kind: 'info';
  label: string;
  description?: string;
  tooltip?: string;
  icon?: vscode.ThemeIcon;
  command?: vscode.Command;
}

type Node = TargetNode | HistoryNode | HistoryFolderNode | InfoNode;

const OUTCOME_ICONS: Record<HistoryOutcome, vscode.ThemeIcon> = {
  Succeeded: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  Failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  RolledBack: new vscode.ThemeIcon('discard', new vscode.ThemeColor('testing.iconQueued')),
  Interrupted: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  Pending: new vscode.ThemeIcon('loading~spin'),
};

/** The view asks often and shows the error at once: one retry, short timeouts. */
const VIEW_REQUESTS = { retries: 1, timeoutMs: 5000 };

export class TargetsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private readonly view: vscode.TreeView<Node>;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.view = vscode.window.createTreeView(TARGETS_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.subscriptions = [
      this.view,
      this.changed,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('tracingReload.targets')) this.refresh();
      }),
      secrets.onDidChange((event) => {
        if (event.key.startsWith('tracingReload.targetToken.')) this.refresh();
      }),
    ];
  }

  /** Asks every target again. */
  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'target': {
        const item = new vscode.TreeItem(node.target.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `target:${node.target.name}`;
        item.description = node.status ? generationText(node.status) : node.error?.unauthorized ? 'unauthorized: set its token' : 'unreachable';
        item.tooltip = node.status ? `${node.target.url}\n${generationText(node.status)}${node.status.manifest ? ` · from ${node.status.manifest.name}` : ''}` : `${node.target.url}\n${node.error?.message ?? ''}`;
        item.iconPath = new vscode.ThemeIcon(node.status ? 'server' : 'debug-disconnect');
        item.contextValue = node.status ? 'target' : 'target.error';
        // Without it, the row would be read out as its tooltip (the URL first).
        item.accessibilityInformation = { label: `${node.target.name}, ${String(item.description)}` };
        return item;
      }
      case 'historyFolder': {
        const item = new vscode.TreeItem('History', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `history:${node.target.name}`;
        item.iconPath = new vscode.ThemeIcon('history');
        return item;
      }
      case 'history': {
        const row = historyRow(node.entry);
        const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
        item.id = `history:${node.target.name}:${node.entry.id}`;
        item.description = row.description;
        item.tooltip = `${row.label} · ${row.description}\n${row.detail}\ntrace ${node.entry.traceId}`;
        item.iconPath = OUTCOME_ICONS[node.entry.outcome] ?? new vscode.ThemeIcon('circle-outline');
        item.contextValue = node.entry.outcome === 'Succeeded' && node.entry.serial !== null ? 'history.succeeded' : 'history';
        item.accessibilityInformation = { label: `${row.label}, ${row.description}` };
        return item;
      }
      case 'info': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.description = node.description;
        item.tooltip = node.tooltip;
        item.iconPath = node.icon;
        item.command = node.command;
        return item;
      }
    }
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) return Promise.all(configuredTargets().map((target) => this.targetNode(target)));
    if (node.kind === 'target') return this.targetChildren(node);
    if (node.kind === 'historyFolder') return this.historyChildren(node.target);
    return [];
  }

  private async targetNode(target: TargetSetting): Promise<TargetNode> {
    try {
      const client = await targetClient(this.secrets, target, VIEW_REQUESTS);
      return { kind: 'target', target, status: await client.status() };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn(`Reload Targets: ${target.name} (${target.url}): ${message}`);
      return { kind: 'target', target, error: { message, unauthorized: error instanceof TargetError && error.kind === 'unauthorized' } };
    }
  }

  private targetChildren(node: TargetNode): Node[] {
    if (!node.status) {
      const rows: Node[] = [{ kind: 'info', label: node.error?.message ?? 'no answer', icon: new vscode.ThemeIcon('error'), tooltip: node.error?.message }];
      if (node.error?.unauthorized) rows.push({ kind: 'info', label: 'Set Target Token…', icon: new vscode.ThemeIcon('key'), command: { title: 'Set Target Token…', command: CLIENT_COMMANDS.setTargetToken, arguments: [node.target.name] } });
      return rows;
    }
    const active = activeRows(node.status);
    const rows: Node[] = active.length > 0 ? active.map((row) => ({ kind: 'info', label: row.label, description: row.description, icon: new vscode.ThemeIcon('symbol-field') })) : [{ kind: 'info', label: 'nothing active', icon: new vscode.ThemeIcon('circle-outline') }];
    rows.push({ kind: 'historyFolder', target: node.target });
    return rows;
  }

  private async historyChildren(target: TargetSetting): Promise<Node[]> {
    try {
      const history = await (await targetClient(this.secrets, target, VIEW_REQUESTS)).history();
      if (history.length === 0) return [{ kind: 'info', label: 'no applies yet' }];
      return newestFirst(history).map((entry) => ({ kind: 'history', target, entry }));
    } catch (error) {
      return [{ kind: 'info', label: error instanceof Error ? error.message : String(error), icon: new vscode.ThemeIcon('error') }];
    }
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

/** A node of this view, as a command run from its menus receives it. */
export function isTargetNode(value: unknown): value is TargetNode {
  return (value as TargetNode | undefined)?.kind === 'target' && typeof (value as TargetNode).target?.url === 'string';
}

export function isHistoryNode(value: unknown): value is HistoryNode {
  return (value as HistoryNode | undefined)?.kind === 'history' && typeof (value as HistoryNode).entry?.id === 'string';
}
