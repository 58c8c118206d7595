/**
 * The reload agent against a hostile network client and a careless operator: JSON bombs, envelopes
 * that are not base64, links planted in the state folder, a flood of idle connections, and the
 * idempotency key table over time. Real agent processes on 127.0.0.1 (the key table: in process).
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { agentRequest, startAgentProcess } from '../support/agentProcess';
import { agentWorkspace, reloadManifest } from '../support/agentManifests';
import { ReloadAgent } from '../../agent/agent';
import { AgentMetrics } from '../../agent/metrics';
import { defaultMaxConnections } from '../../agent/http';
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

test('links planted in the state folder are never followed: state.json, a snapshot or a subfolder as a link stops the start with a clear message that quotes nothing', TIMEOUT, async (t) => {
  const outside = tempDir(t, 'agent-outside-');
  const secret = join(outside, 'passwd');
  writeFileSync(secret, 'root:x:0:0:SECRET-IN-FILE:/root:/bin/bash\n');

  const linkedState = tempDir(t);
  symlinkSync(secret, join(linkedState, 'state.json'));
  await assert.rejects(startAgentProcess(t, { stateDir: linkedState }), (error: Error) => {
    assert.match(error.message, new RegExp(`reloadctl agent: ${join(linkedState, 'state.json')} is a symbolic link: the agent never follows links in its state folder; remove it\\.\\n`));
    assert.doesNotMatch(error.message, /root:x|SECRET/);
    return true;
  });

  // A snapshot named by state.json, planted as a link.
  const linkedSnapshot = tempDir(t);
  const first = await startAgentProcess(t, { stateDir: linkedSnapshot });
  const applied = await post(first.url, '/reload/v1/applies', configManifest(5));
  assert.equal(applied.status, 202);
  for (let i = 0; i < 100 && (await agentRequest(first.url, '/reload/v1/status')).body.serial !== 5; i++) await new Promise((r) => setTimeout(r, 50));
  await first.stop();
  rmSync(join(linkedSnapshot, 'generations', '5.json'));
  symlinkSync(secret, join(linkedSnapshot, 'generations', '5.json'));
  await assert.rejects(startAgentProcess(t, { stateDir: linkedSnapshot }), (error: Error) => {
    assert.match(error.message, new RegExp(`reloadctl agent: ${join(linkedSnapshot, 'generations', '5.json')} cannot be read \\(${join(linkedSnapshot, 'generations', '5.json')} is a symbolic link: the agent never follows links in its state folder; remove it\\)\\.\\n`));
    assert.doesNotMatch(error.message, /root:x|SECRET/);
    return true;
  });

  // A folder of the state as a link elsewhere: every write would land there.
  for (const sub of ['generations', 'applies', 'blobs']) {
    const linkedFolder = tempDir(t);
    const elsewhere = tempDir(t, 'agent-elsewhere-');
    symlinkSync(elsewhere, join(linkedFolder, sub));
    await assert.rejects(startAgentProcess(t, { stateDir: linkedFolder }), new RegExp(`reloadctl agent: ${join(linkedFolder, sub)} is a symbolic link: the agent never follows links in its state folder; remove it\\.\\n`));
    assert.deepEqual(readdirSync(elsewhere), []);
  }

  // Truncated state: refused, and the text is not quoted.
  const truncated = tempDir(t);
  writeFileSync(join(truncated, 'state.json'), '{"format":1,"serial":3,"history":[{"name":"SECRET-NAME');
  await assert.rejects(startAgentProcess(t, { stateDir: truncated }), (error: Error) => {
    assert.match(error.message, new RegExp(`reloadctl agent: ${join(truncated, 'state.json')} is not the agent's state \\(not valid JSON\\): restore it from a backup, or start with an empty --state-dir\\.\\n`));
    assert.doesNotMatch(error.message, /SECRET/);
    return true;
  });
});

test('links planted among apply records and blobs are ignored: an apply record as a link reads as unknown; a blob as a link is not held, and an upload replaces the link', TIMEOUT, async (t) => {
  const outside = tempDir(t, 'agent-outside-');
  const dir = tempDir(t);
  const id = randomUUID();
  writeFileSync(join(outside, 'status.json'), JSON.stringify({ id, secret: 'SECRET-FROM-OUTSIDE' }));
  mkdirSync(join(dir, 'applies'));
  symlinkSync(join(outside, 'status.json'), join(dir, 'applies', `${id}.json`));
  const bytes = Buffer.from('the blob the agent should hold\n');
  const hex = createHash('sha256').update(bytes).digest('hex');
  const other = join(outside, 'other-bytes');
  writeFileSync(other, 'OTHER BYTES');
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  symlinkSync(other, join(dir, 'blobs', 'sha256', hex));

  const agent = await startAgentProcess(t, { stateDir: dir });
  const record = await agentRequest(agent.url, `/reload/v1/applies/${id}`);
  assert.equal(record.status, 404);
  assert.equal(record.body.detail, `No apply ${id} on this target.`);
  assert.equal((await agentRequest(agent.url, `/reload/v1/blobs/sha256:${hex}`, { method: 'HEAD' })).status, 404);
  const put = await agentRequest(agent.url, `/reload/v1/blobs/sha256:${hex}`, { method: 'PUT', body: bytes });
  assert.equal(put.status, 201);
  assert.equal(lstatSync(join(dir, 'blobs', 'sha256', hex)).isFile(), true);
  assert.deepEqual(readFileSync(join(dir, 'blobs', 'sha256', hex)), bytes);
  assert.equal(readFileSync(other, 'utf8'), 'OTHER BYTES');
});

test('a flood of idle connections cannot take the descriptors a running apply needs: past the bound they are closed, and the apply is recorded', TIMEOUT, async (t) => {
  assert.equal(defaultMaxConnections('Max open files            1024                 4096                 files\n'), 896);
  assert.equal(defaultMaxConnections('Max open files            100                  100                  files\n'), 16);
  assert.equal(defaultMaxConnections('Max open files            unlimited            unlimited            files\n'), 4096);
  const ws = agentWorkspace(t);
  const agent = await startAgentProcess(t, { stateDir: tempDir(t), args: ['--artifact-root', ws], fdLimit: 200 });
  assert.equal(agent.logs.find((line) => line.msg === 'listening')?.max_connections, 72);
  const port = Number(new URL(agent.url).port);
  const sockets: Socket[] = [];
  t.after(() => sockets.forEach((s) => s.destroy()));
  const started = await post(agent.url, '/reload/v1/applies', reloadManifest(ws, { serial: 1, probe: { expect: 'ok' } }));
  assert.equal(started.status, 202);
  // While the model loads, 300 connections are opened and held (no request: no token needed).
  let closed = 0;
  await Promise.all(
    Array.from({ length: 300 }, () => new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve());
      socket.on('error', () => resolve());
      socket.on('close', () => closed++);
      sockets.push(socket);
    })),
  );
  const deadline = Date.now() + 30_000;
  while (!agent.logs.some((line) => /^apply |state could not be written/.test(String(line.msg))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(agent.logs.filter((line) => line.level === 'error'), []);
  assert.equal(agent.logs.find((line) => String(line.msg).startsWith('apply '))?.msg, 'apply succeeded');
  assert.ok(closed >= 300 - 72, `${closed} connections were closed`);
  sockets.forEach((s) => s.destroy());
  for (let i = 0; i < 100 && (await agentRequest(agent.url, '/reload/v1/history').catch(() => undefined)) === undefined; i++) await new Promise((r) => setTimeout(r, 50));
  const history = await agentRequest(agent.url, '/reload/v1/history');
  assert.deepEqual(history.body.map((h: { serial: number; outcome: string }) => [h.serial, h.outcome]), [[1, 'Succeeded']]);
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
  assert.equal(MAX_KEYS, 1_000);
});
