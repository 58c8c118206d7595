import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../../core/model/duration';
import { ReloadStepError } from '../../core/errors';
import { evaluateFlag, jsonLogic } from '../../core/runtime/flags';
import { parseShard, searchShards } from '../../core/runtime/knowledge';
import { loraShape, parseSafetensorsHeader } from '../../core/runtime/safetensors';
import { deserializeSession, loadSession, serializeSession, updateSession } from '../../core/runtime/sessions';
import { applyPatch } from '../../core/jsonPatch';
import { EXAMPLES } from '../support/fixtures';
import { newRuntime, runFile } from '../support/runtime';

test('flags evaluate like flagd: disabled is absent, targeting picks a variant, else the default', () => {
  const flag = { state: 'ENABLED' as const, variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ in: ['@example.com', { var: 'email' }] }, 'on', 'off'] } };
  assert.deepEqual(evaluateFlag(flag, { email: 'ada@example.com' }), { found: true, variant: 'on', value: true, reason: 'TARGETING_MATCH' });
  assert.deepEqual(evaluateFlag(flag, { email: 'bob@other.org' }), { found: true, variant: 'off', value: false, reason: 'TARGETING_MATCH' });
  assert.deepEqual(evaluateFlag({ ...flag, state: 'DISABLED' }), { found: false, reason: 'DISABLED' });
  assert.deepEqual(evaluateFlag(undefined), { found: false, reason: 'FLAG_NOT_FOUND' });
  assert.deepEqual(evaluateFlag({ ...flag, targeting: { if: [false, 'nope'] } }), { found: true, variant: 'off', value: false, reason: 'DEFAULT' });
  assert.equal(jsonLogic({ and: [{ '>=': [{ var: 'age' }, 18] }, { starts_with: [{ var: 'country' }, 'D'] }] }, { age: 30, country: 'DE' }), true);
  assert.equal(jsonLogic({ unknownOp: [1] }, {}), null);
});

test('sessions: revisions, JSON Patch with ifRevision, and integrity-checked serialization', () => {
  const loaded = loadSession('s', { history: [] });
  const updated = updateSession(loaded, [{ op: 'add', path: '/history/-', value: { role: 'user', text: 'hi' } }], 1);
  assert.deepEqual([updated.revision, updated.context], [2, { history: [{ role: 'user', text: 'hi' }] }]);
  assert.throws(() => updateSession(updated, [{ op: 'remove', path: '/history/0' }], 1), (e: ReloadStepError) => e.type === 'SessionConflict');
  assert.throws(() => updateSession(updated, [{ op: 'replace', path: '/nope', value: 1 }], 2), (e: ReloadStepError) => e.type === 'PatchFailed' && /does not exist/.test(e.message));
  const serialized = serializeSession(updated);
  assert.deepEqual(deserializeSession(serialized), updated);
  assert.throws(() => deserializeSession({ ...serialized, context: serialized.context.replace('hi', 'ho') }), /failed its integrity check/);
});

test('JSON Patch follows RFC 6902: all or nothing, test, move, copy, "-"', () => {
  const doc = { a: [1, 2], b: { c: 1 } };
  assert.deepEqual(applyPatch(doc, [{ op: 'move', from: '/b/c', path: '/a/0' }, { op: 'copy', from: '/a', path: '/d' }, { op: 'test', path: '/d/1', value: 1 }]), { ok: true, value: { a: [1, 1, 2], b: {}, d: [1, 1, 2] }, weight: 10 });
  assert.deepEqual(applyPatch(doc, [{ op: 'add', path: '/a/-', value: 3 }, { op: 'test', path: '/a/0', value: 9 }]), { ok: false, index: 1, field: 'value', message: 'the value at "/a/0" is not 9.' });
  assert.deepEqual(doc, { a: [1, 2], b: { c: 1 } }, 'the input is never changed');
  assert.equal(applyPatch(doc, [{ op: 'move', from: '/b', path: '/b/x' }]).ok, false);
});

test('knowledge shards: rows checked, cosine search across shards', () => {
  const shard = parseShard('{"id":"a","vector":[1,0]}\n{"id":"b","vector":[0,1],"text":"B"}\n', { index: 'kb', shard: 's', embeddingDim: 2, digest: 'd' });
  const other = parseShard('{"id":"c","vector":[1,1]}\n', { index: 'kb', shard: 't', digest: 'e' });
  assert.deepEqual(searchShards([shard, other], [0, 2], 2).map((h) => [h.id, Math.round(h.score * 1000) / 1000]), [
    ['b', 1],
    ['c', 0.707],
  ]);
  assert.throws(() => parseShard('{"id":"a","vector":[1]}\n{"id":"a","vector":[2]}', { index: 'kb', shard: 's', digest: 'd' }), /kb\/s line 2: its id is already the id of line 1; ids are unique within a shard\./);
  assert.throws(() => parseShard('{"id":"a","vector":[1,2,3]}', { index: 'kb', shard: 's', embeddingDim: 2, digest: 'd' }), /vector has 3 numbers, embeddingDim is 2/);
});

test('safetensors headers are parsed and LoRA shapes checked', () => {
  const bytes = readFileSync(join(EXAMPLES, 'adapters', 'support-lora-7.safetensors'));
  const header = parseSafetensorsHeader(bytes);
  assert.equal(header.tensors.size, 4);
  assert.deepEqual(loraShape(header), { rank: 8, modules: ['q_proj', 'v_proj'], moduleTensors: [0, 2], inputWidth: 4 });
  assert.throws(() => parseSafetensorsHeader(Buffer.from([1, 2, 3])), /shorter than its 8-byte header length/);
  const lying = Buffer.from(bytes);
  lying.writeBigUInt64LE(10_000_000n, 0);
  assert.throws(() => parseSafetensorsHeader(lying), /does not fit the file/);
});

test('ISO 8601 durations', () => {
  assert.deepEqual(['PT30S', 'PT5M', 'P1DT2H', 'PT0.5S', 'P', 'PT', '5m'].map(parseDuration), [30_000, 300_000, 93_600_000, 500, undefined, undefined, undefined]);
});

test('a config that breaks its inline schema fails at load with ConfigInvalid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-'));
  const file = join(dir, 'config.reload.json');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'reload/v2',
      kind: 'ReloadManifest',
      metadata: { name: 'c', uid: '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e', serial: 1 },
      spec: { changes: [{ kind: 'Config', id: 'limits', data: { rpm: -5 }, schema: { type: 'object', properties: { rpm: { type: 'integer', minimum: 1 } } } }] },
    }),
  );
  const runtime = newRuntime();
  try {
    const { outcome } = await runFile(runtime, file);
    assert.deepEqual(outcome.error && [outcome.error.step, outcome.error.type, outcome.error.pointer], ['reload.load', 'ConfigInvalid', '/spec/changes/0/data/rpm']);
    assert.match(outcome.error!.message, /\/rpm must be >= 1/);
  } finally {
    await runtime.dispose();
  }
});
