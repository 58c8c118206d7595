/** Canvas sizing for sharp drawing on any display density, and colour parsing for pixel buffers. */

/** Sizes `canvas` to `width` × `height` CSS pixels at the display's density; returns its context scaled to CSS pixels. */
export function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(0, Math.round(width * ratio));
  const h = Math.max(0, Math.round(height * ratio));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const cssWidth = `${width}px`;
  const cssHeight = `${height}px`;
  if (canvas.style.width !== cssWidth) canvas.style.width = cssWidth;
  if (canvas.style.height !== cssHeight) canvas.style.height = cssHeight;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('Canvas2D is not available');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return context;
}

let probe: CanvasRenderingContext2D | null | undefined;

/** A CSS colour as [r, g, b, a] (0–255), as the canvas resolves it. */
export function rgba(color: string): [number, number, number, number] {
  if (probe === undefined) {
    const canvas = document.createElement('canvas');
    canvas.width = 1;
    canvas.height = 1;
    probe = canvas.getContext('2d', { willReadFrequently: true });
  }
  if (!probe) return [0, 0, 0, 255];
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = '#000000';
  probe.fillStyle = color;
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = probe.getImageData(0, 0, 1, 1).data;
  return [r, g, b, a];
}
