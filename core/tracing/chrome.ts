/**
 * Chrome Trace Event JSON, for Perfetto and chrome://tracing. Spans become complete ('X') events;
 * spans that overlap without nesting (artifacts staged in parallel) go on separate lanes (tids),
 * since events on one lane must nest.
 */
import { JsonArrayStream } from '../jsonChunks';
import { MinHeap } from '../minHeap';
import type { TraceData, TraceSpan } from './model';
import { buildSpanTree, type SpanTree } from './tree';

interface ChromeEvent {
  name: string;
  cat: string;
  ph: 'X' | 'i' | 'M';
  ts?: number;
  dur?: number;
  pid: number;
  tid: number;
  s?: 't';
  args: Record<string, unknown>;
}

/** Input positions by start time, longer spans first on a tie, then parents before children. */
function laneOrder(spans: readonly TraceSpan[], tree: SpanTree): number[] {
  const position = new Int32Array(spans.length);
  tree.nodes.forEach((node, p) => (position[node.index] = p));
  return spans
    .map((_, i) => i)
    .sort((a, b) => {
      const x = spans[a];
      const y = spans[b];
      if (x.startNs !== y.startNs) return x.startNs < y.startNs ? -1 : 1;
      if (x.endNs !== y.endNs) return x.endNs > y.endNs ? -1 : 1;
      return position[a] - position[b];
    });
}

/**
 * The lane (tid, from 1) of each span, by input position. A span goes on its parent's lane when
 * the parent is the innermost span still open there and encloses it; otherwise on the lowest lane
 * with nothing open, or a new one. Lanes are heaps, not scanned, so 100,000 parallel spans
 * (100,000 lanes) take n log n; parents come from the span tree, so cyclic parent links end.
 */
export function assignLanes(spans: readonly TraceSpan[], tree: SpanTree = buildSpanTree(spans)): number[] {
  const parentOf = new Int32Array(spans.length).fill(-1);
  for (const node of tree.nodes) if (node.parent !== -1) parentOf[node.index] = tree.nodes[node.parent].index;
  const lanes = new Array<number>(spans.length).fill(0);
  // Open spans per lane, innermost last; every span on a lane lies within the lane's first one.
  const open: number[][] = [];
  const busy = new MinHeap<{ until: bigint; lane: number }>((a, b) => a.until < b.until || (a.until === b.until && a.lane < b.lane));
  const idle = new MinHeap<number>((a, b) => a < b);
  for (const i of laneOrder(spans, tree)) {
    const span = spans[i];
    for (let next = busy.peek(); next && next.until <= span.startNs; next = busy.peek()) {
      busy.pop();
      open[next.lane].length = 0;
      idle.push(next.lane);
    }
    let lane = -1;
    const parent = parentOf[i];
    if (parent !== -1 && lanes[parent] !== 0) {
      const stack = open[lanes[parent] - 1];
      while (stack.length > 0 && spans[stack[stack.length - 1]].endNs <= span.startNs) stack.pop();
      if (stack[stack.length - 1] === parent && spans[parent].endNs >= span.endNs) lane = lanes[parent] - 1;
    }
    if (lane === -1) {
      lane = idle.pop() ?? open.push([]) - 1;
      busy.push({ until: span.endNs, lane });
    }
    open[lane].push(i);
    lanes[i] = lane + 1;
  }
  return lanes;
}

function* chromeEvents(trace: TraceData, tree: SpanTree): Generator<ChromeEvent> {
  const lanes = assignLanes(trace.spans, tree);
  let origin = trace.spans[0]?.startNs ?? 0n;
  let laneCount = 0;
  trace.spans.forEach((span, i) => {
    if (span.startNs < origin) origin = span.startNs;
    laneCount = Math.max(laneCount, lanes[i]);
  });
  const us = (ns: bigint): number => Number(ns - origin) / 1000;
  yield { name: 'process_name', cat: '__metadata', ph: 'M', pid: 1, tid: 0, args: { name: String(trace.resource['service.name'] ?? 'tracing-reload') } };
  for (let lane = 1; lane <= laneCount; lane++) yield { name: 'thread_name', cat: '__metadata', ph: 'M', pid: 1, tid: lane, args: { name: lane === 1 ? 'reload' : `parallel ${lane - 1}` } };
  for (let i = 0; i < trace.spans.length; i++) {
    const span = trace.spans[i];
    const tid = lanes[i];
    yield {
      name: span.name,
      cat: 'reload',
      ph: 'X',
      ts: us(span.startNs),
      dur: Number(span.endNs - span.startNs) / 1000,
      pid: 1,
      tid,
      args: { ...span.attributes, spanId: span.spanId, ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}), status: ['unset', 'ok', 'error'][span.status.code], ...(span.status.message ? { statusMessage: span.status.message } : {}) },
    };
    for (const event of span.events) yield { name: event.name, cat: 'reload.event', ph: 'i', s: 't', ts: us(event.timeNs), pid: 1, tid, args: { ...event.attributes } };
  }
}

function chromeDocument(trace: TraceData, events: unknown): unknown {
  return { traceEvents: events, displayTimeUnit: 'ms', otherData: { traceId: trace.spans[0]?.traceId ?? '' } };
}

export function toChromeTrace(trace: TraceData, tree: SpanTree = buildSpanTree(trace.spans)): unknown {
  return chromeDocument(trace, [...chromeEvents(trace, tree)]);
}

/** The same document as `toChromeTrace`, its events made one at a time while written (see prettyJsonChunks). */
export function toChromeTraceStream(trace: TraceData, tree: SpanTree = buildSpanTree(trace.spans)): unknown {
  return chromeDocument(trace, new JsonArrayStream(() => chromeEvents(trace, tree)));
}
