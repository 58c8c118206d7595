import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { JsonArrayStream, prettyJsonChunks, prettyJsonText, streamedArray } from '../../core/jsonChunks';
import { toChromeTrace, toChromeTraceStream } from '../../core/tracing/chrome';
import { toJaegerJson, toJaegerJsonStream } from '../../core/tracing/jaeger';
import type { TraceData } from '../../core/tracing/model';
import { toOtlpJson, toOtlpJsonStream } from '../../core/tracing/otlp';
import { renderTimeline } from '../../core/tracing/timeline';
import { batched, writeChunks } from '../../node/writeChunks';
import { EXAMPLES } from '../support/fixtures';
import { newRuntime, runFile } from '../support/runtime';
import { deepTrace, spanOf, traceOf } from '../support/traceShapes';

async function exampleTrace(): Promise<TraceData> {
  const runtime = newRuntime();
  try {
    return (await runFile(runtime, join(EXAMPLES, 'sentiment.reload.json'))).trace;
  } finally {
    await runtime.dispose();
  }
}

test('streamed trace documents are byte for byte the pretty JSON of the whole documents', async () => {
  const trace = await exampleTrace();
  const twoTraces: TraceData = { ...trace, spans: [...trace.spans, ...trace.spans.map((s) => ({ ...s, traceId: 'f'.repeat(32) }))] };
  for (const t of [trace, twoTraces, { ...trace, spans: [] }]) {
    assert.equal([...prettyJsonChunks(toOtlpJsonStream(t))].join(''), JSON.stringify(toOtlpJson(t), null, 2));
    assert.equal([...prettyJsonChunks(toJaegerJsonStream(t))].join(''), JSON.stringify(toJaegerJson(t), null, 2));
    assert.equal([...prettyJsonChunks(toChromeTraceStream(t))].join(''), JSON.stringify(toChromeTrace(t), null, 2));
  }
});

test('prettyJsonChunks writes what JSON.stringify writes around streams', () => {
  const protoKey = JSON.parse('{"__proto__": [1]}');
  const document = {
    a: undefined,
    b: streamedArray([1, 2], (n) => ({ n, skip: undefined, list: [], empty: {} })),
    c: [streamedArray([], (n) => n), undefined, () => 1, new Date(0), 'x\ny'],
    d: { nested: new JsonArrayStream(() => [streamedArray(['s'], (s) => s), null]) },
    e: protoKey,
    f: {},
  };
  const plain = {
    a: undefined,
    b: [1, 2].map((n) => ({ n, skip: undefined, list: [], empty: {} })),
    c: [[], undefined, () => 1, new Date(0), 'x\ny'],
    d: { nested: [['s'], null] },
    e: protoKey,
    f: {},
  };
  assert.equal([...prettyJsonChunks(document)].join(''), JSON.stringify(plain, null, 2));
  assert.equal([...prettyJsonText(new JsonArrayStream(() => []))].join(''), '[]\n');
  assert.equal([...prettyJsonChunks({ only: undefined, s: new JsonArrayStream(() => [undefined]) })].join(''), '{\n  "s": [\n    null\n  ]\n}');
});

test('batched joins small chunks into writes of at least the batch size', () => {
  assert.deepEqual([...batched(['ab', 'cd', 'e', 'fgh', 'i'], 4)], ['abcd', 'efgh', 'i']);
  assert.deepEqual([...batched([], 4)], []);
});

test('writeChunks waits for drain whenever a write reports a full buffer', async () => {
  const finishWrite: (() => void)[] = [];
  let written = '';
  const sink = new Writable({
    highWaterMark: 1,
    decodeStrings: false,
    write(chunk: string, _encoding, callback) {
      written += chunk;
      finishWrite.push(callback);
    },
  });
  const big = 'x'.repeat(70 * 1024);
  let done = false;
  const writing = writeChunks(sink, [big, big, big]).then(() => (done = true));
  // Each batch fills the one-byte buffer: the next is written only after this one's drain.
  for (let batch = 1; batch <= 3; batch++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(written.length, batch * big.length, `batch ${batch} written`);
    assert.equal(sink.writableLength, big.length, 'and nothing more handed to the stream');
    assert.equal(finishWrite.length, 1);
    finishWrite.pop()?.();
  }
  await writing;
  assert.equal(done, true);
});

