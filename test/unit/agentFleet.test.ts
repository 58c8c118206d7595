/**
 * Fleets (DESIGN.md §6.3) with 10 real agents: waves by spec.rollout.steps (10% → 50% → 100%),
 * a failure in the second wave stops the rollout and rolls back the targets already changed, and
 * the whole rollout is one trace across the CLI and every agent. And a connection cut mid-apply:
 * reloadctl retries with the same Idempotency-Key and the apply runs once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { reloadctlAsync } from '../support/cli';
import { agentRequest, startAgentProcess } from '../support/agentProcess';
import { agentWorkspace, reloadManifest, writeManifest } from '../support/agentManifests';

function stateDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('fleet of 10: waves 10% → 50% → 100%; a failure in wave 2 stops the rollout and rolls back the changed targets; one trace id', { timeout: 120_000 }, async (t) => {
  const ws = agentWorkspace(t);
  const agents = await Promise.all(Array.from({ length: 10 }, () => startAgentProcess(t, { stateDir: stateDir(t), timeoutMs: 60_000 })));
  const names = agents.map((_, i) => `a${i}`);
  const targetsFile = join(ws, 'targets.json');
  writeFileSync(targetsFile, JSON.stringify(agents.map((a, i) => ({ name: names[i], url: a.url }))));
  // Wave 2 (targets a1…a4) holds a3, which is already at a higher serial: it refuses (409).
  const ahead = await reloadctlAsync(['apply', writeManifest(ws, 'ahead.reload.json', reloadManifest(ws, { serial: 100 })), '--target', 'a3', '--targets-file', targetsFile]);
  assert.equal(ahead.code, 0, ahead.stderr);

  const manifest = JSON.parse(reloadManifest(ws, { serial: 10, probe: { expect: 'ok' }, rollout: [{ setWeight: 10 }, { setWeight: 50 }, { pause: { duration: 'PT0S' } }, { setWeight: 100 }] }));
  manifest.spec.targets = names;
  const run = await reloadctlAsync(['apply', writeManifest(ws, 'fleet.reload.json', JSON.stringify(manifest)), '--targets-file', targetsFile]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^wave 1: a0\n/m);
  assert.match(run.stderr, /^wave 2: a1, a2, a3, a4\n/m);
  assert.doesNotMatch(run.stderr, /wave 3/);
  assert.match(run.stdout, /a3 \(http:\/\/127\.0\.0\.1:\d+\): refused — The manifest's serial 10 is not above the target's serial 100: give it a serial above 100\. \[serial-regression\]/);
  assert.match(run.stdout, /\nRolledBack \(wave 2 of 3 failed\) · trace ([0-9a-f]{32})\n$/);
  const traceId = /· trace ([0-9a-f]{32})\n$/.exec(run.stdout)![1];

  const histories = await Promise.all(agents.map(async (a) => (await agentRequest(a.url, '/reload/v1/history')).body as any[]));
  const statuses = await Promise.all(agents.map(async (a) => (await agentRequest(a.url, '/reload/v1/status')).body));
  for (const i of [0, 1, 2, 4]) {
    assert.deepEqual(histories[i].map((h) => [h.kind, h.serial, h.outcome]), [['apply', 10, 'Succeeded'], ['rollback', 11, 'Succeeded']], names[i]);
    assert.deepEqual(histories[i].map((h) => h.traceId), [traceId, traceId], `${names[i]}: one trace id`);
    assert.equal(statuses[i].serial, 11);
    assert.deepEqual(statuses[i].active.models, {}, `${names[i]} serves its previous (empty) generation again`);
  }
  assert.deepEqual(histories[3].map((h) => [h.serial, h.outcome]), [[100, 'Succeeded']]);
  assert.equal(statuses[3].serial, 100);
  for (const i of [5, 6, 7, 8, 9]) {
    assert.deepEqual(histories[i], [], `${names[i]} was never reached`);
    assert.equal(statuses[i].serial, 0);
  }
  // The printed trace holds the fleet, its waves, each target, the agents' applies and the rollbacks.
  assert.equal(run.stdout.match(/reload\.wave/g)?.length, 2);
  assert.equal(run.stdout.match(/ reload\.target /g)?.length, 5);
  assert.equal(run.stdout.match(/reload\.apply serial-10/g)?.length, 4);
  assert.equal(run.stdout.match(/reload\.rollback /g)?.length, 8, 'a client span and an agent root per rolled-back target');
});

/**
 * A TCP proxy that cuts the client's connection once: when the first `POST …/applies` has gone
 * through to the agent and its answer starts to come back, and when the first event stream has
 * sent its first bytes. The agent itself is never disturbed.
 */
async function cuttingProxy(t: { after(fn: () => Promise<void>): void }, upstreamUrl: string): Promise<{ url: string; cuts: string[] }> {
  const upstream = new URL(upstreamUrl);
  const cuts: string[] = [];
  const sockets = new Set<Socket>();
  let cutPost = false;
  let cutEvents = false;
  const server = createServer((client) => {
    const agent = new Socket();
    sockets.add(client);
    sockets.add(agent);
    agent.connect(Number(upstream.port), upstream.hostname);
    let armed: string | undefined;
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (!cutPost && text.startsWith('POST /reload/v1/applies ')) {
        cutPost = true;
        armed = 'the answer to POST /applies';
      } else if (!cutEvents && /^GET \/reload\/v1\/applies\/[0-9a-f-]+\/events /.test(text)) {
        cutEvents = true;
        armed = 'the event stream';
      }
      agent.write(chunk);
    });
    agent.on('data', (chunk: Buffer) => {
      if (armed) {
        cuts.push(armed);
        armed = undefined;
        client.destroy();
        agent.destroy();
        return;
      }
      client.write(chunk);
    });
    const close = (): void => {
      client.destroy();
      agent.destroy();
    };
    client.on('error', close);
    agent.on('error', close);
    client.on('close', close);
    agent.on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, cuts };
}

test('a connection cut mid-apply: reloadctl retries with the same Idempotency-Key, reports the one result, and the apply ran once', { timeout: 90_000 }, async (t) => {
  const ws = agentWorkspace(t);
  const agent = await startAgentProcess(t, { stateDir: stateDir(t) });
  const proxy = await cuttingProxy(t, agent.url);
  const run = await reloadctlAsync(['apply', writeManifest(ws, 'cut.reload.json', reloadManifest(ws, { serial: 3, probe: { expect: 'ok' } })), '--target', proxy.url]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(proxy.cuts, ['the answer to POST /applies', 'the event stream']);
  assert.match(run.stderr, /: apply [0-9a-f-]{36} \(already started by an earlier attempt\)\n/);
  assert.match(run.stdout, /: Succeeded · serial 3 · generation 1\n/);
  const history = (await agentRequest(agent.url, '/reload/v1/history')).body as any[];
  assert.deepEqual(history.map((h) => [h.serial, h.outcome]), [[3, 'Succeeded']], 'the apply ran once');
  assert.equal(agent.logs.filter((l) => l.msg === 'apply succeeded').length, 1);
});
