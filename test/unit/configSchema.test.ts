import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReloadStepError } from '../../core/errors';
import { compileConfigSchema } from '../../core/runtime/configSchema';
import { loadConfig } from '../../core/runtime/loadContext';
import { runManifest } from '../support/runtime';

const AT = '/spec/changes/0';

/** The ReloadStepError loadConfig throws for a Config change with `data` and `schema`, and how long it took. */
function refusal(data: unknown, schema: unknown): { type: string; message: string; pointer?: string; ms: number } {
  const started = performance.now();
  try {
    loadConfig({ kind: 'Config', id: 'limits', data, schema }, AT, undefined);
  } catch (e) {
    if (!(e instanceof ReloadStepError)) throw e;
    return { type: e.type, message: e.message, pointer: e.pointer, ms: performance.now() - started };
  }
  assert.fail('the config was accepted');
}

const without = ({ ms, ...rest }: { ms: number; type: string; message: string; pointer?: string }): object => (void ms, rest);

test('a catastrophic-backtracking pattern runs in linear time on RE2', { timeout: 120_000 }, () => {
  const schema = { type: 'string', pattern: '^(a+)+$' };
  // Warm ajv's meta-schema once, so the timing below is the pattern's.
  loadConfig({ kind: 'Config', id: 'warm', data: 'aaaa', schema }, AT, undefined);
  const result = refusal(`${'a'.repeat(30)}!`, schema);
  assert.deepEqual(without(result), { type: 'ConfigInvalid', message: 'The config does not satisfy its schema: (root) must match pattern "^(a+)+$" (schema #/pattern).', pointer: `${AT}/data` });
  // RegExp (the old engine) takes about a minute on this input; RE2 takes well under a millisecond.
  assert.ok(result.ms < 1_000, `took ${result.ms} ms`);
});

test('patterns RE2 cannot run are refused with the pointer of the pattern', () => {
  assert.deepEqual(without(refusal('aa', { type: 'string', pattern: '^(a)\\1$' })), {
    type: 'ConfigInvalid',
    message: "The config's schema has a pattern that cannot be used: it uses a backreference (character 5), which the linear-time engine (RE2) cannot run: rewrite it without backreferences or lookaround.",
    pointer: `${AT}/schema/pattern`,
  });
  assert.deepEqual(without(refusal({}, { patternProperties: { 'a/(?!b)': { type: 'string' } } })), {
    type: 'ConfigInvalid',
    message: "The config's schema has a pattern that cannot be used: it uses a lookahead (character 3), which the linear-time engine (RE2) cannot run: rewrite it without backreferences or lookaround.",
    pointer: `${AT}/schema/patternProperties/a~1(?!b)`,
  });
  assert.deepEqual(without(refusal('x', { anyOf: [{ type: 'number' }, { pattern: '(?<n>x)\\k<n>' }] })), {
    type: 'ConfigInvalid',
    message: "The config's schema has a pattern that cannot be used: it uses a backreference (character 8), which the linear-time engine (RE2) cannot run: rewrite it without backreferences or lookaround.",
    pointer: `${AT}/schema/anyOf/1/pattern`,
  });
  assert.deepEqual(without(refusal('x', { pattern: 'x{1001}' })), {
    type: 'ConfigInvalid',
    message: "The config's schema has a pattern that cannot be used: the linear-time engine (RE2) refuses it: error parsing regexp: invalid repeat count: `{1001}`.",
    pointer: `${AT}/schema/pattern`,
  });
});

test('ECMAScript patterns keep their meaning on RE2: \\u escapes, classes, anchors', () => {
  const schema = { type: 'object', patternProperties: { '^\\u0061[0-9]+$': { type: 'string', pattern: '^[\\w.-]+@example\\.com$' } }, additionalProperties: false };
  assert.doesNotThrow(() => loadConfig({ kind: 'Config', id: 'ok', data: { a1: 'ada@example.com' }, schema }, AT, undefined));
  assert.deepEqual(without(refusal({ a1: 'ada@example.org' }, schema)), {
    type: 'ConfigInvalid',
    message: 'The config does not satisfy its schema: /a1 must match pattern "^[\\w.-]+@example\\.com$" (schema #/patternProperties/%5E%5Cu0061%5B0-9%5D%2B%24/pattern).',
    pointer: `${AT}/data/a1`,
  });
  assert.equal(refusal({ b1: 'x' }, schema).pointer, `${AT}/data`);
});

