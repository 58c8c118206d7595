/**
 * The reload pipeline shared by the dry run and the agent: validate → verify → stage → load →
 * probe → activate → (post-activation probes) → rollback on failure. Make-before-break: nothing
 * the active generation serves changes until the one reference swap in `activate`.
 * Every step is a span under one root (`reload.dryRun` or `reload.apply`).
 */
import { getHeapStatistics } from 'node:v8';
import { SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { ManifestDiagnostic } from '../diagnostics';
import type { LanguageId } from '../formats';
import { asNumber, asObject, asString, objectsOf, own, type JsonObject } from '../semantic/read';
import { contextWith } from '../tracing/recorder';
import { inSpan, markFailed } from '../tracing/spans';
import { validateManifest } from '../validate';
import { errorTypeOf, messageOf, ReloadStepError } from '../errors';
import type { GenerationDraft, LoadedModel } from './generation';
import { loadAdapter, loadConfig, loadFlagSet, loadKnowledge, loadPrompt, loadResource, type DraftUpdate } from './loadContext';
import { loadModel } from './loadModel';
import { planChanges, type PlannedChange } from './plan';
import { runProbe } from './probes';
import type { LocalRuntime } from './runtime';
import { loadSession, serializeSession, updateSession, type SessionState } from './sessions';
import { stageArtifact, type ArtifactSource, type StagedArtifact } from './stage';
import type { PatchOperation } from '../jsonPatch';
import { parseDuration } from './duration';

export type ReloadMode = 'dryRun' | 'apply';

export type ProgressEvent =
  | { kind: 'step'; step: string; ref?: string; state: 'start' | 'end' }
  | { kind: 'bytes'; ref: string; bytes: number; total: number | undefined };

export interface ReloadRequest {
  text: string;
  languageId?: LanguageId;
  mode: ReloadMode;
  runtime: LocalRuntime;
  source: ArtifactSource;
  tracer: Tracer;
  /** Joins the run to a caller's trace (e.g. from a traceparent header). */
  parent?: Context;
  now?: () => Date;
  /** Resident set size in bytes (default: process.memoryUsage.rss). */
  rss?: () => number;
  /** Used V8 heap in bytes (default: v8 heap statistics). */
  heapUsed?: () => number;
  onProgress?: (event: ProgressEvent) => void;
}

export type ChangeStatus = 'activated' | 'failed' | 'skipped' | 'rolledBack';

export interface ChangeOutcome {
  ref: string;
  kind: PlannedChange['kind'];
  pointer: string;
  status: ChangeStatus;
  error?: { type: string; message: string; pointer?: string };
}

export interface ReloadOutcome {
  outcome: 'Succeeded' | 'Failed' | 'RolledBack' | 'Invalid';
  traceId: string;
  changes: ChangeOutcome[];
  /** The failure that decided the outcome. */
  error?: { step: string; type: string; message: string; pointer?: string };
  /** Validation diagnostics (errors only block). */
  diagnostics: ManifestDiagnostic[];
  /** The generation serving after the run. */
  generation: number;
  swapPauseMs?: number;
}

interface ChangeState {
  change: PlannedChange;
  staged?: StagedArtifact;
  model?: LoadedModel;
  update?: DraftUpdate;
  outcome: ChangeOutcome;
}

class StopRun extends Error {
  constructor(
    readonly step: string,
    readonly cause: unknown,
  ) {
    super(messageOf(cause));
  }
}

const defaultRss = (): number => process.memoryUsage.rss();
const defaultHeapUsed = (): number => getHeapStatistics().used_heap_size;

export async function runReload(request: ReloadRequest): Promise<ReloadOutcome> {
  const { tracer, runtime } = request;
  const now = request.now ?? (() => new Date());
  const rss = request.rss ?? defaultRss;
  const heapUsed = request.heapUsed ?? defaultHeapUsed;
  const progress = request.onProgress ?? (() => undefined);
  const root = tracer.startSpan(`reload.${request.mode}`, {}, request.parent);
  const rootContext = contextWith(root, request.parent);
  const started = now().getTime();
  const states: ChangeState[] = [];
  let diagnostics: ManifestDiagnostic[] = [];
  let swapPauseMs: number | undefined;
  let manifest: JsonObject = {};
  let atomic = true;

  const step = async <T>(name: string, attributes: Record<string, string | number | boolean>, run: (span: Span, context: Context) => Promise<T>, ref?: string): Promise<T> => {
    progress({ kind: 'step', step: name, ref, state: 'start' });
    try {
      return await inSpan(tracer, name, rootContext, attributes, ({ span, context }) => run(span, context));
    } finally {
      progress({ kind: 'step', step: name, ref, state: 'end' });
    }
  };

  /** Marks a change failed; in atomic mode the whole run stops there. */
  const changeFailed = (state: ChangeState, stepName: string, error: unknown): void => {
    state.outcome.status = 'failed';
    state.outcome.error = { type: errorTypeOf(error), message: messageOf(error), pointer: error instanceof ReloadStepError ? error.pointer : undefined };
    if (atomic) throw new StopRun(stepName, error);
  };
  const live = (): ChangeState[] => states.filter((s) => s.outcome.status !== 'failed');

  try {
    await step('reload.validate', {}, async () => {
      const result = validateManifest(request.text, { languageId: request.languageId, now: now() });
      diagnostics = result.diagnostics;
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) {
        const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
        throw new ReloadStepError('InvalidManifest', `${errors[0].message}${more}`, errors[0].pointer);
      }
      if (!result.format || result.format.legacy) {
        throw new ReloadStepError('InvalidManifest', `Legacy ${result.format?.apiVersion ?? ''} manifests are never applied: migrate first (reloadctl migrate --write).`, '/apiVersion');
      }
      manifest = result.value as JsonObject;
      const metadata = asObject(own(manifest, 'metadata'));
      root.setAttribute('reload.manifest.name', asString(own(metadata, 'name')) ?? '');
      const uid = asString(own(metadata, 'uid'));
      if (uid !== undefined) root.setAttribute('reload.manifest.uid', uid);
      const serial = asNumber(own(metadata, 'serial'));
      if (serial !== undefined) root.setAttribute('reload.serial', serial);
      atomic = asString(own(asObject(own(asObject(own(manifest, 'spec')), 'activation')), 'mode')) !== 'independent';
      for (const change of planChanges(manifest, result.format.languageId)) {
        states.push({ change, outcome: { ref: change.ref, kind: change.kind, pointer: change.pointer, status: 'skipped' } });
      }
    }).catch(rethrowAs('reload.validate'));

    const spec = asObject(own(manifest, 'spec'));
    const deadlineMs = parseDuration(asString(own(asObject(own(spec, 'activation')), 'deadline'))) ?? secondsOf(own(asObject(own(spec, 'activation')), 'timeoutSeconds'));

    await step('reload.verify', {}, async () => {
      const metadata = asObject(own(manifest, 'metadata'));
      const expires = asString(own(metadata, 'expires'));
      if (expires !== undefined && Date.parse(expires) <= now().getTime()) {
        throw new ReloadStepError('ManifestExpired', `The manifest expired at ${expires}.`, '/metadata/expires');
      }
      if (request.mode === 'apply') {
        for (const key of ['uid', 'serial']) {
          if (own(metadata, key) === undefined) throw new ReloadStepError('InvalidManifest', `metadata.${key} is required to apply.`, '/metadata');
        }
        const unpinned = states.find((s) => s.change.artifact && s.change.artifact.ref.digest === undefined);
        if (unpinned) throw new ReloadStepError('MissingDigest', `${unpinned.change.ref} has no artifact digest; applying requires one.`, `${unpinned.change.artifact!.pointer}`);
      }
    }).catch(rethrowAs('reload.verify'));

    // Stage every artifact concurrently: hashing is the floor of this step.
    await Promise.all(
      states
        .filter((s) => s.change.artifact)
        .map((state) => {
          const artifact = state.change.artifact!;
          return step(
            'reload.stage',
            { 'reload.change.ref': state.change.ref, 'reload.change.kind': state.change.kind },
            async (span) => {
              const hashStarted = performance.now();
              const staged = await stageArtifact(request.source, artifact.ref, {
                retain: true,
                pointer: artifact.pointer,
                onProgress: (bytes, total) => progress({ kind: 'bytes', ref: state.change.ref, bytes, total }),
              });
              span.setAttributes({ 'artifact.digest': staged.digest, 'artifact.size': staged.size, 'artifact.uri': staged.uri });
              span.addEvent('artifact.hashed', { 'artifact.size': staged.size, 'reload.hash.ms': performance.now() - hashStarted });
              state.staged = staged;
            },
            state.change.ref,
          ).catch((error: unknown) => changeFailed(state, 'reload.stage', error));
        }),
    ).catch(rethrowAs('reload.stage'));

    const loadOne = (state: ChangeState, run: (span: Span, context: Context) => Promise<DraftUpdate>): Promise<void> =>
      step(
        'reload.load',
        { 'reload.change.ref': state.change.ref, 'reload.change.kind': state.change.kind },
        async (span, context) => {
          // Reading RSS costs ~13 µs (it reads /proc); it is measured around loads that read
          // artifacts, where it means something, and heap around every load. Nothing is measured
          // for spans that are not recorded.
          const recording = span.isRecording();
          const withRss = recording && state.change.artifact !== undefined;
          const heapBefore = recording ? heapUsed() : 0;
          const rssBefore = withRss ? rss() : 0;
          state.update = await run(span, context);
          if (withRss) span.setAttributes({ 'reload.memory.rss_before': rssBefore, 'reload.memory.rss_after': rss() });
          if (recording) span.setAttributes({ 'reload.memory.heap_used_before': heapBefore, 'reload.memory.heap_used_after': heapUsed() });
        },
        state.change.ref,
      ).catch((error: unknown) => changeFailed(state, 'reload.load', error));

    // Models first: adapters check their shapes against the base model.
    await Promise.all(
      live()
        .filter((s) => s.change.kind === 'Model')
        .map((state) =>
          loadOne(state, async () => {
            const model = await loadModel(runtime.engine, state.change.spec, state.change.pointer, state.staged!);
            state.model = model;
            return (draft) => void draft.models.set(model.id, model);
          }),
        ),
    ).catch(rethrowAs('reload.load'));
    await Promise.all(
      live()
        .filter((s) => s.change.kind !== 'Model' && s.change.kind !== 'Session')
        .map((state) =>
          loadOne(state, async (span) => {
            const { spec, pointer } = state.change;
            switch (state.change.kind) {
              case 'Config':
                return loadConfig(spec, pointer, state.staged);
              case 'FlagSet':
                return loadFlagSet(spec);
              case 'Prompt':
                return loadPrompt(spec, pointer, request.source);
              case 'Resource':
                return loadResource(spec, pointer, request.source);
              case 'Adapter': {
                const base = modelFor(asString(own(spec, 'baseModel')));
                span.setAttribute('reload.adapter.base_model_served', base !== undefined);
                return loadAdapter(spec, pointer, state.staged!, base);
              }
              default:
                return loadKnowledge(spec, pointer, state.staged);
            }
          }),
        ),
    ).catch(rethrowAs('reload.load'));
    // Session operations apply in manifest order, each on the result of the previous one.
    const sessions = new Map<string, SessionState>(runtime.active.sessions);
    for (const state of live().filter((s) => s.change.kind === 'Session')) {
      await loadOne(state, (_span, context) => loadSessionChange(tracer, context, state.change, sessions)).catch(rethrowAs('reload.load'));
    }

    for (const [index, check] of objectsOf(own(spec, 'healthChecks'))) {
      if (own(check, 'phase') === 'postActivate') continue;
      await probe(index, check, false).catch(rethrowAs('reload.probe'));
    }

    if (deadlineMs !== undefined && now().getTime() - started > deadlineMs) {
      throw new StopRun('reload.activate', new ReloadStepError('DeadlineExceeded', `Activation deadline of ${deadlineMs} ms passed before the swap.`, '/spec/activation/deadline'));
    }
    const activating = live();
    if (activating.length === 0 && states.length > 0) throw new StopRun('reload.activate', new ReloadStepError('ProbeFailed', 'No change passed its checks; nothing was activated.'));
    await step('reload.activate', { 'reload.activate.changes': activating.length, 'reload.activate.mode': atomic ? 'atomic' : 'independent' }, async (span) => {
      const draft: GenerationDraft = runtime.draft();
      for (const state of activating) state.update?.(draft);
      const metadata = asObject(own(manifest, 'metadata'));
      const next = runtime.prepare(draft, { name: asString(own(metadata, 'name')) ?? '', uid: asString(own(metadata, 'uid')), serial: asNumber(own(metadata, 'serial')) ?? 0 });
      swapPauseMs = runtime.activate(next);
      for (const state of activating) state.outcome.status = 'activated';
      span.setAttribute('reload.generation', next.number);
      span.addEvent('swap.done', { 'reload.generation': next.number, 'reload.swap.pause_ms': swapPauseMs });
    });
    releaseUnused(runtime, states);

    for (const [index, check] of objectsOf(own(spec, 'healthChecks'))) {
      if (own(check, 'phase') !== 'postActivate') continue;
      try {
        await probe(index, check, true);
      } catch (error) {
        const onFailure = asString(own(asObject(own(spec, 'rollback')), 'onFailure')) ?? 'revert';
        const cause = error instanceof StopRun ? error.cause : error;
        const target = states.find((s) => s.change.ref === (asString(own(check, 'change')) ?? '').replace(/@.*$/, ''));
        if (target) target.outcome.error = { type: errorTypeOf(cause), message: messageOf(cause), pointer: cause instanceof ReloadStepError ? cause.pointer : undefined };
        if (onFailure === 'revert') {
          await step('reload.rollback', { 'reload.rollback.reason': messageOf(cause) }, async (span) => {
            if (!runtime.rollback()) throw new ReloadStepError('ProbeFailed', 'There is no previous generation to roll back to.');
            span.setAttribute('reload.generation', runtime.active.number);
          });
          for (const state of states) if (state.outcome.status === 'activated') state.outcome.status = 'rolledBack';
          if (target) target.outcome.status = 'failed';
          return finish('RolledBack', { step: 'reload.probe', cause });
        }
        if (target) target.outcome.status = 'failed';
        return finish('Failed', { step: 'reload.probe', cause });
      }
    }
    return finish('Succeeded');
  } catch (error) {
    if (!(error instanceof StopRun)) throw error;
    releaseUnused(runtime, states);
    const invalid = error.step === 'reload.validate';
    return finish(invalid ? 'Invalid' : 'Failed', { step: error.step, cause: error.cause });
  }

  /** Runs a health check; before activation its failure fails its change, after it the failure is thrown. */
  async function probe(index: number, check: JsonObject, afterSwap: boolean): Promise<void> {
    const pointer = `/spec/healthChecks/${index}`;
    const ref = asString(own(check, 'change')) ?? '';
    const target = states.find((s) => s.change.ref === ref.replace(/@.*$/, ''));
    if (target?.outcome.status === 'failed') return; // its change already failed (independent mode)
    await step('reload.probe', { 'reload.probe.id': asString(own(check, 'id')) ?? String(index), 'reload.change.ref': ref }, async (span) => {
      const model = modelFor(ref);
      if (!model) throw new ReloadStepError('ProbeFailed', `${ref} is neither staged by this manifest nor served.`, `${pointer}/change`);
      const result = await runProbe(runtime, model, check, pointer);
      span.setAttribute('reload.probe.latency_ms', result.latencyMs);
      if (result.maxAbsError !== undefined) span.setAttribute('reload.probe.max_abs_error', result.maxAbsError);
    }).catch((error: unknown) => {
      if (target && !afterSwap) changeFailed(target, 'reload.probe', error);
      else throw new StopRun('reload.probe', error);
    });
  }

  function modelFor(ref: string | undefined): LoadedModel | undefined {
    const id = ref?.replace(/^model:/, '').replace(/@.*$/, '');
    if (id === undefined) return undefined;
    return states.find((s) => s.model?.id === id && s.outcome.status !== 'failed')?.model ?? runtime.active.models.get(id);
  }

  function finish(outcome: ReloadOutcome['outcome'], failure?: { step: string; cause: unknown }): ReloadOutcome {
    const result: ReloadOutcome = {
      outcome,
      traceId: root.spanContext().traceId,
      changes: states.map((s) => s.outcome),
      diagnostics,
      generation: runtime.active.number,
      swapPauseMs,
    };
    if (failure) {
      const cause = failure.cause;
      result.error = { step: failure.step, type: errorTypeOf(cause), message: messageOf(cause), pointer: cause instanceof ReloadStepError ? cause.pointer : undefined };
      markFailed(root, cause);
    } else {
      root.setStatus({ code: SpanStatusCode.OK });
    }
    root.setAttribute('reload.outcome', outcome);
    root.end();
    return result;
  }
}

