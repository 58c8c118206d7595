/**
 * `reloadctl` against files a manifest names that it may not read, cannot read, or that arrive too
 * slowly: confinement to the manifest's folder and --root, EIO as a diagnostic beside the others,
 * and the activation deadline stopping a trickling download.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { reloadctl, reloadctlAsync } from '../support/cli';
import { EXAMPLES } from '../support/fixtures';
import { serve } from '../support/httpServer';

const UID = '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e';

function workspace(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-confined-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

type JsonDiagnostic = { code: string; pointer: string; message: string };
const diagnosticsOf = (stdout: string): [string, string][] => (JSON.parse(stdout)[0].diagnostics as JsonDiagnostic[]).map((d) => [d.code, d.pointer]);

test('validate refuses files outside the manifest folder (.., absolute, a link out) until --root allows them', (t) => {
  const dir = workspace(t);
  mkdirSync(join(dir, 'manifests'));
  mkdirSync(join(dir, 'shared'));
  cpSync(join(EXAMPLES, 'models', 'sentiment-2.1.0.onnx'), join(dir, 'shared', 'model.onnx'));
  symlinkSync(join(dir, 'shared', 'model.onnx'), join(dir, 'manifests', 'link.onnx'));
  // The last names no file: refused all the same (outside is outside), so nothing learns whether it exists.
  const uris = ['../shared/model.onnx', join(dir, 'shared', 'model.onnx'), 'link.onnx', '../elsewhere/missing.onnx'];
  const changes = uris.map((uri, i) => `{"kind": "Model", "id": "m${i}", "version": "1", "artifact": {"uri": ${JSON.stringify(uri)}, "digest": "sha256:85a707c5b2cb2b67b163eb250a4f86546f8446d7e9296c576839da424faeeea4", "size": 269}}`);
  const file = join(dir, 'manifests', 'm.reload.json');
  writeFileSync(file, `{"apiVersion": "reload/v2", "kind": "ReloadManifest", "metadata": {"name": "m", "uid": "${UID}", "serial": 1}, "spec": {"changes": [${changes.join(', ')}]}}`);
  const refused = reloadctl(['validate', '--format', 'json', file]);
  assert.equal(refused.code, 1);
  assert.deepEqual(diagnosticsOf(refused.stdout), [
    ['artifact-outside-roots', '/spec/changes/0/artifact/uri'],
    ['artifact-outside-roots', '/spec/changes/1/artifact/uri'],
    ['artifact-outside-roots', '/spec/changes/2/artifact/uri'],
    ['artifact-outside-roots', '/spec/changes/3/artifact/uri'],
  ]);
  const allowed = reloadctl(['validate', '--format', 'json', '--root', join(dir, 'shared'), file]);
  assert.deepEqual([allowed.code, diagnosticsOf(allowed.stdout)], [1, [['artifact-outside-roots', '/spec/changes/3/artifact/uri']]]);
});

test('validate: an unreadable shard (EIO) is a diagnostic on its uri, and the other diagnostics still appear', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-eio-'));
  try {
    const file = join(dir, 'c.mcp-context.json');
    writeFileSync(
      file,
      `{"apiVersion": "mcp-context/v2", "kind": "ContextManifest", "metadata": {"name": "c", "uid": "${UID}", "serial": 1}, "spec": {
        "prompts": [{"name": "p", "template": "{{x}}"}],
        "knowledge": [{"index": "kb", "shard": "s", "artifact": {"uri": "/proc/self/mem", "digest": "sha256:${'1'.repeat(64)}"}, "embeddingDim": 3}]}}`,
    );
    const run = reloadctl(['validate', '--format', 'json', '--root', '/proc/self', file]);
    assert.equal(run.code, 1);
    const diagnostics = JSON.parse(run.stdout)[0].diagnostics as JsonDiagnostic[];
    assert.deepEqual(diagnostics.map((d) => [d.code, d.pointer]), [
      ['undeclared-placeholder', '/spec/prompts/0/template'],
      ['artifact-unreadable', '/spec/knowledge/0/artifact/uri'],
    ]);
    assert.equal(diagnostics[1].message, "Cannot read /proc/self/mem: an input/output error (EIO): the disk or file system failed. Check the file's permissions and the disk.");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the activation deadline covers staging: a trickling download stops at the deadline, not at its end', { timeout: 60_000 }, async (t) => {
  let closed = false;
  const server = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-length': String(1024 * 1024) });
    // One byte every 50 ms: the whole body would take 14 hours.
    const timer = setInterval(() => res.write('x'), 50);
    res.on('close', () => {
      closed = true;
      clearInterval(timer);
    });
  });
  const dir = workspace(t);
  const file = join(dir, 'slow.reload.json');
  writeFileSync(
    file,
    `{"apiVersion": "reload/v2", "kind": "ReloadManifest", "metadata": {"name": "slow", "uid": "${UID}", "serial": 1}, "spec": {
      "changes": [{"kind": "Model", "id": "m", "version": "1", "artifact": {"uri": "${server.origin}/model.onnx", "size": 1048576}}],
      "activation": {"deadline": "PT3S"}}}`,
  );
  const started = performance.now();
  const run = await reloadctlAsync(['dry-run', '--allow-http', '--format', 'json', file]);
  const seconds = (performance.now() - started) / 1000;
  const outcome = JSON.parse(run.stdout) as { outcome: string; error: { step: string; type: string; pointer: string } };
  assert.deepEqual([run.code, outcome.outcome, outcome.error.step, outcome.error.type, outcome.error.pointer], [1, 'Failed', 'reload.stage', 'DeadlineExceeded', '/spec/activation/deadline']);
  assert.ok(seconds >= 3 && seconds < 20, `took ${seconds.toFixed(1)} s`);
  // The server sees the connection close once the CLI has stopped reading (poll with a deadline).
  for (const until = Date.now() + 5_000; !closed && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(closed, true, 'the download was stopped');
});