test('writeChunks stops with an error when the output closes while it waits', async () => {
  const sink = new Writable({ highWaterMark: 1, write: () => undefined });
  const writing = writeChunks(sink, ['x'.repeat(70 * 1024), 'more']);
  await new Promise<void>((resolve) => setImmediate(resolve));
  sink.destroy();
  await assert.rejects(writing, /the output was closed before everything was written/);
});

test('the terminal timeline escapes control characters in names, attribute values and messages', () => {
  const named = { ...spanOf(1, undefined, 0n, 10n, 'a\u001b[2Jb\n::error::forged'), attributes: { 'reload.change.ref': 'model:\u0007x' } };
  const failed = {
    ...spanOf(2, 1, 2n, 8n, 'reload.probe'),
    attributes: { 'reload.probe.id': 'p\r1', 'reload.change.ref': 'm', 'error.type': 'Bad\u009b', 'reload.manifest.pointer': '/a\u2028b' },
    status: { code: 2 as const, message: 'line one\nline two\u001b]0;title\u0007' },
  };
  const { text, warnings } = renderTimeline(traceOf([named, failed]));
  assert.deepEqual(warnings, []);
  assert.equal(
    text,
    [
      '✓ a\\u001b[2Jb\\n::error::forged model:\\u0007x │████████████████████████████████│   0.00 ms',
      '✗   reload.probe p\\r1 → m                    │      ████████████████████      │   0.00 ms',
      '    Bad\\u009b: line one\\nline two\\u001b]0;title\\u0007 (at /a\\u2028b)',
      '',
    ].join('\n'),
  );
  assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
});

test('spans deeper than 16 levels show their depth instead of more indentation', () => {
  const labels = renderTimeline(deepTrace(20)).text.split('\n').map((l) => l.replace(/ +│.*$/, ''));
  assert.equal(labels[16], `✓ ${'  '.repeat(16)}step-17 model:m17`);
  assert.equal(labels[17], `✓ ${'  '.repeat(12)}[17] step-18 model:m18`);
  assert.equal(labels[19], `✓ ${'  '.repeat(12)}[19] step-20 model:m20`);
});

test('the timeline of a cyclic trace shows every span and returns one warning per cycle', () => {
  const trace = traceOf([spanOf(1, undefined, 0n, 100n), spanOf(10, 11, 20n, 40n), spanOf(11, 10, 25n, 30n), spanOf(12, 12, 50n, 60n)]);
  const { text, warnings } = renderTimeline(trace);
  assert.deepEqual(
    text.split('\n').map((l) => l.replace(/ +│.*$/, '')),
    ['✓ step-1 model:m1', '✓ step-10 model:m10', '✓   step-11 model:m11', '✓ step-12 model:m12', ''],
  );
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /^trace 4bf92f3577b34da6a3ce929d0e0e4736: spans 0+a → 0+b → 0+a form a parent cycle/);
  assert.match(warnings[1], /: span 0+c is its own parent; it is shown as a root$/);
});

test('spans that end before they start (as a file may say) still get a bar and a duration', () => {
  const { text } = renderTimeline(traceOf([spanOf(1, undefined, 100n, 50n), spanOf(2, undefined, 200n, 60n)]));
  assert.equal(text, `✓ step-1 model:m1 │█${' '.repeat(31)}│  -0.00 ms\n✓ step-2 model:m2 │${' '.repeat(31)}█│  -0.00 ms\n`);
});

test('a name of a million control characters costs only the part that shows', () => {
  const name = '\u0000'.repeat(1_000_000);
  const spans = Array.from({ length: 20 }, (_, i) => ({ ...spanOf(i + 1, undefined, BigInt(i), BigInt(i + 10)), name }));
  const started = process.cpuUsage();
  const { text } = renderTimeline(traceOf(spans));
  const used = process.cpuUsage(started);
  assert.equal(text.split('\n')[0], `✓ ${'\\u0000'.repeat(10)}\\u0… │${'█'.repeat(11)}${' '.repeat(21)}│   0.00 ms`);
  assert.ok((used.user + used.system) / 1000 < 1000, `took ${(used.user + used.system) / 1000} ms of CPU`);
});
