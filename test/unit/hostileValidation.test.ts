/**
 * Hostile and careless manifests against validation: amplification, error-heavy shapes that must
 * stay linear, impossible values that must fail closed, line endings and nesting that must be
 * reported alike by the full and the incremental path.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { LanguageId } from '../../core/formats';
import { updateSnapshot, validateWithSnapshot } from '../../core/incremental';
import { validateManifest } from '../../core/validate';
import { errorShapes } from '../support/errorShapes';
import { NOW } from '../support/fixtures';

const UID = '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e';
const reload = (spec: string, metadata = `{"name": "m", "uid": "${UID}", "serial": 1}`): string =>
  `{"apiVersion": "reload/v2", "kind": "ReloadManifest", "metadata": ${metadata}, "spec": ${spec}}`;
const context = (spec: string): string => `{"apiVersion": "mcp-context/v2", "kind": "ContextManifest", "metadata": {"name": "c", "uid": "${UID}", "serial": 1}, "spec": ${spec}}`;

function timed<T>(run: () => T): [T, number] {
  const started = performance.now();
  const result = run();
  return [result, performance.now() - started];
}

test('a session patch that copies the document into itself stops at its budget, quickly', { timeout: 60_000 }, () => {
  const copies = Array.from({ length: 60 }, (_, i) => `{"op": "copy", "from": "", "path": "/c${i}"}`).join(', ');
  const text = context(`{"sessions": [{"op": "load", "sessionId": "s", "context": {"history": [1, 2, 3, 4, 5, 6, 7]}}, {"op": "update", "sessionId": "s", "ifRevision": 1, "patch": [${copies}]}]}`);
  assert.ok(text.length < 4_000, 'a few KB of manifest');
  const [result, ms] = timed(() => validateManifest(text, { languageId: 'mcp-context', now: NOW }));
  assert.deepEqual(
    result.diagnostics.map((d) => [d.code, d.pointer, d.message]),
    [
      [
        'invalid-patch',
        '/spec/sessions/1/patch/16/op',
        'This patch cannot apply to session "s": replaying the patches copies more data than this manifest may ask for (a copy or add of large values, repeated): copy fewer or smaller values.',
      ],
    ],
  );
  assert.ok(ms < 2_000, `validation took ${ms.toFixed(0)} ms`);
});

test('the patch budget is shared: many updates each doubling the context stop as early', { timeout: 60_000 }, () => {
  const update = (i: number): string => `{"op": "update", "sessionId": "s", "patch": [{"op": "copy", "from": "", "path": "/u${i}"}]}`;
  const text = context(`{"sessions": [{"op": "load", "sessionId": "s", "context": {"a": [1, 2, 3]}}, ${Array.from({ length: 60 }, (_, i) => update(i)).join(', ')}]}`);
  const [result, ms] = timed(() => validateManifest(text, { languageId: 'mcp-context', now: NOW }));
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.pointer]), [['invalid-patch', '/spec/sessions/17/patch/0/op']]);
  assert.ok(ms < 2_000, `validation took ${ms.toFixed(0)} ms`);
});

/** Validates a generated text, checking the count of one code and the time. */
function errorHeavy(text: string, code: string, count: number, languageId: LanguageId): number {
  const [result, ms] = timed(() => validateManifest(text, { languageId, now: NOW }));
  assert.equal(result.diagnostics.filter((d) => d.code === code).length, count, code);
  return ms;
}

// The budget is generous for slow CI machines; the quadratic code these tests guard took minutes.
const LINEAR_BUDGET_MS = 6_000;

test('1 MB manifests with 20,000 problems validate in about a second, whatever the shape', { timeout: 120_000 }, () => {
  for (const shape of errorShapes(20_000)) {
    assert.ok(shape.text.length > 500_000 && shape.text.length < 5_000_000, `${shape.name}: ${shape.text.length} chars`);
    const ms = errorHeavy(shape.text, shape.code, shape.count, shape.languageId);
    assert.ok(ms < LINEAR_BUDGET_MS, `${shape.name}: ${ms.toFixed(0)} ms`);
    console.log(`# ${shape.name}: ${(shape.text.length / 1e6).toFixed(1)} MB, ${shape.count} × ${shape.code}: ${ms.toFixed(0)} ms`);
  }
});

test('an impossible expiry time is an error, not "never expires"', () => {
  const text = reload('{"changes": [{"kind": "FlagSet", "id": "f", "flags": {}}]}', `{"name": "m", "uid": "${UID}", "serial": 1, "expires": "2000-13-45T99:99:99Z"}`);
  assert.deepEqual(
    validateManifest(text, { languageId: 'reload-manifest', now: NOW }).diagnostics.map((d) => [d.code, d.pointer, d.message]),
    [['invalid-value', '/metadata/expires', '"2000-13-45T99:99:99Z" is not a real moment (check the month, day, hour, minute and second): use an RFC 3339 time such as 2026-12-31T00:00:00Z.']],
  );
});

test('serials beyond 2^53 - 1 are refused', () => {
  const text = reload('{"changes": [{"kind": "FlagSet", "id": "f", "flags": {}}]}', `{"name": "m", "uid": "${UID}", "serial": 9007199254740993}`);
  assert.deepEqual(
    validateManifest(text, { languageId: 'reload-manifest', now: NOW }).diagnostics.map((d) => [d.code, d.pointer, d.message]),
    [['invalid-value', '/metadata/serial', 'Must be at most 9007199254740991, found 9007199254740992.']],
  );
});

