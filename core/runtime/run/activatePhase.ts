/**
 * The phases around the swap: `reload.probe` before it, `reload.activate` (one reference swap),
 * and the post-activation probes, whose failure rolls back (`reload.rollback`) per the manifest's
 * rollback policy.
 */
import { ReloadStepError } from '../../errors';
import { refKey } from '../../model/refs';
import type { HealthCheck } from '../../model/types';
import type { GenerationDraft } from '../generation';
import { runProbe } from '../probes';
import { changeByRef, changeFailed, describeError, isAtomic, liveChanges, manifestOf, modelFor, type RunState, runStep, setChangeStatus, stopAt, stopIfAborted, StopRun } from './state';

/** Runs one health check; returns its failure (undefined when it passed). */
async function probe(state: RunState, check: HealthCheck): Promise<unknown> {
  const ref = check.change?.ref;
  const attributes = { 'reload.probe.id': check.id || String(check.index), 'reload.change.ref': check.change?.text ?? '' };
  try {
    await runStep(state, 'reload.probe', attributes, async (span) => {
      const model = ref?.kind === 'model' ? modelFor(state, ref.id) : undefined;
      if (!model) throw new ReloadStepError('ProbeFailed', `${check.change?.text ?? '(no change)'} is neither staged by this manifest nor served.`, `${check.pointer}/change`);
      const result = await runProbe(state.request.runtime, model, check.spec, check.pointer, check.maxLatency);
      span.setAttribute('reload.probe.latency_ms', result.latencyMs);
      if (result.maxAbsError !== undefined) span.setAttribute('reload.probe.max_abs_error', result.maxAbsError);
    });
    return undefined;
  } catch (error) {
    return error;
  }
}

/** The change a health check probes, in this run. */
const probedChange = (state: RunState, check: HealthCheck) => (check.change?.ref ? changeByRef(state, refKey(check.change.ref)) : undefined);

/** Pre-activation probes, in manifest order: a failure fails the probed change (and, in atomic mode, the run). */
export async function probePhase(state: RunState): Promise<void> {
  stopIfAborted(state, 'reload.probe');
  for (const check of manifestOf(state).healthChecks) {
    if (check.phase === 'postActivate') continue;
    const target = probedChange(state, check);
    if (target?.outcome.status === 'failed') continue; // its change already failed (independent mode)
    const failure = await probe(state, check);
    if (failure === undefined) continue;
    if (!target) throw new StopRun('reload.probe', failure);
    changeFailed(state, target, 'reload.probe', failure);
  }
}

/** Swaps every change that passed its checks in, in one reference assignment. */
export async function activatePhase(state: RunState): Promise<void> {
  const { runtime } = state.request;
  stopIfAborted(state, 'reload.activate');
  const deadline = manifestOf(state).activation.deadline;
  if (deadline?.ms !== undefined && state.now().getTime() - state.startedAt > deadline.ms) {
    throw new StopRun('reload.activate', new ReloadStepError('DeadlineExceeded', `The activation deadline of ${deadline.ms} ms passed before the swap.`, deadline.pointer));
  }
  const activating = liveChanges(state);
  if (activating.length === 0 && state.changes.length > 0) throw new StopRun('reload.activate', new ReloadStepError('ProbeFailed', 'No change passed its checks; nothing was activated.'));
  const metadata = manifestOf(state).metadata;
  await runStep(state, 'reload.activate', { 'reload.activate.changes': activating.length, 'reload.activate.mode': isAtomic(state) ? 'atomic' : 'independent' }, async (span) => {
    const draft: GenerationDraft = runtime.draft();
    for (const change of activating) change.update?.(draft);
    const next = runtime.prepare(draft, { name: metadata.name ?? '', uid: metadata.uid, serial: metadata.serial ?? 0 });
    state.swapPauseMs = runtime.activate(next);
    for (const change of activating) setChangeStatus(state, change, 'activated');
    span.setAttribute('reload.generation', next.number);
    span.addEvent('swap.done', { 'reload.generation': next.number, 'reload.swap.pause_ms': state.swapPauseMs });
  }).catch(stopAt('reload.activate'));
}

/**
 * Post-activation probes. The first failure ends the run: with `onFailure: revert` (the default)
 * the previous generation is swapped back in; with `pause` or `none` the new one stays for an
 * operator. Returns the outcome decided here, or undefined when every probe passed.
 */
export async function postActivatePhase(state: RunState): Promise<{ outcome: 'RolledBack' | 'Failed'; cause: unknown } | undefined> {
  const manifest = manifestOf(state);
  for (const check of manifest.healthChecks) {
    if (check.phase !== 'postActivate') continue;
    const cause = await probe(state, check);
    if (cause === undefined) continue;
    const target = probedChange(state, check);
    if (target) target.outcome.error = describeError(cause);
    if (manifest.rollback.onFailure !== 'revert') {
      if (target) setChangeStatus(state, target, 'failed');
      return { outcome: 'Failed', cause };
    }
    await runStep(state, 'reload.rollback', { 'reload.rollback.reason': describeError(cause).message }, async (span) => {
      if (!state.request.runtime.rollback()) throw new ReloadStepError('ProbeFailed', 'There is no previous generation to roll back to.');
      span.setAttribute('reload.generation', state.request.runtime.active.number);
    }).catch(stopAt('reload.rollback'));
    for (const change of state.changes) if (change.outcome.status === 'activated' && change !== target) setChangeStatus(state, change, 'rolledBack');
    if (target) setChangeStatus(state, target, 'failed');
    return { outcome: 'RolledBack', cause };
  }
  return undefined;
}
