/**
 * The pipeline's two modes over the same phases: what apply refuses at `reload.verify`, what both
 * refuse, and hostile manifests against the run (confinement, amplification, the deadline).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { applyPatch } from '../../core/jsonPatch';
import { runReload, type ReloadMode, type ReloadOutcome } from '../../core/runtime/pipeline';
import { loadSession, updateSession } from '../../core/runtime/sessions';
import { createTraceRecorder } from '../../core/tracing/recorder';
import { ReloadStepError } from '../../core/errors';
import { nodeArtifactSource } from '../../node/fileHost';
import { EXAMPLES, NOW } from '../support/fixtures';
import { newRuntime } from '../support/runtime';

const UID = '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e';
const FLAGS = '{"changes": [{"kind": "FlagSet", "id": "f", "flags": {"x": {"state": "ENABLED", "variants": {"on": true}, "defaultVariant": "on"}}}]}';
const manifest = (metadata: Record<string, unknown>, spec = FLAGS): string => `{"apiVersion": "reload/v2", "kind": "ReloadManifest", "metadata": ${JSON.stringify({ name: 'm', ...metadata })}, "spec": ${spec}}`;

async function run(text: string, mode: ReloadMode, manifestPath = join(EXAMPLES, 'inline.reload.json'), roots: string[] = []): Promise<ReloadOutcome> {
  const runtime = newRuntime();
  const recorder = createTraceRecorder();
  try {
    return await runReload({ text, languageId: 'reload-manifest', mode, runtime, source: nodeArtifactSource(manifestPath, { roots }), tracer: recorder.tracer, now: () => NOW });
  } finally {
    await runtime.dispose();
    await recorder.shutdown();
  }
}

const failure = (outcome: ReloadOutcome) => outcome.error && { outcome: outcome.outcome, step: outcome.error.step, type: outcome.error.type, pointer: outcome.error.pointer };

test('apply without a uid or a serial is refused at reload.verify; a dry run goes on', async () => {
  assert.deepEqual(failure(await run(manifest({ serial: 3 }), 'apply')), { outcome: 'Failed', step: 'reload.verify', type: 'InvalidManifest', pointer: '/metadata' });
  assert.deepEqual(failure(await run(manifest({ uid: UID }), 'apply')), { outcome: 'Failed', step: 'reload.verify', type: 'InvalidManifest', pointer: '/metadata' });
  const dry = await run(manifest({}), 'dryRun');
  assert.equal(dry.outcome, 'Succeeded');
  assert.deepEqual(dry.diagnostics.map((d) => d.code), ['missing-apply-field']);
  assert.equal((await run(manifest({ uid: UID, serial: 3 }), 'apply')).outcome, 'Succeeded');
});

test('both modes refuse an expired manifest at reload.verify, and an impossible expiry at reload.validate', async () => {
  for (const mode of ['dryRun', 'apply'] as const) {
    assert.deepEqual(failure(await run(manifest({ uid: UID, serial: 1, expires: '2026-01-01T00:00:00Z' }), mode)), { outcome: 'Failed', step: 'reload.verify', type: 'ManifestExpired', pointer: '/metadata/expires' });
    assert.deepEqual(failure(await run(manifest({ uid: UID, serial: 1, expires: '2000-13-45T99:99:99Z' }), mode)), { outcome: 'Invalid', step: 'reload.validate', type: 'InvalidManifest', pointer: '/metadata/expires' });
  }
});

test('files a manifest names must lie in its folder or a root: `..`, absolute paths and links out are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'confined-'));
  try {
    const outside = join(EXAMPLES, 'config', 'sentiment-preprocess.json');
    symlinkSync(outside, join(dir, 'link.json'));
    const config = (uri: string): string => manifest({ uid: UID, serial: 1 }, `{"changes": [{"kind": "Config", "id": "c", "source": {"uri": ${JSON.stringify(uri)}}}]}`);
    const path = join(dir, 'm.reload.json');
    for (const uri of ['../../etc/passwd', outside, `file://${outside}`, 'link.json']) {
      const outcome = await run(config(uri), 'dryRun', path);
      assert.deepEqual(failure(outcome), { outcome: 'Failed', step: 'reload.stage', type: 'ArtifactOutsideRoots', pointer: '/spec/changes/0/source/uri' }, uri);
      assert.equal(JSON.stringify(outcome).includes('normalize'), false, 'the file was never read');
    }
    assert.equal((await run(config('link.json'), 'dryRun', path, [join(EXAMPLES, 'config')])).outcome, 'Succeeded', 'a root allows it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('session patches are bounded in the runtime too: a doubling update fails its load, fast', { timeout: 30_000 }, () => {
  const session = loadSession('s', { history: [1, 2, 3] });
  const patch = Array.from({ length: 40 }, (_, i) => ({ op: 'copy' as const, from: '', path: `/c${i}` }));
  const started = performance.now();
  assert.throws(
    () => updateSession(session, patch, 1, '/spec/sessions/1'),
    (e: ReloadStepError) => e.type === 'PatchFailed' && e.pointer === '/spec/sessions/1/patch/17' && /copies more data than this manifest may ask for/.test(e.message),
  );
  assert.ok(performance.now() - started < 2_000);
});

test('a patch may not grow a document past a million values, even within its work budget', { timeout: 60_000 }, () => {
  const big = { rows: Array.from({ length: 600_000 }, (_, i) => i) };
  const result = applyPatch(big, [{ op: 'copy', from: '/rows', path: '/again' }], { remaining: 10_000_000 });
  assert.deepEqual(result, { ok: false, index: 0, field: 'op', message: 'the document would grow past 1,000,000 values: patches may not amplify it (copy fewer or smaller values).' });
  let nested: unknown = 'leaf';
  for (let i = 0; i < 254; i++) nested = { n: nested };
  const refusal = { ok: false, index: 0, field: 'path', message: 'the document would nest deeper than 256 levels.' };
  assert.deepEqual(applyPatch({ a: nested, x: {} }, [{ op: 'copy', from: '/a', path: '/x/y' }]), refusal);
  assert.deepEqual(applyPatch({ a: nested, x: {} }, [{ op: 'move', from: '/a', path: '/x/y' }]), refusal);
  assert.equal(applyPatch({ a: nested, x: {} }, [{ op: 'move', from: '/a', path: '/y' }]).ok, true);
});

test('a run already past its activation deadline stops at the next phase, and nothing is swapped', async () => {
  const text = manifest({ uid: UID, serial: 1 }, `{"changes": [{"kind": "Config", "id": "c", "data": {"a": 1}}], "activation": {"deadline": "PT0S"}}`);
  const outcome = await run(text, 'dryRun');
  assert.deepEqual(failure(outcome), { outcome: 'Failed', step: 'reload.verify', type: 'DeadlineExceeded', pointer: '/spec/activation/deadline' });
  assert.equal(outcome.generation, 0);
});
