/**
 * The waterfall's bars: one canvas, drawn for the rows in view only. Errors in the error colour,
 * rollbacks and cancellations in the rollback colour; with the critical path on, the spans off
 * it are dimmed; with a filter on, the ancestors shown for context are dimmed.
 */
import { formatDuration } from './format';
import { MATCH, type FilterResult } from './filter';
import { FLAG_CANCELLED, FLAG_CRITICAL, FLAG_ERROR, FLAG_ROLLBACK, type TimelineModel } from './model';
import type { RowList } from './rows';
import type { Palette } from './theme';
import type { Ticks, TimeWindow } from './timeWindow';

/** Opacity of the bars the critical path or the filter puts in the background. */
export const DIM_ALPHA = 0.35;
/** Space above and below a bar inside its row. */
const BAR_INSET = 4;
const LABEL_GAP = 4;
/** Events drawn per span at most (a hostile span may carry thousands). */
const MAX_EVENT_MARKS = 256;

export interface BarsFrame {
  model: TimelineModel;
  list: RowList;
  /** Rows [first, last] are (partly) in view. */
  first: number;
  last: number;
  scrollTop: number;
  rowHeight: number;
  width: number;
  height: number;
  window: TimeWindow;
  ticks: Ticks;
  palette: Palette;
  selected: number;
  critical: boolean;
  filter: FilterResult | undefined;
}

export function barColor(flags: number, palette: Palette): string {
  if (flags & FLAG_ERROR) return palette.error;
  if (flags & (FLAG_ROLLBACK | FLAG_CANCELLED)) return palette.rollback;
  return palette.bar;
}

function drawGrid(ctx: CanvasRenderingContext2D, frame: BarsFrame): void {
  ctx.fillStyle = frame.palette.grid;
  for (const time of frame.ticks.times) {
    const x = Math.round(frame.window.x(time, frame.width));
    if (x >= 0 && x < frame.width) ctx.fillRect(x, 0, 1, frame.height);
  }
}

function drawDuration(ctx: CanvasRenderingContext2D, frame: BarsFrame, text: string, x0: number, x1: number, y: number): void {
  const width = ctx.measureText(text).width;
  ctx.fillStyle = frame.palette.muted;
  if (x1 + LABEL_GAP + width <= frame.width) {
    ctx.textAlign = 'left';
    ctx.fillText(text, Math.max(x1, 0) + LABEL_GAP, y);
  } else if (x0 - LABEL_GAP - width >= 0) {
    ctx.textAlign = 'right';
    ctx.fillText(text, x0 - LABEL_GAP, y);
  }
}

function drawEvents(ctx: CanvasRenderingContext2D, frame: BarsFrame, span: number, top: number, height: number): void {
  const events = frame.model.spans[span].events;
  if (!Array.isArray(events) || events.length === 0) return;
  ctx.fillStyle = frame.palette.foreground;
  for (let k = 0; k < events.length && k < MAX_EVENT_MARKS; k++) {
    const x = Math.round(frame.window.x(events[k].time, frame.width));
    if (x >= 0 && x < frame.width) ctx.fillRect(x - 1, top + height - 3, 2, 3);
  }
}

function drawRow(ctx: CanvasRenderingContext2D, frame: BarsFrame, row: number): void {
  const { model, rowHeight, palette } = frame;
  const span = frame.list.rows[row];
  const y = row * rowHeight - frame.scrollTop;
  if (span === frame.selected) {
    ctx.fillStyle = palette.selection;
    ctx.fillRect(0, y, frame.width, rowHeight);
  }
  const flags = model.flags[span];
  const dim = (frame.critical && !(flags & FLAG_CRITICAL)) || (frame.filter !== undefined && !(frame.filter.bits[span] & MATCH));
  const x0 = frame.window.x(model.start[span], frame.width);
  const x1 = Math.max(frame.window.x(model.end[span], frame.width), x0 + 1);
  const top = y + BAR_INSET;
  const height = rowHeight - 2 * BAR_INSET;
  ctx.globalAlpha = dim ? DIM_ALPHA : 1;
  if (x1 >= 0 && x0 <= frame.width) {
    const left = Math.max(Math.floor(x0), -1);
    const right = Math.min(Math.ceil(x1), frame.width + 1);
    ctx.fillStyle = barColor(flags, palette);
    ctx.fillRect(left, top, right - left, height);
    if (palette.contrastBorder) {
      ctx.strokeStyle = palette.contrastBorder;
      ctx.strokeRect(left + 0.5, top + 0.5, right - left - 1, height - 1);
    }
    drawEvents(ctx, frame, span, top, height);
  }
  drawDuration(ctx, frame, formatDuration(model.end[span] - model.start[span]), x0, x1, y + rowHeight / 2);
  ctx.globalAlpha = 1;
  if (span === frame.selected) {
    ctx.strokeStyle = palette.focus;
    ctx.lineWidth = 1;
    ctx.strokeRect(Math.floor(x0) - 0.5, top - 1.5, Math.ceil(x1) - Math.floor(x0) + 1, height + 3);
  }
}

export function drawBars(ctx: CanvasRenderingContext2D, frame: BarsFrame): void {
  ctx.fillStyle = frame.palette.background;
  ctx.fillRect(0, 0, frame.width, frame.height);
  drawGrid(ctx, frame);
  ctx.font = frame.palette.font;
  ctx.textBaseline = 'middle';
  for (let row = frame.first; row <= frame.last; row++) drawRow(ctx, frame, row);
}

/** The time axis above the bars: a tick and its label at each tick time. */
export function drawAxis(ctx: CanvasRenderingContext2D, width: number, height: number, window: TimeWindow, ticks: Ticks, palette: Palette): void {
  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, width, height);
  ctx.font = palette.font;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  ticks.times.forEach((time, k) => {
    const x = Math.round(window.x(time, width));
    ctx.fillStyle = palette.grid;
    ctx.fillRect(x, height - 6, 1, 6);
    // A label that would run off the right edge is left out rather than cut.
    if (x + 3 + ctx.measureText(ticks.labels[k]).width > width) return;
    ctx.fillStyle = palette.muted;
    ctx.fillText(ticks.labels[k], x + 3, height / 2 - 2);
  });
}