test('references stay inside the schema: remote, external, $id and anchors are refused before compiling', () => {
  const refused = (schema: object, at: string, message: string): void => assert.deepEqual(without(refusal(1, schema)), { type: 'ConfigInvalid', message, pointer: `${AT}/schema${at}` });
  refused(
    { $ref: 'https://schemas.example.com/limits.json' },
    '/$ref',
    'The config\'s schema refers to "https://schemas.example.com/limits.json"; only references inside the schema ("#/…") are accepted, nothing is loaded from elsewhere.',
  );
  refused({ properties: { a: { $ref: 'other.json#/$defs/a' } } }, '/properties/a/$ref', 'The config\'s schema refers to "other.json#/$defs/a"; only references inside the schema ("#/…") are accepted, nothing is loaded from elsewhere.');
  refused(
    { $id: 'https://schemas.example.com/limits.json', type: 'integer' },
    '/$id',
    'The config\'s schema uses "$id", which is not accepted from a manifest (it names or looks up schemas by URI or anchor): refer to parts of the schema with "$ref": "#/$defs/…".',
  );
  refused({ 'x-doc': { $id: 'urn:x' } }, '/x-doc/$id', 'The config\'s schema uses "$id", which is not accepted from a manifest (it names or looks up schemas by URI or anchor): refer to parts of the schema with "$ref": "#/$defs/…".');
  refused({ $ref: '#n', $defs: { n: { type: 'integer' } } }, '/$ref', 'The config\'s schema refers to the anchor "#n"; anchors are not accepted, use a JSON pointer such as "#/$defs/name".');
  refused({ $ref: '#/$defs/missing' }, '/$ref', 'The config\'s schema refers to "#/$defs/missing", which is not a subschema of this schema.');
  refused({ $schema: 'http://json-schema.org/draft-07/schema#' }, '/$schema', 'The config\'s schema declares "$schema" other than https://json-schema.org/draft/2020-12/schema; only JSON Schema 2020-12 is read.');
  assert.doesNotThrow(() => loadConfig({ kind: 'Config', id: 'ok', data: 2, schema: { $defs: { positive: { type: 'integer', minimum: 1 } }, $ref: '#/$defs/positive' } }, AT, undefined));
});

test('oversized, deep, recursive and exponentially expanding schemas are refused before compiling', () => {
  const big = refusal(1, { description: 'x'.repeat(10 * 1024 * 1024) });
  assert.deepEqual(without(big), {
    type: 'ConfigInvalid',
    message: "The config's schema is 10485778 characters long serialized; schemas from a manifest may have at most 65536: move the data it describes into a smaller schema.",
    pointer: `${AT}/schema`,
  });
  let deep: object = { type: 'integer' };
  for (let i = 0; i < 1_000; i++) deep = { items: deep };
  assert.deepEqual(without(refusal([], deep)), { type: 'ConfigInvalid', message: "The config's schema nests subschemas deeper than 32 levels; flatten it.", pointer: `${AT}/schema${'/items'.repeat(33)}` });

  const many = { anyOf: Array.from({ length: 2_001 }, () => ({ type: 'integer' })) };
  assert.deepEqual(without(refusal(1, many)), { type: 'ConfigInvalid', message: "The config's schema has more than 2000 subschemas; split or simplify it.", pointer: `${AT}/schema` });

  assert.deepEqual(without(refusal([], { $defs: { list: { type: 'array', items: { $ref: '#/$defs/list' } } }, $ref: '#/$defs/list' })), {
    type: 'ConfigInvalid',
    message:
      'The config\'s schema is recursive: "#/$defs/list" refers back to a schema that contains it; recursive schemas are not accepted from a manifest, because validating deep data against them can take exponential time.',
    pointer: `${AT}/schema/$defs/list/items/$ref`,
  });
  // 31 small definitions, each referring twice to the one before: 2^30 subschemas once expanded.
  const $defs: Record<string, object> = { d0: { type: 'integer' } };
  for (let i = 1; i <= 30; i++) $defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] };
  assert.deepEqual(without(refusal(1, { $defs, $ref: '#/$defs/d30' })), {
    type: 'ConfigInvalid',
    message: 'The config\'s schema expands to more than 2000 subschemas once its "$ref"s are followed; validating with it could take too long: reuse fewer definitions or simplify them.',
    pointer: `${AT}/schema`,
  });
});

