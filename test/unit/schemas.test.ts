import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPRECATIONS } from '../../core/deprecations';
import { DIAGNOSTIC_CODES } from '../../core/diagnostics';
import { FORMATS } from '../../core/formats';
import { ROOT } from '../support/fixtures';

type Schema = Record<string, any>;

/** Every (path, name, subschema) under `properties` in a schema, outside conditions (`if`, `not`). */
function properties(schema: Schema, path = '#'): [string, string, Schema][] {
  const out: [string, string, Schema][] = [];
  const visit = (node: unknown, at: string): void => {
    if (!node || typeof node !== 'object') return;
    const s = node as Schema;
    for (const [name, sub] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
      out.push([at, name, sub]);
    }
    for (const [key, value] of Object.entries(s)) {
      if (key === 'properties') Object.entries(value as Record<string, Schema>).forEach(([n, sub]) => visit(sub, `${at}/properties/${n}`));
      else if (key !== 'if' && key !== 'not' && value && typeof value === 'object') visit(value, `${at}/${key}`);
    }
  };
  visit(schema, path);
  return out;
}

test('each schema file is the format registry entry, with a stable $id and draft 2020-12', () => {
  for (const format of FORMATS) {
    const onDisk = JSON.parse(readFileSync(join(ROOT, 'schemas', format.schemaFile), 'utf8'));
    assert.deepEqual(onDisk, format.schema);
    assert.equal(onDisk.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(onDisk.$id, `https://schemas.tracing-reload.dev/${format.schemaFile}`);
  }
});

test('every property has a description (hover text comes from it)', () => {
  for (const format of FORMATS) {
    const undocumented = properties(format.schema)
      .filter(([, , sub]) => typeof sub.description !== 'string' && !(typeof sub.$ref === 'string' && typeof resolve(format.schema, sub.$ref).description === 'string'))
      .map(([at, name]) => `${at}/${name}`);
    assert.deepEqual(undocumented, [], format.apiVersion);
  }
});

function resolve(root: Schema, ref: string): Schema {
  return ref.split('/').slice(1).reduce((node, key) => node[key], root);
}

test('fields marked deprecated in the schemas are exactly those in the deprecation table', () => {
  const inSchemas = FORMATS.flatMap((format) =>
    properties(format.schema)
      .filter(([, , sub]) => sub.deprecated === true)
      .map(([, name]) => `${format.apiVersion} ${name}`),
  ).sort();
  const inTable = DEPRECATIONS.map((d) => `${d.apiVersion} ${d.property}`).sort();
  assert.deepEqual(inSchemas, inTable);
  for (const format of FORMATS) {
    for (const [, name, sub] of properties(format.schema).filter(([, , s]) => s.deprecated === true)) {
      assert.equal(typeof sub.deprecationMessage, 'string', `${format.apiVersion} ${name}`);
    }
  }
});

test('docs/diagnostics.md documents exactly the diagnostic codes, with their severities', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'diagnostics.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([a-z-]+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(Object.fromEntries(rows), DIAGNOSTIC_CODES);
});

test('no schema names a property that Object.prototype has (validators read properties directly)', () => {
  const inherited = new Set(Object.getOwnPropertyNames(Object.prototype));
  for (const format of FORMATS) {
    const clashes = properties(format.schema).filter(([, name]) => inherited.has(name)).map(([at, name]) => `${at}/${name}`);
    assert.deepEqual(clashes, [], format.apiVersion);
  }
});

test('a "__proto__" key is refused wherever it stands', async () => {
  const { validateManifest } = await import('../../core/validate');
  const text = '{"apiVersion": "reload/v2", "kind": "ReloadManifest", "metadata": {"name": "p", "uid": "0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e", "serial": 1}, "spec": {"changes": [{"kind": "Config", "id": "c", "data": 1, "__proto__": {"source": {"uri": "x"}}}]}}';
  const codes = validateManifest(text, { languageId: 'reload-manifest' }).diagnostics.map((d) => [d.code, d.pointer]);
  assert.deepEqual(codes, [['reserved-key', '/spec/changes/0/__proto__']]);
});
