/**
 * The overview under the waterfall: every span of the trace (collapsed or not) squeezed into a
 * small canvas, with the visible time window as a rectangle that can be dragged. The overview is
 * rendered once per trace, size or theme into an offscreen canvas, in time linear in the number
 * of spans: each span adds +1/−1 at its ends in its pixel row, and one running sum per row fills it.
 */
import { rgba, sizeCanvas } from './canvas';
import { FLAG_CANCELLED, FLAG_ERROR, FLAG_ROLLBACK, type TimelineModel } from './model';
import type { Palette } from './theme';
import type { TimeWindow } from './timeWindow';

const KINDS = 3;
const OK = 0;
const ERROR = 1;
const ROLLBACK = 2;

/** Coverage of each pixel by each kind of span, as running-sum differences: [kind][y][x]. */
function coverage(model: TimelineModel, width: number, height: number, total: number): Int32Array {
  const stride = width + 1;
  const diff = new Int32Array(KINDS * height * stride);
  const { count, start, end, flags } = model;
  for (let i = 0; i < count; i++) {
    const kind = flags[i] & FLAG_ERROR ? ERROR : flags[i] & (FLAG_ROLLBACK | FLAG_CANCELLED) ? ROLLBACK : OK;
    const x0 = Math.min(width - 1, Math.floor((start[i] / total) * width));
    const x1 = Math.min(width, Math.max(x0 + 1, Math.ceil((end[i] / total) * width)));
    const y0 = Math.floor((i * height) / count);
    // A span given three pixel rows or more keeps its last one empty: few spans read as bars, not a block.
    const rows = Math.floor(((i + 1) * height) / count) - y0;
    const y1 = y0 + Math.max(1, rows >= 3 ? rows - 1 : rows);
    for (let y = y0; y < y1 && y < height; y++) {
      const base = (kind * height + y) * stride;
      diff[base + x0]++;
      diff[base + x1]--;
    }
  }
  return diff;
}

function renderOverview(model: TimelineModel, width: number, height: number, total: number, palette: Palette): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx || width === 0 || height === 0 || model.count === 0) return canvas;
  const image = ctx.createImageData(width, height);
  const colors = [rgba(palette.bar), rgba(palette.error), rgba(palette.rollback)];
  const diff = coverage(model, width, height, total);
  const stride = width + 1;
  const sums = new Int32Array(KINDS);
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let x = 0; x < width; x++) {
      for (let kind = 0; kind < KINDS; kind++) sums[kind] += diff[(kind * height + y) * stride + x];
      const kind = sums[ERROR] > 0 ? ERROR : sums[ROLLBACK] > 0 ? ROLLBACK : sums[OK] > 0 ? OK : -1;
      if (kind === -1) continue;
      const color = colors[kind];
      const at = (y * width + x) * 4;
      image.data[at] = color[0];
      image.data[at + 1] = color[1];
      image.data[at + 2] = color[2];
      image.data[at + 3] = color[3];
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

export class Minimap {
  private overview: HTMLCanvasElement | undefined;
  private dragOffset: number | undefined;

  /** `moved` is called with the window's new start when the user drags or clicks. */
  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly window: TimeWindow,
    private readonly moved: () => void,
  ) {
    canvas.addEventListener('pointerdown', (event) => this.pointerDown(event));
    canvas.addEventListener('pointermove', (event) => this.pointerMove(event));
    canvas.addEventListener('pointerup', () => (this.dragOffset = undefined));
    canvas.addEventListener('pointercancel', () => (this.dragOffset = undefined));
  }

  /** Forgets the overview: the trace, the size or the theme changed. */
  invalidate(): void {
    this.overview = undefined;
  }

  draw(model: TimelineModel | undefined, width: number, height: number, palette: Palette): void {
    const ctx = sizeCanvas(this.canvas, width, height);
    ctx.fillStyle = palette.background;
    ctx.fillRect(0, 0, width, height);
    if (!model || model.count === 0 || width <= 0) return;
    const ratio = window.devicePixelRatio || 1;
    if (!this.overview) this.overview = renderOverview(model, Math.round(width * ratio), Math.round(height * ratio), this.window.traceTotal, palette);
    ctx.drawImage(this.overview, 0, 0, width, height);
    const total = this.window.traceTotal;
    const x0 = (this.window.start / total) * width;
    const x1 = Math.max(x0 + 2, (this.window.end / total) * width);
    // What is outside the window is shaded; the window itself shows the overview as it is.
    ctx.fillStyle = palette.minimapShade;
    ctx.fillRect(0, 0, x0, height);
    ctx.fillRect(x1, 0, width - x1, height);
    ctx.strokeStyle = palette.focus;
    ctx.lineWidth = 1;
    ctx.strokeRect(Math.round(x0) + 0.5, 0.5, Math.max(1, Math.round(x1 - x0) - 1), height - 1);
  }

  private timeAt(event: PointerEvent): number {
    const box = this.canvas.getBoundingClientRect();
    return box.width > 0 ? ((event.clientX - box.left) / box.width) * this.window.traceTotal : 0;
  }

  private pointerDown(event: PointerEvent): void {
    if (event.button !== 0) return;
    const time = this.timeAt(event);
    // Inside the window: drag it by where it was grabbed. Outside: centre it there, then drag.
    if (time < this.window.start || time > this.window.end) {
      const width = this.window.width;
      this.window.set(time - width / 2, time + width / 2);
      this.moved();
    }
    this.dragOffset = time - this.window.start;
    this.canvas.setPointerCapture(event.pointerId);
    event.preventDefault();
  }

  private pointerMove(event: PointerEvent): void {
    if (this.dragOffset === undefined) return;
    const start = this.timeAt(event) - this.dragOffset;
    this.window.set(start, start + this.window.width);
    this.moved();
  }
}
