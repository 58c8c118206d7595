/**
 * The span tree of a trace, built once for everything that walks ancestry: the terminal timeline,
 * Chrome lanes, the timeline webview. Trace files come from elsewhere, so the parent links may
 * be anything: a parent that is not in the file, a span that is its own ancestor, two spans with
 * one id. Each of these is shown rather than dropped, and reported. Linear in the number of spans
 * apart from one sort by start time; no recursion, so a 100,000-deep chain is fine.
 */
import type { TraceSpan } from './model';

/** One span in tree order. */
export interface SpanTreeNode {
  span: TraceSpan;
  /** The span's position in the input array. */
  index: number;
  /** 0 for a root, else its parent's depth + 1. */
  depth: number;
  /** The position in `SpanTree.nodes` of the parent it is shown under; -1 for a root. */
  parent: number;
  /**
   * Why a span that names a parent is shown as a root: its parent is not in the trace
   * (`missing-parent`), or its parent link closes a cycle (`cycle`). Absent otherwise.
   */
  rootReason?: 'missing-parent' | 'cycle';
}

/** Spans that are their own ancestors, and how the cycle was broken. */
export interface SpanCycle {
  traceId: string;
  /** The cycle's span ids from the span shown as a root, each followed by its parent; the first is not repeated at the end. */
  spanIds: string[];
  /** The cycle's earliest-starting span (the first in the input on a tie): it is shown as a root. */
  rootSpanId: string;
  /** The parent link not followed: the root's `parentSpanId`, kept as it is in the span itself. */
  brokenParentSpanId: string;
}

/** A span whose parent is not in the trace (a partial trace, or a span from another service): shown as a root. */
export interface SpanOrphan {
  traceId: string;
  spanId: string;
  missingParentSpanId: string;
}

/**
 * Span ids used by more than one span of a trace. The first of them in the input owns the id:
 * children naming the id are shown under it. The others are still shown, under their own parent
 * (or as roots), and have no children.
 */
export interface DuplicateSpanId {
  traceId: string;
  spanId: string;
  /** How many spans use the id, 2 or more. */
  count: number;
}

export interface SpanTree {
  /** Every span exactly once: parents before their children, each depth-first; roots and siblings by start time, then input order. */
  nodes: SpanTreeNode[];
  cycles: SpanCycle[];
  orphans: SpanOrphan[];
  duplicates: DuplicateSpanId[];
}

const NO_PARENT = -1;
const keyOf = (traceId: string, spanId: string): string => `${traceId}/${spanId}`;

/** Input positions ordered by start time, ties in input order. */
function byStart(spans: readonly TraceSpan[]): number[] {
  const order = spans.map((_, i) => i);
  return order.sort((a, b) => {
    const x = spans[a].startNs;
    const y = spans[b].startNs;
    return x < y ? -1 : x > y ? 1 : a - b;
  });
}

/** The parent of each span (by input position), -1 for none; the first span with an id owns it. */
function linkParents(spans: readonly TraceSpan[]): { parents: Int32Array; orphans: SpanOrphan[]; duplicates: DuplicateSpanId[] } {
  const owner = new Map<string, number>();
  const counts = new Map<string, DuplicateSpanId>();
  spans.forEach((span, i) => {
    const key = keyOf(span.traceId, span.spanId);
    if (!owner.has(key)) owner.set(key, i);
    else {
      const seen = counts.get(key);
      if (seen) seen.count++;
      else counts.set(key, { traceId: span.traceId, spanId: span.spanId, count: 2 });
    }
  });
  const parents = new Int32Array(spans.length).fill(NO_PARENT);
  const orphans: SpanOrphan[] = [];
  spans.forEach((span, i) => {
    if (span.parentSpanId === undefined) return;
    const parent = owner.get(keyOf(span.traceId, span.parentSpanId));
    if (parent === undefined) orphans.push({ traceId: span.traceId, spanId: span.spanId, missingParentSpanId: span.parentSpanId });
    else parents[i] = parent;
  });
  return { parents, orphans, duplicates: [...counts.values()] };
}

