/** A trace as the timeline webview draws it (common/timelineProtocol.ts): tree order, times in ms from the earliest start. */
import type { AttributeValue, TraceData } from './model';
import { buildSpanTree, type SpanTree } from './tree';
import { spanTreeWarnings } from './treeWarnings';

/** One span, in tree order (parents before children, depth-first, siblings by start). */
export interface TimelineSpan {
  spanId: string;
  /** The span's parent as shown: its position in `TimelineTrace.spans`; -1 for a root. */
  parent: number;
  depth: number;
  /** Why a span naming a parent is shown as a root (parent missing, or the link closes a cycle). */
  rootReason?: 'missing-parent' | 'cycle';
  name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** Milliseconds from the trace's earliest start (fractional; never negative). */
  start: number;
  /** Milliseconds (fractional; 0 for a span that ends before it starts). */
  duration: number;
  /** OTLP status: 0 unset, 1 ok, 2 error. */
  status: 0 | 1 | 2;
  statusMessage?: string;
  attributes: Record<string, AttributeValue>;
  events: { name: string; time: number; attributes: Record<string, AttributeValue> }[];
}

export interface TimelineTrace {
  /** What the panel is titled with (a manifest's or trace file's base name). */
  title: string;
  /** The trace id of the first span ('' when there are none). */
  traceId: string;
  /** The earliest start in nanoseconds since the epoch, as a decimal string (what `start` counts from). */
  originNs: string;
  /** Milliseconds from the earliest start to the latest end. */
  total: number;
  resource: Record<string, AttributeValue>;
  spans: TimelineSpan[];
  /** Parent cycles, missing parents and duplicate ids found (text, for a banner). */
  warnings: string[];
}

const msBetween = (from: bigint, to: bigint): number => (to > from ? Number(to - from) / 1e6 : 0);

export function toTimelineTrace(trace: TraceData, title: string, tree: SpanTree = buildSpanTree(trace.spans)): TimelineTrace {
  let origin: bigint | undefined;
  let end: bigint | undefined;
  for (const span of trace.spans) {
    if (origin === undefined || span.startNs < origin) origin = span.startNs;
    const last = span.endNs > span.startNs ? span.endNs : span.startNs;
    if (end === undefined || last > end) end = last;
  }
  const base = origin ?? 0n;
  const spans: TimelineSpan[] = tree.nodes.map(({ span, depth, parent, rootReason }) => ({
    spanId: span.spanId,
    parent,
    depth,
    ...(rootReason ? { rootReason } : {}),
    name: span.name,
    kind: span.kind,
    start: msBetween(base, span.startNs),
    duration: msBetween(span.startNs, span.endNs),
    status: span.status.code,
    ...(span.status.message ? { statusMessage: span.status.message } : {}),
    attributes: span.attributes,
    events: span.events.map((event) => ({ name: event.name, time: msBetween(base, event.timeNs), attributes: event.attributes })),
  }));
  return {
    title,
    traceId: trace.spans[0]?.traceId ?? '',
    originNs: base.toString(),
    total: origin === undefined || end === undefined ? 0 : msBetween(origin, end),
    resource: trace.resource,
    spans,
    warnings: spanTreeWarnings(tree),
  };
}
