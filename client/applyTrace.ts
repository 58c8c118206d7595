/** "Open Trace" on a Reload Targets history row: the apply's spans from its target (GET /applies/{id}) in the timeline. */
import * as vscode from 'vscode';
import { fromOtlpJson } from '../core/tracing/otlp';
import type { CommandContext } from './context';
import { targetClient } from './targets';
import { isHistoryNode } from './targetsView';

export async function openApplyTrace(context: CommandContext, arg: unknown): Promise<void> {
  if (!isHistoryNode(arg)) {
    void vscode.window.showInformationMessage('Tracing Reload: open a trace from a history row of the Reload Targets view.');
    return;
  }
  const { target, entry } = arg;
  const status = await (await targetClient(context.extension.secrets, target)).applyStatus(entry.id);
  const what = `${entry.kind} ${entry.serial === null ? entry.id : `serial ${entry.serial}`} on ${target.name}`;
  if (!status.spans) {
    void vscode.window.showInformationMessage(`Tracing Reload: ${target.name} has no spans of the ${what} (it is ${status.phase}).`);
    return;
  }
  const shown = await context.traces.keepTrace(fromOtlpJson(status.spans), what);
  context.timeline.show(shown);
}
