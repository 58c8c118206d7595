/**
 * The one explicit state a reload run carries through its phases (phases.ts), and the helpers
 * every phase uses to run a step as a span and to fail a change or the run.
 */
import { getHeapStatistics } from 'node:v8';
import type { Context, Span } from '@opentelemetry/api';
import type { ManifestDiagnostic } from '../../diagnostics';
import { errorTypeOf, messageOf, ReloadStepError } from '../../errors';
import type { ManifestChange, ManifestModel } from '../../model/types';
import { inSpan } from '../../tracing/spans';
import type { LoadedModel } from '../generation';
import type { DraftUpdate } from '../loadContext';
import type { SessionState } from '../sessions';
import type { StagedArtifact } from '../stage';
import { createStager, type Stager } from '../stager';
import type { PatchBudget } from '../../jsonPatch';
import type { ChangeOutcome, ReloadRequest } from './types';

export interface ChangeState {
  change: ManifestChange;
  staged?: StagedArtifact;
  model?: LoadedModel;
  update?: DraftUpdate;
  outcome: ChangeOutcome;
}

export interface RunState {
  request: ReloadRequest;
  now: () => Date;
  rss: () => number;
  heapUsed: () => number;
  /** When the run started (epoch ms), for the activation deadline. */
  startedAt: number;
  root: Span;
  rootContext: Context;
  /** Aborted when the activation deadline passes or the caller cancels: stops staging at once. */
  abort: AbortController;
  /** Stages the run's artifacts (shared reads, a cap on the bytes held at once). */
  stager: Stager;
  deadlineTimer?: ReturnType<typeof setTimeout>;
  /** Removes the run's listener from the caller's signal (which may outlive many runs, as the agent's does). */
  detachSignal: () => void;
  diagnostics: ManifestDiagnostic[];
  /** Set by the validate phase; every later phase reads the manifest from it. */
  manifest?: ManifestModel;
  changes: ChangeState[];
  /** Sessions as the run's operations leave them (starting from the active generation's). */
  sessions: Map<string, SessionState>;
  patchBudget?: PatchBudget;
  swapPauseMs?: number;
}

/** Ends the run at a step: the outcome is decided by `cause`. */
export class StopRun extends Error {
  constructor(
    readonly step: string,
    readonly cause: unknown,
  ) {
    super(messageOf(cause));
  }
}

const defaultRss = (): number => process.memoryUsage.rss();
const defaultHeapUsed = (): number => getHeapStatistics().used_heap_size;

export function createRunState(request: ReloadRequest, root: Span, rootContext: Context): RunState {
  const now = request.now ?? (() => new Date());
  const abort = new AbortController();
  let detachSignal = (): void => undefined;
  const signal = request.signal;
  if (signal?.aborted) abort.abort(signal.reason);
  else if (signal) {
    const onAbort = (): void => abort.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    detachSignal = () => signal.removeEventListener('abort', onAbort);
  }
  return {
    request,
    now,
    rss: request.rss ?? defaultRss,
    heapUsed: request.heapUsed ?? defaultHeapUsed,
    startedAt: now().getTime(),
    root,
    rootContext,
    abort,
    detachSignal,
    stager: request.stager ?? createStager({ source: request.source }),
    diagnostics: [],
    changes: [],
    sessions: new Map(request.runtime.active.sessions),
  };
}

export function manifestOf(state: RunState): ManifestModel {
  if (!state.manifest) throw new Error('the manifest is read by the validate phase, before every other phase');
  return state.manifest;
}

export const isAtomic = (state: RunState): boolean => manifestOf(state).activation.mode === 'atomic';

/** Stops the run before `step` when it was aborted (the activation deadline passed, or the caller cancelled). */
export function stopIfAborted(state: RunState, step: string): void {
  if (state.abort.signal.aborted) throw new StopRun(step, state.abort.signal.reason);
}

/** Runs one step as a child span of the run, with progress events around it. */
export async function runStep<T>(state: RunState, name: string, attributes: Record<string, string | number | boolean>, run: (span: Span, context: Context) => Promise<T>, ref?: string): Promise<T> {
  const progress = state.request.onProgress;
  progress?.({ kind: 'step', step: name, ref, state: 'start' });
  try {
    return await inSpan(state.request.tracer, name, state.rootContext, attributes, ({ span, context }) => run(span, context));
  } finally {
    progress?.({ kind: 'step', step: name, ref, state: 'end' });
  }
}

/** Sets a change's status and tells the caller's progress listener (the agent streams it). */
export function setChangeStatus(state: RunState, change: ChangeState, status: ChangeOutcome['status']): void {
  change.outcome.status = status;
  state.request.onProgress?.({ kind: 'change', outcome: { ...change.outcome } });
}

/** Records a change's failure; in atomic mode the whole run stops there. */
export function changeFailed(state: RunState, change: ChangeState, step: string, error: unknown): void {
  change.outcome.error = describeError(error);
  setChangeStatus(state, change, 'failed');
  if (isAtomic(state)) throw new StopRun(step, error);
}

export function describeError(error: unknown): { type: string; message: string; pointer?: string } {
  return { type: errorTypeOf(error), message: messageOf(error), pointer: error instanceof ReloadStepError ? error.pointer : undefined };
}

/** Errors escaping a step become a stop of the run at that step (a StopRun passes through). */
export function stopAt(step: string): (error: unknown) => never {
  return (error) => {
    throw error instanceof StopRun ? error : new StopRun(step, error);
  };
}

/** The changes that have not failed. */
export function liveChanges(state: RunState): ChangeState[] {
  return state.changes.filter((c) => c.outcome.status !== 'failed');
}

/** The state of the change `ref` (`kind:id`) names. */
export function changeByRef(state: RunState, ref: string): ChangeState | undefined {
  return state.changes.find((c) => c.change.ref === ref);
}

/** The model `ref` names: staged by this run (and not failed), or served by the active generation. */
export function modelFor(state: RunState, id: string | undefined): LoadedModel | undefined {
  if (id === undefined) return undefined;
  return state.changes.find((c) => c.model?.id === id && c.outcome.status !== 'failed')?.model ?? state.request.runtime.active.models.get(id);
}
