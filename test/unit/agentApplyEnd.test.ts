/**
 * An apply reads as ended (GET /applies/{id}, or an event stream opened late) only once its state
 * is written and the agent takes the next one: a client that applies, waits for the end and
 * applies again is never told another apply is running. (The end used to be visible while the
 * agent was still writing its records, so the next apply got 409 apply-in-progress.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startAgent } from '../../agent/start';
import { createOnnxEngine } from '../../core/runtime/onnxEngine';
import { FINAL_PHASES, type ApplyStatus } from '../../core/target/api';
import { TargetClient } from '../../core/target/client';
import { tempFolders } from '../support/tempFolders';

const folder = tempFolders('agent-apply-end-');

function configManifest(serial: number): string {
  return JSON.stringify({
    apiVersion: 'reload/v2',
    kind: 'ReloadManifest',
    metadata: { name: 'limits', uid: randomUUID(), serial },
    spec: { changes: [{ kind: 'Config', id: 'limits', data: { serial } }] },
  });
}

test('the next apply is taken as soon as the previous one reads as ended', async () => {
  const running = await startAgent({ host: '127.0.0.1', port: 0, stateDir: folder(), trustKeys: [], artifactRoots: [], allowUrls: [], engine: createOnnxEngine(), log: () => undefined });
  const client = new TargetClient({ url: running.url, fetch, retries: 0 });
  try {
    for (let serial = 1; serial <= 10; serial++) {
      const started = await client.startApply(configManifest(serial), { key: randomUUID() });
      let status: ApplyStatus;
      do status = await client.applyStatus(started.status.id);
      while (!FINAL_PHASES.has(status.phase));
      assert.deepEqual([status.phase, status.serial], ['Succeeded', serial]);
      assert.equal((await client.status()).serial, serial);
    }
  } finally {
    await running.close();
  }
});
