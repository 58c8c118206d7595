/**
 * The tree's rows, virtualized: only the rows in view (plus a few either side, and the active
 * row, which `aria-activedescendant` names) exist as elements. Elements are reused as the view
 * scrolls; each is rewritten only when it shows another span.
 */
import { el, setAttr, setText } from './dom';
import { formatDuration, cut } from './format';
import { MATCH, type FilterResult } from './filter';
import { FLAG_CANCELLED, FLAG_CRITICAL, FLAG_ERROR, FLAG_ROLLBACK, type TimelineModel } from './model';
import { canExpand, rowOf, type RowList } from './rows';

/** Deeper rows indent no further and show their depth instead: a 100,000-deep chain stays readable. */
export const MAX_INDENT_DEPTH = 24;
const INDENT_PX = 12;

export interface TreeFrame {
  model: TimelineModel;
  list: RowList;
  first: number;
  last: number;
  rowHeight: number;
  /** The selected span (the active row), or -1. */
  selected: number;
  collapsed: Uint8Array;
  critical: boolean;
  filter: FilterResult | undefined;
}

interface Row {
  element: HTMLElement;
  twisty: HTMLElement;
  mark: HTMLElement;
  depth: HTMLElement;
  name: HTMLElement;
  subject: HTMLElement;
  duration: HTMLElement;
  /** The span shown, -1 for none yet. */
  span: number;
}

/** The element id of span i's row (for aria-activedescendant). */
export const rowId = (span: number): string => `span-row-${span}`;

function statusText(model: TimelineModel, span: number): string {
  const data = model.spans[span];
  if (data.status === 2) {
    const reason = data.statusMessage ?? data.attributes?.['error.type'];
    return reason !== undefined ? `error: ${cut(String(reason), 200)}` : 'error';
  }
  return data.status === 1 ? 'ok' : 'status unset';
}

/** What a screen reader says for a row: "reload.load model:sentiment, 12.4 ms, error: …". */
export function rowLabel(model: TimelineModel, span: number, critical: boolean): string {
  const flags = model.flags[span];
  const parts = [model.labels[span], formatDuration(model.end[span] - model.start[span]), statusText(model, span)];
  if (flags & FLAG_ROLLBACK) parts.push('rollback');
  if (flags & FLAG_CANCELLED) parts.push('cancelled');
  if (critical && flags & FLAG_CRITICAL) parts.push('on the critical path');
  return parts.join(', ');
}

function createRow(): Row {
  const twisty = el('span', { className: 'twisty', attrs: { 'aria-hidden': 'true' } });
  const mark = el('span', { className: 'status-mark', attrs: { 'aria-hidden': 'true' } });
  const depth = el('span', { className: 'depth', attrs: { 'aria-hidden': 'true' } });
  const name = el('span', { className: 'name' });
  const subject = el('span', { className: 'subject' });
  const duration = el('span', { className: 'duration' });
  const element = el('div', { className: 'row', attrs: { role: 'treeitem' } }, twisty, mark, depth, el('span', { className: 'label' }, name, subject), duration);
  return { element, twisty, mark, depth, name, subject, duration, span: -1 };
}

/** What depends on the span only: written when the element starts showing another span. */
function fillRow(row: Row, model: TimelineModel, span: number): void {
  const data = model.spans[span];
  const flags = model.flags[span];
  const label = model.labels[span];
  const nameLength = Math.min(String(data.name).length, label.length);
  row.span = span;
  row.element.id = rowId(span);
  row.element.dataset.span = String(span);
  setText(row.name, label.slice(0, nameLength));
  setText(row.subject, label.slice(nameLength));
  setText(row.duration, formatDuration(model.end[span] - model.start[span]));
  setText(row.mark, flags & FLAG_ERROR ? '✗' : flags & FLAG_ROLLBACK ? '↺' : flags & FLAG_CANCELLED ? '⊘' : '');
  const depth = model.depth[span];
  setText(row.depth, depth > MAX_INDENT_DEPTH ? String(depth) : '');
  row.element.style.paddingLeft = `${4 + Math.min(depth, MAX_INDENT_DEPTH) * INDENT_PX}px`;
  row.element.classList.toggle('error', (flags & FLAG_ERROR) !== 0);
  row.element.classList.toggle('rollback', (flags & FLAG_ERROR) === 0 && (flags & (FLAG_ROLLBACK | FLAG_CANCELLED)) !== 0);
  setAttr(row.element, 'aria-level', String(depth + 1));
}

/** What depends on the view: selection, expansion, filter, critical path, position. */
function updateRow(row: Row, frame: TreeFrame, position: number): void {
  const { model, filter } = frame;
  const span = row.span;
  const expandable = canExpand(model, filter, span);
  const expanded = expandable && !frame.collapsed[span];
  setText(row.twisty, expandable ? (expanded ? '▾' : '▸') : '');
  setAttr(row.element, 'aria-expanded', expandable ? String(expanded) : undefined);
  setAttr(row.element, 'aria-selected', String(span === frame.selected));
  setAttr(row.element, 'aria-posinset', String(filter ? filter.siblingPos[span] : model.siblingPos[span]));
  setAttr(row.element, 'aria-setsize', String(filter ? filter.siblingCount[span] : model.siblingCount[span]));
  setAttr(row.element, 'aria-label', rowLabel(model, span, frame.critical));
  row.element.classList.toggle('active', span === frame.selected);
  row.element.classList.toggle('critical', frame.critical && (model.flags[span] & FLAG_CRITICAL) !== 0);
  row.element.classList.toggle('context', filter !== undefined && !(filter.bits[span] & MATCH));
  const top = `${position * frame.rowHeight}px`;
  if (row.element.style.top !== top) row.element.style.top = top;
}

export class TreeRows {
  private shown = new Map<number, Row>();
  private spare: Row[] = [];

  constructor(private readonly container: HTMLElement) {}

  /** Removes every row (a new trace). */
  clear(): void {
    for (const row of this.shown.values()) {
      row.element.remove();
      row.span = -1;
      this.spare.push(row);
    }
    this.shown.clear();
  }

  render(frame: TreeFrame): void {
    const wanted = new Map<number, number>();
    for (let position = frame.first; position <= frame.last; position++) wanted.set(frame.list.rows[position], position);
    if (frame.selected !== -1 && !wanted.has(frame.selected)) {
      const position = rowOf(frame.list, frame.selected);
      if (position !== -1) wanted.set(frame.selected, position);
    }
    const free: Row[] = [];
    for (const [span, row] of this.shown) if (!wanted.has(span)) free.push(row);
    const next = new Map<number, Row>();
    for (const [span, position] of wanted) {
      let row = this.shown.get(span);
      if (!row) {
        row = free.pop() ?? this.spare.pop() ?? createRow();
        fillRow(row, frame.model, span);
      }
      updateRow(row, frame, position);
      if (!row.element.isConnected) this.container.append(row.element);
      next.set(span, row);
    }
    for (const row of free) {
      row.element.remove();
      this.spare.push(row);
    }
    this.shown = next;
  }
}

