import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateManifest } from '../../core/validate';
import { diagnosticsOf, essentials, EXAMPLES, INVALID, NOW } from '../support/fixtures';

const manifests = (dir: string): string[] => readdirSync(dir).filter((n) => /\.(reload|mcp-context)\.json$/.test(n));

test('every example is valid; legacy ones carry only the outdated-format warning', async () => {
  const names = manifests(EXAMPLES);
  assert.ok(names.length >= 5);
  for (const name of names) {
    const codes = (await diagnosticsOf(join(EXAMPLES, name))).map((d) => d.code);
    assert.deepEqual(codes, name.includes('legacy') ? ['outdated-format'] : [], name);
  }
});

for (const name of manifests(INVALID)) {
  test(`invalid fixture ${name} yields exactly its expected diagnostics`, async () => {
    const expected = JSON.parse(readFileSync(join(INVALID, name.replace(/\.json$/, '.expected.json')), 'utf8'));
    assert.ok(expected.length > 0);
    assert.deepEqual((await diagnosticsOf(join(INVALID, name))).map(essentials), expected);
  });
}

test('a diagnostic marks the offending key or value, not the whole document', () => {
  const text = '{\n  "apiVersion": "reload/v2",\n  "kind": "ReloadManifest",\n  "metadata": { "name": "a", "uid": "0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e", "serial": 1, "colour": "red" },\n  "spec": { "changes": [{ "kind": "Config", "id": "c", "data": 1 }] }\n}';
  const { diagnostics } = validateManifest(text, { languageId: 'reload-manifest', now: NOW });
  const column = text.split('\n')[3].indexOf('"colour"');
  assert.equal(column, 89);
  assert.deepEqual(diagnostics, [
    {
      severity: 'error',
      code: 'unknown-property',
      message: 'Unknown property "colour". Allowed here: name, uid, serial, expires, initiator, description, labels, annotations. Remove it, or prefix it with "x-" to keep it as an extension.',
      range: { start: { line: 3, character: column }, end: { line: 3, character: column + 8 } },
      pointer: '/metadata/colour',
    },
  ]);
});

test('x- extension keys and annotations are accepted anywhere they are allowed', () => {
  const text = JSON.stringify({
    apiVersion: 'reload/v2',
    kind: 'ReloadManifest',
    'x-team': 'ml',
    metadata: { name: 'a', uid: '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e', serial: 1, annotations: { anything: 'goes' }, 'x-note': 1 },
    spec: { changes: [{ kind: 'Config', id: 'c', data: 1, 'x-origin': 'test' }] },
  });
  assert.deepEqual(validateManifest(text, { languageId: 'reload-manifest', now: NOW }).diagnostics, []);
});

test('placeholder ranges point inside the template string, escapes included', () => {
  const text = JSON.stringify({
    apiVersion: 'mcp-context/v2',
    kind: 'ContextManifest',
    metadata: { name: 'a', uid: '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e', serial: 1 },
    spec: { prompts: [{ name: 'p', template: 'a\n"b" {{who}}' }] },
  });
  const [d] = validateManifest(text, { languageId: 'mcp-context', now: NOW }).diagnostics;
  assert.equal(d.code, 'undeclared-placeholder');
  assert.equal(text.slice(d.range.start.character, d.range.end.character), '{{who}}');
});
