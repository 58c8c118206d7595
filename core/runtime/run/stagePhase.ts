/** `reload.stage`: every artifact resolved, hashed and checked, concurrently (hashing is the floor of this phase). */
import { fileStepError } from '../localPath';
import { stageArtifact } from '../stage';
import { changeFailed, type ChangeState, type RunState, runStep, stopAt, stopIfAborted } from './state';

export async function stagePhase(state: RunState): Promise<void> {
  stopIfAborted(state, 'reload.stage');
  const staged = state.changes.filter((c) => c.change.artifact !== undefined);
  await Promise.all(staged.map((change) => stageOne(state, change).catch((error: unknown) => changeFailed(state, change, 'reload.stage', error)))).catch(stopAt('reload.stage'));
}

function stageOne(state: RunState, change: ChangeState): Promise<void> {
  const artifact = change.change.artifact!;
  const ref = change.change.ref;
  return runStep(
    state,
    'reload.stage',
    { 'reload.change.ref': ref, 'reload.change.kind': change.change.kind },
    async (span) => {
      const hashStarted = performance.now();
      try {
        state.abort.signal.throwIfAborted();
        const staged = await stageArtifact(state.request.source, artifact, {
          retain: true,
          pointer: artifact.pointer,
          onProgress: (bytes, total) => state.request.onProgress?.({ kind: 'bytes', ref, bytes, total }),
        });
        state.abort.signal.throwIfAborted();
        span.setAttributes({ 'artifact.digest': staged.digest, 'artifact.size': staged.size, 'artifact.uri': staged.uri });
        span.addEvent('artifact.hashed', { 'artifact.size': staged.size, 'reload.hash.ms': performance.now() - hashStarted });
        change.staged = staged;
      } catch (error) {
        throw fileStepError(error, artifact.uri, `${artifact.pointer}/uri`);
      }
    },
    ref,
  );
}
