import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { HostToWebview, TimelineTrace, TimelineViewState } from '../../common/timelineProtocol';
import type { AttributeValue, TraceSpan } from '../../core/tracing/model';
import { readTrace } from '../../core/tracing/readTrace';
import { spanSubject } from '../../core/tracing/spanSubject';
import { toTimelineTrace } from '../../core/tracing/timelineData';
import { formatDuration, formatOffset } from '../../webview/format';
import { escapeHtml, newNonce, timelineCsp, timelineHtml } from '../../webview/html';
import { reloadctl } from '../support/cli';
import { ROOT } from '../support/fixtures';
import { fleetTrace } from '../support/timelineTraces';
import { spanOf, traceOf } from '../support/traceShapes';
import {
  chromiumMissing,
  closeChecked,
  deliver,
  launchChromium,
  nextFrame,
  openTimeline,
  PageServer,
  pixelAt,
  postedMessages,
  shownLabels,
  shownRows,
  storedState,
  type OpenOptions,
  type TimelinePage,
} from '../support/webviewPage';

const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(`The webview tests must run in CI: ${missing}`);
if (missing) console.log(`# webview tests skipped: ${missing}`);
const skip = missing ?? false;

const ROW = 22;
/** The theme variables VS Code sets on <html> (dark theme values); the canvas colours come from them. */
const DARK: Record<string, string> = {
  '--vscode-editor-background': '#1e1e1e',
  '--vscode-foreground': '#cccccc',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-errorForeground': '#f14c4c',
  '--vscode-charts-orange': '#d18616',
  '--vscode-list-inactiveSelectionBackground': '#37373d',
};
const BLUE = [0x37, 0x94, 0xff, 255];
const RED = [0xf1, 0x4c, 0x4c, 255];
const ORANGE = [0xd1, 0x86, 0x16, 255];
const BACKGROUND = [0x1e, 0x1e, 0x1e, 255];

let browser: Browser;
let server: PageServer;
let work: string;
/** Real dry runs by reloadctl: a passing one, and one whose post-activation probe fails and rolls back. */
let passing: TimelineTrace;
let rolledBack: TimelineTrace;

function dryRunTrace(manifest: string): TimelineTrace {
  const out = join(work, `${manifest.replace(/\W/g, '_')}.json`);
  const run = reloadctl(['dry-run', manifest, '--root', 'examples', '--trace-out', out]);
  assert.notEqual(run.code, 2, run.stderr);
  return toTimelineTrace(readTrace(JSON.parse(readFileSync(out, 'utf8'))), manifest.split('/').pop()!);
}

before(async () => {
  if (missing) return;
  work = mkdtempSync(join(tmpdir(), 'webview-'));
  passing = dryRunTrace('examples/sentiment.reload.json');
  rolledBack = dryRunTrace('test/fixtures/dry-run/post-activate-probe-fails.reload.json');
  server = await PageServer.start();
  browser = await launchChromium();
});

