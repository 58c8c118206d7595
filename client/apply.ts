/**
 * "Apply…" in VS Code (DESIGN.md §6.3, §6.4, §7), the way `reloadctl apply` does it: the manifest
 * is validated here first (an invalid one never reaches a target); the targets are the manifest's
 * `spec.targets` when they are all configured, else the user picks; each target gets the artifacts
 * it lacks (by digest) and is asked for a plan (POST /plans: a server-side dry run); a modal shows
 * the plans; once confirmed, `applyToFleet` applies in waves with one Idempotency-Key, followed in a
 * cancellable notification (cancelling stops following; the agent carries on). Then the merged
 * trace (the extension's spans and every agent's) in the timeline, each change's ACK/NACK inline,
 * and the Reload Targets view refreshed. Tokens come from SecretStorage and go into headers only.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TargetSetting } from '../common/protocol';
import type { ManifestDiagnostic } from '../core/diagnostics';
import { languageIdForPath, type LanguageId } from '../core/formats';
import type { ManifestModel } from '../core/model/types';
import { TargetError, type TargetClient } from '../core/target/client';
import { applyToFleet, type BlobUpload, type FleetEvent, type FleetResult, type FleetTarget } from '../core/target/fleet';
import { reviewPlans, type TargetPlan } from '../core/target/planText';
import { mergeTraces } from '../core/tracing/merge';
import { fromReadableSpans } from '../core/tracing/model';
import { createTraceRecorder } from '../core/tracing/recorder';
import { renderTimeline } from '../core/tracing/timeline';
import { validateManifest } from '../core/validate';
import { localUploads } from '../node/targetUploads';
import type { CommandContext } from './context';
import { artifactRoots, targetDocument } from './documents';
import { configuredTargets, targetClient } from './targets';
import { requireTrust } from './trust';

const SERVICE_NAME = 'vscode-tracing-reload';

/** What an apply refuses locally besides errors: an apply needs uid, serial and pinned digests, which the editor only warns about. */
const BLOCKS_APPLY = new Set(['missing-apply-field', 'missing-digest']);

