/**
 * Chrome Trace Event JSON, for Perfetto and chrome://tracing. Spans become complete ('X') events;
 * spans that overlap without nesting (artifacts staged in parallel) go on separate lanes (tids),
 * since events on one lane must nest.
 */
import type { TraceData, TraceSpan } from './model';

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

/** Lane per span: the lowest lane where what is still open is one of its ancestors (or nothing is). */
export function assignLanes(spans: readonly TraceSpan[]): Map<TraceSpan, number> {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const isAncestor = (candidate: TraceSpan, span: TraceSpan): boolean => {
    for (let at = span.parentSpanId && byId.get(span.parentSpanId); at; at = at.parentSpanId && byId.get(at.parentSpanId)) {
      if (at === candidate) return true;
    }
    return false;
  };
  const sorted = [...spans].sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.endNs > b.endNs ? -1 : a.endNs < b.endNs ? 1 : 0));
  const lanes: TraceSpan[][] = [];
  const assigned = new Map<TraceSpan, number>();
  for (const span of sorted) {
    let lane = 0;
    for (; lane < lanes.length; lane++) {
      const open = lanes[lane];
      while (open.length > 0 && open[open.length - 1].endNs <= span.startNs) open.pop();
      const top = open[open.length - 1];
      if (!top || (top.endNs >= span.endNs && isAncestor(top, span))) break;
    }
    if (lane === lanes.length) lanes.push([]);
    lanes[lane].push(span);
    assigned.set(span, lane + 1);
  }
  return assigned;
}

export function toChromeTrace(trace: TraceData): unknown {
  const lanes = assignLanes(trace.spans);
  const origin = trace.spans.reduce((min, s) => (s.startNs < min ? s.startNs : min), trace.spans[0]?.startNs ?? 0n);
  const us = (ns: bigint): number => Number(ns - origin) / 1000;
  const events: ChromeEvent[] = [
    { name: 'process_name', cat: '__metadata', ph: 'M', pid: 1, tid: 0, args: { name: String(trace.resource['service.name'] ?? 'tracing-reload') } },
  ];
  for (const lane of new Set(lanes.values())) events.push({ name: 'thread_name', cat: '__metadata', ph: 'M', pid: 1, tid: lane, args: { name: lane === 1 ? 'reload' : `parallel ${lane - 1}` } });
  for (const span of trace.spans) {
    const tid = lanes.get(span) ?? 1;
    events.push({
      name: span.name,
      cat: 'reload',
      ph: 'X',
      ts: us(span.startNs),
      dur: Number(span.endNs - span.startNs) / 1000,
      pid: 1,
      tid,
      args: { ...span.attributes, spanId: span.spanId, ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}), status: ['unset', 'ok', 'error'][span.status.code], ...(span.status.message ? { statusMessage: span.status.message } : {}) },
    });
    for (const event of span.events) events.push({ name: event.name, cat: 'reload.event', ph: 'i', s: 't', ts: us(event.timeNs), pid: 1, tid, args: { ...event.attributes } });
  }
  return { traceEvents: events, displayTimeUnit: 'ms', otherData: { traceId: trace.spans[0]?.traceId ?? '' } };
}
