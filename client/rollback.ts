/**
 * "Rollback…" in VS Code: pick a target (or take the one a Reload Targets node names), pick its
 * previous stable generation or a succeeded serial from its history (or take a history row's),
 * confirm, and run it as `reloadctl rollback` does: one `reload.target` span whose context the
 * agent joins, the rollback followed in a cancellable notification, then the merged trace in the
 * timeline and the targets view refreshed.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { TargetSetting } from '../common/protocol';
import type { ApplyStatus, RollbackRequest, TargetStatus } from '../core/target/api';
import type { TargetClient } from '../core/target/client';
import { traceparentOf } from '../core/target/fleet';
import { historyRow, newestFirst } from '../core/target/targetText';
import { mergeTraces } from '../core/tracing/merge';
import { fromReadableSpans } from '../core/tracing/model';
import { createTraceRecorder } from '../core/tracing/recorder';
import { renderTimeline } from '../core/tracing/timeline';
import { targetErrorText } from './apply';
import type { CommandContext } from './context';
import { configuredTargets, targetClient } from './targets';
import { isHistoryNode, isTargetNode } from './targetsView';
import { requireTrust } from './trust';

const SERVICE_NAME = 'vscode-tracing-reload';

export async function rollbackTarget(context: CommandContext, arg: unknown): Promise<void> {
  if (!requireTrust('rollback')) return;
  let target: TargetSetting | undefined;
  let to: RollbackRequest['to'] | undefined;
  if (isHistoryNode(arg) && arg.entry.serial !== null) {
    target = arg.target;
    to = { serial: arg.entry.serial };
  } else if (isTargetNode(arg)) target = arg.target;
  else target = await pickTarget();
  if (!target) return;
  const client = await targetClient(context.extension.secrets, target);
  let status: TargetStatus;
  try {
    status = await client.status();
  } catch (error) {
    void vscode.window.showErrorMessage(`Tracing Reload: cannot roll back ${target.name}: ${targetErrorText(error)}`);
    return;
  }
  to ??= await pickRollbackPoint(client, target, status);
  if (!to) return;
  const restored = to === 'previousStable' ? status.previousStable : to.serial;
  const what = to === 'previousStable' ? `its previous stable generation (serial ${status.previousStable ?? 'none'})` : `serial ${to.serial}`;
  const choice = await vscode.window.showWarningMessage(
    `Roll back ${target.name} to ${what}?`,
    { modal: true, detail: `${target.name} (${target.url}) serves serial ${status.serial}, generation ${status.generation}. The rollback makes the generation of serial ${restored ?? '?'} active again, as a new, higher serial.` },
    'Roll Back',
  );
  if (choice !== 'Roll Back') return;
  await runRollback(context, target, client, to, restored);
}

async function pickTarget(): Promise<TargetSetting | undefined> {
  const configured = configuredTargets();
  if (configured.length === 0) {
    void vscode.window.showInformationMessage('Tracing Reload: no targets are configured. Add a reload agent to the "tracingReload.targets" setting.');
    return undefined;
  }
  if (configured.length === 1) return configured[0];
  const picked = await vscode.window.showQuickPick(configured.map((target) => ({ label: target.name, description: target.url, target })), { title: 'Roll back a target', placeHolder: 'The target to roll back' });
  return picked?.target;
}

type PointItem = vscode.QuickPickItem & { to?: RollbackRequest['to'] };

/** Previous stable first, then each succeeded serial of the target's history (newest first) but the active one. */
async function pickRollbackPoint(client: TargetClient, target: TargetSetting, status: TargetStatus): Promise<RollbackRequest['to'] | undefined> {
  let history;
  try {
    history = await client.history();
  } catch (error) {
    void vscode.window.showErrorMessage(`Tracing Reload: cannot read the history of ${target.name}: ${targetErrorText(error)}`);
    return undefined;
  }
  const items: PointItem[] = [
    { label: '$(history) Previous stable', description: status.previousStable !== undefined ? `serial ${status.previousStable}` : 'none recorded', to: 'previousStable' },
    { label: 'History', kind: vscode.QuickPickItemKind.Separator },
  ];
  for (const entry of newestFirst(history)) {
    if (entry.outcome !== 'Succeeded' || entry.serial === null || entry.serial === status.serial) continue;
    const row = historyRow(entry);
    items.push({ label: row.label, description: row.description, detail: row.detail, to: { serial: entry.serial } });
  }
  const picked = await vscode.window.showQuickPick(items, { title: `Roll back ${target.name} (serial ${status.serial}) to`, placeHolder: 'The generation to bring back', matchOnDescription: true });
  return picked?.to;
}

async function runRollback(context: CommandContext, target: TargetSetting, client: TargetClient, to: RollbackRequest['to'], restored: number | undefined): Promise<void> {
  const recorder = createTraceRecorder({ serviceName: SERVICE_NAME });
  const span = recorder.tracer.startSpan('reload.target', { attributes: { 'reload.target.name': target.name, 'reload.target.url': target.url } });
  const cancel = new AbortController();
  let started = false;
  let status: ApplyStatus | undefined;
  try {
    status = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rolling back ${target.name}`, cancellable: true }, async (progress, token) => {
      token.onCancellationRequested(() => cancel.abort());
      const begun = await client.startRollback(to, { key: randomUUID(), traceparent: traceparentOf(span), signal: cancel.signal });
      started = true;
      return client.follow(begun.status.id, (event) => {
        if (event.event === 'phase') progress.report({ message: event.data.phase });
      }, cancel.signal);
    });
  } catch (error) {
    if (!cancel.signal.aborted) {
      void vscode.window.showErrorMessage(`Tracing Reload: the rollback of ${target.name} was refused: ${targetErrorText(error)}`);
      return;
    }
  } finally {
    span.end();
    await recorder.shutdown().catch(() => undefined);
    context.targets.refresh();
  }
  if (!status) {
    void vscode.window.showInformationMessage(
      started ? `Tracing Reload: stopped following the rollback of ${target.name}; the agent continues it. The Reload Targets view shows how it ends.` : `Tracing Reload: the rollback of ${target.name} was cancelled before it started.`,
    );
    return;
  }
  if (status.phase === 'Succeeded' && restored !== undefined && status.serial !== undefined) await context.mcpServers.rolledBack(target, restored, status.serial);
  const trace = mergeTraces(fromReadableSpans(recorder.finishedSpans(), { 'service.name': SERVICE_NAME }), status.spans ? [status.spans] : []);
  const shown = await context.traces.keepTrace(trace, `rollback of ${target.name}`);
  context.timeline.show(shown);
  const back = restored !== undefined ? ` to serial ${restored}` : '';
  const summary =
    status.phase === 'Succeeded'
      ? `Tracing Reload: rolled back ${target.name}${back}: it now serves serial ${status.serial ?? '?'}, generation ${status.generation ?? '?'}.`
      : `Tracing Reload: the rollback of ${target.name}${back} ended ${status.phase}${status.error ? `: ${status.error.type}: ${status.error.message}` : ''}.`;
  context.log.info(`Rollback of ${target.name} (${target.url}): ${status.phase} · trace ${status.traceId}\n${renderTimeline(trace).text}`);
  if (status.phase === 'Succeeded') void vscode.window.showInformationMessage(summary);
  else void vscode.window.showErrorMessage(summary);
}
