/**
 * A caller's signal may outlive many runs (the agent passes its shutdown signal to every apply):
 * each run stops listening to it when it ends, so ended runs are not kept alive through it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { nodeArtifactSource } from '../../node/fileHost';
import { runReload } from '../../core/runtime/pipeline';
import { createTraceRecorder } from '../../core/tracing/recorder';
import { newRuntime } from '../support/runtime';

function configManifest(serial: number): string {
  return JSON.stringify({ apiVersion: 'reload/v2', kind: 'ReloadManifest', metadata: { name: 'limits', uid: randomUUID(), serial }, spec: { changes: [{ kind: 'Config', id: 'limits', data: { serial } }] } });
}

test('runs given a long-lived signal leave no listener on it', async () => {
  const shutdown = new AbortController();
  const runtime = newRuntime();
  try {
    for (let serial = 1; serial <= 12; serial++) {
      const recorder = createTraceRecorder({ record: false });
      const outcome = await runReload({ text: configManifest(serial), mode: 'apply', runtime, source: nodeArtifactSource('/nonexistent/m.reload.json'), tracer: recorder.tracer, signal: shutdown.signal });
      assert.equal(outcome.outcome, 'Succeeded', JSON.stringify(outcome.error));
    }
    assert.equal(getEventListeners(shutdown.signal, 'abort').length, 0);
  } finally {
    await runtime.dispose();
  }
});
