/** The typed manifest model, the pointer module, change references and RFC 3339 times. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { formatOf } from '../../core/formats';
import { parseJsonc } from '../../core/jsonc/parse';
import { pathToPointer, pointerToPath, valueAt, withValueAt } from '../../core/jsonc/pointer';
import { fileAt, findChange, referenceAt } from '../../core/model/query';
import { ModelCache, readManifest } from '../../core/model/readManifest';
import { parseChangeRef } from '../../core/model/refs';
import { parseRfc3339 } from '../../core/model/time';
import { EXAMPLES } from '../support/fixtures';

const read = (text: string, apiVersion: 'reload/v2' | 'mcp-context/v2' = 'reload/v2') => readManifest(parseJsonc(text).value, formatOf(apiVersion));

test('the model of the sentiment example: changes, files, references, checks, activation, rollout', () => {
  const model = read(readFileSync(join(EXAMPLES, 'sentiment.reload.json'), 'utf8'));
  assert.deepEqual(model.metadata, { name: 'sentiment-2-1', uid: '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e', initiator: 'admin@example.com', serial: 42 });
  assert.deepEqual(model.targets, [{ name: 'staging', pointer: '/spec/targets/0' }]);
  assert.deepEqual(
    model.changes.map((c) => [c.kind, c.id, c.ref, c.version, c.pointer, c.files.map((f) => [f.role, f.uri, f.pointer]), c.references.map((r) => [r.field, r.text, r.ref, r.pointer])]),
    [
      ['Model', 'sentiment', 'model:sentiment', '2.1.0', '/spec/changes/0', [['artifact', 'models/sentiment-2.1.0.onnx', '/spec/changes/0/artifact/uri']], [['configRef', 'config:sentiment-preprocess', { kind: 'config', id: 'sentiment-preprocess' }, '/spec/changes/0/preprocessing/configRef']]],
      ['Config', 'sentiment-preprocess', 'config:sentiment-preprocess', undefined, '/spec/changes/1', [['artifact', 'config/sentiment-preprocess.json', '/spec/changes/1/source/uri']], []],
      ['FlagSet', 'banners', 'flagset:banners', undefined, '/spec/changes/2', [], []],
    ],
  );
  assert.deepEqual(model.changes[0].artifact, { uri: 'models/sentiment-2.1.0.onnx', digest: 'sha256:85a707c5b2cb2b67b163eb250a4f86546f8446d7e9296c576839da424faeeea4', size: 269, pointer: '/spec/changes/0/artifact' });
  assert.deepEqual(
    model.healthChecks.map((h) => [h.id, h.pointer, h.phase, h.change?.ref, h.maxLatency]),
    [['golden', '/spec/healthChecks/0', 'preActivate', { kind: 'model', id: 'sentiment' }, { ms: 50, pointer: '/spec/healthChecks/0/maxLatencyMs' }]],
  );
  assert.deepEqual(model.activation, { mode: 'atomic', deadline: { ms: 300_000, pointer: '/spec/activation/deadline' } });
  assert.deepEqual(model.rollout, [
    { index: 0, pointer: '/spec/rollout/steps/0', setWeight: 10 },
    { index: 1, pointer: '/spec/rollout/steps/1', pause: { text: 'PT30S', ms: 30_000 } },
    { index: 2, pointer: '/spec/rollout/steps/2', setWeight: 100 },
  ]);
  assert.deepEqual(model.rollback, { onFailure: 'revert' });
  assert.equal(findChange(model, { kind: 'config', id: 'sentiment-preprocess' }), model.changes[1]);
  assert.equal(referenceAt(model, '/spec/healthChecks/0/change')?.field, 'change');
  assert.equal(fileAt(model, '/spec/changes/1/source/uri')?.artifact?.digest, 'sha256:cd12f2c73df4f21aa4aa7069f821bb1d092610af053f8292ff3632e8eed794f5');
});

test('deprecated aliases are resolved once, from the deprecation table, with the pointer of the field that held them', () => {
  const model = read(`{"apiVersion": "reload/v2", "kind": "ReloadManifest", "metadata": {"name": "a"}, "spec": {
    "changes": [{"kind": "FlagSet", "id": "f", "flags": {}}],
    "healthChecks": [{"id": "h", "kind": "probe", "change": "model:m@1.0", "input": {}, "expect": {"output": "y", "argmax": 0}, "timeoutMs": 20, "phase": "postActivate"}],
    "activation": {"timeoutSeconds": 90, "mode": "independent"}}}`);
  assert.deepEqual(model.healthChecks[0].maxLatency, { ms: 20, pointer: '/spec/healthChecks/0/timeoutMs' });
  assert.deepEqual(model.healthChecks[0].change?.ref, { kind: 'model', id: 'm', version: '1.0' });
  assert.equal(model.healthChecks[0].phase, 'postActivate');
  assert.deepEqual(model.activation, { mode: 'independent', deadline: { ms: 90_000, pointer: '/spec/activation/timeoutSeconds' } });
  const context = read(
    `{"apiVersion": "mcp-context/v2", "kind": "ContextManifest", "metadata": {"name": "c"}, "spec": {
      "knowledge": [{"index": "kb", "shard": "s1", "artifact": {"uri": "kb/s1.jsonl"}, "dimension": 384}, {"index": "kb", "shard": "s0", "op": "delete", "artifact": {"uri": "x"}}],
      "sessions": [{"op": "load", "sessionId": "s-1", "context": {}}, {"op": "update", "sessionId": "s-1", "patch": []}]}}`,
    'mcp-context/v2',
  );
  assert.deepEqual(
    context.changes.map((c) => [c.kind, c.ref, c.files.map((f) => [f.role, f.embeddingDim])]),
    [
      ['Knowledge', 'knowledge:kb/s1', [['shard', 384]]],
      ['Knowledge', 'knowledge:kb/s0', []],
      ['Session', 'session:s-1#0', []],
      ['Session', 'session:s-1#1', []],
    ],
  );
});

test('the reader tolerates documents with schema errors and leaves out what is malformed', () => {
  const model = read(`{"apiVersion": "reload/v2", "metadata": {"serial": "7", "expires": "2000-13-45T99:99:99Z"}, "spec": {"changes": [1, {"kind": "Nope"}, {"kind": "Model", "artifact": {"uri": 5}}], "targets": [3, "b"]}}`);
  assert.deepEqual(model.metadata, { expires: '2000-13-45T99:99:99Z', expiresAt: NaN });
  assert.deepEqual(model.changes.map((c) => [c.ref, c.artifact]), [['model:', undefined]]);
  assert.deepEqual(model.targets, [{ name: 'b', pointer: '/spec/targets/1' }]);
});

test('the model cache reuses an unchanged change object at the same position, and reads it again elsewhere', () => {
  const cache = new ModelCache();
  const value = parseJsonc('{"apiVersion": "reload/v2", "spec": {"changes": [{"kind": "Config", "id": "a", "data": 1}, {"kind": "Config", "id": "b", "data": 2}]}}').value;
  const first = readManifest(value, formatOf('reload/v2'), cache);
  const edited = withValueAt(value, '/spec/changes/1/data', 3);
  const second = readManifest(edited, formatOf('reload/v2'), cache);
  assert.equal(second.changes[0], first.changes[0], 'the untouched change is the same object');
  assert.notEqual(second.changes[1], first.changes[1]);
  const moved = { ...(value as object), spec: { changes: [(value as { spec: { changes: unknown[] } }).spec.changes[1], (value as { spec: { changes: unknown[] } }).spec.changes[0]] } };
  assert.deepEqual(readManifest(moved, formatOf('reload/v2'), cache).changes.map((c) => [c.id, c.pointer]), [['b', '/spec/changes/0'], ['a', '/spec/changes/1']]);
});

test('pointers: escaping, paths, reading own properties only, and copies that share untouched subtrees', () => {
  assert.equal(pathToPointer(['spec', 'a/b', 'c~d', 3]), '/spec/a~1b/c~0d/3');
  assert.deepEqual(pointerToPath('/spec/a~1b/c~0d/3/01'), ['spec', 'a/b', 'c~d', 3, '01']);
  assert.equal(valueAt({ a: [{ b: 1 }] }, '/a/0/b'), 1);
  assert.equal(valueAt({}, '/constructor'), undefined);
  const root = { a: { x: 1 }, b: { y: 2 } };
  const next = withValueAt(root, '/a/x', 5);
  assert.deepEqual(next, { a: { x: 5 }, b: { y: 2 } });
  assert.equal(next.b, root.b);
  assert.deepEqual(root.a, { x: 1 });
  const proto = withValueAt(JSON.parse('{"__proto__": {"p": 1}}'), '/__proto__/p', 2) as Record<string, unknown>;
  assert.deepEqual(Object.keys(proto), ['__proto__']);
  assert.equal(({} as Record<string, unknown>).p, undefined);
});

test('change references parse once: kind, id, optional version; anything else is not one', () => {
  assert.deepEqual(['model:m', 'config:c@1.2', 'flagset:f@x@y', 'model:', 'prompt:p', 'model'].map(parseChangeRef), [
    { kind: 'model', id: 'm' },
    { kind: 'config', id: 'c', version: '1.2' },
    { kind: 'flagset', id: 'f', version: 'x@y' },
    undefined,
    undefined,
    undefined,
  ]);
});

test('RFC 3339 times are read strictly: impossible moments are NaN, offsets and leap days are honoured', () => {
  assert.equal(parseRfc3339('2026-12-31T00:00:00Z'), Date.UTC(2026, 11, 31));
  assert.equal(parseRfc3339('2026-12-31T01:30:00+01:30'), Date.UTC(2026, 11, 31));
  assert.equal(parseRfc3339('2024-02-29T00:00:00.250z'), Date.UTC(2024, 1, 29) + 250);
  for (const bad of ['2000-13-45T99:99:99Z', '2023-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:60:00Z', '2026-01-01 00:00:00Z', '2026-01-01T00:00:00', '2026-01-01T00:00:00+24:00']) {
    assert.ok(Number.isNaN(parseRfc3339(bad)), bad);
  }
});
