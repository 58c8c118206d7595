import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DEPTH, parseJsonc } from '../../core/jsonc/parse';
import { locatePointers } from '../../core/jsonc/locate';

test('parses strict JSON exactly as JSON.parse does', () => {
  const samples = ['{}', '[]', '0', '-1.5e+3', '"a\\u00e9\\n\\"b"', 'true', 'null', '{"a":[1,{"b":null}],"c":"\\\\"}', ' \t\r\n{"x" : 1 } '];
  for (const sample of samples) assert.deepEqual(parseJsonc(sample), { value: JSON.parse(sample), problems: [], ok: true });
});

test('accepts comments and warns on trailing commas', () => {
  const result = parseJsonc('{\n  // line\n  "a": 1, /* block */\n  "b": [1, 2,],\n}');
  assert.equal(result.ok, true);
  assert.deepEqual(result.value, { a: 1, b: [1, 2] });
  assert.deepEqual(
    result.problems.map((p) => [p.code, p.severity, p.offset]),
    [
      ['trailing-comma', 'warning', 46],
      ['trailing-comma', 'warning', 48],
    ],
  );
});

test('reports the first syntax error with its offset and a message that says what to do', () => {
  const cases: [string, number, RegExp][] = [
    ['{"a": 1 "b": 2}', 8, /Expected ',' or '}' after the value of "a"/],
    ['{"a": }', 6, /expected a value/],
    ["{'a': 1}", 1, /expected a property name in double quotes/],
    ['{"a": "x\ny"}', 8, /Control characters/],
    ['{"a": 1', 7, /add the missing '}'/],
    ['{"a": "\\q"}', 7, /Invalid escape/],
    ['{} {}', 3, /after the end of the document/],
    ['/* never closed', 0, /Unterminated block comment/],
    ['', 0, /empty/],
  ];
  for (const [text, offset, message] of cases) {
    const result = parseJsonc(text);
    assert.equal(result.ok, false, text);
    assert.equal(result.value, undefined);
    const error = result.problems.find((p) => p.severity === 'error');
    assert.equal(error?.offset, offset, text);
    assert.match(error?.message ?? '', message, text);
  }
});

test('flags duplicate keys at the repeated key and keeps the last value', () => {
  const result = parseJsonc('{"a": 1, "a": 2}');
  assert.equal(result.ok, true);
  assert.deepEqual(result.value, { a: 2 });
  assert.deepEqual(result.problems.map((p) => [p.code, p.offset, p.length]), [['duplicate-key', 9, 3]]);
});

test('keeps __proto__ as an own property and never touches Object.prototype', () => {
  const result = parseJsonc('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}');
  const value = result.value as Record<string, unknown>;
  assert.ok(Object.prototype.hasOwnProperty.call(value, '__proto__'));
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('refuses nesting deeper than MAX_DEPTH instead of overflowing the stack', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const result = parseJsonc(deep);
  assert.equal(result.ok, false);
  assert.equal(result.problems[0].code, 'nesting-too-deep');
  assert.equal(parseJsonc('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH)).ok, true);
});

test('locatePointers finds keys and values on the requested paths only', () => {
  const text = '{\n  "a": { "b": [10, {"c": "x"}] },\n  // note\n  "d~/e": true\n}';
  const found = locatePointers(text, ['/a/b/1/c', '/d~0~1e', '/a/b/0', '/missing']);
  const slice = (start: number, end: number): string => text.slice(start, end);
  const c = found.get('/a/b/1/c');
  assert.ok(c);
  assert.equal(slice(c.keyStart, c.keyEnd), '"c"');
  assert.equal(slice(c.valueStart, c.valueEnd), '"x"');
  const d = found.get('/d~0~1e');
  assert.ok(d);
  assert.equal(slice(d.keyStart, d.keyEnd), '"d~/e"');
  assert.equal(slice(d.valueStart, d.valueEnd), 'true');
  const first = found.get('/a/b/0');
  assert.deepEqual(first && [first.keyStart, slice(first.valueStart, first.valueEnd)], [-1, '10']);
  assert.equal(found.has('/missing'), false);
});

test('duplicate keys are found in strict JSON too, escapes decoded, in big objects, per object', () => {
  const cases: [string, number[]][] = [
    ['{"a":1,"a":2}', [7]],
    ['{"a":1,"\\u0061":2}', [7]],
    ['{"\\u0061":1,"a":2}', [12]],
    ['{"ab":1,"ba":2}', []],
    ['{"x":{"a":1},"a":{"a":2,"b":{"a":3}}}', []],
    [JSON.stringify(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]))).replace('"k39"', '"k3"'), [332]],
    ['{"a\\"b":1,"a\\"b":2}', [10]],
    ['{"":1,"":2}', [6]],
  ];
  for (const [text, offsets] of cases) {
    const result = parseJsonc(text);
    assert.equal(result.ok, true, text);
    assert.deepEqual(result.problems.map((p) => [p.code, p.offset]), offsets.map((o) => ['duplicate-key', o]), text);
    // The JSONC path (taken when there is a comment) agrees.
    assert.deepEqual(parseJsonc(`//\n${text}`).problems.map((p) => p.offset - 3), offsets, `JSONC ${text}`);
  }
});
