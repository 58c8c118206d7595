/** Session context: JSON with a revision, updated by JSON Patch under optimistic concurrency. */
import { createHash } from 'node:crypto';
import { applyPatch, measure, patchBudget, type PatchBudget, type PatchOperation } from '../jsonPatch';
import { ReloadStepError } from '../errors';

export interface SessionState {
  sessionId: string;
  revision: number;
  context: unknown;
  /** sha256 of the serialized context. */
  digest: string;
}

export interface SerializedSession {
  sessionId: string;
  revision: number;
  digest: string;
  /** The context as canonical JSON text; `digest` is its sha256. */
  context: string;
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export function loadSession(sessionId: string, context: unknown): SessionState {
  const text = JSON.stringify(context);
  return { sessionId, revision: 1, context: JSON.parse(text), digest: sha256(text) };
}

/**
 * Applies a JSON Patch to a session, under optimistic concurrency (`ifRevision`). The patch is
 * charged to `budget` (by default one sized to the patch and the session), so a small update can
 * never copy more than a bounded multiple of what it and the session hold.
 */
export function updateSession(
  session: SessionState,
  patch: readonly PatchOperation[],
  ifRevision: number | undefined,
  pointer?: string,
  budget: PatchBudget = patchBudget(measure(patch) + measure(session.context)),
): SessionState {
  if (ifRevision !== undefined && ifRevision !== session.revision) {
    throw new ReloadStepError('SessionConflict', `Session "${session.sessionId}" is at revision ${session.revision}, the update expects ${ifRevision}: reload it and retry.`, pointer && `${pointer}/ifRevision`);
  }
  const result = applyPatch(session.context, patch, budget);
  if (!result.ok) {
    throw new ReloadStepError('PatchFailed', `Patch operation ${result.index} on session "${session.sessionId}" failed: ${result.message}`, pointer && `${pointer}/patch/${result.index}`);
  }
  const text = JSON.stringify(result.value);
  return { sessionId: session.sessionId, revision: session.revision + 1, context: result.value, digest: sha256(text) };
}

export function serializeSession(session: SessionState): SerializedSession {
  const context = JSON.stringify(session.context);
  return { sessionId: session.sessionId, revision: session.revision, digest: sha256(context), context };
}

/** Restores a serialized session, refusing it when its digest does not match its content. */
export function deserializeSession(serialized: SerializedSession): SessionState {
  const digest = sha256(serialized.context);
  if (digest !== serialized.digest) {
    throw new ReloadStepError('SessionConflict', `Session "${serialized.sessionId}" failed its integrity check: content hashes to ${digest}, recorded ${serialized.digest}.`);
  }
  return { sessionId: serialized.sessionId, revision: serialized.revision, context: JSON.parse(serialized.context), digest };
}
