/**
 * The timeline webview's tree in Chromium: rows and bars of a real dry run, the Errors list, the
 * details panel and its actions, expand and collapse, the keyboard, screen readers and search.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TimelineTrace } from '../../common/timelineProtocol';
import { formatDuration, formatOffset } from '../../webview/format';
import {
  A,
  ALL,
  B,
  B1,
  B2,
  BACKGROUND,
  barPixel,
  BLUE,
  C,
  C1,
  C2,
  D,
  dryRunTrace,
  label,
  ORANGE,
  PASSING_MANIFEST,
  RED,
  ROLLED_BACK_MANIFEST,
  ROW,
  show,
  skip,
  smallTrace,
  timelinePages,
} from '../support/webviewFixtures';
import { deliver, nextFrame, pixelAt, postedMessages, shownLabels, shownRows } from '../support/webviewPage';

/** Real dry runs by reloadctl: a passing one, and one whose post-activation probe fails and rolls back. */
let passing: TimelineTrace;
let rolledBack: TimelineTrace;
before(() => {
  if (skip) return;
  passing = dryRunTrace(PASSING_MANIFEST);
  rolledBack = dryRunTrace(ROLLED_BACK_MANIFEST);
});
const { withPage } = timelinePages();

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
