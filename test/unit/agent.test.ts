/**
 * The reload agent as a real process on a loopback port, driven through `reloadctl` (and, where
 * the CLI by design never sends such a request, through plain HTTP): success, probe failures,
 * idempotency, serials, expiry, signatures, tokens, tampered artifacts, limits and concurrency.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { reloadctlAsync } from '../support/cli';
import { agentRequest, startAgentProcess, waitForApply } from '../support/agentProcess';
import { agentWorkspace, keyPair, reloadManifest, writeManifest } from '../support/agentManifests';
import { slowArtifact } from '../support/httpServer';
import { privateKeyFromPem, signManifest } from '../../node/dsse';

const TIMEOUT = { timeout: 90_000 };

function stateDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const problemKind = (body: { type?: string }): string | undefined => body.type?.replace('https://tracing-reload.dev/problems/', '');

async function infer(url: string): Promise<{ status: number; body: any }> {
  return agentRequest(url, '/v2/models/sentiment/infer', { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [0.1, 0.2, 0.3, 0.4] }] }) });
}

test('apply succeeds: artifacts uploaded by digest, the new generation serves inference, status and history say so', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  const agent = await startAgentProcess(t, { stateDir: stateDir(t) });
  const file = writeManifest(ws, 'a.reload.json', reloadManifest(ws, { serial: 7, probe: { expect: 'ok' } }));
  const run = await reloadctlAsync(['apply', file, '--target', agent.url]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /uploading models\/sentiment-2\.1\.0\.onnx \(269 bytes\)/);
  assert.match(run.stdout, /Succeeded · serial 7 · generation 1\n  ACK  model:sentiment\n  ACK  config:marker\n  ACK  flagset:release\n/);
  // One trace: the client's spans and the agent's, in one tree.
  assert.match(run.stdout, /reload\.fleet serial-7[\s\S]*reload\.target[\s\S]*reload\.apply serial-7[\s\S]*reload\.activate/);
  const status = await agentRequest(agent.url, '/reload/v1/status');
  assert.equal(status.body.serial, 7);
  assert.deepEqual(status.body.active.models, { sentiment: { version: '2.1.0', digest: JSON.parse(reloadManifest(ws, { serial: 7 })).spec.changes[0].artifact.digest } });
  assert.deepEqual(status.body.active.configs, { marker: { marker: 7 } });
  const inferred = await infer(agent.url);
  assert.equal(inferred.status, 200);
  assert.equal(inferred.body.model_version, '2.1.0');
  assert.deepEqual(inferred.body.outputs[0].data.map((v: number) => Math.round(v * 1e4) / 1e4), [0.48, 0.52]);
  const history = await reloadctlAsync(['history', '--target', agent.url, '--format', 'json']);
  const rows = JSON.parse(history.stdout);
  assert.deepEqual(rows.map((r: any) => [r.kind, r.serial, r.outcome, r.name]), [['apply', 7, 'Succeeded', 'serial-7']]);
  // The agent's root span is a child of the client's target span: one trace id.
  const match = /· trace ([0-9a-f]{32})/.exec(run.stdout);
  assert.equal(rows[0].traceId, match?.[1]);

  // The same manifest again (a new request): its uid names an activated manifest, so the agent answers with that apply.
  const again = await reloadctlAsync(['apply', file, '--target', agent.url]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /: apply [0-9a-f-]{36} \(already started by an earlier attempt\)\n/);
  assert.equal(JSON.parse((await reloadctlAsync(['history', '--target', agent.url, '--format', 'json'])).stdout).length, 1);
  // A changed manifest under the same uid is refused.
  const changed = JSON.parse(readFileSync(file, 'utf8'));
  changed.metadata.serial = 8;
  const reused = await reloadctlAsync(['apply', writeManifest(ws, 'b.reload.json', JSON.stringify(changed)), '--target', agent.url]);
  assert.equal(reused.code, 1);
  assert.match(reused.stdout, /refused — metadata\.uid [0-9a-f-]{36} already names another manifest on this target \(serial 7, Succeeded\): a changed manifest needs a new uid\. \[invalid-manifest\]/);
});

test('a failing probe: before activation the apply fails and nothing changes; after activation it rolls back; the old generation serves', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  const agent = await startAgentProcess(t, { stateDir: stateDir(t) });
  const first = await reloadctlAsync(['apply', writeManifest(ws, 'v1.reload.json', reloadManifest(ws, { serial: 1, version: '2.0.0' })), '--target', agent.url]);
  assert.equal(first.code, 0, first.stderr);

  const pre = await reloadctlAsync(['apply', writeManifest(ws, 'pre.reload.json', reloadManifest(ws, { serial: 2, probe: { expect: 'wrong' } })), '--target', agent.url]);
  assert.equal(pre.code, 1);
  assert.match(pre.stdout, /: Failed · generation 1\n  NACK model:sentiment ProbeFailed: .* at \/spec\/healthChecks\/0\/expect\/values\/1\n/);

  const post = await reloadctlAsync(['apply', writeManifest(ws, 'post.reload.json', reloadManifest(ws, { serial: 3, probe: { expect: 'wrong', phase: 'postActivate' } })), '--target', agent.url]);
  assert.equal(post.code, 1);
  assert.match(post.stdout, /: RolledBack · generation 3\n/);
  assert.match(post.stdout, /reload\.rollback/);

  const status = await agentRequest(agent.url, '/reload/v1/status');
  assert.equal(status.body.serial, 1);
  assert.equal(status.body.active.models.sentiment.version, '2.0.0');
  assert.deepEqual(status.body.active.configs, { marker: { marker: 1 } });
  assert.equal((await infer(agent.url)).body.model_version, '2.0.0');
  const history = (await agentRequest(agent.url, '/reload/v1/history')).body;
  assert.deepEqual(history.map((h: any) => [h.serial, h.outcome]), [[1, 'Succeeded'], [2, 'Failed'], [3, 'RolledBack']]);
  const metrics = (await agentRequest(agent.url, '/metrics')).body as string;
  assert.match(metrics, /reload_rollbacks_total\{trigger="automatic"\} 1\n/);
  assert.match(metrics, /reload_applies_total\{kind="apply",outcome="RolledBack"\} 1\n/);
  assert.match(metrics, /reload_active_serial 1\n/);
});

test('Idempotency-Key: the same key and payload replays the first apply; another payload is 422; none is 400', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  const agent = await startAgentProcess(t, { stateDir: stateDir(t), args: ['--artifact-root', ws] });
  const body = reloadManifest(ws, { serial: 1 });
  const post = (text: string, key?: string) => agentRequest(agent.url, '/reload/v1/applies', { method: 'POST', body: text, headers: key === undefined ? {} : { 'Idempotency-Key': key } });
  const first = await post(body, '"k-1"');
  assert.equal(first.status, 202);
  assert.equal(first.headers.get('location'), `/reload/v1/applies/${first.body.id}`);
  const again = await post(body, 'k-1');
  assert.equal(again.status, 202);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.body.id, first.body.id);
  const other = await post(reloadManifest(ws, { serial: 2 }), 'k-1');
  assert.equal(other.status, 422);
  assert.equal(problemKind(other.body), 'idempotency-key-reuse');
  const missing = await post(body);
  assert.equal(missing.status, 400);
  assert.equal(problemKind(missing.body), 'idempotency-key-missing');
  // Once it ended, the key still answers with that apply (now its result).
  const ended = await waitForApply(agent.url, first.headers.get('location')!.replace('/reload/v1/applies/', ''));
  assert.equal(ended.phase, 'Succeeded');
  const replay = await post(body, 'k-1');
  assert.equal(replay.body.phase, 'Succeeded');
  assert.equal(replay.body.id, first.body.id);
  assert.equal((await agentRequest(agent.url, '/reload/v1/history')).body.length, 1);
});

test('refusals through reloadctl: stale serial 409, expired 422, invalid manifest never sent, bad or missing token 401', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  const tokenFile = join(ws, 'token');
  writeFileSync(tokenFile, '  s3cret-token\n');
  const wrongToken = join(ws, 'wrong');
  writeFileSync(wrongToken, 's3cret-tokem');
  const agent = await startAgentProcess(t, { stateDir: stateDir(t), args: ['--token-file', tokenFile] });
  const ok = await reloadctlAsync(['apply', writeManifest(ws, 'five.reload.json', reloadManifest(ws, { serial: 5 })), '--target', agent.url, '--token-file', tokenFile]);
  assert.equal(ok.code, 0, ok.stderr);

  const stale = await reloadctlAsync(['apply', writeManifest(ws, 'four.reload.json', reloadManifest(ws, { serial: 5 })), '--target', agent.url], { RELOAD_TOKEN: 's3cret-token' });
  assert.equal(stale.code, 1);
  assert.match(stale.stdout, /refused — The manifest's serial 5 is not above the target's serial 5: give it a serial above 5\. \[serial-regression\]/);

  const expired = await reloadctlAsync(['apply', writeManifest(ws, 'old.reload.json', reloadManifest(ws, { serial: 6, expires: '2020-01-01T00:00:00Z' })), '--target', agent.url, '--token-file', tokenFile]);
  assert.equal(expired.code, 1);
  assert.match(expired.stdout, /refused — The manifest expired at 2020-01-01T00:00:00Z: .*\[manifest-expired\]/);

  const invalidText = reloadManifest(ws, { serial: 6 }).replace('"kind": "Config"', '"kind": "Konfig"');
  const invalid = await reloadctlAsync(['apply', writeManifest(ws, 'bad.reload.json', invalidText), '--target', agent.url, '--token-file', tokenFile]);
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /bad\.reload\.json is not applied: it is not valid\./);

  const bad = await reloadctlAsync(['status', '--target', agent.url, '--token-file', wrongToken]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /The bearer token is not this agent's.*\(unauthorized\)/);
  const none = await reloadctlAsync(['history', '--target', agent.url], { RELOAD_TOKEN: '' });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /needs "Authorization: Bearer <token>".*\(unauthorized\)/);
  const raw = await agentRequest(agent.url, '/reload/v1/status');
  assert.equal(raw.status, 401);
  assert.equal(raw.headers.get('www-authenticate'), 'Bearer realm="reload-agent"');

  // Nothing refused was recorded.
  const history = (await agentRequest(agent.url, '/reload/v1/history', { headers: { Authorization: 'Bearer s3cret-token' } })).body;
  assert.deepEqual(history.map((h: any) => [h.serial, h.outcome]), [[5, 'Succeeded']]);
});

test('signatures: with --trust-key only DSSE envelopes signed by a trusted ed25519 key apply (403 otherwise)', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  const trusted = keyPair(ws, 'trusted');
  const other = keyPair(ws, 'other');
  const agent = await startAgentProcess(t, { stateDir: stateDir(t), args: ['--trust-key', trusted.publicPath] });
  const unsigned = await reloadctlAsync(['apply', writeManifest(ws, 'u.reload.json', reloadManifest(ws, { serial: 1 })), '--target', agent.url]);
  assert.equal(unsigned.code, 1);
  assert.match(unsigned.stdout, /This agent applies only signed manifests .* \[untrusted-signer\]/);
  const wrong = await reloadctlAsync(['apply', writeManifest(ws, 'w.reload.json', reloadManifest(ws, { serial: 1 })), '--target', agent.url, '--key', other.privatePath]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stdout, /no signature is by a trusted key .* \[untrusted-signer\]/);
  const signed = await reloadctlAsync(['apply', writeManifest(ws, 's.reload.json', reloadManifest(ws, { serial: 1 })), '--target', agent.url, '--key', trusted.privatePath]);
  assert.equal(signed.code, 0, signed.stdout + signed.stderr);
  // A payload swapped under a valid signature is refused.
  const envelope = signManifest(Buffer.from(reloadManifest(ws, { serial: 2 })), privateKeyFromPem(readFileSync(trusted.privatePath, 'utf8')));
  envelope.payload = Buffer.from(reloadManifest(ws, { serial: 3 })).toString('base64');
  const swapped = await agentRequest(agent.url, '/reload/v1/applies', { method: 'POST', body: JSON.stringify(envelope), headers: { 'Idempotency-Key': 'swap' } });
  assert.equal(swapped.status, 403);
  assert.equal(problemKind(swapped.body), 'untrusted-signer');
  const history = (await agentRequest(agent.url, '/reload/v1/history')).body;
  assert.deepEqual(history.map((h: any) => [h.serial, h.outcome]), [[1, 'Succeeded']]);
});

test('tampered artifacts: an upload whose bytes do not match is refused (digest-mismatch); a file in the agent\'s root that changed fails staging', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  const root = agentWorkspace(t);
  const agent = await startAgentProcess(t, { stateDir: stateDir(t), args: ['--artifact-root', root] });
  const text = reloadManifest(ws, { serial: 1 });
  writeFileSync(join(ws, 'models', 'sentiment-2.1.0.onnx'), Buffer.alloc(269, 7));
  const upload = await reloadctlAsync(['apply', writeManifest(ws, 't.reload.json', text), '--target', agent.url]);
  assert.equal(upload.code, 1);
  assert.match(upload.stdout, /refused — The blob was not stored: the bytes hash to sha256:[0-9a-f]{64}, not sha256:85a707c5[0-9a-f]{56}; nothing was stored\. \[digest-mismatch\]/);

  // The agent reads the artifact from its own root (the client has no copy to upload): changed bytes fail staging.
  writeFileSync(join(root, 'models', 'sentiment-2.1.0.onnx'), Buffer.alloc(269, 9));
  const applied = await agentRequest(agent.url, '/reload/v1/applies', { method: 'POST', body: text, headers: { 'Idempotency-Key': 'tampered' } });
  assert.equal(applied.status, 202);
  const status = await waitForApply(agent.url, applied.body.id);
  assert.equal(status.phase, 'Failed');
  assert.deepEqual(status.changes[0].accepted.error.type, 'DigestMismatch');
  assert.equal(status.changes[0].accepted.error.pointer, '/spec/changes/0/artifact/digest');
  assert.equal((await agentRequest(agent.url, '/reload/v1/status')).body.serial, 0);
});

test('limits: a body over 8 MiB is 413 and recorded nowhere; a blob over its declared size is refused', TIMEOUT, async (t) => {
  const agent = await startAgentProcess(t, { stateDir: stateDir(t) });
  const huge = Buffer.alloc(9 * 1024 * 1024, 0x20);
  const refused = await agentRequest(agent.url, '/reload/v1/applies', { method: 'POST', body: huge, headers: { 'Idempotency-Key': 'big', 'Content-Type': 'application/json' } });
  assert.equal(refused.status, 413);
  assert.equal(problemKind(refused.body), 'payload-too-large');
  assert.deepEqual((await agentRequest(agent.url, '/reload/v1/history')).body, []);
  const blob = await fetch(`${agent.url}/reload/v1/blobs/sha256:${'a'.repeat(64)}`, { method: 'PUT', body: Buffer.alloc(10), headers: { 'Content-Length': '10' } });
  assert.equal(blob.status, 422);
  const head = await fetch(`${agent.url}/reload/v1/blobs/sha256:${'a'.repeat(64)}`, { method: 'HEAD' });
  assert.equal(head.status, 404);
});

test('one apply at a time: a second apply while one runs is 409 apply-in-progress with Retry-After', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  // A slow artifact server keeps the first apply staging until the test lets it go.
  const slow = await slowArtifact(t, readFileSync(join(ws, 'models', 'sentiment-2.1.0.onnx')));
  const agent = await startAgentProcess(t, { stateDir: stateDir(t), args: ['--allow-url', `${slow.origin}/`] });
  const first = JSON.parse(reloadManifest(ws, { serial: 1 }));
  first.spec.changes[0].artifact.uri = `${slow.origin}/sentiment.onnx`;
  const started = await agentRequest(agent.url, '/reload/v1/applies', { method: 'POST', body: JSON.stringify(first), headers: { 'Idempotency-Key': 'one' } });
  assert.equal(started.status, 202);
  const second = await reloadctlAsync(['apply', writeManifest(ws, 'two.reload.json', reloadManifest(ws, { serial: 2 })), '--target', agent.url]);
  assert.equal(second.code, 1);
  assert.match(second.stdout, new RegExp(`refused — Another apply \\(${started.body.id}\\) is running on this target: one runs at a time\\. Try again when it has ended\\. \\(retry after 2 s\\) \\[apply-in-progress\\]`));
  assert.equal((await agentRequest(agent.url, '/reload/v1/status')).body.running, started.body.id);
  slow.release();
  const status = await waitForApply(agent.url, started.body.id);
  assert.equal(status.phase, 'Succeeded');
  assert.deepEqual((await agentRequest(agent.url, '/reload/v1/history')).body.map((h: any) => [h.serial, h.outcome]), [[1, 'Succeeded']]);
});
