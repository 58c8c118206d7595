/** The page's elements, built once by DOM calls (the HTML shell holds only the script). */
import { button, el } from './dom';

/** The narrowest the span-name column gets, in CSS pixels. */
export const MIN_TREE_WIDTH = 120;

export interface Layout {
  title: HTMLElement;
  summary: HTMLElement;
  search: HTMLInputElement;
  searchStatus: HTMLElement;
  critical: HTMLButtonElement;
  zoomOut: HTMLButtonElement;
  zoomIn: HTMLButtonElement;
  zoomFit: HTMLButtonElement;
  exportOtlp: HTMLButtonElement;
  exportChrome: HTMLButtonElement;
  banner: HTMLElement;
  bannerList: HTMLElement;
  waterfall: HTMLElement;
  windowText: HTMLElement;
  axis: HTMLElement;
  axisCanvas: HTMLCanvasElement;
  splitter: HTMLElement;
  scroller: HTMLElement;
  track: HTMLElement;
  bars: HTMLCanvasElement;
  minimap: HTMLCanvasElement;
  empty: HTMLElement;
  problems: HTMLElement;
  details: HTMLElement;
}

const noop = (): void => undefined;

function toolbar(): Pick<Layout, 'title' | 'summary' | 'search' | 'searchStatus' | 'critical' | 'zoomOut' | 'zoomIn' | 'zoomFit' | 'exportOtlp' | 'exportChrome'> & { element: HTMLElement } {
  const title = el('h1', { className: 'title', text: 'Trace timeline' });
  const summary = el('span', { className: 'summary' });
  const search = el('input', {
    attrs: { type: 'search', placeholder: 'Filter: name, status:error, key=value  ( / )', 'aria-label': 'Filter spans', 'aria-describedby': 'search-status', spellcheck: 'false' },
  });
  const searchStatus = el('span', { className: 'search-count', attrs: { id: 'search-status', role: 'status', 'aria-live': 'polite' } });
  const critical = button('Critical path', noop, { className: 'critical', attrs: { 'aria-pressed': 'false', title: 'Highlight the chain of spans that determines when the trace ends' } });
  const zoomOut = button('−', noop, { attrs: { 'aria-label': 'Zoom out', title: 'Zoom out (−)' } });
  const zoomIn = button('+', noop, { attrs: { 'aria-label': 'Zoom in', title: 'Zoom in (+)' } });
  const zoomFit = button('Fit', noop, { attrs: { 'aria-label': 'Show the whole trace', title: 'Show the whole trace (0)' } });
  const exportOtlp = button('Export OTLP JSON', noop, { attrs: { title: 'Save the trace as OTLP JSON' } });
  const exportChrome = button('Export Chrome trace', noop, { attrs: { title: 'Save the trace as Chrome Trace Event JSON (Perfetto, chrome://tracing)' } });
  const element = el(
    'header',
    { className: 'toolbar' },
    el('div', { className: 'heading' }, title, summary),
    el('div', { className: 'search' }, search, searchStatus),
    el(
      'div',
      { className: 'tools', attrs: { role: 'toolbar', 'aria-label': 'Timeline tools' } },
      critical,
      el('span', { className: 'group' }, zoomOut, zoomIn, zoomFit),
      el('span', { className: 'group' }, exportOtlp, exportChrome),
    ),
  );
  return { element, title, summary, search, searchStatus, critical, zoomOut, zoomIn, zoomFit, exportOtlp, exportChrome };
}

function legend(): HTMLElement {
  const item = (kind: string, text: string): HTMLElement => el('span', {}, el('span', { className: `swatch ${kind}` }), text);
  return el('div', { className: 'legend' }, item('ok', 'ok'), item('error', 'error'), item('rollback', 'rollback / cancelled'));
}

/** Builds the page into `document.body`. */
export function buildLayout(): Layout {
  const bar = toolbar();
  const bannerList = el('ul');
  const banner = el('div', { className: 'banner', attrs: { role: 'status', 'aria-label': 'Trace warnings' } }, el('span', { text: '⚠' }), bannerList);
  banner.append(button('Dismiss', () => (banner.hidden = true), { attrs: { 'aria-label': 'Dismiss the warnings' } }));
  banner.hidden = true;
  const windowText = el('div', { className: 'window-text' });
  const axisCanvas = el('canvas', { attrs: { 'aria-hidden': 'true' } });
  const axis = el(
    'div',
    { className: 'axis', attrs: { tabindex: '0', role: 'group', 'aria-roledescription': 'time axis', 'aria-label': 'Time axis: ← → pan, + − zoom, 0 shows all', 'aria-describedby': 'window-text' } },
    axisCanvas,
  );
  windowText.id = 'window-text';
  const splitter = el('div', { className: 'splitter', attrs: { role: 'separator', 'aria-orientation': 'vertical', 'aria-label': 'Width of the span names', 'aria-valuemin': String(MIN_TREE_WIDTH), tabindex: '0' } });
  const bars = el('canvas', { className: 'bars', attrs: { 'aria-hidden': 'true' } });
  const track = el('div', { className: 'track', attrs: { role: 'none' } }, bars);
  const scroller = el('div', { className: 'scroller', attrs: { role: 'tree', tabindex: '0', 'aria-label': 'Spans' } }, track);
  const minimap = el('canvas', { className: 'minimap', attrs: { 'aria-hidden': 'true' } });
  const empty = el('div', { className: 'empty', text: 'Waiting for the trace…' });
  const waterfall = el(
    'section',
    { className: 'waterfall', attrs: { 'aria-label': 'Waterfall' } },
    el('div', { className: 'axis-row' }, windowText, axis),
    scroller,
    el('div', { className: 'minimap-row' }, legend(), minimap),
    splitter,
    empty,
  );
  const problems = el('section', { className: 'problems', attrs: { 'aria-labelledby': 'problems-heading' } });
  problems.hidden = true;
  const details = el('section', { className: 'details', attrs: { 'aria-label': 'Span details', tabindex: '-1' } });
  document.body.append(bar.element, banner, el('main', { className: 'layout' }, waterfall, el('aside', { className: 'side', attrs: { 'aria-label': 'Errors and details' } }, problems, details)));
  return { ...bar, banner, bannerList, waterfall, windowText, axis, axisCanvas, splitter, scroller, track, bars, minimap, empty, problems, details };
}

const MAX_WARNINGS_SHOWN = 50;

export function showWarnings(layout: Layout, warnings: readonly string[]): void {
  const items = warnings.slice(0, MAX_WARNINGS_SHOWN).map((text) => el('li', { text }));
  if (warnings.length > MAX_WARNINGS_SHOWN) items.push(el('li', { text: `${warnings.length - MAX_WARNINGS_SHOWN} more warnings` }));
  layout.bannerList.replaceChildren(...items);
  layout.banner.hidden = warnings.length === 0;
}
