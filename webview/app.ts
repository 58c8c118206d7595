/**
 * The timeline page: one object owns the state (the trace's model, collapsed rows, filter,
 * selection, critical path) and draws it in at most one animation frame per change. Messages
 * from the host come in through `receive`; what the user asks of the host goes out through the
 * VS Code API.
 */
import type { HostToWebview, TimelineViewState } from '../common/timelineProtocol';
import { renderDetails, type DetailsActions } from './details';
import { setAttr } from './dom';
import { parseQuery, runQuery, SHOWN, SHOWN_CHILD, type FilterResult } from './filter';
import { formatDuration } from './format';
import { buildLayout, showWarnings, type Layout } from './layout';
import { buildModel, type TimelineModel } from './model';
import { treeKeyAction } from './navigation';
import { renderProblems } from './problems';
import { rowOf, visibleRows, type RowList } from './rows';
import { readPalette, watchTheme, type Palette } from './theme';
import { rowId } from './treeRows';
import { readViewState, ViewStateStore } from './viewState';
import type { VsCodeApi } from './vscodeApi';
import { Waterfall, type WaterfallSource } from './waterfall';

/** Zoom factor of one key press or button click. */
const ZOOM_STEP = 1.5;
/** User Timing marks: when the trace message arrived, and the first frame that drew it (the bench reads them). */
export const MARK_TRACE_RECEIVED = 'timeline:trace-received';
export const MARK_FIRST_FRAME = 'timeline:first-frame';

type TraceMessage = Extract<HostToWebview, { type: 'trace' }>;

export class TimelineApp {
  private readonly layout: Layout = buildLayout();
  private readonly store: ViewStateStore;
  private readonly waterfall: Waterfall;
  private model: TimelineModel | undefined;
  private collapsed = new Uint8Array(0);
  private filter: FilterResult | undefined;
  private lowerLabels: string[] | undefined;
  private list: RowList = { rows: new Int32Array(0), count: 0 };
  private selected = -1;
  private critical = false;
  private revealable = false;
  private source: TimelineViewState['source'];
  private palette: Palette = readPalette();
  private frame = 0;
  private detailsStale = true;
  private firstFrameMarked = false;
  /** A `select` that came before the trace. */
  private pendingSelect: string | undefined;

  constructor(private readonly api: VsCodeApi) {
    this.store = new ViewStateStore(api);
    this.waterfall = new Waterfall(this.layout, () => this.waterfallSource(), {
      select: (span) => this.select(span, 'nearest'),
      toggle: (span) => this.setCollapsed(span, !this.collapsed[span]),
      viewChanged: () => this.changed(),
    });
    this.wire();
    watchTheme(() => {
      this.palette = readPalette();
      this.waterfall.invalidateOverview();
      this.schedule();
    });
    this.schedule();
  }

  /** A message from the host (a `message` event's data). Anything else is ignored. */
  receive(message: unknown): void {
    const data = message as Partial<HostToWebview> | null;
    if (data?.type === 'trace') this.showTrace(data as TraceMessage);
    else if (data?.type === 'select' && typeof data.spanId === 'string') this.selectById(data.spanId);
  }

  private waterfallSource(): WaterfallSource {
    return { model: this.model, list: this.list, filter: this.filter, collapsed: this.collapsed, selected: this.selected, critical: this.critical, palette: this.palette };
  }

  private showTrace(message: TraceMessage): void {
    performance.clearMarks(MARK_TRACE_RECEIVED);
    performance.clearMarks(MARK_FIRST_FRAME);
    performance.mark(MARK_TRACE_RECEIVED);
    this.firstFrameMarked = false;
    const trace = message.trace ?? { title: '', traceId: '', originNs: '0', total: 0, resource: {}, spans: [], warnings: ['The host sent no trace.'] };
    // The view of the trace shown so far is stored first: the same source sent again (a new run) keeps it.
    this.store.flush();
    const model = buildModel(trace);
    // The host's state (kept by its serializer across a window reload) wins; both are read defensively.
    const restored = this.store.restored();
    const sameSource = message.source !== undefined && restored?.source?.uri === message.source.uri;
    const state = message.state !== undefined ? readViewState(message.state) : sameSource ? restored : undefined;
    this.model = model;
    this.source = message.source;
    this.revealable = message.revealable === true;
    this.collapsed = new Uint8Array(model.count);
    this.filter = undefined;
    this.lowerLabels = undefined;
    this.list = { rows: new Int32Array(model.count), count: 0 };
    this.selected = -1;
    this.detailsStale = true;
    this.waterfall.reset(model.total);
    this.layout.title.textContent = trace.title || message.source?.title || 'Trace';
    this.layout.summary.textContent = `${model.count} span${model.count === 1 ? '' : 's'} · ${formatDuration(model.total)}${model.errorCount > 0 ? ` · ${model.errorCount} failed` : ''}`;
    this.layout.empty.textContent = model.count === 0 ? 'This trace has no spans: nothing ran, or the file holds no spans.' : '';
    this.layout.empty.hidden = model.count > 0;
    showWarnings(this.layout, model.warnings);
    renderProblems(this.layout.problems, model, { select: (span) => this.select(span, 'center'), filter: (text) => this.setFilterText(text) });
    this.applyState(state);
    if (this.pendingSelect !== undefined) this.selectById(this.pendingSelect);
    this.pendingSelect = undefined;
    this.changed();
  }

