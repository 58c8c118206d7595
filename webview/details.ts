/**
 * The details of the selected span: status and message, timing, ids, attributes, events, and the
 * trace's resource attributes. Values from the trace are set as text and cut to a readable length;
 * a span with thousands of attributes or events shows the first MAX_FIELDS of them.
 */
import type { AttributeValue, TimelineSpan } from '../common/timelineProtocol';
import { button, el } from './dom';
import { cut, formatAttribute, formatDuration, formatOffset } from './format';
import { FLAG_CANCELLED, FLAG_CHANGE, FLAG_CRITICAL, FLAG_ROLLBACK, type TimelineModel } from './model';

/** Attributes (and events) listed per section at most. */
export const MAX_FIELDS = 200;
/** Characters of one value or name shown at most. */
export const MAX_VALUE_CHARS = 4096;

const KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];

export interface DetailsActions {
  reveal(span: number, ref: string): void;
  zoomTo(span: number): void;
  select(span: number): void;
}

export interface DetailsView {
  model: TimelineModel | undefined;
  span: number;
  /** The host can open the manifest at a change ("Reveal in manifest"). */
  revealable: boolean;
}

function fields(entries: [string, string][], total: number, noun: string): HTMLElement[] {
  const list = el('dl', { className: 'fields' });
  for (const [key, value] of entries.slice(0, MAX_FIELDS)) list.append(el('dt', { text: cut(key, 200) }), el('dd', { text: cut(value, MAX_VALUE_CHARS) }));
  const shown: HTMLElement[] = [list];
  if (total > MAX_FIELDS) shown.push(el('p', { className: 'muted', text: `${total - MAX_FIELDS} more ${noun} not shown.` }));
  return shown;
}

function attributeFields(attributes: Record<string, AttributeValue> | undefined, noun = 'attributes'): HTMLElement[] {
  const entries = Object.entries(attributes ?? {});
  if (entries.length === 0) return [el('p', { className: 'muted', text: `No ${noun}.` })];
  return fields(
    entries.slice(0, MAX_FIELDS).map(([key, value]) => [key, formatAttribute(key, value)]),
    entries.length,
    noun,
  );
}

function statusLine(model: TimelineModel, span: number): HTMLElement[] {
  const data = model.spans[span];
  const flags = model.flags[span];
  const lines: HTMLElement[] = [];
  if (data.status === 2) {
    const type = data.attributes?.['error.type'];
    lines.push(el('p', { className: 'status error', text: `✗ Error${type !== undefined ? `: ${cut(String(type), 200)}` : ''}` }));
    if (data.statusMessage) lines.push(el('p', { className: 'message', text: cut(data.statusMessage, MAX_VALUE_CHARS) }));
  } else lines.push(el('p', { className: 'status', text: data.status === 1 ? '✓ OK' : 'Status unset' }));
  if (flags & FLAG_ROLLBACK) lines.push(el('p', { className: 'status rollback', text: '↺ Rollback: the previous generation was swapped back in.' }));
  if (flags & FLAG_CANCELLED) lines.push(el('p', { className: 'status rollback', text: '⊘ Cancelled: another change of this atomic reload failed.' }));
  if (data.rootReason) lines.push(el('p', { className: 'muted', text: data.rootReason === 'cycle' ? 'Shown as a root: its parent link closes a cycle.' : 'Shown as a root: its parent is not in this trace.' }));
  if (flags & FLAG_CRITICAL) lines.push(el('p', { className: 'muted', text: 'On the critical path.' }));
  return lines;
}

function actionButtons(view: DetailsView, model: TimelineModel, span: number, actions: DetailsActions): HTMLElement {
  const bar = el('div', { className: 'actions' });
  const ref = model.spans[span].attributes?.['reload.change.ref'];
  if (view.revealable && model.flags[span] & FLAG_CHANGE && typeof ref === 'string') {
    bar.append(button('Reveal in manifest', () => actions.reveal(span, ref), { className: 'reveal', attrs: { title: `Open the manifest at ${cut(ref, 200)}` } }));
  }
  bar.append(button('Zoom to span', () => actions.zoomTo(span), { className: 'zoom-to' }));
  const parent = model.parent[span];
  if (parent !== -1) bar.append(button('Go to parent', () => actions.select(parent), { className: 'go-parent' }));
  return bar;
}

function timing(model: TimelineModel, span: number): HTMLElement[] {
  const data = model.spans[span];
  const parent = model.parent[span];
  return fields(
    [
      ['Start', formatOffset(model.start[span])],
      ['Duration', formatDuration(model.end[span] - model.start[span])],
      ['End', formatOffset(model.end[span])],
      ['Kind', KINDS[data.kind] ?? String(data.kind)],
      ['Span id', String(data.spanId)],
      ['Parent', parent === -1 ? '—' : String(model.spans[parent].spanId)],
    ],
    6,
    'fields',
  );
}

function events(model: TimelineModel, span: number): HTMLElement[] {
  const list = Array.isArray(model.spans[span].events) ? model.spans[span].events : [];
  if (list.length === 0) return [el('p', { className: 'muted', text: 'No events.' })];
  const items = el('ol', { className: 'events' });
  for (const event of list.slice(0, MAX_FIELDS)) {
    items.append(el('li', {}, el('span', { text: `${cut(String(event.name), 200)} ` }), el('span', { className: 'muted', text: formatOffset(event.time) }), ...attributeEntries(event.attributes)));
  }
  const shown: HTMLElement[] = [items];
  if (list.length > MAX_FIELDS) shown.push(el('p', { className: 'muted', text: `${list.length - MAX_FIELDS} more events not shown.` }));
  return shown;
}

const attributeEntries = (attributes: Record<string, AttributeValue> | undefined): HTMLElement[] =>
  Object.keys(attributes ?? {}).length === 0 ? [] : attributeFields(attributes);

function spanTitle(data: TimelineSpan, label: string): string {
  return String(data.name).length > label.length ? cut(String(data.name), MAX_VALUE_CHARS) : label;
}

/** Replaces the panel's content with span `view.span`'s details (or a hint when none is selected). */
export function renderDetails(panel: HTMLElement, view: DetailsView, actions: DetailsActions): void {
  const { model, span } = view;
  const content: HTMLElement[] = [];
  if (!model || span === -1) {
    content.push(el('h2', { text: 'Details' }), el('p', { className: 'hint', text: 'Select a span to see its status, timing, attributes and events.' }));
    content.push(el('p', { className: 'hint', text: 'Keys: ↑ ↓ move · ← → collapse or expand · Enter details · / search · + − zoom · 0 fit.' }));
  } else {
    const data = model.spans[span];
    content.push(el('h2', { className: 'span-title', text: spanTitle(data, model.labels[span]) }));
    content.push(...statusLine(model, span), actionButtons(view, model, span, actions), ...timing(model, span));
    content.push(el('h3', { text: `Attributes (${Object.keys(data.attributes ?? {}).length})` }), ...attributeFields(data.attributes));
    content.push(el('h3', { text: `Events (${Array.isArray(data.events) ? data.events.length : 0})` }), ...events(model, span));
  }
  if (model) content.push(el('h3', { text: 'Resource' }), ...attributeFields(model.trace.resource, 'resource attributes'));
  panel.replaceChildren(...content);
}