/**
 * Finds the cycles of the parent links (each span has at most one parent, so each cycle is found
 * by one walk up from any of its spans) and cuts each at its earliest-starting span. Every span
 * is walked past once: `walk` marks the spans of the current walk, so meeting one again is a cycle
 * and meeting one of an earlier walk is a path already known to end.
 */
function breakCycles(spans: readonly TraceSpan[], parents: Int32Array): { cycles: SpanCycle[]; cut: Set<number> } {
  const walk = new Int32Array(spans.length);
  const cycles: SpanCycle[] = [];
  const cut = new Set<number>();
  for (let start = 0; start < spans.length; start++) {
    if (walk[start] !== 0) continue;
    const mark = start + 1;
    let at = start;
    while (at !== NO_PARENT && walk[at] === 0) {
      walk[at] = mark;
      at = parents[at];
    }
    if (at === NO_PARENT || walk[at] !== mark) continue;
    const members: number[] = [];
    let root = at;
    let member = at;
    do {
      members.push(member);
      const s = spans[member].startNs;
      const r = spans[root].startNs;
      if (s < r || (s === r && member < root)) root = member;
      member = parents[member];
    } while (member !== at);
    const from = members.indexOf(root);
    const ordered = [...members.slice(from), ...members.slice(0, from)];
    cycles.push({
      traceId: spans[root].traceId,
      spanIds: ordered.map((i) => spans[i].spanId),
      rootSpanId: spans[root].spanId,
      brokenParentSpanId: spans[parents[root]].spanId,
    });
    cut.add(root);
    parents[root] = NO_PARENT;
  }
  return { cycles, cut };
}

/** Builds the span tree of `spans` (any number of traces; parent links are followed within a trace). */
export function buildSpanTree(spans: readonly TraceSpan[]): SpanTree {
  const { parents, orphans, duplicates } = linkParents(spans);
  const { cycles, cut } = breakCycles(spans, parents);

  // Children of each span, in start order: one pass over the sorted positions fills them.
  const sorted = byStart(spans);
  const childCount = new Int32Array(spans.length + 1);
  for (let i = 0; i < spans.length; i++) childCount[parents[i] + 1]++;
  const firstChild = new Int32Array(spans.length + 2);
  for (let p = 0; p <= spans.length; p++) firstChild[p + 1] = firstChild[p] + childCount[p];
  const fill = firstChild.slice(0, spans.length + 1);
  const children = new Int32Array(spans.length);
  for (const i of sorted) children[fill[parents[i] + 1]++] = i;

  // Depth-first with an explicit stack: children are pushed in reverse so the earliest pops first.
  const nodes: SpanTreeNode[] = [];
  const nodeOf = new Int32Array(spans.length);
  const stack: number[] = [];
  for (let c = firstChild[1] - 1; c >= firstChild[0]; c--) stack.push(children[c]);
  while (stack.length > 0) {
    const i = stack.pop() as number;
    const parent = parents[i] === NO_PARENT ? NO_PARENT : nodeOf[parents[i]];
    const span = spans[i];
    const rootReason = cut.has(i) ? 'cycle' : parent === NO_PARENT && span.parentSpanId !== undefined ? 'missing-parent' : undefined;
    nodeOf[i] = nodes.length;
    nodes.push({ span, index: i, depth: parent === NO_PARENT ? 0 : nodes[parent].depth + 1, parent, ...(rootReason ? { rootReason } : {}) });
    for (let c = firstChild[i + 2] - 1; c >= firstChild[i + 1]; c--) stack.push(children[c]);
  }
  if (nodes.length !== spans.length) throw new Error(`span tree has ${nodes.length} of ${spans.length} spans after breaking cycles`);
  return { nodes, cycles, orphans, duplicates };
}
