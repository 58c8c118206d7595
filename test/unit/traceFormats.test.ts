import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { assignLanes, toChromeTrace } from '../../core/tracing/chrome';
import { fromJaegerJson, toJaegerJson } from '../../core/tracing/jaeger';
import type { TraceData } from '../../core/tracing/model';
import { fromOtlpJson, toOtlpJson } from '../../core/tracing/otlp';
import { EXAMPLES } from '../support/fixtures';
import { spanOf } from '../support/traceShapes';
import { newRuntime, runFile } from '../support/runtime';

async function exampleTrace(): Promise<TraceData> {
  const runtime = newRuntime();
  try {
    const { trace } = await runFile(runtime, join(EXAMPLES, 'sentiment.reload.json'));
    return { ...trace, resource: { 'service.name': 'test' } };
  } finally {
    await runtime.dispose();
  }
}

test('OTLP JSON written by us reads back identically, through text', async () => {
  const trace = await exampleTrace();
  const text = JSON.stringify(toOtlpJson(trace));
  assert.deepEqual(fromOtlpJson(JSON.parse(text)), trace);
  const span = (JSON.parse(text) as any).resourceSpans[0].scopeSpans[0].spans[0];
  assert.match(span.traceId, /^[0-9a-f]{32}$/);
  assert.match(span.spanId, /^[0-9a-f]{16}$/);
  assert.match(span.startTimeUnixNano, /^\d{19}$/);
});

test('our OTLP JSON is an ExportTraceServiceRequest by the official protobuf definitions', async () => {
  const trace = await exampleTrace();
  const json = toOtlpJson(trace) as any;
  // The official opentelemetry-proto types, as generated into @opentelemetry/otlp-transformer.
  const load = createRequire(__filename);
  const root = load('@opentelemetry/otlp-transformer/build/src/generated/root.js');
  const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  // OTLP/JSON differs from proto3 JSON only in ids: hex strings instead of base64 bytes.
  const hexToBytes = (hex: string): Buffer => Buffer.from(hex, 'hex');
  const protoShaped = structuredClone(json);
  for (const span of protoShaped.resourceSpans[0].scopeSpans[0].spans) {
    span.traceId = hexToBytes(span.traceId);
    span.spanId = hexToBytes(span.spanId);
    if (span.parentSpanId) span.parentSpanId = hexToBytes(span.parentSpanId);
  }
  const message = Request.fromObject(protoShaped);
  assert.equal(Request.verify(message), null);
  const decoded = Request.toObject(Request.decode(Request.encode(message).finish()), { longs: String, bytes: String, defaults: false });
  const spans = decoded.resourceSpans[0].scopeSpans[0].spans;
  assert.equal(spans.length, trace.spans.length);
  spans.forEach((span: any, i: number) => {
    const ours = trace.spans[i];
    assert.equal(Buffer.from(span.traceId, 'base64').toString('hex'), ours.traceId);
    assert.equal(Buffer.from(span.spanId, 'base64').toString('hex'), ours.spanId);
    assert.equal(span.name, ours.name);
    assert.equal(span.startTimeUnixNano, ours.startNs.toString());
    assert.equal(span.endTimeUnixNano, ours.endNs.toString());
    assert.equal(span.status?.code ?? 0, ours.status.code);
    assert.equal(span.attributes?.length ?? 0, Object.keys(ours.attributes).length);
  });
});

test('Jaeger JSON round-trips the span tree, statuses and attributes', async () => {
  const trace = await exampleTrace();
  const back = fromJaegerJson(JSON.parse(JSON.stringify(toJaegerJson(trace))));
  const shape = (t: TraceData): unknown[] =>
    t.spans.map((s) => [s.spanId, s.parentSpanId, s.name, s.status.code, s.attributes['reload.change.ref'] ?? null, s.events.map((e) => e.name), Number((s.endNs - s.startNs) / 1000n)]);
  assert.deepEqual(shape(back), shape(trace));
  assert.equal(back.resource['service.name'], 'test');
});

test('Chrome trace export puts parallel steps on separate lanes that nest', async () => {
  const trace = await exampleTrace();
  const lanes = assignLanes(trace.spans);
  const stages = trace.spans.flatMap((s, i) => (s.name === 'reload.stage' ? [{ span: s, lane: lanes[i] }] : []));
  assert.equal(stages.length, 2);
  const [a, b] = stages;
  if (a.span.startNs < b.span.endNs && b.span.startNs < a.span.endNs) assert.notEqual(a.lane, b.lane, 'overlapping stages share no lane');
  // On every lane, complete events must nest or follow each other.
  const chrome = toChromeTrace(trace) as { traceEvents: { ph: string; tid: number; ts: number; dur: number }[] };
  const byLane = new Map<number, { ts: number; dur: number }[]>();
  for (const e of chrome.traceEvents.filter((e) => e.ph === 'X')) byLane.set(e.tid, [...(byLane.get(e.tid) ?? []), e]);
  for (const events of byLane.values()) {
    const open: number[] = [];
    for (const e of events.sort((x, y) => x.ts - y.ts || y.dur - x.dur)) {
      while (open.length > 0 && open[open.length - 1] <= e.ts) open.pop();
      assert.ok(open.length === 0 || open[open.length - 1] >= e.ts + e.dur - 1e-3, 'events on one lane nest');
      open.push(e.ts + e.dur);
    }
  }
  assert.equal(chrome.traceEvents.filter((e) => e.ph === 'X').length, trace.spans.length);
});

