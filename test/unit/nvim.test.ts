import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateManifest } from '../../core/validate';
import { EXAMPLES, ROOT } from '../support/fixtures';

test('Neovim\'s built-in LSP client: legacy diagnostics, the migration code action, a valid document', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nvim-'));
  const file = join(dir, 'legacy.reload.json');
  copyFileSync(join(EXAMPLES, 'sentiment-legacy.reload.json'), file);
  const out = join(dir, 'result.json');
  const run = spawnSync('nvim', ['--headless', '--clean', '-n', '-c', `luafile ${join(ROOT, 'test', 'nvim', 'smoke.lua')}`], {
    env: { ...process.env, SMOKE_SERVER: join(ROOT, 'dist', 'server.js'), SMOKE_FILE: file, SMOKE_OUT: out },
    encoding: 'utf8',
    timeout: 90_000,
  });
  const result = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(run.status, 0, `${result.error ?? ''}\n${run.stderr}`);
  assert.deepEqual(result.steps, ['diagnostics', 'migrated', 'revalidated']);
  assert.deepEqual(result.before, ['outdated-format']);
  assert.equal(result.preferred, true);
  assert.equal(result.after.includes('outdated-format'), false);
  const migrated = validateManifest(result.text, { languageId: 'reload-manifest' });
  assert.deepEqual(migrated.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal((migrated.value as { apiVersion: string }).apiVersion, 'reload/v2');
  assert.ok(result.text.includes('// Written by the deploy bot'), 'comments survive');
});
