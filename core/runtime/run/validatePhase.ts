/** The first two phases: `reload.validate` (the editor's checks, and the manifest model) and `reload.verify` (what a run needs before it touches anything). */
import { ReloadStepError } from '../../errors';
import { validateManifest } from '../../validate';
import { describeError, manifestOf, type RunState, runStep, setChangeStatus, stopAt, stopIfAborted } from './state';

/** Validates the text and reads the manifest model; an invalid or legacy manifest stops the run here. */
export async function validatePhase(state: RunState): Promise<void> {
  const { request } = state;
  await runStep(state, 'reload.validate', {}, async () => {
    const result = validateManifest(request.text, { languageId: request.languageId, now: state.now() });
    state.diagnostics = result.diagnostics;
    // Expiry is refused at reload.verify (DESIGN.md §5), with its own error type.
    const errors = result.diagnostics.filter((d) => d.severity === 'error' && d.code !== 'manifest-expired');
    if (errors.length > 0) {
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
      throw new ReloadStepError('InvalidManifest', `${errors[0].message}${more}`, errors[0].pointer);
    }
    if (!result.format || result.format.legacy || !result.model) {
      throw new ReloadStepError('InvalidManifest', `Legacy ${result.format?.apiVersion ?? ''} manifests are never applied: migrate them first (the quick fix, or reloadctl migrate --write).`, '/apiVersion');
    }
    const manifest = result.model;
    state.manifest = manifest;
    const { name, uid, serial } = manifest.metadata;
    state.root.setAttribute('reload.manifest.name', name ?? '');
    if (uid !== undefined) state.root.setAttribute('reload.manifest.uid', uid);
    if (serial !== undefined) state.root.setAttribute('reload.serial', serial);
    state.changes = manifest.changes.map((change) => ({ change, outcome: { ref: change.ref, kind: change.kind, pointer: change.pointer, status: 'skipped' } }));
    startDeadline(state);
  }).catch(stopAt('reload.validate'));
}

/**
 * The activation deadline runs from the start of the run: when it passes, staging and fetching
 * stop at once (the abort signal), and no swap happens after it.
 */
function startDeadline(state: RunState): void {
  const deadline = manifestOf(state).activation.deadline;
  if (deadline?.ms === undefined) return;
  const left = state.startedAt + deadline.ms - state.now().getTime();
  const expire = (): void => state.abort.abort(new ReloadStepError('DeadlineExceeded', `The activation deadline of ${deadline.ms} ms passed before the swap.`, deadline.pointer));
  if (left <= 0) expire();
  else state.deadlineTimer = setTimeout(expire, left);
}

/** What the run needs before staging: not expired; in apply mode also a uid, a serial and pinned digests. */
export async function verifyPhase(state: RunState): Promise<void> {
  stopIfAborted(state, 'reload.verify');
  await runStep(state, 'reload.verify', {}, async () => {
    const { metadata } = manifestOf(state);
    // `!(at > now)` is also true for NaN: a timestamp that is not a real moment never means "never expires".
    if (metadata.expiresAt !== undefined && !(metadata.expiresAt > state.now().getTime())) {
      throw new ReloadStepError('ManifestExpired', `The manifest expired at ${metadata.expires} (or that is not a valid time).`, '/metadata/expires');
    }
    if (state.request.mode !== 'apply') return;
    if (metadata.uid === undefined) throw new ReloadStepError('InvalidManifest', 'metadata.uid is required to apply: add a UUID (quick fix "Generate uid").', '/metadata');
    if (metadata.serial === undefined || !Number.isSafeInteger(metadata.serial) || metadata.serial < 1) {
      throw new ReloadStepError('InvalidManifest', 'metadata.serial is required to apply: an integer from 1 to 9007199254740991, above the target\'s current serial.', '/metadata');
    }
    const unpinned = state.changes.find((c) => c.change.artifact && c.change.artifact.digest === undefined);
    if (unpinned) {
      const error = new ReloadStepError('MissingDigest', `${unpinned.change.ref} has no artifact digest; applying requires one (quick fix "Pin artifact digest").`, unpinned.change.artifact!.pointer);
      unpinned.outcome.error = describeError(error);
      setChangeStatus(state, unpinned, 'failed');
      throw error;
    }
  }).catch(stopAt('reload.verify'));
}