/** Errors escaping a step become a stop of the run at that step (a StopRun passes through). */
function rethrowAs(stepName: string): (error: unknown) => never {
  return (error) => {
    throw error instanceof StopRun ? error : new StopRun(stepName, error);
  };
}

function secondsOf(value: unknown): number | undefined {
  return typeof value === 'number' ? value * 1000 : undefined;
}

/** Models loaded by this run that no generation serves (failed or skipped changes) are released. */
function releaseUnused(runtime: LocalRuntime, states: ChangeState[]): void {
  const served = new Set([...runtime.active.models.values(), ...(runtime.previousStable?.models.values() ?? [])]);
  for (const state of states) {
    if (state.model && !served.has(state.model)) {
      void state.model.session.release();
      state.model = undefined;
    }
  }
}

async function loadSessionChange(tracer: Tracer, context: Context, change: PlannedChange, sessions: Map<string, SessionState>): Promise<DraftUpdate> {
  const { spec, pointer } = change;
  const sessionId = asString(own(spec, 'sessionId')) ?? '';
  let next: SessionState;
  if (own(spec, 'op') === 'load') {
    next = await inSpan(tracer, 'reload.context.deserialize', context, { 'reload.session.id': sessionId }, async ({ span }) => {
      const loaded = loadSession(sessionId, own(spec, 'context'));
      span.setAttributes({ 'reload.session.revision': loaded.revision, 'reload.session.digest': loaded.digest });
      return loaded;
    });
  } else {
    const current = sessions.get(sessionId);
    if (!current) throw new ReloadStepError('SessionConflict', `Session "${sessionId}" is not loaded: load it before updating it.`, `${pointer}/sessionId`);
    next = updateSession(current, own(spec, 'patch') as PatchOperation[], asNumber(own(spec, 'ifRevision')), pointer);
    await inSpan(tracer, 'reload.context.serialize', context, { 'reload.session.id': sessionId }, async ({ span }) => {
      const serialized = serializeSession(next);
      span.setAttributes({ 'reload.session.revision': serialized.revision, 'reload.session.digest': serialized.digest, 'reload.session.bytes': serialized.context.length });
    });
  }
  sessions.set(sessionId, next);
  return (draft) => void draft.sessions.set(sessionId, next);
}
