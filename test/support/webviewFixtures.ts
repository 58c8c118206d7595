/**
 * What the webview test files share: whether they can run here, one browser and page server per
 * file, the dark theme the pages open in and its colours, real dry runs by reloadctl, and a small
 * trace with every case.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { HostToWebview, TimelineTrace } from '../../common/timelineProtocol';
import type { AttributeValue, TraceSpan } from '../../core/tracing/model';
import { readTrace } from '../../core/tracing/readTrace';
import { spanSubject } from '../../core/tracing/spanSubject';
import { toTimelineTrace } from '../../core/tracing/timelineData';
import { reloadctl } from './cli';
import { spanOf, traceOf } from './traceShapes';
import { chromiumMissing, closeChecked, launchChromium, openTimeline, PageServer, pixelAt, type OpenOptions, type TimelinePage } from './webviewPage';

const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(`The webview tests must run in CI: ${missing}`);
if (missing) console.log(`# webview tests skipped: ${missing}`);
/** The `skip` option of every webview test: why they cannot run here, or false. */
export const skip = missing ?? false;

export const ROW = 22;
/** The theme variables VS Code sets on <html> (dark theme values); the canvas colours come from them. */
const DARK: Record<string, string> = {
  '--vscode-editor-background': '#1e1e1e',
  '--vscode-foreground': '#cccccc',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-errorForeground': '#f14c4c',
  '--vscode-charts-orange': '#d18616',
  '--vscode-list-inactiveSelectionBackground': '#37373d',
};
export const BLUE = [0x37, 0x94, 0xff, 255];
export const RED = [0xf1, 0x4c, 0x4c, 255];
export const ORANGE = [0xd1, 0x86, 0x16, 255];
export const BACKGROUND = [0x1e, 0x1e, 0x1e, 255];

/** The dry run by reloadctl whose post-activation probe fails and rolls back. */
export const ROLLED_BACK_MANIFEST = 'test/fixtures/dry-run/post-activate-probe-fails.reload.json';
/** A dry run by reloadctl that passes. */
export const PASSING_MANIFEST = 'examples/sentiment.reload.json';

/** Runs `reloadctl dry-run` on a manifest (a path from the repository root) and reads its trace as the host sends it. */
export function dryRunTrace(manifest: string): TimelineTrace {
  const work = mkdtempSync(join(tmpdir(), 'webview-'));
  try {
    const out = join(work, `${manifest.replace(/\W/g, '_')}.json`);
    const run = reloadctl(['dry-run', manifest, '--root', 'examples', '--trace-out', out]);
    assert.notEqual(run.code, 2, run.stderr);
    return toTimelineTrace(readTrace(JSON.parse(readFileSync(out, 'utf8'))), manifest.split('/').pop()!);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export type WithPage = (options: OpenOptions, body: (page: Page) => Promise<void>) => Promise<void>;

/**
 * Starts one page server and one Chromium before the calling file's tests and closes both after
 * them. The `withPage` it returns opens the page in the dark theme's variables; the test body
 * runs; then no console error and no CSP violation may have happened.
 */
export function timelinePages(): { withPage: WithPage } {
  let browser: Browser;
  let server: PageServer;
  before(async () => {
    if (missing) return;
    server = await PageServer.start();
    browser = await launchChromium();
  });
  after(async () => {
    if (missing) return;
    await browser.close();
    await server.close();
  });
  const withPage: WithPage = async (options, body) => {
    const opened: TimelinePage = await openTimeline(browser, server, options);
    await opened.page.evaluate((vars) => {
      for (const [name, value] of Object.entries(vars)) document.documentElement.style.setProperty(name, value);
    }, DARK);
    try {
      await body(opened.page);
    } finally {
      assert.deepEqual(await closeChecked(opened), { errors: [], violations: [] });
    }
  };
  return { withPage };
}

/** A span's row label: its name and, when it has one, its subject. */
export const label = (span: { name: string; attributes: Record<string, AttributeValue> }): string => {
  const subject = spanSubject(span.name, span.attributes);
  return subject === undefined ? span.name : `${span.name} ${subject}`;
};

export const show = (trace: TimelineTrace, extra: Partial<Extract<HostToWebview, { type: 'trace' }>> = {}): Extract<HostToWebview, { type: 'trace' }> => ({ type: 'trace', trace, revealable: true, ...extra });

/**
 * A small tree with every case: A (root) → B (→ B1, B2), D, C (→ C1 failed, C2 cancelled). The
 * critical path is A → C → C1 (C ends last, then C1). Times in ms.
 */
export function smallTrace(): TimelineTrace {
  const at = (n: number, parent: number | undefined, start: number, end: number, name: string, attributes: Record<string, AttributeValue> = {}, error?: string): TraceSpan => ({
    ...spanOf(n, parent, BigInt(start * 1e6) + 1_000_000_000n, BigInt(end * 1e6) + 1_000_000_000n, name),
    attributes,
    ...(error ? { status: { code: 2 as const, message: error } } : {}),
  });
  return toTimelineTrace(
    traceOf([
      at(1, undefined, 0, 100, 'reload.dryRun', { 'reload.manifest.name': 'demo' }),
      at(2, 1, 0, 40, 'reload.stage', { 'reload.change.ref': 'model:b' }),
      at(3, 2, 0, 30, 'reload.context.deserialize', { 'reload.change.ref': 'model:b' }),
      at(4, 2, 31, 38, 'reload.context.serialize', { 'reload.change.ref': 'model:b' }),
      at(5, 1, 30, 100, 'reload.load', { 'reload.change.ref': 'model:c' }),
      at(6, 5, 40, 95, 'reload.probe', { 'reload.probe.id': 'golden', 'reload.change.ref': 'model:c', 'error.type': 'ProbeFailed' }, 'off by 0.12'),
      at(7, 5, 50, 60, 'reload.stage', { 'reload.change.ref': 'config:c2', 'reload.cancelled': true }),
      at(8, 1, 10, 20, 'reload.verify'),
    ]),
    'demo.reload.json',
  );
}
export const A = 'reload.dryRun demo';
export const B = 'reload.stage model:b';
export const B1 = 'reload.context.deserialize model:b';
export const B2 = 'reload.context.serialize model:b';
export const C = 'reload.load model:c';
export const C1 = 'reload.probe golden → model:c';
export const C2 = 'reload.stage config:c2';
export const D = 'reload.verify';
export const ALL = [A, B, B1, B2, D, C, C1, C2];

/** The middle of span `span`'s bar on the bars canvas, at row `position`, with the whole trace in view. */
export async function barMiddle(page: Page, trace: TimelineTrace, span: number, position: number): Promise<{ x: number; y: number }> {
  const { width, scrollTop } = await page.evaluate(() => ({ width: document.querySelector<HTMLCanvasElement>('.bars')!.clientWidth, scrollTop: document.querySelector('.scroller')!.scrollTop }));
  const x0 = (trace.spans[span].start / trace.total) * width;
  const x1 = Math.max(((trace.spans[span].start + trace.spans[span].duration) / trace.total) * width, x0 + 1);
  const left = Math.max(Math.floor(x0), 0);
  const right = Math.min(Math.ceil(x1), width);
  return { x: Math.floor((left + right - 1) / 2), y: position * ROW - scrollTop + ROW / 2 };
}

export async function barPixel(page: Page, trace: TimelineTrace, span: number, position: number): Promise<number[]> {
  const { x, y } = await barMiddle(page, trace, span, position);
  return pixelAt(page, '.bars', x, y);
}
