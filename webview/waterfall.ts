/**
 * The waterfall: the virtualized tree on the left, the bars canvas on the right (kept in view by
 * `position: sticky` while the tree scrolls), the time axis above and the minimap below. Zoom
 * with Ctrl/Cmd + wheel, pan by dragging the bars or the axis, with Shift + wheel, a horizontal
 * wheel, or the arrow keys on the axis.
 */
import { drawAxis, drawBars } from './bars';
import { sizeCanvas } from './canvas';
import { setText } from './dom';
import type { FilterResult } from './filter';
import { formatDuration, formatOffset } from './format';
import { MIN_TREE_WIDTH, type Layout } from './layout';
import { Minimap } from './minimap';
import type { TimelineModel } from './model';
import type { RowList } from './rows';
import type { Palette } from './theme';
import { ticks, TimeWindow } from './timeWindow';
import { TreeRows } from './treeRows';

export const ROW_HEIGHT = 22;
/** Rows kept beyond each edge of the view, so a small scroll shows rows that already exist. */
export const OVERSCAN = 8;
const MINIMAP_HEIGHT = 44;
/** Pixels the pointer may move and still count as a click (not a drag). */
const CLICK_SLOP = 3;

export interface WaterfallSource {
  model: TimelineModel | undefined;
  list: RowList;
  filter: FilterResult | undefined;
  collapsed: Uint8Array;
  selected: number;
  critical: boolean;
  palette: Palette;
}

export interface WaterfallEvents {
  select(span: number): void;
  toggle(span: number): void;
  /** The user zoomed, panned, scrolled or resized the columns: draw, and keep the state. */
  viewChanged(): void;
}

interface Drag {
  pointerId: number;
  x: number;
  start: number;
  moved: boolean;
  /** The bars' width in pixels: what the whole window spans. */
  pixels: number;
}

export class Waterfall {
  readonly window = new TimeWindow();
  private readonly rows: TreeRows;
  private readonly minimap: Minimap;
  private treeWidth = 0;
  private drag: Drag | undefined;
  private hovered = -1;

  constructor(
    private readonly layout: Layout,
    private readonly source: () => WaterfallSource,
    private readonly events: WaterfallEvents,
  ) {
    // The rows' height in CSS comes from here, so the canvas and the rows agree.
    layout.waterfall.style.setProperty('--row-height', `${ROW_HEIGHT}px`);
    this.rows = new TreeRows(layout.track);
    this.minimap = new Minimap(layout.minimap, this.window, () => events.viewChanged());
    this.listen();
  }

  /** Rows that fit in the view. */
  get pageRows(): number {
    return Math.max(1, Math.floor(this.layout.scroller.clientHeight / ROW_HEIGHT));
  }

  get columnWidth(): number {
    return this.treeWidth;
  }

  /** Sets the span-name column's width (0: the default share of the page). */
  setColumnWidth(width: number): void {
    const total = this.layout.waterfall.clientWidth;
    // The bars keep at least 80 pixels; by default the names take 40% (160 to 520 pixels).
    const widest = Math.max(MIN_TREE_WIDTH, total - 80);
    this.treeWidth = Math.round(width > 0 ? Math.min(Math.max(MIN_TREE_WIDTH, width), widest) : Math.min(520, Math.max(160, total * 0.4)));
    this.layout.waterfall.style.setProperty('--tree-width', `${this.treeWidth}px`);
    this.layout.splitter.setAttribute('aria-valuenow', String(this.treeWidth));
    this.layout.splitter.setAttribute('aria-valuemax', String(widest));
  }

  /** A new trace: no rows yet, the overview drawn again, the whole trace in view. */
  reset(total: number): void {
    this.rows.clear();
    this.minimap.invalidate();
    this.window.reset(total);
    this.layout.scroller.scrollTop = 0;
  }

  /** The theme or the size changed: the overview is drawn again. */
  invalidateOverview(): void {
    this.minimap.invalidate();
  }

  /** Sets the scroll height for `rows` rows (done before restoring a scroll position). */
  setRowCount(rows: number): void {
    const height = `${Math.max(rows * ROW_HEIGHT, this.layout.scroller.clientHeight)}px`;
    if (this.layout.track.style.height !== height) this.layout.track.style.height = height;
  }