  private applyState(state: TimelineViewState | undefined): void {
    const model = this.model!;
    for (const id of state?.collapsed ?? []) {
      const span = model.indexById.get(id);
      if (span !== undefined) this.collapsed[span] = 1;
    }
    this.setCritical(state?.criticalPath === true);
    if (state?.treeWidth !== undefined) this.waterfall.setColumnWidth(state.treeWidth);
    this.layout.search.value = state?.filter ?? '';
    // The collapsed rows were saved with this filter on: they stay as they were.
    this.applyFilter(false);
    const selected = state?.selectedSpanId !== undefined ? model.indexById.get(state.selectedSpanId) : undefined;
    if (selected !== undefined) {
      this.expandTo(selected);
      this.selected = selected;
    }
    this.recomputeRows();
    if (state?.view) this.waterfall.window.set(state.view.start, state.view.end);
    if (state?.scrollTop !== undefined) this.layout.scroller.scrollTop = state.scrollTop;
    else if (selected !== undefined) this.waterfall.scrollToRow(rowOf(this.list, selected), 'center');
  }

  /** The rows after a collapse, an expansion or a filter; the scroll height follows at once, so a scroll to a row lands. */
  private recomputeRows(): void {
    if (!this.model) return;
    this.list = visibleRows(this.model, this.collapsed, this.filter, this.list.rows);
    this.waterfall.setRowCount(this.list.count);
  }

  /** Something changed: draw in the next frame, and keep the state. */
  private changed(): void {
    this.schedule();
    this.saveState();
  }

  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Draws at once (the details must exist before they take the focus), instead of in the frame asked for. */
  private drawNow(): void {
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.draw();
  }

  private draw(): void {
    this.frame = 0;
    this.waterfall.render();
    if (this.detailsStale) {
      this.detailsStale = false;
      renderDetails(this.layout.details, { model: this.model, span: this.selected, revealable: this.revealable }, this.detailsActions);
    }
    setAttr(this.layout.scroller, 'aria-activedescendant', this.selected !== -1 && rowOf(this.list, this.selected) !== -1 ? rowId(this.selected) : undefined);
    if (this.model && !this.firstFrameMarked) {
      this.firstFrameMarked = true;
      performance.mark(MARK_FIRST_FRAME);
    }
  }

  private readonly detailsActions: DetailsActions = {
    reveal: (span, ref) => this.api.postMessage({ type: 'reveal', spanId: this.model!.spans[span].spanId, ref }),
    zoomTo: (span) => {
      this.waterfall.zoomToSpan(this.model!, span);
      this.changed();
    },
    select: (span) => this.select(span, 'nearest'),
  };

  private saveState(): void {
    if (this.model) this.store.save(() => this.viewState());
  }

  private viewState(): TimelineViewState {
    const model = this.model!;
    const collapsed: string[] = [];
    for (let i = 0; i < model.count; i++) if (this.collapsed[i]) collapsed.push(model.spans[i].spanId);
    const filter = this.layout.search.value;
    return {
      version: 1,
      ...(this.source ? { source: this.source } : {}),
      ...(this.selected !== -1 ? { selectedSpanId: model.spans[this.selected].spanId } : {}),
      ...(collapsed.length > 0 ? { collapsed } : {}),
      ...(filter !== '' ? { filter } : {}),
      view: { start: this.waterfall.window.start, end: this.waterfall.window.end },
      scrollTop: this.layout.scroller.scrollTop,
      criticalPath: this.critical,
      treeWidth: this.waterfall.columnWidth,
    };
  }

  /** Selects span `span`, showing it: its ancestors are expanded and a filter that hides it is cleared. */
  private select(span: number, align: 'nearest' | 'center' | 'none'): void {
    if (!this.model || span < 0 || span >= this.model.count) return;
    if (this.filter && !(this.filter.bits[span] & SHOWN)) this.setFilterText('');
    if (this.expandTo(span)) this.recomputeRows();
    if (this.selected !== span) this.detailsStale = true;
    this.selected = span;
    if (align !== 'none') this.waterfall.scrollToRow(rowOf(this.list, span), align);
    this.changed();
  }

  private selectById(spanId: string): void {
    const span = this.model?.indexById.get(spanId);
    if (!this.model) this.pendingSelect = spanId;
    else if (span !== undefined) this.select(span, 'center');
  }

  /** Expands the collapsed ancestors of `span`; whether any was. */
  private expandTo(span: number): boolean {
    let expanded = false;
    for (let at = this.model!.parent[span]; at !== -1; at = this.model!.parent[at]) {
      if (this.collapsed[at]) {
        this.collapsed[at] = 0;
        expanded = true;
      }
    }
    return expanded;
  }