test('patterns are bounded in RE2 instructions, each use counted', () => {
  const message =
    'The config\'s schema has patterns that compile to more than 20000 RE2 instructions together (each use counted, through "$ref"s too); simplify them (a repeat count such as {1000} costs one instruction per repetition).';
  const uses = { anyOf: Array.from({ length: 20 }, () => ({ pattern: '^[a-z]{1000}$' })) };
  assert.deepEqual(without(refusal('x', uses)), { type: 'ConfigInvalid', message, pointer: `${AT}/schema/anyOf/19/pattern` });
  const $defs: Record<string, object> = { d0: { pattern: '^[a-z]{1000}$' } };
  for (let i = 1; i <= 5; i++) $defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] };
  assert.deepEqual(without(refusal('x', { $defs, $ref: '#/$defs/d5' })), { type: 'ConfigInvalid', message, pointer: `${AT}/schema` });
});

test('validation stops at the first error and uniqueItems is linear', () => {
  const validate = compileConfigSchema({ type: 'array', items: { type: 'integer' } }, `${AT}/schema`);
  assert.equal(validate(Array.from({ length: 100_000 }, () => 'x')), false);
  assert.equal(validate.errors?.length, 1);

  const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: i, tags: ['a', 'b'] }));
  const unique = { type: 'array', items: { type: 'object' }, uniqueItems: true };
  const started = performance.now();
  assert.doesNotThrow(() => loadConfig({ kind: 'Config', id: 'rows', data: rows, schema: unique }, AT, undefined));
  const ms = performance.now() - started;
  // ajv's own uniqueItems compares object items pairwise: 2·10^8 deep comparisons here.
  assert.ok(ms < 2_000, `took ${ms} ms`);
  assert.deepEqual(without(refusal([{ a: 1, b: [1] }, { a: 2 }, { b: [1], a: 1 }], unique)), {
    type: 'ConfigInvalid',
    message: 'The config does not satisfy its schema: (root) must NOT have duplicate items (items ## 0 and 2 are identical) (schema #/uniqueItems).',
    pointer: `${AT}/data`,
  });
});

test('a schema that is not JSON Schema 2020-12 is refused with the meta-schema error', () => {
  assert.deepEqual(without(refusal(1, { type: 'integr' })), {
    type: 'ConfigInvalid',
    message: "The config's schema is not a valid JSON Schema 2020-12: schema/type must be equal to one of the allowed values, schema/type must be array, schema/type must match a schema in anyOf.",
    pointer: `${AT}/schema`,
  });
});

test('config source files are read under the manifest\'s JSON rules: depth, duplicate keys, "__proto__"', () => {
  const fromFile = (text: string): { type: string; message: string; pointer?: string } => {
    const bytes = new TextEncoder().encode(text);
    try {
      loadConfig({ kind: 'Config', id: 'c', source: { uri: 'c.json' } }, AT, { uri: 'c.json', location: 'c.json', digest: 'sha256:test', size: bytes.byteLength, bytes });
    } catch (e) {
      if (!(e instanceof ReloadStepError)) throw e;
      return { type: e.type, message: e.message, pointer: e.pointer };
    }
    assert.fail('the config was accepted');
  };
  const refused = (message: string): object => ({ type: 'ConfigInvalid', message, pointer: `${AT}/source/uri` });
  assert.deepEqual(fromFile(`${'['.repeat(300)}${']'.repeat(300)}`), refused('c.json is not a usable JSON config: line 1, column 257 has nesting deeper than 256 levels.'));
  assert.deepEqual(fromFile('{\n  "__proto__": {"admin": true}\n}'), refused('c.json is not a usable JSON config: line 2, column 3 has the reserved key "__proto__".'));
  assert.deepEqual(fromFile('{"a": 1,}'), refused('c.json is not a usable JSON config: line 1, column 8 has a trailing comma, which JSON does not allow.'));
  assert.deepEqual(fromFile('{"a": 1 // why\n}'), refused('c.json is not JSON: it holds comments, which JSON does not allow.'));
});

test('through the pipeline: a refused schema fails reload.load with ConfigInvalid at the pattern', async () => {
  const change = { kind: 'Config', id: 'limits', data: { name: 'aa' }, schema: { type: 'object', properties: { name: { pattern: '^(a)\\1$' } } } };
  const { outcome, failedStep } = await runManifest({ apiVersion: 'reload/v2', kind: 'ReloadManifest', metadata: { name: 'limits' }, spec: { changes: [change] } });
  assert.deepEqual(outcome.error, {
    step: 'reload.load',
    type: 'ConfigInvalid',
    message: "The config's schema has a pattern that cannot be used: it uses a backreference (character 5), which the linear-time engine (RE2) cannot run: rewrite it without backreferences or lookaround.",
    pointer: '/spec/changes/0/schema/properties/name/pattern',
  });
  assert.equal(failedStep?.attributes['reload.manifest.pointer'], '/spec/changes/0/schema/properties/name/pattern');
});
