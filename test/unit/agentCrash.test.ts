/**
 * `kill -9` at any moment of an apply: after each restart the agent serves one whole generation
 * (model, config and flags all of one serial) and a consistent history. Each window between two
 * durable writes is hit on purpose (RELOAD_AGENT_FAULT), then many applies are killed at random
 * moments.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { agentRequest, startAgentProcess, waitForApply, type AgentProcess } from '../support/agentProcess';
import { agentWorkspace, reloadManifest } from '../support/agentManifests';

const VERSION_OF = (serial: number): '2.0.0' | '2.1.0' => (serial % 2 === 0 ? '2.1.0' : '2.0.0');

async function post(agent: AgentProcess, ws: string, serial: number): Promise<number> {
  const text = reloadManifest(ws, { serial, version: VERSION_OF(serial), marker: `m${serial}` });
  try {
    const response = await agentRequest(agent.url, '/reload/v1/applies', { method: 'POST', body: text, headers: { 'Idempotency-Key': `apply-${serial}` } });
    return response.status;
  } catch {
    return 0; // The agent died while answering.
  }
}

const waitEnded = (agent: AgentProcess, id: string): Promise<any> => waitForApply(agent.url, id);

/** The agent serves one whole generation: every part of it from the serial it reports, and history agrees. */
async function assertConsistent(agent: AgentProcess, label: string): Promise<{ serial: number; history: any[] }> {
  const status = (await agentRequest(agent.url, '/reload/v1/status')).body;
  const history = (await agentRequest(agent.url, '/reload/v1/history')).body as any[];
  const serial = status.serial as number;
  const succeeded = history.filter((h) => h.outcome === 'Succeeded').map((h) => h.serial as number);
  assert.equal(serial, succeeded.length > 0 ? Math.max(...succeeded) : 0, `${label}: the active serial is the last succeeded one`);
  assert.ok(!history.some((h) => h.outcome === 'Pending'), `${label}: no apply is left Pending after a restart`);
  const serials = history.map((h) => h.serial as number);
  assert.deepEqual(serials, [...serials].sort((a, b) => a - b), `${label}: history is in serial order`);
  if (serial === 0) {
    assert.deepEqual(status.active.models, {}, label);
    return { serial, history };
  }
  assert.equal(status.active.models.sentiment.version, VERSION_OF(serial), `${label}: the model is serial ${serial}'s`);
  assert.deepEqual(status.active.configs, { marker: { marker: `m${serial}` } }, `${label}: the config is serial ${serial}'s`);
  assert.deepEqual(Object.keys(status.active.flags.release), [`serial_${serial}`], `${label}: the flags are serial ${serial}'s`);
  const inferred = await agentRequest(agent.url, '/v2/models/sentiment/infer', { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }) });
  assert.equal(inferred.status, 200, label);
  assert.equal(inferred.body.model_version, VERSION_OF(serial), `${label}: inference runs on serial ${serial}'s model`);
  return { serial, history };
}

for (const point of ['after-swap', 'after-snapshot', 'after-apply-record', 'state-before-rename', 'after-state'] as const) {
  test(`kill -9 ${point}: the restarted agent serves ${point === 'after-state' ? 'the new' : 'the old'} generation whole, with a consistent history`, { timeout: 60_000 }, async (t) => {
    const ws = agentWorkspace(t);
    const state = mkdtempSync(join(tmpdir(), 'agent-crash-'));
    t.after(() => rmSync(state, { recursive: true, force: true }));
    const first = await startAgentProcess(t, { stateDir: state, args: ['--artifact-root', ws] });
    assert.equal(await post(first, ws, 1), 202);
    const history = (await agentRequest(first.url, '/reload/v1/history')).body;
    await waitEnded(first, history[0].id);
    await first.stop('SIGTERM');

    const faulty = await startAgentProcess(t, { stateDir: state, args: ['--artifact-root', ws], env: { RELOAD_AGENT_FAULT: point } });
    await post(faulty, ws, 2);
    // It kills itself at the point; the test only waits.
    const exit = await Promise.race([faulty.exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 20_000))]);
    assert.deepEqual(exit, { code: null, signal: 'SIGKILL' });

    const restarted = await startAgentProcess(t, { stateDir: state, args: ['--artifact-root', ws] });
    const { serial, history: after } = await assertConsistent(restarted, point);
    const newServes = point === 'after-state';
    assert.equal(serial, newServes ? 2 : 1);
    assert.deepEqual(after.map((h) => [h.serial, h.outcome]), [[1, 'Succeeded'], [2, newServes ? 'Succeeded' : 'Interrupted']]);
    if (!newServes) {
      const interrupted = (await agentRequest(restarted.url, `/reload/v1/applies/${after[1].id}`)).body;
      assert.equal(interrupted.phase, 'Failed');
      assert.equal(interrupted.error.type, 'Interrupted');
    }
    // No temporary file is left, and the agent applies again.
    for (const folder of ['', 'generations', 'applies', 'blobs/sha256']) assert.deepEqual(readdirSync(join(state, folder)).filter((n) => n.endsWith('.tmp')), [], folder);
    assert.equal(await post(restarted, ws, 3), 202);
    await waitEnded(restarted, (await agentRequest(restarted.url, '/reload/v1/history')).body.at(-1).id);
    assert.equal((await assertConsistent(restarted, `${point}, then serial 3`)).serial, 3);
  });
}

test('kill -9 at random moments of 16 applies: each restart serves one whole generation and a consistent history', { timeout: 180_000 }, async (t) => {
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
  let random = seed;
  const next = (): number => {
    random = (random * 1_103_515_245 + 12_345) % 2 ** 31;
    return random / 2 ** 31;
  };
  const ws = agentWorkspace(t);
  const state = mkdtempSync(join(tmpdir(), 'agent-crash-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  let serial = 0;
  let lastSucceeded = 0;
  const outcomes: string[] = [];
  for (let round = 0; round < 16; round++) {
    const agent = await startAgentProcess(t, { stateDir: state, args: ['--artifact-root', ws] });
    const label = `seed ${seed}, round ${round}`;
    const { serial: active } = await assertConsistent(agent, label);
    assert.ok(active >= lastSucceeded, `${label}: a generation that was reported Succeeded is never lost`);
    lastSucceeded = active;
    serial = Math.max(serial, active) + 1;
    const delay = Math.floor(next() * 400);
    const posted = post(agent, ws, serial);
    await new Promise((r) => setTimeout(r, delay));
    await agent.stop('SIGKILL');
    outcomes.push(`${serial}:${await posted}@${delay}ms`);
  }
  const agent = await startAgentProcess(t, { stateDir: state, args: ['--artifact-root', ws] });
  const { history } = await assertConsistent(agent, `seed ${seed}, final`);
  // Every apply the agent took (202) is in the history, once.
  const ids = history.map((h) => h.id);
  assert.equal(new Set(ids).size, ids.length);
  t.diagnostic(`seed ${seed}: ${outcomes.join(' ')}; history ${history.map((h) => `${h.serial}:${h.outcome}`).join(' ')}`);
});
