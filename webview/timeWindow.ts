/** The visible part of the time axis (zoom and pan), and the ticks drawn on it. */

/** The narrowest window: 100 ns. Narrower windows show nothing a span's times can resolve. */
export const MIN_WINDOW_MS = 1e-4;

export class TimeWindow {
  start = 0;
  end = 1;
  /** The whole trace: the widest window is [0, total]. */
  private total = 1;

  get width(): number {
    return this.end - this.start;
  }

  /** Sets the trace length and shows all of it. */
  reset(total: number): void {
    this.total = Math.max(total, MIN_WINDOW_MS);
    this.set(0, this.total);
  }

  get traceTotal(): number {
    return this.total;
  }

  /** Shows [start, end], kept inside the trace and no narrower than MIN_WINDOW_MS. */
  set(start: number, end: number): void {
    const width = Math.min(this.total, Math.max(MIN_WINDOW_MS, end - start));
    const from = Math.min(this.total - width, Math.max(0, start));
    this.start = from;
    this.end = from + width;
  }

  /** Zooms by `factor` (> 1 in, < 1 out) keeping the time at `anchor` (0 = left edge, 1 = right edge) in place. */
  zoom(factor: number, anchor = 0.5): void {
    const at = this.start + anchor * this.width;
    const width = Math.min(this.total, Math.max(MIN_WINDOW_MS, this.width / factor));
    this.set(at - anchor * width, at - anchor * width + width);
  }

  pan(ms: number): void {
    this.set(this.start + ms, this.end + ms);
  }

  fit(): void {
    this.set(0, this.total);
  }

  isFit(): boolean {
    return this.start <= 0 && this.end >= this.total;
  }

  /** x in [0, pixels] for a time; times outside the window fall outside that range. */
  x(ms: number, pixels: number): number {
    return ((ms - this.start) / this.width) * pixels;
  }

  time(x: number, pixels: number): number {
    return this.start + (x / pixels) * this.width;
  }
}

export interface Ticks {
  /** Tick times in ms, ascending, inside the window. */
  times: number[];
  /** The tick labels, same order. */
  labels: string[];
}

const UNITS = [
  { name: 's', ms: 1000 },
  { name: 'ms', ms: 1 },
  { name: 'µs', ms: 1e-3 },
  { name: 'ns', ms: 1e-6 },
];

/**
 * Ticks at 1, 2 or 5 × 10^k ms, at least `spacing` pixels apart. Labels are in the unit of the
 * window's end (so neighbouring labels differ: "466.10 ms", "466.12 ms"), with the decimals
 * the step needs.
 */
export function ticks(window: TimeWindow, pixels: number, spacing = 80): Ticks {
  if (pixels <= 0) return { times: [], labels: [] };
  const raw = (window.width * spacing) / pixels;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const unit = UNITS.find((u) => Math.max(window.end, step) >= u.ms) ?? UNITS[UNITS.length - 1];
  const decimals = Math.min(9, Math.max(0, Math.ceil(-Math.log10(step / unit.ms) - 1e-9)));
  const times: number[] = [];
  const labels: string[] = [];
  for (let k = Math.ceil(window.start / step); k * step <= window.end + step * 1e-9 && times.length < 1000; k++) {
    const time = k * step;
    times.push(time);
    labels.push(`${(time / unit.ms).toFixed(decimals)} ${unit.name}`);
  }
  return { times, labels };
}
