/**
 * The reload pipeline shared by the dry run and the agent: validate → verify → stage and load
 * (wave by wave) → probe → activate → post-activation probes (→ rollback). Make-before-break: nothing the active
 * generation serves changes until the one reference swap in `activate`. Each phase is a function
 * over one explicit run state (run/state.ts); every step is a span under one root
 * (`reload.dryRun` or `reload.apply`).
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { contextWith } from '../tracing/recorder';
import { markFailed } from '../tracing/spans';
import type { LocalRuntime } from './runtime';
import { activatePhase, postActivatePhase, probePhase } from './run/activatePhase';
import { stageAndLoadPhase } from './run/loadPhase';
import { createRunState, describeError, StopRun, type ChangeState, type RunState } from './run/state';
import type { ReloadOutcome, ReloadRequest } from './run/types';
import { validatePhase, verifyPhase } from './run/validatePhase';

export type { ChangeOutcome, ChangeStatus, ProgressEvent, ReloadMode, ReloadOutcome, ReloadRequest } from './run/types';

export async function runReload(request: ReloadRequest): Promise<ReloadOutcome> {
  const root = request.tracer.startSpan(`reload.${request.mode}`, {}, request.parent);
  const state = createRunState(request, root, contextWith(root, request.parent));
  try {
    await validatePhase(state);
    await verifyPhase(state);
    await stageAndLoadPhase(state);
    await probePhase(state);
    await activatePhase(state);
    releaseUnused(request.runtime, state.changes);
    const failed = await postActivatePhase(state);
    return failed ? finish(state, failed.outcome, { step: 'reload.probe', cause: failed.cause }) : finish(state, 'Succeeded');
  } catch (error) {
    if (!(error instanceof StopRun)) throw error;
    releaseUnused(request.runtime, state.changes);
    return finish(state, error.step === 'reload.validate' ? 'Invalid' : 'Failed', { step: error.step, cause: error.cause });
  } finally {
    clearTimeout(state.deadlineTimer);
    state.detachSignal();
  }
}

function finish(state: RunState, outcome: ReloadOutcome['outcome'], failure?: { step: string; cause: unknown }): ReloadOutcome {
  const { root } = state;
  const result: ReloadOutcome = {
    outcome,
    traceId: root.spanContext().traceId,
    changes: state.changes.map((c) => c.outcome),
    diagnostics: state.diagnostics,
    generation: state.request.runtime.active.number,
    swapPauseMs: state.swapPauseMs,
  };
  if (failure) {
    result.error = { step: failure.step, ...describeError(failure.cause) };
    markFailed(root, failure.cause);
  } else {
    root.setStatus({ code: SpanStatusCode.OK });
  }
  root.setAttribute('reload.outcome', outcome);
  root.end();
  return result;
}

/** Models loaded by this run that no generation serves (failed or skipped changes) are released. */
function releaseUnused(runtime: LocalRuntime, changes: ChangeState[]): void {
  const served = new Set([...runtime.active.models.values(), ...(runtime.previousStable?.models.values() ?? [])]);
  for (const change of changes) {
    if (change.model && !served.has(change.model)) {
      void change.model.session.release();
      change.model = undefined;
    }
  }
}
