import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateManifest, migrationPath } from '../../core/migrate';
import { originOf } from '../../core/migrations/origin';
import { parseJsonc } from '../../core/jsonc/parse';
import { validateManifest } from '../../core/validate';
import { EXAMPLES, NOW } from '../support/fixtures';

const read = (name: string): string => readFileSync(join(EXAMPLES, name), 'utf8');

function migrated(text: string, languageId: 'reload-manifest' | 'mcp-context'): { text: string; value: Record<string, any> } {
  const result = migrateManifest(text, { languageId });
  assert.equal(result.status, 'migrated', JSON.stringify(result));
  if (result.status !== 'migrated') throw new Error('unreachable');
  return { text: result.text, value: parseJsonc(result.text).value as Record<string, any> };
}

test('reload/v1 → v2 maps every field and the result validates without errors', () => {
  const source = read('sentiment-legacy.reload.json');
  const v1 = parseJsonc(source).value as Record<string, string>;
  const { text, value } = migrated(source, 'reload-manifest');
  const [model, config] = value.spec.changes;
  assert.equal(value.apiVersion, 'reload/v2');
  assert.equal(model.id, 'sentiment-classifier');
  assert.equal(value.metadata.annotations['reload/legacy-model-name'], v1.model_name);
  assert.equal(model.version, v1.model_version);
  assert.deepEqual(model.artifact, { uri: v1.model_artifact_uri });
  assert.deepEqual(config, { kind: 'Config', id: 'sentiment-classifier-preprocessing', source: { uri: v1.preprocessing_config_uri } });
  assert.equal(model.preprocessing.configRef, 'config:sentiment-classifier-preprocessing');
  assert.deepEqual(value.spec.rollback, { onFailure: 'revert' });
  assert.equal(value.metadata.name, v1.deployment_id);
  assert.equal(value.metadata.uid, v1.deployment_id);
  assert.equal(value.metadata.annotations['reload/legacy-deployment-id'], v1.deployment_id);
  assert.equal(value.metadata.initiator, v1.initiator_user_id);
  const codes = validateManifest(text, { languageId: 'reload-manifest', now: NOW }).diagnostics.map((d) => `${d.severity} ${d.code}`);
  assert.deepEqual(codes, ['information missing-apply-field', 'warning missing-digest', 'warning missing-digest']);
});

test('rollback strategies map to onFailure values', () => {
  for (const [strategy, onFailure] of [
    ['auto_revert_to_previous_stable', 'revert'],
    ['manual', 'pause'],
    ['none', 'none'],
  ]) {
    const { value } = migrated(JSON.stringify({ model_name: 'm', model_version: '1', model_artifact_uri: 'm.onnx', rollback_strategy: strategy }), 'reload-manifest');
    assert.deepEqual(value.spec.rollback, { onFailure });
  }
});

test('comments survive the migration beside the fields they described', () => {
  const { text } = migrated(read('sentiment-legacy.reload.json'), 'reload-manifest');
  const lines = text.split('\n');
  const at = (needle: string): number => lines.findIndex((l) => l.includes(needle));
  assert.equal(at('// Written by the deploy bot'), 1);
  assert.match(lines[at('// the new weights')], /^\s*},? \/\/ the new weights$/);
  assert.equal(at('/* revert automatically'), at('"rollback"') - 1);
});

test('mcp-context/v1 → v2 maps every field, keeps extensions, and validates without errors', () => {
  const source = read('support-bot-legacy.mcp-context.json');
  const v1 = parseJsonc(source).value as Record<string, any>;
  const { text, value } = migrated(source, 'mcp-context');
  assert.equal(value.metadata.name, 'support-bot');
  assert.equal(value.metadata.annotations['reload/legacy-context-name'], v1.context_name);
  assert.equal(value.metadata.annotations['reload/legacy-deployment-id'], v1.deployment_id);
  assert.equal(value.metadata.initiator, v1.initiator_user_id);
  assert.deepEqual(
    value.spec.prompts.map((p: any) => [p.name, p.version, p.template, p.arguments.map((a: any) => a.name)]),
    [
      ['summarize_ticket', v1.prompt_template_version, v1.prompt_templates.summarize_ticket, ['ticket_id']],
      ['reply', v1.prompt_template_version, v1.prompt_templates.reply, ['customer', 'topic']],
    ],
  );
  assert.deepEqual(value.spec.adapters, [{ name: v1.adapter_id, version: v1.adapter_version, baseModel: `model:${v1.base_model}`, artifact: { uri: v1.adapter_uri } }]);
  const shard = v1.vector_db_shard_update_v1;
  assert.deepEqual(value.spec.knowledge, [{ index: shard.index_name, shard: shard.shard_id, op: shard.operation, artifact: { uri: shard.source_uri }, embeddingDim: shard.embedding_dim }]);
  assert.deepEqual(value.spec.sessions, [{ op: 'load', sessionId: v1.session_id, context: v1.initial_context }]);
  assert.equal(value['x-owner'], v1['x-owner']);
  assert.ok(text.includes('// short on purpose') && text.includes('/* rows exported by the nightly job */'));
  const errors = validateManifest(text, { languageId: 'mcp-context', now: NOW }).diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, []);
});