test('trace readers refuse malformed input with a message', () => {
  assert.throws(() => fromOtlpJson({}), /no "resourceSpans" array/);
  assert.throws(() => fromOtlpJson({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x', traceId: 'zz', spanId: '0000000000000001' }] }] }] }), /traceId must be 32 hex digits/);
  assert.throws(() => fromJaegerJson({ spans: [] }), /no "data" array/);
  const span = (fields: object): unknown => ({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x', traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), startTimeUnixNano: '1', endTimeUnixNano: '2', ...fields }] }] }] });
  assert.throws(() => fromOtlpJson(span({ endTimeUnixNano: '18446744073709551616' })), /span 0 \(x\): endTimeUnixNano must be a whole number of nanoseconds from 0 to 2\^64 - 1, not 18446744073709551616/);
  assert.throws(() => fromOtlpJson(span({ startTimeUnixNano: 1.5 })), /startTimeUnixNano must be a whole number of nanoseconds/);
  assert.throws(() => fromOtlpJson(span({ parentSpanId: 'xyz' })), /span 0 \(x\): parentSpanId must be 16 hex digits/);
  assert.throws(() => fromOtlpJson(span({ attributes: [{ key: 'a', value: 'plain' }] })), /span 0 \(x\)\.a: an attribute value must be an object such as \{"stringValue": "…"\}/);
  assert.throws(() => fromOtlpJson(span({ attributes: [{ key: 'a', value: { arrayValue: { values: [{ arrayValue: {} }] } } }] })), /span 0 \(x\)\.a: arrays of arrays are not supported/);
  assert.throws(() => fromOtlpJson(span({ events: {} })), /span 0 \(x\): events must be an array/);
  assert.equal(fromOtlpJson(span({ endTimeUnixNano: '18446744073709551615' })).spans[0].endNs, 18446744073709551615n);
});

test('an attribute named __proto__ is an attribute like any other, in both readers', () => {
  const otlp = fromOtlpJson(
    JSON.parse(
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"0000000000000001","name":"x","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"__proto__","value":{"stringValue":"p"}},{"key":"constructor","value":{"intValue":"3"}}]}]}]}]}',
    ),
  );
  const jaeger = fromJaegerJson(
    JSON.parse('{"data":[{"spans":[{"traceID":"1","spanID":"2","operationName":"x","startTime":1,"duration":1,"tags":[{"key":"__proto__","value":"p"}],"logs":[{"timestamp":1,"fields":[{"key":"__proto__","value":"q"}]}]}]}]}'),
  );
  for (const attributes of [otlp.spans[0].attributes, jaeger.spans[0].attributes, jaeger.spans[0].events[0].attributes]) {
    assert.equal(Object.getPrototypeOf(attributes), Object.prototype);
    assert.ok(Object.hasOwn(attributes, '__proto__'));
  }
  assert.deepEqual(Object.entries(otlp.spans[0].attributes), [
    ['__proto__', 'p'],
    ['constructor', 3],
  ]);
  assert.equal(JSON.stringify(toOtlpJson(otlp)).includes('{"key":"__proto__","value":{"stringValue":"p"}}'), true);
});

test('Jaeger durations may be negative as long as the span ends after 1970', () => {
  const read = (startTime: unknown, duration: unknown): TraceData =>
    fromJaegerJson({ data: [{ spans: [{ traceID: 'a', spanID: 'b', operationName: 'x', startTime, duration }] }] });
  const span = read(10, -4).spans[0];
  assert.deepEqual([span.traceId, span.spanId, span.startNs, span.endNs], ['0'.repeat(31) + 'a', '0'.repeat(15) + 'b', 10_000n, 6_000n]);
  assert.throws(() => read(10, -11), /data\[0\]\.spans\[0\] \(x\): duration makes the span end before 1970/);
  assert.throws(() => read(-1, 1), /startTime must be a number of microseconds from 0 to 2\^53 - 1/);
  assert.throws(() => read('10', 1), /startTime must be a number of microseconds/);
  assert.throws(() => read(10, Number.NaN), /duration must be a number of microseconds/);
});

test('Chrome lanes: a child shares its parent’s lane when the parent encloses it, else the lowest free lane', () => {
  const span = (n: number, parent: number | undefined, start: number, end: number) => spanOf(n, parent, BigInt(start), BigInt(end));
  const spans = [
    span(1, undefined, 0, 100),
    span(2, 1, 10, 50),
    span(3, 1, 20, 60), // overlaps 2 without nesting: a new lane
    span(4, 3, 30, 40), // within its parent 3
    span(5, 2, 55, 70), // its parent 2 has ended: a new lane, as 1's is taken
    span(6, 1, 65, 80), // back on 1's lane
    span(7, 1, 66, 90), // lane 2 is free again (3 ended at 60)
    span(8, 9, 95, 99), // listed before its parent, with the same times: still on its lane
    span(9, 1, 95, 99),
  ];
  assert.deepEqual(assignLanes(spans), [1, 1, 2, 2, 3, 1, 2, 1, 1]);
});
