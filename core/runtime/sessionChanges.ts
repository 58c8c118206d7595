/** Loading a session operation of a context manifest (`load` or a JSON Patch `update`) into the next generation, traced. */
import type { Context, Tracer } from '@opentelemetry/api';
import { ReloadStepError } from '../errors';
import type { PatchBudget, PatchOperation } from '../jsonPatch';
import type { ManifestChange } from '../model/types';
import { asNumber, own } from '../jsonc/read';
import { inSpan } from '../tracing/spans';
import type { DraftUpdate } from './loadContext';
import { loadSession, serializeSession, updateSession, type SessionState } from './sessions';

/**
 * Applies one session operation to `sessions` (the run's view: the active generation's sessions
 * and the operations before this one) and returns what it does to the next generation.
 */
export async function loadSessionChange(tracer: Tracer, context: Context, change: ManifestChange, sessions: Map<string, SessionState>, budget: PatchBudget): Promise<DraftUpdate> {
  const { spec, pointer, id: sessionId } = change;
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
    next = updateSession(current, own(spec, 'patch') as PatchOperation[], asNumber(own(spec, 'ifRevision')), pointer, budget);
    await inSpan(tracer, 'reload.context.serialize', context, { 'reload.session.id': sessionId }, async ({ span }) => {
      const serialized = serializeSession(next);
      span.setAttributes({ 'reload.session.revision': serialized.revision, 'reload.session.digest': serialized.digest, 'reload.session.bytes': serialized.context.length });
    });
  }
  sessions.set(sessionId, next);
  return (draft) => void draft.sessions.set(sessionId, next);
}
