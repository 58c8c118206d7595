/**
 * 100,000-span traces of the shapes that made conversion quadratic (or worse): all parallel,
 * one long chain, one long cycle. Each conversion must finish within a budget that quadratic code
 * misses by far (the code before this test took 93 s for the parallel shape to Jaeger). The budget
 * is CPU time, not wall time: other tests share the machine's cores.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prettyJsonChunks } from '../../core/jsonChunks';
import { assignLanes, toChromeTraceStream } from '../../core/tracing/chrome';
import { toJaegerJsonStream } from '../../core/tracing/jaeger';
import type { TraceData } from '../../core/tracing/model';
import { toOtlpJsonStream } from '../../core/tracing/otlp';
import { renderTimeline } from '../../core/tracing/timeline';
import { buildSpanTree } from '../../core/tracing/tree';
import { deepTrace, spanOf, traceOf, wideTrace } from '../support/traceShapes';

const SPANS = 100_000;
const BUDGET_MS = 3000;

function timed<T>(what: string, run: () => T): T {
  const started = process.cpuUsage();
  const result = run();
  const used = process.cpuUsage(started);
  const ms = (used.user + used.system) / 1000;
  assert.ok(ms < BUDGET_MS, `${what} took ${ms.toFixed(0)} ms of CPU, over the ${BUDGET_MS} ms budget`);
  return result;
}

function occurrences(text: string, what: string): number {
  let count = 0;
  for (let at = text.indexOf(what); at !== -1; at = text.indexOf(what, at + what.length)) count++;
  return count;
}

/** Writes each format to nowhere, counting characters and spans: what `trace convert` does, less the pipe. */
function convertAll(trace: TraceData, shape: string): void {
  for (const [format, document] of [
    ['otlp', () => toOtlpJsonStream(trace)],
    ['jaeger', () => toJaegerJsonStream(trace)],
    ['chrome', () => toChromeTraceStream(trace)],
  ] as const) {
    const spanIds = timed(`${shape} → ${format}`, () => {
      let count = 0;
      for (const chunk of prettyJsonChunks(document())) count += occurrences(chunk, format === 'jaeger' ? '"spanID": ' : '"spanId": ');
      return count;
    });
    assert.ok(spanIds >= trace.spans.length, `${format}: every span is written`);
  }
  const timeline = timed(`${shape} → timeline`, () => renderTimeline(trace));
  assert.equal(timeline.text.split('\n').length - 1, trace.spans.length);
}

test('100,000 parallel children of one span: tree, lanes, every format and the timeline in budget', { timeout: 120_000 }, () => {
  const trace = wideTrace(SPANS - 1);
  const tree = timed('tree', () => buildSpanTree(trace.spans));
  assert.equal(tree.nodes[SPANS - 1].depth, 1);
  const lanes = timed('lanes', () => assignLanes(trace.spans, tree));
  // The parent and its first child share lane 1; every other child overlaps all before it.
  assert.deepEqual([lanes[0], lanes[1], lanes[2], lanes[SPANS - 1]], [1, 1, 2, SPANS - 1]);
  convertAll(trace, 'parallel');
});

test('a 100,000-deep parent chain: no recursion, every format and the timeline in budget', { timeout: 120_000 }, () => {
  const trace = deepTrace(SPANS);
  const tree = timed('tree', () => buildSpanTree(trace.spans));
  assert.equal(tree.nodes[SPANS - 1].depth, SPANS - 1);
  const lanes = timed('lanes', () => assignLanes(trace.spans, tree));
  assert.ok(lanes.every((lane) => lane === 1));
  convertAll(trace, 'chain');
});

test('a 100,000-span parent cycle: cut once, every format and the timeline in budget', { timeout: 120_000 }, () => {
  const spans = Array.from({ length: SPANS }, (_, i) => spanOf(i + 1, ((i + 1) % SPANS) + 1, BigInt(i), BigInt(2 * SPANS - i)));
  const trace = traceOf(spans);
  const tree = timed('tree', () => buildSpanTree(trace.spans));
  assert.equal(tree.cycles.length, 1);
  assert.equal(tree.cycles[0].spanIds.length, SPANS);
  assert.equal(tree.nodes.length, SPANS);
  convertAll(trace, 'cycle');
});

test('a 250,000-span timeline: no input-sized argument lists (Math.max(...labels) overflows the stack)', { timeout: 120_000 }, () => {
  const spans = Array.from({ length: 250_000 }, (_, i) => spanOf(i + 1, undefined, BigInt(i), BigInt(i + 10)));
  const { text } = timed('timeline', () => renderTimeline(traceOf(spans)));
  assert.equal(text.split('\n').length - 1, 250_000);
});
