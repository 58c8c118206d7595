/**
 * The agent's history as it grows: state.json keeps the recent rows (so each commit costs the
 * same however old the agent is), older rows are appended to history.jsonl, the whole history
 * reads back in order after a restart, and the archive is compacted with the apply records of
 * the rows it drops.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ReloadAgent } from '../../agent/agent';
import { AgentMetrics } from '../../agent/metrics';

const UID = (n: number): string => `0190b6c2-6f7e-7c1a-9d2e-${n.toString(16).padStart(12, '0')}`;
const manifest = (serial: number): string =>
  JSON.stringify({ apiVersion: 'reload/v2', kind: 'ReloadManifest', metadata: { name: `c-${serial}`, uid: UID(serial), serial }, spec: { changes: [{ kind: 'Config', id: 'c', data: { serial } }] } });

function agentIn(dir: string): ReloadAgent {
  return new ReloadAgent({
    stateDir: dir,
    artifactRoots: [],
    allowUrls: [],
    trustKeys: [],
    engine: { load: () => Promise.reject(new Error('no models here')) },
    log: () => undefined,
    metrics: new AgentMetrics(),
    historyLimits: { recent: 5, max: 12 },
  });
}

async function applyAll(agent: ReloadAgent, from: number, to: number): Promise<void> {
  for (let serial = from; serial <= to; serial++) {
    const admitted = await agent.admitApply(Buffer.from(manifest(serial)), `k-${serial}`, undefined);
    for (let i = 0; i < 500 && (await agent.applyStatus(admitted.status.id))?.endedAt === undefined; i++) await new Promise((r) => setTimeout(r, 5));
  }
}

test('history: state.json keeps the recent rows, older ones are appended to history.jsonl, all read back after a restart; the archive is compacted with its apply records', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-history-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let agent = agentIn(dir);
  await agent.start();
  await applyAll(agent, 1, 9);
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  assert.deepEqual(state.history.map((h: { serial: number }) => h.serial), [5, 6, 7, 8, 9]);
  assert.equal(readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n').length, 4);
  assert.deepEqual((await agent.history()).map((h) => [h.serial, h.outcome]), [1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => [s, 'Succeeded']));
  await agent.stop();

  agent = agentIn(dir);
  await agent.start();
  assert.deepEqual((await agent.history()).map((h) => h.serial), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const first = (await agent.history())[0];
  assert.ok(existsSync(join(dir, 'applies', `${first.id}.json`)));
  // Past twice the limit (12) in the archive, it keeps the last 12 rows, and the dropped rows' records go.
  await applyAll(agent, 10, 30);
  const all = await agent.history();
  assert.deepEqual(all.map((h) => h.serial), Array.from({ length: 12 }, (_, i) => 19 + i));
  assert.ok(!existsSync(join(dir, 'applies', `${first.id}.json`)), 'the apply record of a dropped row is removed');
  assert.ok(readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n').length <= 24);
  assert.ok(statSync(join(dir, 'state.json')).size < 8_000, 'state.json stays small');
  await agent.stop();
});