export async function applyDocument(context: CommandContext, arg: unknown): Promise<void> {
  if (!requireTrust('apply')) return;
  const document = await targetDocument(arg);
  const languageId = document ? languageIdForPath(document.uri.path) : undefined;
  if (!document || document.uri.scheme !== 'file' || !languageId) {
    void vscode.window.showWarningMessage('Tracing Reload: open a *.reload.json or *.mcp-context.json file on disk to apply it.');
    return;
  }
  const configured = configuredTargets();
  if (configured.length === 0) {
    void vscode.window.showInformationMessage('Tracing Reload: no targets are configured. Add a reload agent to the "tracingReload.targets" setting.');
    return;
  }
  const name = path.basename(document.uri.path);
  const text = document.getText();
  const version = document.version;
  // The target decides expiry by its own clock; everything else is checked here, before any request.
  const checked = validateManifest(text, { languageId });
  const blocking = checked.diagnostics.filter((d) => d.code !== 'manifest-expired' && (d.severity === 'error' || BLOCKS_APPLY.has(d.code)));
  if (!checked.model || checked.format?.legacy || blocking.length > 0) {
    void vscode.window.showErrorMessage(notValidMessage(name, checked.format?.legacy === true, blocking));
    return;
  }
  const model = checked.model;
  const targets = await chooseTargets(name, model, configured);
  if (!targets) return;
  const clients = await Promise.all(targets.map(async (target) => ({ ...target, client: await targetClient(context.extension.secrets, target) })));
  const uploads = await localUploads(model, document.uri.fsPath, artifactRoots());
  const plans = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Planning ${name}`, cancellable: true }, (progress, token) => {
    const cancel = new AbortController();
    token.onCancellationRequested(() => cancel.abort());
    return Promise.all(clients.map((target) => planOn(target, text, uploads, cancel.signal, (message) => progress.report({ message }))));
  });
  if (plans.some((plan) => plan.error === CANCELLED)) return;
  if (!(await confirm(name, model, plans))) return;
  await applyConfirmed(context, { document, version, name, languageId, text, model, uploads, targets: clients });
}

function notValidMessage(name: string, legacy: boolean, blocking: readonly ManifestDiagnostic[]): string {
  if (legacy) return `Tracing Reload: ${name} is in a legacy format, which is never applied: migrate it to the current format first (its quick fix, or "Migrate All Manifests in the Workspace").`;
  const [first] = blocking;
  const more = blocking.length > 1 ? ` (and ${blocking.length - 1} more problem${blocking.length === 2 ? '' : 's'} in the Problems panel)` : '';
  return `Tracing Reload: ${name} is not applied: it is not valid. Line ${first.range.start.line + 1}: ${first.message}${more}`;
}

/** The manifest's `spec.targets` when all are configured; otherwise the user picks (those it names preselected). */
async function chooseTargets(name: string, model: ManifestModel, configured: readonly TargetSetting[]): Promise<TargetSetting[] | undefined> {
  const named = model.targets.map((t) => t.name);
  const matching = configured.filter((t) => named.includes(t.name));
  if (named.length > 0 && matching.length === named.length) return matching;
  const unknown = named.filter((n) => !configured.some((t) => t.name === n));
  const picked = await vscode.window.showQuickPick(
    configured.map((target) => ({ label: target.name, description: target.url, picked: matching.includes(target) || configured.length === 1, target })),
    {
      canPickMany: true,
      title: `Apply ${name} to`,
      placeHolder: unknown.length > 0 ? `spec.targets names ${unknown.join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} not configured: pick the targets to apply to` : 'The targets to apply to',
    },
  );
  if (!picked || picked.length === 0) return undefined;
  return configured.filter((t) => picked.some((p) => p.target === t));
}

const CANCELLED = 'cancelled';

/** Uploads what the target lacks (so the plan's dry run stages the bytes an apply would), then asks for its plan. */
async function planOn(target: TargetSetting & { client: TargetClient }, text: string, uploads: readonly BlobUpload[], signal: AbortSignal, report: (message: string) => void): Promise<TargetPlan> {
  const { name, url, client } = target;
  try {
    for (const upload of uploads) {
      if (await client.hasBlob(upload.digest, signal)) continue;
      report(`${name}: uploading ${upload.uri}`);
      await client.putBlob(upload.digest, upload.size, () => upload.open(), signal);
    }
    report(`${name}: planning`);
    return { name, url, plan: await client.plan(text, { key: randomUUID(), signal }) };
  } catch (error) {
    if (signal.aborted) return { name, url, error: CANCELLED };
    return { name, url, error: targetErrorText(error) };
  }
}

export function targetErrorText(error: unknown): string {
  if (!(error instanceof TargetError)) return error instanceof Error ? error.message : String(error);
  const diagnostics = error.problem?.diagnostics ?? [];
  const first = diagnostics[0] ? ` ${diagnostics[0].pointer || '/'}: ${diagnostics[0].message}` : '';
  return `${error.message}${error.kind ? ` (${error.kind})` : ''}${first}`;
}

/** The modal with the plans: Apply when every target would take it; Apply Anyway when a dry run failed; only Close when a target refuses. */
async function confirm(name: string, model: ManifestModel, plans: readonly TargetPlan[]): Promise<boolean> {
  const review = reviewPlans(plans);
  const what = `${model.metadata.name ?? name} (serial ${model.metadata.serial ?? '?'})`;
  const where = plans.map((p) => p.name).join(', ');
  if (review.verdict === 'refused') {
    await vscode.window.showErrorMessage(`Tracing Reload: ${what} cannot be applied to ${where}.`, { modal: true, detail: review.text });
    return false;
  }
  if (review.verdict === 'dryRunFailed') {
    return (await vscode.window.showWarningMessage(`The server-side dry run of ${what} failed. Apply it to ${where} anyway?`, { modal: true, detail: review.text }, 'Apply Anyway')) === 'Apply Anyway';
  }
  return (await vscode.window.showInformationMessage(`Apply ${what} to ${where}?`, { modal: true, detail: review.text }, 'Apply')) === 'Apply';
}

interface Confirmed {
  document: vscode.TextDocument;
  version: number;
  name: string;
  languageId: LanguageId;
  text: string;
  model: ManifestModel;
  uploads: readonly BlobUpload[];
  targets: (TargetSetting & { client: TargetClient })[];
}

async function applyConfirmed(context: CommandContext, run: Confirmed): Promise<void> {
  const { document, name, model } = run;
  const recorder = createTraceRecorder({ serviceName: SERVICE_NAME });
  const cancel = new AbortController();
  const started = new Set<string>();
  const fleet: FleetTarget[] = run.targets;
  let result: FleetResult | undefined;
  try {
    result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Applying ${name}`, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => cancel.abort());
      return applyToFleet({
        targets: fleet,
        body: run.text,
        manifest: { name: model.metadata.name ?? name, serial: model.metadata.serial, uid: model.metadata.uid },
        rollout: model.rollout,
        uploads: run.uploads,
        tracer: recorder.tracer,
        key: randomUUID(),
        signal: cancel.signal,
        sleep: (ms) => abortableSleep(ms, cancel.signal),
        onEvent: (target, event) => {
          if (event.kind === 'started') started.add(target.name);
          const message = progressText(target.name, event, fleet.length > 1);
          if (message) progress.report({ message });
        },
      });
    });
  } catch (error) {
    if (!cancel.signal.aborted) throw error;
  } finally {
    await recorder.shutdown().catch(() => undefined);
  }
  context.targets.refresh();
  if (result) await rememberApplied(context, run, result);
  if (cancel.signal.aborted || !result) {
    const where = [...started];
    void vscode.window.showInformationMessage(
      where.length > 0
        ? `Tracing Reload: stopped following the apply of ${name}; the agent on ${where.join(', ')} continues it. The Reload Targets view shows how it ends.`
        : `Tracing Reload: the apply of ${name} was cancelled before any target started it.`,
    );
    return;
  }
  const trace = mergeTraces(fromReadableSpans(recorder.finishedSpans(), { 'service.name': SERVICE_NAME }), result.remoteSpans);
  const shown = await context.traces.keepRun(trace, document.uri, 'apply');
  context.results.clear(document.uri);
  // The answers point into the text that was applied: an edit meanwhile would misplace them.
  if (document.version === run.version) context.applyResults.show(document, result.targets);
  else context.log.info(`The apply results of ${name} are not shown inline: the document changed while it ran.`);
  context.timeline.show(shown);
  const summary = summaryOf(name, result);
  context.log.info(`Apply of ${document.uri.fsPath}: ${result.outcome} · trace ${result.traceId}\n${renderTimeline(trace).text}${summary}`);
  const action = await (result.outcome === 'Succeeded' ? vscode.window.showInformationMessage(summary, 'Show Trace') : vscode.window.showErrorMessage(summary, 'Show Trace'));
  if (action === 'Show Trace') context.timeline.show(shown);
}

