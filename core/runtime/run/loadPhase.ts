/** `reload.stage` and `reload.load`: each change staged and loaded beside the active generation, wave by wave (plan.ts). */
import type { Context, Span } from '@opentelemetry/api';
import { ReloadStepError } from '../../errors';
import { measure, patchBudget, type PatchBudget } from '../../jsonPatch';
import { own } from '../../jsonc/read';
import { loadAdapter, loadConfig, loadFlagSet, loadKnowledge, loadPrompt, loadResource, type DraftUpdate } from '../loadContext';
import { loadModel } from '../loadModel';
import { planReload } from '../plan';
import { loadSessionChange } from '../sessionChanges';
import type { HeldArtifact } from '../stager';
import { stageChange } from './stagePhase';
import { changeFailed, type ChangeState, manifestOf, modelFor, type RunState, runStep, stopAt, stopIfAborted } from './state';

/**
 * Stages and loads the changes, wave by wave (plan.ts). Within a wave each change is staged, then
 * loaded, then its artifact's bytes are released, concurrently with the others: the bytes held at
 * once stay within the Stager's cap however many artifacts a manifest names. A failure in atomic
 * mode stops the wave's other stagings and ends the run once they have settled.
 */
export async function stageAndLoadPhase(state: RunState): Promise<void> {
  stopIfAborted(state, 'reload.stage');
  const plan = planReload(manifestOf(state));
  const byChange = new Map(state.changes.map((c) => [c.change, c]));
  for (const changes of plan.waves) {
    const wave: Wave = { stop: new AbortController() };
    const onAbort = (): void => wave.stop.abort(state.abort.signal.reason);
    state.abort.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const live = changes.map((change) => byChange.get(change)!).filter((c) => c.outcome.status !== 'failed');
      await Promise.allSettled(live.map((change) => stageAndLoad(state, change, wave)));
      if (wave.stopped) stopAt('reload.load')(wave.stopped);
    } finally {
      state.abort.signal.removeEventListener('abort', onAbort);
    }
  }
}

interface Wave {
  /** Aborted when the run stops (deadline, caller) or, in atomic mode, when one change fails. */
  stop: AbortController;
  /** The first failure that stopped the run, in the order failures happened. */
  stopped?: unknown;
}

async function stageAndLoad(state: RunState, change: ChangeState, wave: Wave): Promise<void> {
  let held: HeldArtifact | undefined;
  let step = 'reload.stage';
  try {
    if (change.change.artifact) {
      held = await stageChange(state, change, wave.stop.signal);
      change.staged = held;
    }
    step = 'reload.load';
    await loadOne(state, change);
  } catch (error) {
    // Cancelled because another change of the wave failed: this one did not fail, it stays skipped.
    if (wave.stopped !== undefined && !state.abort.signal.aborted) return;
    try {
      changeFailed(state, change, step, error);
    } catch (stopRun) {
      // Atomic mode: the other changes of the wave stop too (their stagings are cancelled).
      wave.stopped ??= stopRun;
      wave.stop.abort(new ReloadStepError('StagingCancelled', `Cancelled: ${change.change.ref} failed, and this reload is atomic.`));
    }
  } finally {
    // The loaded change keeps what it needs (a model session, parsed data); the bytes go back.
    held?.release();
    if (change.staged) change.staged = { ...change.staged, bytes: undefined };
  }
}

function loadOne(state: RunState, change: ChangeState): Promise<void> {
  return runStep(
    state,
    'reload.load',
    { 'reload.change.ref': change.change.ref, 'reload.change.kind': change.change.kind },
    async (span, context) => {
      // Reading RSS costs ~13 µs (it reads /proc); it is measured around loads that read
      // artifacts, where it means something, and heap around every load. Nothing is measured
      // for spans that are not recorded.
      const recording = span.isRecording();
      const withRss = recording && change.change.artifact !== undefined;
      const heapBefore = recording ? state.heapUsed() : 0;
      const rssBefore = withRss ? state.rss() : 0;
      change.update = await loadChange(state, change, span, context);
      if (withRss) span.setAttributes({ 'reload.memory.rss_before': rssBefore, 'reload.memory.rss_after': state.rss() });
      if (recording) span.setAttributes({ 'reload.memory.heap_used_before': heapBefore, 'reload.memory.heap_used_after': state.heapUsed() });
    },
    change.change.ref,
  );
}

async function loadChange(state: RunState, change: ChangeState, span: Span, context: Context): Promise<DraftUpdate> {
  const { spec, pointer } = change.change;
  const { source, runtime, tracer } = state.request;
  switch (change.change.kind) {
    case 'Model': {
      const model = await loadModel(runtime.engine, spec, pointer, change.staged!);
      change.model = model;
      return (draft) => void draft.models.set(model.id, model);
    }
    case 'Config':
      return loadConfig(spec, pointer, change.staged);
    case 'FlagSet':
      return loadFlagSet(spec);
    case 'Prompt':
      return loadPrompt(spec, pointer, source);
    case 'Resource':
      return loadResource(spec, pointer, source);
    case 'Adapter': {
      const base = change.change.references.find((r) => r.field === 'baseModel')?.ref;
      const model = base?.kind === 'model' ? modelFor(state, base.id) : undefined;
      span.setAttribute('reload.adapter.base_model_served', model !== undefined);
      return loadAdapter(spec, pointer, change.staged!, model);
    }
    case 'Knowledge':
      return loadKnowledge(spec, pointer, change.staged);
    case 'Session':
      return loadSessionChange(tracer, context, change.change, state.sessions, (state.patchBudget ??= sessionBudget(state)));
  }
}

/**
 * One budget for all session patches of the run, proportional to what they act on: the session
 * operations in the manifest and the contexts they update that the active generation holds.
 */
function sessionBudget(state: RunState): PatchBudget {
  const sessions = state.changes.filter((c) => c.change.kind === 'Session');
  let weight = measure(sessions.map((c) => c.change.spec));
  const updated = new Set(sessions.filter((c) => own(c.change.spec, 'op') === 'update').map((c) => c.change.id));
  for (const id of updated) {
    const active = state.request.runtime.active.sessions.get(id);
    if (active) weight += measure(active.context);
  }
  return patchBudget(weight);
}
