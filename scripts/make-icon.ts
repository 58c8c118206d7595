/**
 * Draws the extension's icon (images/icon.png, 128×128, transparent corners) from the SVG below,
 * rendered by headless Chromium: a reload arrow around three trace spans. The Marketplace takes
 * PNG icons only, so the SVG is the source and the PNG is committed.
 * Run: node --import tsx scripts/make-icon.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { launchChromium } from '../test/support/chromium';

const SIZE = 128;
const OUT = join(__dirname, '..', 'images', 'icon.png');

/** The banner colour in package.json (`galleryBanner.color`) is the gradient's dark end. */
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 128 128">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#1d4f7a"/>
      <stop offset="1" stop-color="#0f2a44"/>
    </linearGradient>
  </defs>
  <rect x="4" y="4" width="120" height="120" rx="26" fill="url(#bg)"/>
  <!-- the reload arrow: 283° of a circle, clockwise, its head pointing into the gap at the top -->
  <path d="M 83.39 29.02 A 40 40 0 1 1 34.27 37.23" fill="none" stroke="#e8f1fa" stroke-width="9" stroke-linecap="round"/>
  <path d="M 43.64 26.83 L 26.10 29.87 L 42.44 44.59 Z" fill="#e8f1fa" stroke="#e8f1fa" stroke-width="3" stroke-linejoin="round"/>
  <!-- three spans of a trace, as the timeline draws them -->
  <rect x="45" y="48" width="40" height="9" rx="4.5" fill="#5eead4"/>
  <rect x="53" y="61" width="28" height="9" rx="4.5" fill="#fbbf24"/>
  <rect x="61" y="74" width="28" height="9" rx="4.5" fill="#86efac"/>
</svg>`;

async function main(): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
    await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
    const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: SIZE, height: SIZE } });
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, png);
    console.log(`wrote ${OUT} (${png.length} bytes)`);
  } finally {
    await browser.close();
  }
}

void main();
