/** `reload.load`: each change loaded beside the active generation, wave by wave (plan.ts). */
import type { Context, Span } from '@opentelemetry/api';
import { measure, patchBudget, type PatchBudget } from '../../jsonPatch';
import { own } from '../../semantic/read';
import { loadAdapter, loadConfig, loadFlagSet, loadKnowledge, loadPrompt, loadResource, type DraftUpdate } from '../loadContext';
import { loadModel } from '../loadModel';
import { planReload } from '../plan';
import { loadSessionChange } from '../sessionChanges';
import { changeFailed, type ChangeState, manifestOf, modelFor, type RunState, runStep, stopAt, stopIfAborted } from './state';

export async function loadPhase(state: RunState): Promise<void> {
  stopIfAborted(state, 'reload.load');
  const plan = planReload(manifestOf(state));
  const byChange = new Map(state.changes.map((c) => [c.change, c]));
  for (const wave of plan.waves) {
    const live = wave.map((change) => byChange.get(change)!).filter((c) => c.outcome.status !== 'failed');
    await Promise.all(live.map((change) => loadOne(state, change).catch((error: unknown) => changeFailed(state, change, 'reload.load', error)))).catch(stopAt('reload.load'));
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