after(async () => {
  if (missing) return;
  await browser.close();
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

const label = (span: { name: string; attributes: Record<string, AttributeValue> }): string => {
  const subject = spanSubject(span.name, span.attributes);
  return subject === undefined ? span.name : `${span.name} ${subject}`;
};

/** Opens the page in the dark theme's variables; the test body runs; then no console error and no CSP violation may have happened. */
async function withPage(options: OpenOptions, body: (page: Page) => Promise<void>): Promise<void> {
  const opened: TimelinePage = await openTimeline(browser, server, options);
  await opened.page.evaluate((vars) => {
    for (const [name, value] of Object.entries(vars)) document.documentElement.style.setProperty(name, value);
  }, DARK);
  try {
    await body(opened.page);
  } finally {
    assert.deepEqual(await closeChecked(opened), { errors: [], violations: [] });
  }
}

const show = (trace: TimelineTrace, extra: Partial<Extract<HostToWebview, { type: 'trace' }>> = {}): Extract<HostToWebview, { type: 'trace' }> => ({ type: 'trace', trace, revealable: true, ...extra });

/**
 * A small tree with every case: A (root) → B (→ B1, B2), D, C (→ C1 failed, C2 cancelled). The
 * critical path is A → C → C1 (C ends last, then C1). Times in ms.
 */
function smallTrace(): TimelineTrace {
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
const A = 'reload.dryRun demo';
const B = 'reload.stage model:b';
const B1 = 'reload.context.deserialize model:b';
const B2 = 'reload.context.serialize model:b';
const C = 'reload.load model:c';
const C1 = 'reload.probe golden → model:c';
const C2 = 'reload.stage config:c2';
const D = 'reload.verify';
const ALL = [A, B, B1, B2, D, C, C1, C2];

/** The middle of span `span`'s bar on the bars canvas, at row `position`, with the whole trace in view. */
async function barMiddle(page: Page, trace: TimelineTrace, span: number, position: number): Promise<{ x: number; y: number }> {
  const { width, scrollTop } = await page.evaluate(() => ({ width: document.querySelector<HTMLCanvasElement>('.bars')!.clientWidth, scrollTop: document.querySelector('.scroller')!.scrollTop }));
  const x0 = (trace.spans[span].start / trace.total) * width;
  const x1 = Math.max(((trace.spans[span].start + trace.spans[span].duration) / trace.total) * width, x0 + 1);
  const left = Math.max(Math.floor(x0), 0);
  const right = Math.min(Math.ceil(x1), width);
  return { x: Math.floor((left + right - 1) / 2), y: position * ROW - scrollTop + ROW / 2 };
}

async function barPixel(page: Page, trace: TimelineTrace, span: number, position: number): Promise<number[]> {
  const { x, y } = await barMiddle(page, trace, span, position);
  return pixelAt(page, '.bars', x, y);
}

const near = (actual: number[], expected: number[], tolerance = 2): boolean => actual.every((value, i) => Math.abs(value - expected[i]) <= tolerance);

test('the page: a strict CSP with a nonce, the title escaped, no HTML built from data anywhere in the bundle', { skip }, async () => {
  const nonce = newNonce();
  assert.match(nonce, /^[0-9a-f]{32}$/);
  assert.notEqual(newNonce(), nonce);
  const html = timelineHtml({ scriptUri: 'https://x.vscode-cdn.net/dist/webview.js', styleUri: 'https://x.vscode-cdn.net/dist/webview.css', cspSource: 'https://*.vscode-cdn.net', nonce, title: '</title><script>alert(1)</script>.json' });
  assert.ok(
    html.includes(
      `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; img-src https://*.vscode-cdn.net data:; style-src https://*.vscode-cdn.net; script-src &#39;nonce-${nonce}&#39;; font-src https://*.vscode-cdn.net">`,
    ),
  );
  assert.ok(html.includes('<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;.json</title>'));
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  // A source list that would add to the policy, and a guessable nonce, are refused.
  for (const source of ["https://a 'unsafe-inline'", 'https://a; script-src *', 'https://a,https://b', '']) {
    assert.throws(() => timelineCsp(source, nonce), /not a CSP source list/);
  }
  assert.throws(() => timelineCsp('https://a', '1234'), /nonce/);
  assert.equal(timelineCsp("'self' https://a", nonce), `default-src 'none'; img-src 'self' https://a data:; style-src 'self' https://a; script-src 'nonce-${nonce}'; font-src 'self' https://a`);
  const bundle = readFileSync(join(ROOT, 'dist', 'webview.js'), 'utf8');
  assert.deepEqual(['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval('].filter((name) => bundle.includes(name)), []);

  await withPage({ title: '</title><script>window.__injected = 1</script>"x.json' }, async (page) => {
    assert.deepEqual(await page.evaluate(() => [document.title, (window as { __injected?: number }).__injected, document.scripts.length]), ['</title><script>window.__injected = 1</script>"x.json', undefined, 1]);
    await deliver(page, show(smallTrace(), { trace: { ...smallTrace(), title: '<img src=x onerror="window.__injected=2">' } }));
    assert.deepEqual(await page.evaluate(() => [document.querySelector('.title')!.textContent, document.querySelectorAll('img').length, (window as { __injected?: number }).__injected]), ['<img src=x onerror="window.__injected=2">', 0, undefined]);
  });
});

test('a real dry run that rolls back: a row per span in tree order, bars in the ok, error and rollback colours, errors listed first', { skip }, async () => {
  const trace = rolledBack;
  await withPage({}, async (page) => {
    await deliver(page, show(trace));
    assert.deepEqual(
      trace.spans.map(label).slice(1).sort(),
      [
        'reload.activate',
        'reload.load config:sentiment-preprocess',
        'reload.load flagset:banners',
        'reload.load model:sentiment',
        'reload.probe golden → model:sentiment',
        'reload.rollback',
        'reload.stage config:sentiment-preprocess',
        'reload.stage model:sentiment',
        'reload.validate',
        'reload.verify',
      ],
    );
    const rows = await shownRows(page);
    assert.deepEqual(
      rows.map((row) => [row.label, row.level, row.expanded]),
      trace.spans.map((span) => [label(span), span.depth + 1, span.depth === 0 ? true : undefined]),
    );
    assert.equal(rows[0].label, 'reload.dryRun post-activate-probe-fails');
    const probe = trace.spans.findIndex((s) => s.name === 'reload.probe');
    const rollback = trace.spans.findIndex((s) => s.name === 'reload.rollback');
    const load = trace.spans.findIndex((s) => label(s) === 'reload.load model:sentiment');
    assert.equal(trace.spans[probe].statusMessage, 'Output "y"[1] is 0.5199893712997437, expected 0.4 ± 0.0001 (off by 0.120).');
    assert.equal(rows[probe].aria, `reload.probe golden → model:sentiment, ${formatDuration(trace.spans[probe].duration)}, error: ${trace.spans[probe].statusMessage}`);
    assert.equal(rows[rollback].aria, `reload.rollback, ${formatDuration(trace.spans[rollback].duration)}, ok, rollback`);
    assert.deepEqual([rows[probe].classes, rows[rollback].classes, rows[load].classes], [['error'], ['rollback'], []]);
    assert.deepEqual(await barPixel(page, trace, 0, 0), RED);
    assert.deepEqual(await barPixel(page, trace, load, load), BLUE);
    assert.deepEqual(await barPixel(page, trace, probe, probe), RED);
    assert.deepEqual(await barPixel(page, trace, rollback, rollback), ORANGE);
    assert.deepEqual(await pixelAt(page, '.bars', 2, rows.length * ROW + 40), BACKGROUND);
    assert.deepEqual(
      await page.$$eval('.problems li', (items) => items.map((item) => item.textContent)),
      [
        `✗ reload.dryRun post-activate-probe-fails: ${trace.spans[0].statusMessage}`,
        `✗ reload.probe golden → model:sentiment: ${trace.spans[probe].statusMessage}`,
        '↺ reload.rollback (rollback)',
      ],
    );
    assert.equal(await page.textContent('.problems h2'), 'Errors (2 failed · 1 rolled back or cancelled)');
    assert.equal(await page.textContent('.summary'), `11 spans · ${formatDuration(trace.total)} · 2 failed`);
    await page.click('.problems li:nth-child(2) button');
    await nextFrame(page);
    assert.deepEqual(
      (await shownRows(page)).filter((row) => row.selected).map((row) => row.label),
      ['reload.probe golden → model:sentiment'],
    );
  });
});

test('details: status and message, timing, ids, attributes, events and the resource of the trace', { skip }, async () => {
  const trace = rolledBack;
  const probe = trace.spans.findIndex((s) => s.name === 'reload.probe');
  await withPage({}, async (page) => {
    await deliver(page, show(trace));
    assert.equal(await page.textContent('.details h2'), 'Details');
    await page.click(`#span-row-${probe}`);
    await nextFrame(page);
    const details = await page.evaluate(() => {
      const panel = document.querySelector('.details')!;
      const lists = [...panel.querySelectorAll(':scope > dl')].map((dl) => [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]));
      return {
        title: panel.querySelector('h2')!.textContent,
        status: [...panel.querySelectorAll('.status, .message')].map((p) => p.textContent),
        headings: [...panel.querySelectorAll('h3')].map((h) => h.textContent),
        lists,
        events: [...panel.querySelectorAll('.events > li')].map((li) => li.textContent),
      };
    });
    const span = trace.spans[probe];
    const parent = trace.spans[span.parent];
    assert.equal(details.title, 'reload.probe golden → model:sentiment');
    assert.deepEqual(details.status, ['✗ Error: ProbeFailed', span.statusMessage]);
    assert.deepEqual(details.headings, ['Attributes (4)', 'Events (1)', 'Resource']);
    assert.deepEqual(details.lists[0].map(([key]) => key), ['Start', 'Duration', 'End', 'Kind', 'Span id', 'Parent']);
    assert.deepEqual(details.lists[0].slice(3), [
      ['Kind', 'Internal'],
      ['Span id', span.spanId],
      ['Parent', parent.spanId],
    ]);
    assert.deepEqual(details.lists[1], [
      ['reload.probe.id', 'golden'],
      ['reload.change.ref', 'model:sentiment'],
      ['error.type', 'ProbeFailed'],
      ['reload.manifest.pointer', '/spec/healthChecks/0/expect/values/1'],
    ]);
    assert.deepEqual(details.lists[2], [['service.name', 'reloadctl']]);
    assert.equal(details.events.length, 1);
    const [event] = span.events;
    assert.deepEqual(Object.keys(event.attributes), ['exception.type', 'exception.message']);
    assert.equal(details.events[0], `exception ${formatOffset(event.time)}exception.type${event.attributes['exception.type']}exception.message${event.attributes['exception.message']}`);
    // Byte counts read as sizes too.
    const stage = trace.spans.findIndex((s) => label(s) === 'reload.stage model:sentiment');
    await page.click(`#span-row-${stage}`);
    await nextFrame(page);
    assert.equal(await page.evaluate(() => [...document.querySelectorAll('.details dt')].find((dt) => dt.textContent === 'artifact.size')!.nextElementSibling!.textContent), '269 (269 B)');
    // Go to parent selects the root; Zoom to span shows the span with 5% of its length either side.
    await page.click('.details .go-parent');
    await nextFrame(page);
    assert.equal(await page.textContent('.details h2'), 'reload.dryRun post-activate-probe-fails');
    await page.click(`#span-row-${probe}`);
    await nextFrame(page);
    await page.click('.details .zoom-to');
    await nextFrame(page);
    const pad = span.duration * 0.05;
    assert.equal(await page.textContent('.window-text'), `${formatOffset(span.start - pad)} – ${formatOffset(Math.min(trace.total, span.start + span.duration + pad))} of ${formatDuration(trace.total)}`);
  });
});

test('Reveal in manifest posts {type: reveal, spanId, ref} for a change; not for other spans, nor when the host cannot reveal; export posts its format', { skip }, async () => {
  const trace = passing;
  const load = trace.spans.findIndex((s) => label(s) === 'reload.load model:sentiment');
  const validate = trace.spans.findIndex((s) => s.name === 'reload.validate');
  await withPage({}, async (page) => {
    await deliver(page, show(trace));
    await page.click(`#span-row-${validate}`);
    await nextFrame(page);
    assert.equal(await page.$$eval('.details .reveal', (b) => b.length), 0);
    await page.click(`#span-row-${load}`);
    await nextFrame(page);
    await page.click('.details .reveal');
    await page.click('text=Export OTLP JSON');
    await page.click('text=Export Chrome trace');
    assert.deepEqual(await postedMessages(page), [
      { type: 'ready' },
      { type: 'reveal', spanId: trace.spans[load].spanId, ref: 'model:sentiment' },
      { type: 'export', format: 'otlp' },
      { type: 'export', format: 'chrome' },
    ]);
    await deliver(page, show(trace, { revealable: false }));
    await page.click(`#span-row-${load}`);
    await nextFrame(page);
    assert.deepEqual(await page.$$eval('.details .actions button', (buttons) => buttons.map((b) => b.textContent)), ['Zoom to span', 'Go to parent']);
  });
});

test('expand and collapse: the twisty and a double click change the row list exactly', { skip }, async () => {
  await withPage({}, async (page) => {
    await deliver(page, show(smallTrace()));
    assert.deepEqual(await shownLabels(page), ALL);
    assert.deepEqual(
      (await shownRows(page)).map((row) => row.expanded),
      [true, true, undefined, undefined, undefined, true, undefined, undefined],
    );
    await page.click('#span-row-1 .twisty');
    await nextFrame(page);
    assert.deepEqual(await shownLabels(page), [A, B, D, C, C1, C2]);
    assert.equal((await shownRows(page))[1].expanded, false);
    await page.dblclick('#span-row-5 .label');
    await nextFrame(page);
    assert.deepEqual(await shownLabels(page), [A, B, D, C]);
    await page.click('#span-row-1 .twisty');
    await nextFrame(page);
    assert.deepEqual(await shownLabels(page), [A, B, B1, B2, D, C]);
    await page.click('#span-row-0 .twisty');
    await nextFrame(page);
    assert.deepEqual(await shownLabels(page), [A]);
  });
});

test('keyboard: the tree moves, expands, collapses and opens details as the ARIA tree pattern says; / goes to the search box', { skip }, async () => {
  await withPage({}, async (page) => {
    await deliver(page, show(smallTrace()));
    const active = async (): Promise<string> => {
      const id = await page.getAttribute('.scroller', 'aria-activedescendant');
      return page.evaluate((id) => document.getElementById(id!)!.querySelector('.label')!.textContent!, id);
    };
    const press = async (key: string): Promise<void> => {
      await page.keyboard.press(key);
      await nextFrame(page);
    };
    await page.focus('.scroller');
    await nextFrame(page);
    assert.equal(await active(), A);
    await press('ArrowDown');
    assert.equal(await active(), B);
    await press('ArrowRight');
    assert.equal(await active(), B1);
    await press('ArrowLeft');
    assert.equal(await active(), B);
    await press('ArrowLeft');
    assert.deepEqual([await active(), await shownLabels(page)], [B, [A, B, D, C, C1, C2]]);
    await press('ArrowLeft');
    assert.equal(await active(), A);
    await press('ArrowDown');
    await press('ArrowRight');
    assert.deepEqual([await active(), await shownLabels(page)], [B, ALL]);
    await press('End');
    assert.equal(await active(), C2);
    await press('ArrowDown');
    assert.equal(await active(), C2);
    await press('Home');
    await press('ArrowUp');
    assert.equal(await active(), A);
    await press('Space');
    assert.deepEqual(await shownLabels(page), [A]);
    await press('Space');
    await press('PageDown');
    assert.equal(await active(), C2);
    assert.deepEqual((await shownRows(page)).filter((row) => row.selected).map((row) => row.label), [C2]);
    await press('Enter');
    assert.deepEqual(await page.evaluate(() => [document.activeElement!.className, document.querySelector('.details h2')!.textContent]), ['details', C2]);
    await press('Escape');
    assert.equal(await page.evaluate(() => document.activeElement!.className), 'scroller');
    await press('/');
    assert.equal(await page.evaluate(() => document.activeElement!.getAttribute('aria-label')), 'Filter spans');
    // Keys typed in the search box are text, not zoom or tree keys.
    await page.keyboard.type('+0');
    assert.equal(await page.inputValue('.search input'), '+0');
  });
});

test('screen readers: each row says name, duration and status; the canvases are hidden from them', { skip }, async () => {
  await withPage({}, async (page) => {
    await deliver(page, show(smallTrace()));
    assert.deepEqual(
      (await shownRows(page)).map((row) => row.aria),
      [
        'reload.dryRun demo, 100 ms, ok',
        'reload.stage model:b, 40.0 ms, ok',
        'reload.context.deserialize model:b, 30.0 ms, ok',
        'reload.context.serialize model:b, 7.00 ms, ok',
        'reload.verify, 10.0 ms, ok',
        'reload.load model:c, 70.0 ms, ok',
        'reload.probe golden → model:c, 55.0 ms, error: off by 0.12',
        'reload.stage config:c2, 10.0 ms, ok, cancelled',
      ],
    );
    assert.deepEqual(await page.$$eval('canvas', (canvases) => canvases.map((c) => c.getAttribute('aria-hidden'))), ['true', 'true', 'true']);
    assert.deepEqual(
      await page.$$eval('.row', (rows) => rows.slice(0, 3).map((row) => [row.getAttribute('role'), row.getAttribute('aria-posinset'), row.getAttribute('aria-setsize')])),
      [
        ['treeitem', '1', '1'],
        ['treeitem', '1', '3'],
        ['treeitem', '1', '2'],
      ],
    );
    assert.equal(await page.getAttribute('.scroller', 'role'), 'tree');
  });
});

test('search: status:error shows exactly the failing span and its ancestors; words, attr:key=value and key=value; bad terms say why', { skip }, async () => {
  await withPage({}, async (page) => {
    await deliver(page, show(smallTrace()));
    const search = async (text: string): Promise<[string[], string]> => {
      await page.fill('.search input', text);
      await nextFrame(page);
      return [await shownLabels(page), (await page.textContent('.search-count'))!];
    };
    // C is collapsed: a search expands the ancestors of what it finds.
    await page.click('#span-row-5 .twisty');
    await nextFrame(page);
    assert.deepEqual(await search('status:error'), [[A, C, C1], '1 of 8 spans match']);
    assert.deepEqual(
      (await shownRows(page)).map((row) => [row.classes, row.expanded]),
      [
        [['context'], true],
        [['context'], true],
        [['error'], undefined],
      ],
    );
    assert.deepEqual(await search('MODEL:B'), [[A, B, B1, B2], '3 of 8 spans match']);
    assert.deepEqual(await search('attr:reload.cancelled=true'), [[A, C, C2], '1 of 8 spans match']);
    assert.deepEqual(await search('reload.change.ref=model:c'), [[A, C, C1], '2 of 8 spans match']);
    assert.deepEqual(await search('attr:error.type status:error probe'), [[A, C, C1], '1 of 8 spans match']);
    assert.deepEqual(await search('"serialize model:b"'), [[A, B, B1, B2], '2 of 8 spans match']);
    assert.deepEqual(await search('status:ok "reload.context serialize"'), [[], '0 of 8 spans match']);
    assert.deepEqual(await search('status:bogus'), [ALL, 'status:bogus: status is error, ok or unset']);
    // A span the filter hides, chosen in the Errors list, clears the filter.
    assert.deepEqual(await search('model:b'), [[A, B, B1, B2], '3 of 8 spans match']);
    await page.click('.problems li:nth-child(2) button');
    await nextFrame(page);
    assert.deepEqual([await page.inputValue('.search input'), await shownLabels(page), (await shownRows(page)).find((row) => row.selected)?.label], ['', ALL, C2]);
    assert.deepEqual(await search('status:bogus'), [ALL, 'status:bogus: status is error, ok or unset']);
    assert.equal(await page.getAttribute('.search-count', 'class'), 'search-count problem');
    await page.fill('.search input', 'status:error');
    await page.press('.search input', 'Escape');
    await nextFrame(page);
    assert.deepEqual([await page.inputValue('.search input'), await shownLabels(page)], ['', ALL]);
  });
});

test('critical path: the toggle marks the chain of last-ending children and dims every other bar', { skip }, async () => {
  const trace = smallTrace();
  await withPage({}, async (page) => {
    await deliver(page, show(trace));
    assert.deepEqual(await barPixel(page, trace, 1, 1), BLUE);
    await page.click('.critical');
    await nextFrame(page);
    assert.equal(await page.getAttribute('.critical', 'aria-pressed'), 'true');
    assert.deepEqual(
      (await shownRows(page)).filter((row) => row.classes.includes('critical')).map((row) => row.label),
      [A, C, C1],
    );
    assert.equal((await shownRows(page))[6].aria, 'reload.probe golden → model:c, 55.0 ms, error: off by 0.12, on the critical path');
    const dimmed = BLUE.map((value, i) => (i === 3 ? 255 : Math.round(value * 0.35 + BACKGROUND[i] * 0.65)));
    assert.ok(near(await barPixel(page, trace, 1, 1), dimmed), `${await barPixel(page, trace, 1, 1)} ≈ ${dimmed}`);
    assert.deepEqual(await barPixel(page, trace, 5, 5), BLUE);
    assert.deepEqual(await barPixel(page, trace, 6, 6), RED);
    assert.equal((await storedState(page, (state) => state.criticalPath === true)).criticalPath, true);
    await page.click('.critical');
    await nextFrame(page);
    assert.deepEqual(await barPixel(page, trace, 1, 1), BLUE);
  });
});

test('zoom and pan: keys, buttons, Ctrl+wheel, dragging the bars, the axis keys and the minimap move the window exactly; zoom stops at 100 ns', { skip }, async () => {
  const trace = smallTrace();
  await withPage({}, async (page) => {
    await deliver(page, show(trace));
    const stored = async (): Promise<{ start: number; end: number }> => {
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
      return page.evaluate(() => window.__state!.view!);
    };
    // Pointer positions reach the page as floats: a millionth of a pixel off is ~1e-5 ms here.
    const close = (actual: { start: number; end: number }, start: number, end: number, tolerance = 1e-9): void =>
      assert.ok(Math.abs(actual.start - start) <= tolerance && Math.abs(actual.end - end) <= tolerance, `${JSON.stringify(actual)} ≠ [${start}, ${end}]`);
    assert.equal(await page.textContent('.window-text'), 'Whole trace: 100 ms');
    await page.keyboard.press('+');
    close(await stored(), 50 - 100 / 3, 50 + 100 / 3);
    assert.equal(await page.textContent('.window-text'), '+16.7 ms – +83.3 ms of 100 ms');
    await page.click('[aria-label="Zoom out"]');
    close(await stored(), 0, 100);
    await page.click('[aria-label="Zoom in"]');
    const width = await page.evaluate(() => document.querySelector<HTMLCanvasElement>('.bars')!.clientWidth);
    const box = (await page.locator('.bars').boundingBox())!;
    await page.mouse.move(box.x + width / 2, box.y + 30);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -100);
    await page.keyboard.up('Control');
    const zoomed = (100 / 1.5) / Math.exp(0.2);
    close(await stored(), 50 - zoomed / 2, 50 + zoomed / 2);
    await page.mouse.move(box.x + width / 2, box.y + 30);
    await page.mouse.down();
    await page.mouse.move(box.x + width / 2 - 50, box.y + 30, { steps: 5 });
    await page.mouse.up();
    const dragged = 50 - zoomed / 2 + (50 / width) * zoomed;
    close(await stored(), dragged, dragged + zoomed);
    assert.deepEqual((await shownRows(page)).filter((row) => row.selected), [], 'a drag selects nothing');
    await page.focus('.axis');
    await page.keyboard.press('ArrowRight');
    close(await stored(), dragged + zoomed * 0.1, dragged + zoomed * 1.1);
    await page.keyboard.press('Home');
    close(await stored(), 0, zoomed);
    await page.keyboard.press('End');
    close(await stored(), 100 - zoomed, 100);
    const minimap = (await page.locator('.minimap').boundingBox())!;
    await page.mouse.click(minimap.x + width * 0.35, minimap.y + 10);
    close(await stored(), 35 - zoomed / 2, 35 + zoomed / 2, 1e-4);
    // Shift + wheel (and a horizontal wheel) pans by the pixels scrolled.
    await page.mouse.move(box.x + width / 2, box.y + 30);
    await page.keyboard.down('Shift');
    await page.mouse.wheel(0, 40);
    await page.keyboard.up('Shift');
    const panned = 35 - zoomed / 2 + (40 / width) * zoomed;
    close(await stored(), panned, panned + zoomed, 1e-4);
    await page.mouse.wheel(-40, 0);
    close(await stored(), 35 - zoomed / 2, 35 + zoomed / 2, 1e-4);
    await page.keyboard.press('0');
    close(await stored(), 0, 100);
    for (let i = 0; i < 40; i++) await page.keyboard.press('+');
    const narrowest = await stored();
    assert.ok(Math.abs(narrowest.end - narrowest.start - 1e-4) < 1e-12, JSON.stringify(narrowest));
    await page.keyboard.press('0');
    await nextFrame(page);
    assert.equal(await page.textContent('.window-text'), 'Whole trace: 100 ms');
  });
});

test('theme: a new body class and new VS Code colours redraw the canvases in them', { skip }, async () => {
  const trace = smallTrace();
  await withPage({}, async (page) => {
    await deliver(page, show(trace));
    assert.deepEqual(await barPixel(page, trace, 1, 1), BLUE);
    assert.deepEqual(await pixelAt(page, '.bars', 2, 8 * ROW + 40), BACKGROUND);
    await page.evaluate(() => {
      document.body.classList.remove('vscode-dark');
      document.body.classList.add('vscode-light');
      document.documentElement.style.setProperty('--vscode-charts-blue', '#00ff00');
      document.documentElement.style.setProperty('--vscode-editor-background', '#ffffff');
    });
    await nextFrame(page);
    assert.deepEqual(await barPixel(page, trace, 1, 1), [0, 255, 0, 255]);
    assert.deepEqual(await pixelAt(page, '.bars', 2, 8 * ROW + 40), [255, 255, 255, 255]);
    // High contrast: bars get the contrast border.
    await page.evaluate(() => {
      document.documentElement.style.setProperty('--vscode-contrastBorder', '#ff00ff');
      document.body.className = 'vscode-high-contrast';
    });
    await nextFrame(page);
    const { x, y } = await barMiddle(page, trace, 0, 0);
    assert.deepEqual(await pixelAt(page, '.bars', x, y - ROW / 2 + 4), [255, 0, 255, 255]);
    assert.deepEqual(await barPixel(page, trace, 1, 1), [0, 255, 0, 255]);
  });
});

test('state: setState keeps selection, collapsed rows, filter, zoom, scroll and the critical path (throttled); a restored state is applied again', { skip }, async () => {
  const trace = toTimelineTrace(fleetTrace(1000), 'fleet.json');
  const source = { uri: 'file:///work/fleet.json', title: 'fleet.json' };
  const target = trace.spans.findIndex((s) => s.name === 'reload.target');
  const probe = trace.spans.findIndex((s) => s.name === 'reload.probe' && s.status === 2);
  let saved: TimelineViewState | undefined;
  await withPage({}, async (page) => {
    await deliver(page, show(trace, { source }));
    await page.fill('.search input', 'reload.probe');
    await page.click(`#span-row-${target} .twisty`);
    await nextFrame(page);
    await page.click('.critical');
    for (let i = 0; i < 10; i++) await page.keyboard.press('+');
    await deliver(page, { type: 'select', spanId: trace.spans[probe].spanId });
    await page.evaluate(() => (document.querySelector('.scroller')!.scrollTop = 300));
    saved = await storedState(page, (state) => state.scrollTop === 300 && state.selectedSpanId !== undefined);
    assert.ok((await page.evaluate(() => window.__setStateCalls)) < 10, 'setState is throttled');
    const { view, treeWidth, ...rest } = saved;
    assert.deepEqual(rest, {
      version: 1,
      source,
      selectedSpanId: trace.spans[probe].spanId,
      collapsed: [trace.spans[target].spanId],
      filter: 'reload.probe',
      scrollTop: 300,
      criticalPath: true,
    });
    assert.ok(view!.end - view!.start < trace.total / 50 && typeof treeWidth === 'number');
  });
  // After a window reload, VS Code gives the page its state back; the host sends the same source.
  await withPage({ state: saved }, async (page) => {
    await deliver(page, show(trace, { source }));
    assert.deepEqual(await page.evaluate(() => [(document.querySelector('.search input') as HTMLInputElement).value, document.querySelector('.critical')!.getAttribute('aria-pressed'), document.querySelector('.scroller')!.scrollTop]), ['reload.probe', 'true', 300]);
    assert.equal((await shownRows(page)).find((row) => row.selected)?.label, label(trace.spans[probe]));
    assert.deepEqual(await storedState(page, (_, calls) => calls > 0), saved);
  });
  // The host's state wins over the page's own; a state for another source is not applied.
  await withPage({ state: saved }, async (page) => {
    await deliver(page, show(trace, { source, state: { version: 1, source, collapsed: [trace.spans[0].spanId] } }));
    assert.deepEqual([await shownLabels(page), await page.inputValue('.search input')], [[label(trace.spans[0])], '']);
  });
  await withPage({ state: saved }, async (page) => {
    await deliver(page, show(trace, { source: { uri: 'file:///work/other.json', title: 'other.json' } }));
    assert.deepEqual([await page.inputValue('.search input'), (await shownRows(page)).some((row) => row.selected)], ['', false]);
  });
  // What VS Code gives back is read defensively: another version is ignored, damaged parts are dropped.
  const damaged = { version: 1, source, collapsed: 'all', filter: 7, view: { start: 'a', end: 3 }, scrollTop: null, selectedSpanId: trace.spans[probe].spanId } as unknown as TimelineViewState;
  for (const [pageState, hostState] of [
    [damaged, undefined],
    [undefined, damaged],
  ]) {
    await withPage({ state: pageState }, async (page) => {
      await deliver(page, show(trace, { source, ...(hostState ? { state: hostState } : {}) }));
      assert.deepEqual([await page.inputValue('.search input'), (await shownRows(page)).find((row) => row.selected)?.label, await page.textContent('.window-text')], ['', label(trace.spans[probe]), `Whole trace: ${formatDuration(trace.total)}`]);
    });
  }
  await withPage({ state: { ...saved!, version: 2 } as unknown as TimelineViewState }, async (page) => {
    await deliver(page, show(trace, { source }));
    assert.equal(await page.inputValue('.search input'), '');
  });
});

test('state: the same source sent again (a new run) keeps the view, even within the throttle', { skip }, async () => {
  const source = { uri: 'file:///work/demo.reload.json', title: 'demo.reload.json' };
  await withPage({}, async (page) => {
    await deliver(page, show(smallTrace(), { source }));
    await storedState(page, (_, calls) => calls === 1);
    await page.click('#span-row-1 .twisty');
    await page.click('#span-row-6');
    await deliver(page, show(smallTrace(), { source }));
    assert.deepEqual(
      (await shownRows(page)).map((row) => [row.label, row.selected]),
      [A, B, D, C, C1, C2].map((name) => [name, name === C1]),
    );
  });
});

test('state: a page about to be hidden stores its state at once, not after the throttle', { skip }, async () => {
  await withPage({}, async (page) => {
    await deliver(page, show(smallTrace()));
    await storedState(page, (_, calls) => calls === 1);
    const calls = await page.evaluate(() => {
      document.querySelector<HTMLButtonElement>('.critical')!.click();
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
      return [window.__setStateCalls, window.__state!.criticalPath];
    });
    assert.deepEqual(calls, [2, true]);
  });
});

test('the span-name column resizes with the splitter (keys and drag); the bars show the span under the pointer as a tooltip', { skip }, async () => {
  await withPage({}, async (page) => {
    await deliver(page, show(smallTrace()));
    const widths = (): Promise<number[]> => page.evaluate(() => [document.querySelector<HTMLElement>('.row')!.offsetWidth, document.querySelector<HTMLCanvasElement>('.bars')!.clientWidth, Number(document.querySelector('.splitter')!.getAttribute('aria-valuenow'))]);
    const [row, bars] = await widths();
    await page.focus('.splitter');
    await page.keyboard.press('ArrowRight');
    await nextFrame(page);
    assert.deepEqual(await widths(), [row + 16, bars - 16, row + 16]);
    const handle = (await page.locator('.splitter').boundingBox())!;
    await page.mouse.move(handle.x + 3, handle.y + 200);
    await page.mouse.down();
    await page.mouse.move(10, handle.y + 200, { steps: 3 });
    await page.mouse.up();
    await nextFrame(page);
    assert.deepEqual((await widths())[0], 120, 'the column keeps a minimum width');
    assert.equal((await storedState(page, (state) => state.treeWidth === 120)).treeWidth, 120);
    const box = (await page.locator('.bars').boundingBox())!;
    await page.mouse.move(box.x + 5, box.y + 6 * ROW + 5);
    assert.equal(await page.getAttribute('.bars', 'title'), `${C1} · 55.0 ms`);
  });
});

test('select from the host: ancestors expand and the span scrolls into view; a select before the trace is applied when it comes', { skip }, async () => {
  const trace = toTimelineTrace(fleetTrace(2000), 'fleet.json');
  const deep = trace.spans.map((s) => s.name).lastIndexOf('reload.context.deserialize');
  await withPage({}, async (page) => {
    await deliver(page, { type: 'select', spanId: trace.spans[deep].spanId });
    await deliver(page, show(trace));
    const selected = async (): Promise<{ label: string; inView: boolean }> =>
      page.evaluate(() => {
        const row = document.querySelector<HTMLElement>('.row[aria-selected="true"]')!;
        const scroller = document.querySelector('.scroller')!.getBoundingClientRect();
        const box = row.getBoundingClientRect();
        return { label: row.querySelector('.label')!.textContent!, inView: box.top >= scroller.top && box.bottom <= scroller.bottom };
      });
    assert.deepEqual(await selected(), { label: label(trace.spans[deep]), inView: true });
    await page.evaluate(() => (document.querySelector('.scroller')!.scrollTop = 0));
    await page.click('#span-row-0 .twisty');
    await nextFrame(page);
    assert.deepEqual(await shownLabels(page), [label(trace.spans[0])]);
    await deliver(page, { type: 'select', spanId: trace.spans[deep].spanId });
    assert.deepEqual(await selected(), { label: label(trace.spans[deep]), inView: true });
    assert.equal(await page.textContent('.details h2'), label(trace.spans[deep]));
  });
});

test('100,000 spans: only the rows in view exist, scrolling to the end shows the last span, End selects it, a search counts every match', { skip }, async () => {
  const trace = toTimelineTrace(fleetTrace(100_000), 'fleet-100k.json');
  const last = trace.spans.length - 1;
  const failed = trace.spans.filter((s) => s.status === 2).length;
  await withPage({}, async (page) => {
    await deliver(page, show(trace));
    const inView = Math.ceil(600 / ROW);
    const bound = inView + 2 * 8 + 1;
    const count = (): Promise<number> => page.evaluate(() => document.querySelectorAll('.row').length);
    assert.ok((await count()) <= bound, `${await count()} rows`);
    assert.equal(await page.evaluate(() => document.querySelector('.track')!.clientHeight), trace.spans.length * ROW);
    await page.evaluate(() => {
      const scroller = document.querySelector('.scroller')!;
      scroller.scrollTop = scroller.scrollHeight;
    });
    await nextFrame(page);
    const rows = await shownRows(page);
    assert.ok(rows.length <= bound, `${rows.length} rows`);
    assert.deepEqual([rows[rows.length - 1].label, rows[rows.length - 1].position], [label(trace.spans[last]), last]);
    assert.deepEqual(await barPixel(page, trace, last, last), trace.spans[last].status === 2 ? RED : BLUE);
    await page.focus('.scroller');
    await page.keyboard.press('End');
    await nextFrame(page);
    assert.equal(await page.textContent('.details h2'), label(trace.spans[last]));
    await page.fill('.search input', 'status:error');
    await nextFrame(page);
    assert.equal(await page.textContent('.search-count'), `${failed} of 100000 spans match`);
    assert.ok((await count()) <= bound + 1);
  });
});

test('an empty trace says so; warnings are shown in a banner; spans out of tree order are shown as roots and said', { skip }, async () => {
  await withPage({}, async (page) => {
    assert.equal(await page.textContent('.empty'), 'Waiting for the trace…');
    // Messages the page does not know are ignored; a trace message without a trace says so.
    await page.evaluate(() => {
      window.postMessage({ type: 'unknown' }, '*');
      window.postMessage('text', '*');
      window.postMessage(null, '*');
    });
    await deliver(page, { type: 'trace', revealable: false } as unknown as HostToWebview);
    assert.deepEqual(await page.evaluate(() => [document.querySelector('.empty')!.textContent, [...document.querySelectorAll('.banner li')].map((li) => li.textContent)]), [
      'This trace has no spans: nothing ran, or the file holds no spans.',
      ['The host sent no trace.'],
    ]);
    await deliver(page, show(toTimelineTrace({ resource: {}, scope: { name: 't' }, spans: [] }, 'empty.json')));
    assert.deepEqual(await page.evaluate(() => [document.querySelector<HTMLElement>('.empty')!.hidden, document.querySelector('.empty')!.textContent, document.querySelectorAll('.row').length]), [
      false,
      'This trace has no spans: nothing ran, or the file holds no spans.',
      0,
    ]);
    const cyclic = toTimelineTrace(traceOf([spanOf(1, undefined, 1000n, 5000n), spanOf(2, 3, 2000n, 3000n), spanOf(3, 2, 2500n, 2900n)]), 'cyclic.json');
    await deliver(page, show(cyclic));
    assert.deepEqual(await page.$$eval('.banner li', (items) => items.map((item) => item.textContent)), cyclic.warnings);
    assert.equal(cyclic.warnings.length, 1);
    assert.deepEqual((await shownRows(page)).map((row) => [row.label, row.level]), [
      ['step-1 model:m1', 1],
      ['step-2 model:m2', 1],
      ['step-3 model:m3', 2],
    ]);
    await page.click('#span-row-1');
    await nextFrame(page);
    assert.ok((await page.$$eval('.details p', (ps) => ps.map((p) => p.textContent))).includes('Shown as a root: its parent link closes a cycle.'));
    await page.click('.banner button');
    assert.equal(await page.isHidden('.banner'), true);
    const broken = smallTrace();
    broken.spans[3] = { ...broken.spans[3], parent: 6 };
    // A duration that is not a number (NaN reaches the page as null) counts as 0.
    broken.spans[4] = { ...broken.spans[4], duration: null as unknown as number };
    await deliver(page, show(broken));
    // B2 points past itself; D and C then follow a root that is not their parent's subtree: all three are shown as roots.
    assert.deepEqual(await page.$$eval('.banner li', (items) => items.map((item) => item.textContent)), ['3 spans named a parent that is not an open ancestor in tree order; shown as roots']);
    assert.equal(await page.isHidden('.banner'), false);
    assert.deepEqual((await shownRows(page)).map((row) => [row.label, row.level]), [
      [A, 1],
      [B, 2],
      [B1, 3],
      [B2, 1],
      [D, 1],
      [C, 1],
      [C1, 2],
      [C2, 2],
    ]);
    assert.equal((await shownRows(page))[4].aria, 'reload.verify, 0 ms, ok');
  });
});

test('a hostile trace stays bounded: a megabyte name, thousands of attributes, a 20,000-deep chain, 150 failures', { skip }, async () => {
  const spans: TraceSpan[] = [];
  for (let i = 1; i <= 20_000; i++) spans.push({ ...spanOf(i, i === 1 ? undefined : i - 1, BigInt(i), BigInt(100_000 - i)), attributes: {} });
  const attributes: Record<string, AttributeValue> = {};
  for (let i = 0; i < 5000; i++) attributes[`key.${i}`] = 'v'.repeat(10_000);
  spans[19_999] = { ...spans[19_999], name: 'n'.repeat(1_000_000), attributes };
  for (let i = 0; i < 150; i++) spans.push({ ...spanOf(30_000 + i, 1, 5000n, 6000n), status: { code: 2, message: `failure ${i}` } });
  const trace = toTimelineTrace(traceOf(spans), 'hostile.json');
  await withPage({}, async (page) => {
    await deliver(page, show(trace));
    assert.deepEqual(
      await page.$$eval('.problems li', (items) => [items.length, items[0].textContent, items[99].textContent]),
      [100, '✗ step-30000 model:m30000: failure 0', '✗ step-30099 model:m30099: failure 99'],
    );
    assert.equal(await page.textContent('.problems .more'), '50 more not listed. Filter the tree to failed spans');
    await page.click('.filter-errors');
    await nextFrame(page);
    assert.equal(await page.textContent('.search-count'), '150 of 20150 spans match');
    await page.fill('.search input', '');
    await page.evaluate(() => {
      const scroller = document.querySelector('.scroller')!;
      scroller.scrollTop = 19_999 * 22 - 100;
    });
    await nextFrame(page);
    const deepest = await page.evaluate(() => {
      const row = document.getElementById('span-row-19999')!;
      return { label: row.querySelector('.label')!.textContent!.length, depth: row.querySelector('.depth')!.textContent, padding: row.style.paddingLeft, level: row.getAttribute('aria-level') };
    });
    assert.deepEqual(deepest, { label: 201, depth: '19999', padding: `${4 + 24 * 12}px`, level: '20000' });
    await page.click('#span-row-19999');
    await nextFrame(page);
    assert.deepEqual(
      await page.evaluate(() => [document.querySelector('.details h2')!.textContent!.length, document.querySelectorAll('.details dl.fields')[1].querySelectorAll('dt').length, document.querySelectorAll('.details dl.fields')[1].querySelector('dd')!.textContent!.length]),
      [4096 + '… (995904 more characters)'.length, 200, 4096 + '… (5904 more characters)'.length],
    );
    assert.equal(await page.evaluate(() => [...document.querySelectorAll('.details p.muted')].map((p) => p.textContent).find((t) => t!.includes('more attributes'))), '4800 more attributes not shown.');
  });
});

test('a span with a thousand events: the first 256 are marked on its bar, the first 200 listed; a host with 60 warnings shows 50 of them', { skip }, async () => {
  const events = Array.from({ length: 1000 }, (_, i) => ({ name: `event-${i}`, timeNs: 1_000_000_000n + BigInt(i) * 1_000_000n, attributes: {} }));
  const trace = toTimelineTrace(traceOf([{ ...spanOf(1, undefined, 1_000_000_000n, 2_000_000_000n), attributes: {}, events }]), 'events.json');
  trace.warnings = Array.from({ length: 60 }, (_, i) => `warning ${i}`);
  await withPage({}, async (page) => {
    await deliver(page, show(trace));
    const width = await page.evaluate(() => document.querySelector<HTMLCanvasElement>('.bars')!.clientWidth);
    // An event mark is 2 pixels wide and 3 high at the bottom of the bar (rows 15–17 of the row).
    const markAt = (event: number): Promise<number[]> => pixelAt(page, '.bars', Math.round((event / 1000) * width) - 1, 16);
    assert.deepEqual(await markAt(100), [0xcc, 0xcc, 0xcc, 255]);
    assert.deepEqual(await markAt(255), [0xcc, 0xcc, 0xcc, 255]);
    assert.deepEqual(await markAt(600), BLUE);
    await page.click('#span-row-0');
    await nextFrame(page);
    assert.deepEqual(await page.evaluate(() => [document.querySelectorAll('.events > li').length, document.querySelector('.events + p')!.textContent]), [200, '800 more events not shown.']);
    assert.deepEqual(await page.$$eval('.banner li', (items) => [items.length, items[49].textContent, items[50].textContent]), [51, 'warning 49', '10 more warnings']);
  });
});

test('a narrow panel stacks the details below the waterfall; the screenshot of a rolled-back run', { skip }, async () => {
  await withPage({ viewport: { width: 560, height: 800 } }, async (page) => {
    await deliver(page, show(rolledBack));
    const [waterfall, side] = await page.evaluate(() => ['.waterfall', '.side'].map((s) => document.querySelector(s)!.getBoundingClientRect().toJSON()));
    assert.ok(side.top >= waterfall.bottom - 1 && side.width >= 540, JSON.stringify({ waterfall, side }));
  });
  await withPage({ viewport: { width: 1000, height: 600 } }, async (page) => {
    await deliver(page, show(rolledBack));
    const probe = rolledBack.spans.findIndex((s) => s.name === 'reload.probe');
    await page.click(`#span-row-${probe}`);
    await nextFrame(page);
    // UPDATE_SCREENSHOTS=1 refreshes the README's picture; otherwise the latest render goes to test/screenshots (ignored by git).
    const path = process.env.UPDATE_SCREENSHOTS ? join(ROOT, 'docs', 'images', 'timeline.png') : join(ROOT, 'test', 'screenshots', 'timeline.png');
    mkdirSync(join(path, '..'), { recursive: true });
    await page.screenshot({ path });
  });
});
