import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { assignLanes, toChromeTrace } from '../../core/tracing/chrome';
import { fromJaegerJson, toJaegerJson } from '../../core/tracing/jaeger';
import type { TraceData } from '../../core/tracing/model';
import { fromOtlpJson, toOtlpJson } from '../../core/tracing/otlp';
import { exportOtlpHttp, otlpTargetFromEnv } from '../../core/tracing/otlpHttp';
import { EXAMPLES } from '../support/fixtures';
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
  const stages = trace.spans.filter((s) => s.name === 'reload.stage');
  assert.equal(stages.length, 2);
  const [a, b] = stages;
  if (a.startNs < b.endNs && b.startNs < a.endNs) assert.notEqual(lanes.get(a), lanes.get(b), 'overlapping stages share no lane');
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

test('OTLP/HTTP export posts the trace to the collector named by the environment', async () => {
  const trace = await exampleTrace();
  const received: { url?: string; type?: string; auth?: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ url: req.url, type: req.headers['content-type'], auth: req.headers.authorization, body });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as { port: number }).port;
    const target = otlpTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc' });
    assert.deepEqual(target, { url: `http://127.0.0.1:${port}/v1/traces`, headers: { authorization: 'Bearer abc' } });
    await exportOtlpHttp(trace, target!);
    assert.equal(received.length, 1);
    assert.deepEqual([received[0].url, received[0].type, received[0].auth], ['/v1/traces', 'application/json', 'Bearer abc']);
    assert.deepEqual(fromOtlpJson(JSON.parse(received[0].body)), trace);
  } finally {
    server.close();
  }
});

test('trace readers refuse malformed input with a message', () => {
  assert.throws(() => fromOtlpJson({}), /no "resourceSpans" array/);
  assert.throws(() => fromOtlpJson({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x', traceId: 'zz', spanId: '0000000000000001' }] }] }] }), /traceId must be 32 hex digits/);
  assert.throws(() => fromJaegerJson({ spans: [] }), /no "data" array/);
});
