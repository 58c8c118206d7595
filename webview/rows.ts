/** The rows the tree shows: spans in tree order, minus collapsed subtrees and what the filter hides. */
import { SHOWN, SHOWN_CHILD, type FilterResult } from './filter';
import { hasChildren, type TimelineModel } from './model';

export interface RowList {
  /** Span index of each row, ascending (tree order). Only the first `count` entries are rows. */
  rows: Int32Array;
  count: number;
}

/** One pass: a collapsed span or one the filter hides skips its whole subtree at once. */
export function visibleRows(model: TimelineModel, collapsed: Uint8Array, filter: FilterResult | undefined, into: Int32Array): RowList {
  const { count: spans, subtreeEnd } = model;
  let count = 0;
  let i = 0;
  while (i < spans) {
    if (filter && !(filter.bits[i] & SHOWN)) {
      i = subtreeEnd[i];
      continue;
    }
    into[count++] = i;
    i = collapsed[i] ? subtreeEnd[i] : i + 1;
  }
  return { rows: into, count };
}

/** The row showing span `span`, or -1: rows are in ascending span order, so a binary search. */
export function rowOf(list: RowList, span: number): number {
  let low = 0;
  let high = list.count - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const at = list.rows[mid];
    if (at === span) return mid;
    if (at < span) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/** Whether span i's row has an expand/collapse twisty: it has children (shown by the filter, when one is on). */
export const canExpand = (model: TimelineModel, filter: FilterResult | undefined, i: number): boolean =>
  filter ? (filter.bits[i] & SHOWN_CHILD) !== 0 : hasChildren(model, i);
