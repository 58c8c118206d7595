/**
 * `reload.stage`: a change's artifact resolved, hashed and checked, its bytes kept for loading
 * (through the run's Stager: one read for an artifact named twice, a cap on the bytes held at once).
 */
import { fileStepError } from '../localPath';
import type { HeldArtifact } from '../stager';
import { runStep, type ChangeState, type RunState } from './state';

/** Stages the change's artifact; the bytes are held until `release()` (after the change loads). */
export function stageChange(state: RunState, change: ChangeState, signal: AbortSignal): Promise<HeldArtifact> {
  const artifact = change.change.artifact!;
  const ref = change.change.ref;
  return runStep(
    state,
    'reload.stage',
    { 'reload.change.ref': ref, 'reload.change.kind': change.change.kind },
    async (span) => {
      const hashStarted = performance.now();
      try {
        const staged = await state.stager.stage(artifact, {
          retain: true,
          pointer: artifact.pointer,
          signal,
          onProgress: (bytes, total) => state.request.onProgress?.({ kind: 'bytes', ref, bytes, total }),
        });
        span.setAttributes({ 'artifact.digest': staged.digest, 'artifact.size': staged.size, 'artifact.uri': staged.uri });
        span.addEvent('artifact.hashed', { 'artifact.size': staged.size, 'reload.hash.ms': performance.now() - hashStarted });
        return staged;
      } catch (error) {
        throw fileStepError(error, artifact.uri, `${artifact.pointer}/uri`);
      }
    },
    ref,
  );
}