/** Each target the manifest now serves on (not rolled back by a later wave's failure), for the targets' MCP server definitions. */
async function rememberApplied(context: CommandContext, run: Confirmed, result: FleetResult): Promise<void> {
  for (const applied of result.targets) {
    const status = applied.status;
    const target = run.targets.find((t) => t.name === applied.name);
    if (!target || status?.phase !== 'Succeeded' || status.serial === undefined || applied.rollback) continue;
    await context.mcpServers.applied({ name: target.name, url: target.url }, { languageId: run.languageId, name: run.model.metadata.name ?? run.name, digest: status.manifest.digest, serial: status.serial });
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The progress notification's line for a rollout event. */
export function progressText(target: string, event: FleetEvent, fleet: boolean): string | undefined {
  switch (event.kind) {
    case 'wave':
      return fleet ? `wave ${event.index + 1}: ${event.targets.join(', ')}` : undefined;
    case 'pause':
      return `pausing ${event.ms} ms before the next wave`;
    case 'upload':
      return `${target}: uploading ${event.uri}`;
    case 'started':
      return `${target}: started${event.replayed ? ' (by an earlier attempt)' : ''}`;
    case 'apply':
      return event.event.event === 'phase' ? `${target}: ${event.event.data.phase}${event.event.data.ref ? ` ${event.event.data.ref}` : ''}` : undefined;
    case 'ended':
      return `${target}: ${event.status?.phase ?? 'failed'}`;
    case 'rollback':
      return `${target}: ${event.error ? 'rollback failed' : 'rolled back'}`;
  }
}

/** The notification: one line for the whole rollout. */
export function summaryOf(name: string, result: FleetResult): string {
  if (result.outcome === 'Succeeded') {
    const [first] = result.targets;
    const changes = first?.status?.changes.length ?? 0;
    const activated = `${changes} change${changes === 1 ? '' : 's'} activated`;
    if (result.targets.length === 1) return `Tracing Reload: applied ${name} to ${first.name}: serial ${first.status?.serial ?? '?'}, generation ${first.status?.generation ?? '?'}, ${activated}.`;
    return `Tracing Reload: applied ${name} to ${result.targets.map((t) => t.name).join(', ')}: serial ${first.status?.serial ?? '?'}, ${activated} on each.`;
  }
  const reasons = result.targets
    .filter((t) => t.status?.phase !== 'Succeeded' || t.rollback)
    .map((t) => {
      if (!t.status) return `${t.name}: refused: ${t.error?.message ?? 'no answer'}${t.error?.problem ? ` (${t.error.problem})` : ''}`;
      if (t.rollback) return `${t.name}: rolled back${t.rollback.error ? ` — the rollback failed: ${t.rollback.error}` : ''}`;
      const failure = t.status.error;
      return `${t.name}: ${t.status.phase}${failure ? ` at ${failure.step}: ${failure.type}: ${failure.message}` : ''}`;
    });
  return `Tracing Reload: the apply of ${name} ${result.outcome === 'RolledBack' ? 'was rolled back' : 'failed'}: ${reasons.join('; ')}`;
}
