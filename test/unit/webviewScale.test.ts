/**
 * The timeline webview in Chromium against large and hostile traces: 100,000 spans, empty and
 * malformed traces, spans out of tree order, huge names and attribute lists, deep chains, many
 * failures, events and warnings: all shown within bounds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostToWebview } from '../../common/timelineProtocol';
import type { AttributeValue, TraceSpan } from '../../core/tracing/model';
import { toTimelineTrace } from '../../core/tracing/timelineData';
import { fleetTrace } from '../support/timelineTraces';
import { spanOf, traceOf } from '../support/traceShapes';
import { A, B, B1, B2, barPixel, BLUE, C, C1, C2, D, label, RED, ROW, show, skip, smallTrace, timelinePages } from '../support/webviewFixtures';
import { deliver, nextFrame, pixelAt, shownRows } from '../support/webviewPage';

const { withPage } = timelinePages();

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