  private setCollapsed(span: number, collapsed: boolean): void {
    this.collapsed[span] = collapsed ? 1 : 0;
    this.recomputeRows();
    this.changed();
  }

  private setCritical(on: boolean): void {
    this.critical = on;
    this.layout.critical.setAttribute('aria-pressed', String(on));
    this.detailsStale = true;
  }

  private setFilterText(text: string): void {
    if (this.layout.search.value !== text) this.layout.search.value = text;
    this.applyFilter(true);
    this.recomputeRows();
    this.changed();
  }

  /** Runs the search box's query; with `expandMatches`, the ancestors of the matches are expanded, so every match shows. */
  private applyFilter(expandMatches: boolean): void {
    const model = this.model;
    if (!model) return;
    const { query, problems } = parseQuery(this.layout.search.value);
    this.filter = undefined;
    if (query) {
      this.lowerLabels ??= model.labels.map((label) => label.toLowerCase());
      this.filter = runQuery(model, this.lowerLabels, query);
      if (expandMatches) for (let i = 0; i < model.count; i++) if (this.filter.bits[i] & SHOWN_CHILD) this.collapsed[i] = 0;
    }
    const status = problems.length > 0 ? problems.join('; ') : this.filter ? `${this.filter.matches} of ${model.count} spans match` : '';
    this.layout.searchStatus.textContent = status;
    this.layout.searchStatus.classList.toggle('problem', problems.length > 0);
  }

  private zoom(factor: number): void {
    if (factor === 0) this.waterfall.window.fit();
    else this.waterfall.window.zoom(factor);
    this.changed();
  }

  private wire(): void {
    const { layout } = this;
    layout.search.addEventListener('input', () => this.setFilterText(layout.search.value));
    layout.search.addEventListener('keydown', (event) => this.searchKey(event));
    layout.critical.addEventListener('click', () => {
      this.setCritical(!this.critical);
      this.changed();
    });
    layout.zoomIn.addEventListener('click', () => this.zoom(ZOOM_STEP));
    layout.zoomOut.addEventListener('click', () => this.zoom(1 / ZOOM_STEP));
    layout.zoomFit.addEventListener('click', () => this.zoom(0));
    layout.exportOtlp.addEventListener('click', () => this.api.postMessage({ type: 'export', format: 'otlp' }));
    layout.exportChrome.addEventListener('click', () => this.api.postMessage({ type: 'export', format: 'chrome' }));
    layout.scroller.addEventListener('keydown', (event) => this.treeKey(event));
    // Focus on a tree with no active row (from the keyboard, not a click) makes the first row active: a screen reader has something to say.
    let pointerFocus = false;
    layout.scroller.addEventListener('pointerdown', () => (pointerFocus = true));
    layout.scroller.addEventListener('focus', () => {
      if (this.selected === -1 && this.list.count > 0 && !pointerFocus) this.select(this.list.rows[0], 'none');
      pointerFocus = false;
    });
    layout.details.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') layout.scroller.focus({ preventScroll: true });
    });
    document.addEventListener('keydown', (event) => this.pageKey(event));
  }

  private searchKey(event: KeyboardEvent): void {
    const { search, scroller } = this.layout;
    if (event.key === 'Escape' && search.value !== '') this.setFilterText('');
    else if (event.key === 'Escape' || event.key === 'ArrowDown' || event.key === 'Enter') scroller.focus({ preventScroll: true });
    else return;
    event.preventDefault();
    event.stopPropagation();
  }

  private treeKey(event: KeyboardEvent): void {
    if (!this.model || event.altKey || event.ctrlKey || event.metaKey) return;
    const action = treeKeyAction(event.key, { model: this.model, list: this.list, filter: this.filter, collapsed: this.collapsed, selected: this.selected, pageRows: this.waterfall.pageRows });
    if (!action) return;
    event.preventDefault();
    if (action.kind === 'select') this.select(action.span, 'nearest');
    else if (action.kind === 'expand') this.setCollapsed(action.span, !action.expanded);
    else {
      this.drawNow();
      this.layout.details.focus();
      this.layout.details.scrollIntoView({ block: 'nearest' });
    }
  }

  /** Keys for the whole page: `/` goes to the search box; + − 0 zoom (not while typing). */
  private pageKey(event: KeyboardEvent): void {
    const target = event.target as HTMLElement | null;
    if (event.ctrlKey || event.metaKey || event.altKey || target?.tagName === 'INPUT') return;
    const keys: Record<string, () => void> = {
      '/': () => {
        this.layout.search.focus();
        this.layout.search.select();
      },
      '+': () => this.zoom(ZOOM_STEP),
      '=': () => this.zoom(ZOOM_STEP),
      '-': () => this.zoom(1 / ZOOM_STEP),
      '0': () => this.zoom(0),
    };
    const run = keys[event.key];
    if (!run) return;
    event.preventDefault();
    run();
  }
}