test("a probe's input values must fit the element type the model declares", () => {
  const model = (dtype: string): string => `{"kind": "Model", "id": "m", "version": "1", "artifact": {"uri": "m.onnx", "digest": "sha256:${'a'.repeat(64)}"}, "io": {"inputs": [{"name": "x", "dtype": "${dtype}", "shape": [1, 3]}]}}`;
  const probe = (data: string): string => `{"id": "p", "kind": "probe", "change": "model:m", "input": {"x": {"dims": [1, 3], "data": ${data}}}, "expect": {"output": "y", "argmax": 0}}`;
  const codes = (dtype: string, data: string) =>
    validateManifest(reload(`{"changes": [${model(dtype)}], "healthChecks": [${probe(data)}]}`), { languageId: 'reload-manifest', now: NOW }).diagnostics.map((d) => [d.code, d.pointer, d.message]);
  assert.deepEqual(codes('int64', '[1, 2.5, 3]'), [
    ['tensor-type-mismatch', '/spec/healthChecks/0/input/x/data/1', `The model's input "x" is int64, which takes integers from -9007199254740991 to 9007199254740991: item 1 is not one. Fix the data (or the io dtype).`],
  ]);
  assert.deepEqual(codes('uint8', '[1, 256, 3]').map(([, pointer]) => pointer), ['/spec/healthChecks/0/input/x/data/1']);
  assert.deepEqual(codes('bool', '[true, 0, false]').map(([, pointer]) => pointer), ['/spec/healthChecks/0/input/x/data/1']);
  assert.deepEqual(codes('float32', '[0.5, "1", 2]').map(([, pointer]) => pointer), ['/spec/healthChecks/0/input/x/data/1']);
  assert.deepEqual(codes('float32', '[0.5, 1, 2]'), []);
});

test('a lone carriage return ends a line: comments end there and positions count it', () => {
  const lines = ['{', '  // a comment', '  "apiVersion": "reload/v2",', '  "kind": "ReloadManifest",', '  "metadata": {"name": "m", "uid": "' + UID + '", "serial": 1},', '  "spec": {"changes": [{"kind": "FlagSet", "id": "f", "flags": {}, "typo": 1}]}', '}'];
  const expected = validateManifest(lines.join('\n'), { languageId: 'reload-manifest', now: NOW }).diagnostics;
  assert.deepEqual(expected.map((d) => [d.code, d.range.start]), [['unknown-property', { line: 5, character: 67 }]]);
  for (const eol of ['\r', '\r\n']) {
    assert.deepEqual(validateManifest(lines.join(eol), { languageId: 'reload-manifest', now: NOW }).diagnostics, expected, JSON.stringify(eol));
  }
});

test('the incremental path limits nesting exactly like the full one', () => {
  const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const before = reload(`{"changes": [{"kind": "Config", "id": "c", "data": ${nested(250)}}]}`);
  const after = reload(`{"changes": [{"kind": "Config", "id": "c", "data": ${nested(253)}}]}`);
  const full = validateManifest(after, { languageId: 'reload-manifest', now: NOW }).diagnostics;
  assert.deepEqual(full.map((d) => d.code), ['nesting-too-deep']);
  const options = { languageId: 'reload-manifest' as const, now: NOW };
  assert.deepEqual(validateWithSnapshot(before, options).result.diagnostics, []);
  assert.deepEqual(updateSnapshot(validateWithSnapshot(before, options), after).result.diagnostics, full);
});

test('uniqueItems is checked with a set: where the schemas ask for it, and linear in a hostile array', { timeout: 60_000 }, async () => {
  const { FORMATS } = await import('../../core/formats');
  const places: string[] = [];
  for (const format of FORMATS) {
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}/${i}`));
      else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'uniqueItems' && value === true) places.push(`${format.apiVersion} ${path}`);
          else walk(value, `${path}/${key}`);
        }
      }
    };
    walk(format.schema, '');
  }
  // Each place here has a semantic check below; a new uniqueItems in a schema needs one too.
  assert.deepEqual(places.sort(), ['mcp-context/v2 /$defs/adapter/properties/targetModules', 'mcp-context/v2 /$defs/spec/properties/targets', 'reload/v2 /$defs/spec/properties/targets']);
  const duplicates = (text: string, languageId: 'reload-manifest' | 'mcp-context') =>
    validateManifest(text, { languageId, now: NOW }).diagnostics.filter((d) => d.code === 'duplicate-item').map((d) => [d.pointer, d.message]);
  assert.deepEqual(duplicates(reload('{"targets": ["a", "b", "a"], "changes": [{"kind": "FlagSet", "id": "f", "flags": {}}]}'), 'reload-manifest'), [['/spec/targets/2', 'Duplicate of item 0: remove it.']]);
  assert.deepEqual(
    duplicates(context(`{"targets": ["x", "x"], "adapters": [{"name": "a", "baseModel": "model:m", "rank": 8, "artifact": {"uri": "a.safetensors"}, "targetModules": ["q", "v", "q"]}]}`), 'mcp-context'),
    [['/spec/targets/1', 'Duplicate of item 0: remove it.'], ['/spec/adapters/0/targetModules/2', 'Duplicate of item 0: remove it.']],
  );
  const many = Array.from({ length: 100_000 }, (_, i) => `"t${i % 50_000}"`).join(',');
  const [result, ms] = timed(() => validateManifest(reload(`{"targets": [${many}], "changes": [{"kind": "FlagSet", "id": "f", "flags": {}}]}`), { languageId: 'reload-manifest', now: NOW }));
  assert.equal(result.diagnostics.filter((d) => d.code === 'duplicate-item').length, 50_000);
  assert.ok(ms < LINEAR_BUDGET_MS, `${ms.toFixed(0)} ms`);
});
