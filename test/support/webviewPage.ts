/**
 * The timeline webview page in real Chromium, as VS Code shows it: the page from `timelineHtml`
 * with its CSP, the built `dist/webview.js` and `dist/webview.css` served from a local origin
 * (the CSP's source), a stand-in `acquireVsCodeApi` that records what the page posts and stores,
 * and host messages delivered as `message` events on the window.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostToWebview, TimelineViewState, WebviewToHost } from '../../common/timelineProtocol';
import { newNonce, timelineHtml } from '../../webview/html';
import { ROOT } from './fixtures';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Why the webview tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is not installed (apt-get install chromium; .ci/run installs it)`;
  if (!existsSync(join(ROOT, 'dist', 'webview.js'))) return 'dist/webview.js is not built (npm run build)';
  return undefined;
}

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...extraArgs] });
}

/** Serves the page shell, the bundle and the stylesheet from one origin. */
export class PageServer {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
    private readonly pages: Map<string, string>,
  ) {}

  static async start(): Promise<PageServer> {
    const files: Record<string, { type: string; body: Buffer }> = {
      '/webview.js': { type: 'text/javascript', body: readFileSync(join(ROOT, 'dist', 'webview.js')) },
      '/webview.css': { type: 'text/css', body: readFileSync(join(ROOT, 'dist', 'webview.css')) },
    };
    const pages = new Map<string, string>();
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      const page = pages.get(path);
      const file = files[path];
      if (path === '/favicon.ico') response.writeHead(204).end();
      else if (page !== undefined) response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      else if (file) response.writeHead(200, { 'content-type': file.type }).end(file.body);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new PageServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pages);
  }

  /** Adds a page built by `timelineHtml` (as the extension builds it) and returns its URL. */
  addPage(title: string): string {
    const path = `/page-${this.pages.size}.html`;
    this.pages.set(path, timelineHtml({ scriptUri: `${this.origin}/webview.js`, styleUri: `${this.origin}/webview.css`, cspSource: this.origin, nonce: newNonce(), title }));
    return `${this.origin}${path}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

declare global {
  interface Window {
    __messages: WebviewToHost[];
    __state: TimelineViewState | undefined;
    __setStateCalls: number;
    __cspViolations: string[];
  }
}

/**
 * Stands in for VS Code's webview API; like VS Code's, it may be acquired once only. A string,
 * not a function: Playwright sends a function's source, and tsx's compiled source calls a helper
 * (`__name`) that the page does not have. For the same reason the page gets that helper as a
 * no-op, so the tests' `page.evaluate` callbacks can name things.
 */
const STAND_IN_API = `
globalThis.__name = (target) => target;
window.__messages = [];
window.__state = __INITIAL_STATE__;
window.__setStateCalls = 0;
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));
let acquired = false;
window.acquireVsCodeApi = () => {
  if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
  acquired = true;
  return {
    postMessage: (message) => window.__messages.push(JSON.parse(JSON.stringify(message))),
    getState: () => window.__state,
    setState: (state) => {
      window.__state = JSON.parse(JSON.stringify(state));
      window.__setStateCalls++;
    },
  };
};
`;

export interface TimelinePage {
  page: Page;
  /** Console errors, page errors and failed requests, as they happen. */
  errors: string[];
}

export interface OpenOptions {
  title?: string;
  /** What `getState()` returns at start (the state VS Code kept across a reload). */
  state?: TimelineViewState;
  viewport?: { width: number; height: number };
}

/** Opens the page and waits for its `ready`. */
export async function openTimeline(browser: Browser, server: PageServer, options: OpenOptions = {}): Promise<TimelinePage> {
  const page = await browser.newPage({ viewport: options.viewport ?? { width: 1000, height: 600 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
  await page.addInitScript({ content: STAND_IN_API.replace('__INITIAL_STATE__', () => (options.state ? JSON.stringify(options.state) : 'undefined')) });
  await page.goto(server.addPage(options.title ?? 'trace.json'));
  await page.waitForFunction(() => window.__messages.some((m) => m.type === 'ready'));
  return { page, errors };
}

/** Delivers a host message the way VS Code does, and waits for the frame that draws a trace. */
export async function deliver(page: Page, message: HostToWebview): Promise<void> {
  // Sent as one JSON string: Playwright passes a string in an instant, a 100,000-span object in half a minute.
  await page.evaluate((json) => {
    performance.clearMarks('timeline:first-frame');
    window.postMessage(JSON.parse(json), '*');
  }, JSON.stringify(message));
  if (message.type === 'trace') await page.waitForFunction(() => performance.getEntriesByName('timeline:first-frame').length > 0);
  await nextFrame(page);
}

/** Waits until the page has drawn the frame after now (so a scheduled redraw has happened). */
export function nextFrame(page: Page): Promise<void> {
  return page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

/** A tree row as the page shows it. */
export interface ShownRow {
  /** The name and subject as displayed ("reload.load model:sentiment"). */
  label: string;
  /** The accessible name. */
  aria: string;
  level: number;
  /** undefined for a row that cannot expand. */
  expanded: boolean | undefined;
  selected: boolean;
  classes: string[];
  /** The row's position in the list (its top / row height). */
  position: number;
}

/** The row elements in the page, top to bottom. */
export function shownRows(page: Page): Promise<ShownRow[]> {
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll<HTMLElement>('.row')].map((row) => ({
      label: row.querySelector('.label')!.textContent!,
      aria: row.getAttribute('aria-label')!,
      level: Number(row.getAttribute('aria-level')),
      expanded: row.hasAttribute('aria-expanded') ? row.getAttribute('aria-expanded') === 'true' : undefined,
      selected: row.getAttribute('aria-selected') === 'true',
      classes: [...row.classList].filter((c) => c !== 'row').sort(),
      position: Math.round(parseFloat(row.style.top) / row.offsetHeight),
    }));
    return rows.sort((a, b) => a.position - b.position);
  });
}

/** The labels of the rows, top to bottom. */
export async function shownLabels(page: Page): Promise<string[]> {
  return (await shownRows(page)).map((row) => row.label);
}

/**
 * One pixel of a canvas, [r, g, b, a], at CSS pixel (x, y) (the tests run at device pixel ratio 1).
 * Copied into a canvas made for reading first: reading the page's own canvases again and again
 * would make Chromium warn (and the tests count warnings).
 */
export function pixelAt(page: Page, selector: string, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ({ selector, x, y }) => {
      const source = document.querySelector<HTMLCanvasElement>(selector)!;
      const copy = document.createElement('canvas');
      copy.width = 1;
      copy.height = 1;
      const context = copy.getContext('2d', { willReadFrequently: true })!;
      context.drawImage(source, Math.round(x), Math.round(y), 1, 1, 0, 0, 1, 1);
      return [...context.getImageData(0, 0, 1, 1).data];
    },
    { selector, x, y },
  );
}

/**
 * Polls (once a frame, up to a deadline) until what the page stored with `setState` satisfies
 * `check`; `calls` counts the setState calls so far.
 */
export async function storedState(page: Page, check: (state: TimelineViewState, calls: number) => boolean, timeoutMs = 10_000): Promise<TimelineViewState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { state, calls } = await page.evaluate(() => ({ state: window.__state, calls: window.__setStateCalls }));
    if (state !== undefined && check(state, calls)) return state;
    if (Date.now() > deadline) throw new Error(`the stored state never matched; last: ${JSON.stringify(state)}`);
    await nextFrame(page);
  }
}

export function postedMessages(page: Page): Promise<WebviewToHost[]> {
  return page.evaluate(() => window.__messages);
}

/** Closes the page after checking it logged no error and the CSP blocked nothing. */
export async function closeChecked({ page, errors }: TimelinePage): Promise<{ errors: string[]; violations: string[] }> {
  const violations = await page.evaluate(() => window.__cspViolations);
  await page.close();
  return { errors, violations };
}
