/**
 * A trace read once into flat typed arrays, so that everything the page does per span at load,
 * and on every collapse or filter, is one linear pass. Spans arrive in tree order (each parent
 * before its subtree, the subtree contiguous); `buildModel` checks that order instead of trusting it.
 */
import type { TimelineSpan, TimelineTrace } from '../common/timelineProtocol';
import { spanSubject } from '../core/tracing/spanSubject';

/** Bits of `TimelineModel.flags`. */
export const FLAG_ERROR = 1;
/** A `reload.rollback` span. */
export const FLAG_ROLLBACK = 2;
/** A span marked `reload.cancelled` (stopped because another change of an atomic wave failed). */
export const FLAG_CANCELLED = 4;
/** On the critical path: from a root, repeatedly the child that ends last. */
export const FLAG_CRITICAL = 8;
/** Has a string `reload.change.ref` attribute (a change of the manifest: can be revealed). */
export const FLAG_CHANGE = 16;

/** Names longer than this are cut in rows and on the canvas (details show more). */
export const MAX_LABEL_CHARS = 200;

export interface TimelineModel {
  trace: TimelineTrace;
  spans: readonly TimelineSpan[];
  count: number;
  /** The parent each span is shown under (-1 for a root). */
  parent: Int32Array;
  depth: Int32Array;
  start: Float64Array;
  end: Float64Array;
  /** One past the last span of each span's subtree: the subtree of i is [i, subtreeEnd[i]). */
  subtreeEnd: Int32Array;
  /** 1-based position among its siblings, and the number of siblings (ARIA posinset / setsize). */
  siblingPos: Int32Array;
  siblingCount: Int32Array;
  flags: Uint8Array;
  /** The span's name and subject ("reload.load model:sentiment"), cut to MAX_LABEL_CHARS. */
  labels: string[];
  /** The first span with each id (ids may repeat in a file). */
  indexById: Map<string, number>;
  /** Failed spans in tree order, then rollbacks and cancellations in tree order. */
  problems: Int32Array;
  errorCount: number;
  /** Milliseconds from the earliest start to the latest end (never less than any span's end). */
  total: number;
  /** The trace's warnings, then any the model adds (spans out of tree order). */
  warnings: string[];
}

const finite = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);

function labelOf(span: TimelineSpan): string {
  const subject = spanSubject(String(span.name), span.attributes ?? {});
  const label = subject !== undefined ? `${span.name} ${subject}` : String(span.name);
  return label.length <= MAX_LABEL_CHARS ? label : `${label.slice(0, MAX_LABEL_CHARS)}…`;
}

/**
 * Each span's shown parent and depth. A parent is accepted only when it is on the chain of open
 * ancestors of the span before (that is what tree order means); otherwise the span is shown as a
 * root and counted. `chain[d]` is the open ancestor at depth d: one check per span.
 */
function linkInTreeOrder(spans: readonly TimelineSpan[], parent: Int32Array, depth: Int32Array): number {
  const chain: number[] = [];
  let outOfOrder = 0;
  for (let i = 0; i < spans.length; i++) {
    const p = spans[i].parent;
    let shownParent = -1;
    if (Number.isInteger(p) && p >= 0 && p < i && chain[depth[p]] === p) shownParent = p;
    else if (p !== -1) outOfOrder++;
    parent[i] = shownParent;
    depth[i] = shownParent === -1 ? 0 : depth[shownParent] + 1;
    chain.length = depth[i];
    chain.push(i);
  }
  return outOfOrder;
}

function countSiblings(model: TimelineModel): void {
  const { parent, siblingPos, siblingCount, count } = model;
  const children = new Int32Array(count);
  let roots = 0;
  for (let i = 0; i < count; i++) siblingPos[i] = parent[i] === -1 ? ++roots : ++children[parent[i]];
  for (let i = 0; i < count; i++) siblingCount[i] = parent[i] === -1 ? roots : children[parent[i]];
}

/** Marks, from each root, the chain of children that end last (ties go to the later sibling). Each span's children are looked at once at most. */
function markCriticalPath(model: TimelineModel): void {
  const { subtreeEnd, end, flags, count } = model;
  for (let root = 0; root < count; root = subtreeEnd[root]) {
    let at = root;
    while (at !== -1) {
      flags[at] |= FLAG_CRITICAL;
      let last = -1;
      for (let child = at + 1; child < subtreeEnd[at]; child = subtreeEnd[child]) {
        if (last === -1 || end[child] >= end[last]) last = child;
      }
      at = last;
    }
  }
}

function flagsOf(span: TimelineSpan): number {
  const attributes = span.attributes ?? {};
  let flags = 0;
  if (span.status === 2) flags |= FLAG_ERROR;
  if (span.name === 'reload.rollback') flags |= FLAG_ROLLBACK;
  if (attributes['reload.cancelled'] === true) flags |= FLAG_CANCELLED;
  if (typeof attributes['reload.change.ref'] === 'string') flags |= FLAG_CHANGE;
  return flags;
}

function listProblems(flags: Uint8Array): { problems: Int32Array; errorCount: number } {
  const errors: number[] = [];
  const others: number[] = [];
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] & FLAG_ERROR) errors.push(i);
    else if (flags[i] & (FLAG_ROLLBACK | FLAG_CANCELLED)) others.push(i);
  }
  return { problems: Int32Array.from([...errors, ...others]), errorCount: errors.length };
}

export function buildModel(trace: TimelineTrace): TimelineModel {
  const spans = Array.isArray(trace.spans) ? trace.spans : [];
  const count = spans.length;
  const model: TimelineModel = {
    trace,
    spans,
    count,
    parent: new Int32Array(count),
    depth: new Int32Array(count),
    start: new Float64Array(count),
    end: new Float64Array(count),
    subtreeEnd: new Int32Array(count),
    siblingPos: new Int32Array(count),
    siblingCount: new Int32Array(count),
    flags: new Uint8Array(count),
    labels: new Array<string>(count),
    indexById: new Map(),
    problems: new Int32Array(0),
    errorCount: 0,
    total: finite(trace.total),
    warnings: Array.isArray(trace.warnings) ? trace.warnings.map(String) : [],
  };
  const outOfOrder = linkInTreeOrder(spans, model.parent, model.depth);
  if (outOfOrder > 0) model.warnings.push(`${outOfOrder} span${outOfOrder === 1 ? '' : 's'} named a parent that is not an open ancestor in tree order; shown as roots`);
  for (let i = 0; i < count; i++) {
    const span = spans[i];
    model.start[i] = finite(span.start);
    model.end[i] = model.start[i] + finite(span.duration);
    if (model.end[i] > model.total) model.total = model.end[i];
    model.subtreeEnd[i] = i + 1;
    model.flags[i] = flagsOf(span);
    model.labels[i] = labelOf(span);
    if (!model.indexById.has(span.spanId)) model.indexById.set(span.spanId, i);
  }
  // Children after parents: one backward pass carries each subtree's end up to its parent.
  for (let i = count - 1; i >= 0; i--) {
    const p = model.parent[i];
    if (p !== -1 && model.subtreeEnd[i] > model.subtreeEnd[p]) model.subtreeEnd[p] = model.subtreeEnd[i];
  }
  countSiblings(model);
  markCriticalPath(model);
  Object.assign(model, listProblems(model.flags));
  return model;
}

/** Whether span i has children in the trace. */
export const hasChildren = (model: TimelineModel, i: number): boolean => model.subtreeEnd[i] > i + 1;