test('migrating a current document changes nothing', () => {
  for (const [name, languageId] of [
    ['sentiment.reload.json', 'reload-manifest'],
    ['support-bot.mcp-context.json', 'mcp-context'],
  ] as const) {
    const text = read(name);
    assert.deepEqual(migrateManifest(text, { languageId }), { status: 'current', from: languageId === 'mcp-context' ? 'mcp-context/v2' : 'reload/v2', to: languageId === 'mcp-context' ? 'mcp-context/v2' : 'reload/v2', text, edits: [] });
  }
  const once = migrated(read('sentiment-legacy.reload.json'), 'reload-manifest').text;
  const twice = migrateManifest(once, { languageId: 'reload-manifest' });
  assert.equal(twice.status, 'current');
});

test('keeps the source indentation and line endings', () => {
  const source = '{\r\n\t"model_name": "m",\r\n\t"model_version": "1",\r\n\t"model_artifact_uri": "m.onnx"\r\n}\r\n';
  const { text } = migrated(source, 'reload-manifest');
  assert.ok(text.includes('\r\n\t"kind": "ReloadManifest",\r\n'));
  assert.ok(!/[^\r]\n/.test(text));
});

test('refuses, with a diagnostic on the field, what it cannot map or what its schema rejects', () => {
  const refused = (text: string, languageId: 'reload-manifest' | 'mcp-context'): [string, string][] => {
    const result = migrateManifest(text, { languageId });
    assert.equal(result.status, 'refused');
    return result.status === 'refused' ? result.diagnostics.map((d) => [d.pointer, d.message]) : [];
  };
  assert.deepEqual(refused('{"model_name": "!!!", "model_version": "1", "model_artifact_uri": "m"}', 'reload-manifest'), [
    ['/model_name', 'Cannot migrate: "!!!" has no letters or digits to make a change id from; rename the model.'],
  ]);
  assert.deepEqual(refused('{"model_name": "m", "model_version": "1 0", "model_artifact_uri": "m"}', 'reload-manifest').map(([p]) => p), ['/model_version']);
  assert.deepEqual(refused('{"model_name": "m", "model_version": "1", "model_artifact_uri": "m", "typo": 1}', 'reload-manifest').map(([p, m]) => [p, m.startsWith('Fix before migrating: Unknown property "typo"')]), [['/typo', true]]);
  assert.deepEqual(refused('{"context_name": "c", "adapter_id": "a", "adapter_uri": "a.safetensors"}', 'mcp-context').map(([p]) => p), ['/adapter_id']);
  assert.deepEqual(refused('{"context_name": "c", "vector_db_shard_update_v1": {"index_name": "kb", "shard_id": "s"}}', 'mcp-context').map(([p]) => p), ['/vector_db_shard_update_v1']);
  const [first] = refused(read('sentiment-legacy.reload.json'), 'mcp-context');
  assert.deepEqual(first, ['', 'Fix before migrating: Missing required property "context_name": add it.']);
});

test('unmapped legacy values stay in annotations', () => {
  const { value } = migrated('{"context_name": "c", "prompt_template_version": "2", "base_model": "m", "session_id": "s"}', 'mcp-context');
  assert.deepEqual(value.metadata.annotations, {
    'reload/legacy-context-name': 'c',
    'reload/legacy-prompt-template-version': '2',
    'reload/legacy-base-model': 'm',
    'reload/legacy-session-id': 's',
  });
});

test('migrations form a chain of single steps', () => {
  assert.deepEqual(migrationPath('reload/v1', 'reload/v2')?.map((s) => `${s.from}→${s.to}`), ['reload/v1→reload/v2']);
  assert.equal(migrationPath('reload/v2', 'reload/v1'), undefined);
  const back = migrateManifest(read('sentiment.reload.json'), { languageId: 'reload-manifest', to: 'reload/v1' });
  assert.equal(back.status, 'refused');
});

test('a migration whose output would not validate is refused, on the source field the value came from', () => {
  const text = '{\n  "context_name": "support",\n  "prompt_templates": { "ok": "Hi {{name}}", "greet": "Hello {{ bad-name }}" }\n}\n';
  assert.deepEqual(migrateManifest(text, { languageId: 'mcp-context' }), {
    status: 'refused',
    diagnostics: [
      {
        severity: 'error',
        code: 'invalid-template',
        message:
          'The migrated manifest would not validate at /spec/prompts/1/template: "{{ bad-name }}" is not a placeholder: write {{argument_name}} with letters, digits and \'_\'. Change this field so that it migrates to valid mcp-context/v2.',
        range: { start: { line: 2, character: 54 }, end: { line: 2, character: 76 } },
        pointer: '/prompt_templates/greet',
      },
    ],
  });
});

test('origins: moved fields are followed back through every step; copied values keep their inner path', () => {
  const source = { a: { d: 1 }, e: 'reshaped' };
  const middle = { b: { c: { d: 1 } }, f: { g: 'reshaped' } };
  const origin = originOf([
    { source, moved: new Map([['/a', '/b/c'], ['/e', '/f']]) },
    { source: middle, moved: new Map([['/b', '/x'], ['/f', '/y']]) },
  ]);
  assert.equal(origin('/x/c/d'), '/a/d');
  assert.equal(origin('/x/c'), '/a');
  assert.equal(origin('/y/g'), '/e', 'a reshaped value points at its source field, not at a path it never had');
  assert.equal(origin('/kind'), undefined, 'a value the migration made has no source');
  assert.equal(origin(''), undefined);
});
