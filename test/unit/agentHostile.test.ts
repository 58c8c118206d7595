/**
 * The reload agent against a hostile network client and a careless operator: JSON bombs, envelopes
 * that are not base64, links planted in the state folder, a flood of idle connections, and the
 * idempotency key table over time. Real agent processes on 127.0.0.1 (the key table: in process).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { agentRequest, startAgentProcess } from '../support/agentProcess';
import { ReloadAgent } from '../../agent/agent';
import { AgentMetrics } from '../../agent/metrics';
import { MAX_KEYS } from '../../agent/state';

const TIMEOUT = { timeout: 90_000 };
const PROBLEMS = 'https://tracing-reload.dev/problems/';

function tempDir(t: { after(fn: () => void): void }, prefix = 'agent-hostile-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const post = (url: string, path: string, body: string | Uint8Array): ReturnType<typeof agentRequest> => agentRequest(url, path, { method: 'POST', body, headers: { 'Idempotency-Key': randomUUID() } });

function configManifest(serial: number, data: unknown = { serial }): string {
  return JSON.stringify({ apiVersion: 'reload/v2', kind: 'ReloadManifest', metadata: { name: `s${serial}`, uid: randomUUID(), serial }, spec: { changes: [{ kind: 'Config', id: 'c', data }] } });
}

test('JSON bombs: a manifest, a manifest inside a DSSE envelope and inference data nested millions of levels deep are refused as such, never a 500', TIMEOUT, async (t) => {
  const agent = await startAgentProcess(t, { stateDir: tempDir(t) });
  const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  for (const [path, body] of [
    ['/reload/v1/applies', deep(200_000)],
    ['/reload/v1/plans', deep(200_000)],
    ['/reload/v1/applies', configManifest(1).replace('{"serial":1}', deep(100_000))],
    ['/reload/v1/applies', JSON.stringify({ payloadType: 'application/vnd.reload.manifest+json', payload: Buffer.from(deep(100_000)).toString('base64'), signatures: [] })],
  ]) {
    const answer = await post(agent.url, path, body);
    assert.equal(answer.status, 422, `${path}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    assert.equal(answer.body.type, `${PROBLEMS}invalid-manifest`);
    assert.equal(answer.body.detail, 'The manifest is not valid: The document nests deeper than 256 levels; flatten it.. Run reloadctl validate on it.');
    assert.equal(answer.body.diagnostics[0].code, 'nesting-too-deep');
  }
  assert.equal((await post(agent.url, '/reload/v1/rollbacks', deep(200_000))).status, 400);
  assert.ok(!agent.logs.some((line) => line.level === 'error'), JSON.stringify(agent.logs));

  // Inference needs no token: 8 MiB of "[[[[…" is refused on its bytes, before JSON.parse spends seconds on it.
  const bomb = `{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":${deep(4_000_000)}}]}`;
  const started = performance.now();
  const inferred = await agentRequest(agent.url, '/v2/models/m/infer', { method: 'POST', body: bomb });
  const ms = performance.now() - started;
  assert.equal(inferred.status, 400);
  assert.deepEqual(inferred.body, { error: 'data is nested too deeply' });
  assert.ok(ms < 1500, `the agent spent ${Math.round(ms)} ms on it`);
});

test('a DSSE envelope whose payload is not base64 is refused (422 at /payload) on an agent without trusted keys, never decoded leniently', TIMEOUT, async (t) => {
  const agent = await startAgentProcess(t, { stateDir: tempDir(t) });
  const answer = await post(agent.url, '/reload/v1/applies', JSON.stringify({ payloadType: 'application/vnd.reload.manifest+json', payload: `${Buffer.from(configManifest(1)).toString('base64')}!`, signatures: [] }));
  assert.equal(answer.status, 422);
  assert.equal(answer.body.type, `${PROBLEMS}invalid-manifest`);
  assert.equal(answer.body.pointer, '/payload');
  assert.equal(answer.body.detail, 'The envelope\'s payload is not base64: a DSSE envelope carries the manifest base64-encoded (reloadctl apply --key makes one).');
  assert.deepEqual((await agentRequest(agent.url, '/reload/v1/history')).body, []);
});

test('the idempotency keys kept in memory are bounded like the durable table: a key past its retention is dropped when the next apply starts', TIMEOUT, async (t) => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const agent = new ReloadAgent({
    stateDir: tempDir(t),
    artifactRoots: [],
    allowUrls: [],
    trustKeys: [],
    engine: { load: () => Promise.reject(new Error('no models here')) },
    log: () => undefined,
    metrics: new AgentMetrics(),
    now: () => new Date(now),
  });
  await agent.start();
  t.after(() => agent.stop());
  const keys = (): number => (agent as unknown as { keys: Map<string, unknown> }).keys.size;
  for (let serial = 1; serial <= 3; serial++) {
    const admitted = await agent.admitApply(Buffer.from(configManifest(serial)), `key-${serial}`, undefined);
    for (let i = 0; i < 200 && (await agent.applyStatus(admitted.status.id))?.endedAt === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(keys(), 1, `after apply ${serial}`);
    assert.equal(agent.store.state.keys.length, 1);
    now += 25 * 60 * 60 * 1000;
  }
  assert.equal(MAX_KEYS, 10_000);
});