  /** Scrolls row `position` into view: just into view, or to the middle of it. */
  scrollToRow(position: number, align: 'nearest' | 'center'): void {
    const scroller = this.layout.scroller;
    const top = position * ROW_HEIGHT;
    const view = scroller.clientHeight;
    if (align === 'center') scroller.scrollTop = Math.max(0, top - (view - ROW_HEIGHT) / 2);
    else if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > scroller.scrollTop + view) scroller.scrollTop = top + ROW_HEIGHT - view;
  }

  zoomToSpan(model: TimelineModel, span: number): void {
    const pad = Math.max((model.end[span] - model.start[span]) * 0.05, 0.0005);
    this.window.set(model.start[span] - pad, model.end[span] + pad);
  }

  render(): void {
    const state = this.source();
    const { scroller, bars } = this.layout;
    if (this.treeWidth === 0) this.setColumnWidth(0);
    // Every size is read before anything is written: a read after a write would lay the page out twice a frame.
    const viewHeight = scroller.clientHeight;
    const barsWidth = Math.max(0, scroller.clientWidth - this.treeWidth);
    const axisHeight = this.layout.axis.clientHeight;
    this.setRowCount(state.list.count);
    const scrollTop = scroller.scrollTop;
    const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(state.list.count - 1, Math.ceil((scrollTop + viewHeight) / ROW_HEIGHT) + OVERSCAN);
    const axisTicks = ticks(this.window, barsWidth);
    if (state.model) this.rows.render({ ...state, model: state.model, first, last, rowHeight: ROW_HEIGHT });
    const ctx = sizeCanvas(bars, barsWidth, viewHeight);
    if (state.model) {
      const inView = { first: Math.max(first, Math.floor(scrollTop / ROW_HEIGHT)), last: Math.min(last, Math.floor((scrollTop + viewHeight) / ROW_HEIGHT)) };
      drawBars(ctx, { ...state, model: state.model, ...inView, scrollTop, rowHeight: ROW_HEIGHT, width: barsWidth, height: viewHeight, window: this.window, ticks: axisTicks });
    } else {
      ctx.clearRect(0, 0, barsWidth, viewHeight);
    }
    // The axis is as wide as the bars (not its cell, which also spans the scrollbar): the ticks line up.
    drawAxis(sizeCanvas(this.layout.axisCanvas, barsWidth, axisHeight), barsWidth, axisHeight, this.window, axisTicks, state.palette);
    this.minimap.draw(state.model, barsWidth, MINIMAP_HEIGHT - 1, state.palette);
    setText(
      this.layout.windowText,
      this.window.isFit() ? `Whole trace: ${formatDuration(this.window.traceTotal)}` : `${formatOffset(this.window.start)} – ${formatOffset(this.window.end)} of ${formatDuration(this.window.traceTotal)}`,
    );
  }

  private listen(): void {
    const { scroller, track, bars, axis, splitter } = this.layout;
    scroller.addEventListener('scroll', () => this.events.viewChanged(), { passive: true });
    scroller.addEventListener('wheel', (event) => this.wheel(event), { passive: false });
    track.addEventListener('click', (event) => this.rowClick(event));
    track.addEventListener('dblclick', (event) => {
      const span = this.spanOfRow(event.target);
      if (span !== -1 && !(event.target as Element).closest('.twisty')) this.events.toggle(span);
    });
    for (const element of [bars, axis]) {
      element.addEventListener('pointerdown', (event) => this.pointerDown(event, element));
      element.addEventListener('pointermove', (event) => this.pointerMove(event, element));
      element.addEventListener('pointerup', (event) => this.pointerUp(event, element));
      element.addEventListener('pointercancel', () => this.endDrag(bars));
    }
    bars.addEventListener('pointerleave', () => (this.hovered = -1));
    axis.addEventListener('keydown', (event) => this.axisKey(event));
    splitter.addEventListener('pointerdown', (event) => {
      splitter.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    splitter.addEventListener('pointermove', (event) => {
      if (!splitter.hasPointerCapture(event.pointerId)) return;
      this.setColumnWidth(event.clientX - this.layout.waterfall.getBoundingClientRect().left);
      this.events.viewChanged();
    });
    splitter.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowLeft' ? -16 : event.key === 'ArrowRight' ? 16 : 0;
      if (step === 0) return;
      this.setColumnWidth(this.treeWidth + step);
      this.events.viewChanged();
      event.preventDefault();
    });
    new ResizeObserver(() => {
      this.setColumnWidth(this.treeWidth);
      this.minimap.invalidate();
      this.events.viewChanged();
    }).observe(this.layout.waterfall);
  }

  private spanOfRow(target: EventTarget | null): number {
    const row = target instanceof Element ? target.closest<HTMLElement>('.row') : null;
    return row?.dataset.span !== undefined ? Number(row.dataset.span) : -1;
  }

  private rowClick(event: MouseEvent): void {
    const span = this.spanOfRow(event.target);
    if (span === -1) return;
    if ((event.target as Element).closest('.twisty')) this.events.toggle(span);
    else this.events.select(span);
  }

  private wheel(event: WheelEvent): void {
    const scale = event.deltaMode === WheelEvent.DOM_DELTA_LINE ? 16 : event.deltaMode === WheelEvent.DOM_DELTA_PAGE ? this.layout.scroller.clientHeight : 1;
    const box = this.layout.bars.getBoundingClientRect();
    if (event.ctrlKey || event.metaKey) {
      const anchor = box.width > 0 ? Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)) : 0.5;
      this.window.zoom(Math.exp(-event.deltaY * scale * 0.002), anchor);
    } else if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
      const delta = (event.shiftKey && event.deltaX === 0 ? event.deltaY : event.deltaX) * scale;
      this.window.pan((delta / Math.max(1, box.width)) * this.window.width);
    } else return;
    event.preventDefault();
    this.events.viewChanged();
  }

  private pointerDown(event: PointerEvent, element: HTMLElement): void {
    if (event.button !== 0) return;
    this.drag = { pointerId: event.pointerId, x: event.clientX, start: this.window.start, moved: false, pixels: Math.max(1, this.layout.bars.clientWidth) };
    element.setPointerCapture(event.pointerId);
  }

  private pointerMove(event: PointerEvent, element: HTMLElement): void {
    const drag = this.drag;
    if (!drag || drag.pointerId !== event.pointerId) {
      if (element === this.layout.bars) this.hover(event);
      return;
    }
    const dx = event.clientX - drag.x;
    if (!drag.moved && Math.abs(dx) <= CLICK_SLOP) return;
    if (!drag.moved) this.layout.bars.classList.add('dragging');
    drag.moved = true;
    const start = drag.start - (dx / drag.pixels) * this.window.width;
    this.window.set(start, start + this.window.width);
    this.events.viewChanged();
  }

  private pointerUp(event: PointerEvent, element: HTMLElement): void {
    const drag = this.drag;
    this.endDrag(element);
    if (!drag || drag.moved || element !== this.layout.bars) return;
    const span = this.spanAtY(event.clientY);
    if (span !== -1) this.events.select(span);
  }

  private endDrag(element: HTMLElement): void {
    if (this.drag && element.hasPointerCapture(this.drag.pointerId)) element.releasePointerCapture(this.drag.pointerId);
    this.drag = undefined;
    this.layout.bars.classList.remove('dragging');
  }

  private spanAtY(clientY: number): number {
    const { list } = this.source();
    const box = this.layout.bars.getBoundingClientRect();
    const row = Math.floor((clientY - box.top + this.layout.scroller.scrollTop) / ROW_HEIGHT);
    return row >= 0 && row < list.count ? list.rows[row] : -1;
  }

  /** Mouse users get the span under the pointer as a tooltip (the rows carry it for everyone else). */
  private hover(event: PointerEvent): void {
    const span = this.spanAtY(event.clientY);
    if (span === this.hovered) return;
    this.hovered = span;
    const { model } = this.source();
    this.layout.bars.title = model && span !== -1 ? `${model.labels[span]} · ${formatDuration(model.end[span] - model.start[span])}` : '';
  }

  private axisKey(event: KeyboardEvent): void {
    const step = this.window.width * (event.shiftKey ? 0.5 : 0.1);
    const width = this.window.width;
    const moves: Record<string, () => void> = {
      ArrowLeft: () => this.window.pan(-step),
      ArrowRight: () => this.window.pan(step),
      Home: () => this.window.set(0, width),
      End: () => this.window.set(this.window.traceTotal - width, this.window.traceTotal),
    };
    const move = moves[event.key];
    if (!move) return;
    move();
    event.preventDefault();
    this.events.viewChanged();
  }
}
