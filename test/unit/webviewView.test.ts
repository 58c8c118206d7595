/**
 * The timeline webview's view in Chromium: the critical path, zoom and pan (keys, wheel, drag,
 * minimap), the theme's colours, the state kept across reloads, the splitter, and selection from the host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TimelineViewState } from '../../common/timelineProtocol';
import { toTimelineTrace } from '../../core/tracing/timelineData';
import { formatDuration } from '../../webview/format';
import { fleetTrace } from '../support/timelineTraces';
import { A, B, BACKGROUND, barMiddle, barPixel, BLUE, C, C1, C2, D, label, RED, ROW, show, skip, smallTrace, timelinePages } from '../support/webviewFixtures';
import { deliver, nextFrame, pixelAt, shownLabels, shownRows, storedState } from '../support/webviewPage';

const { withPage } = timelinePages();

const near = (actual: number[], expected: number[], tolerance = 2): boolean => actual.every((value, i) => Math.abs(value - expected[i]) <= tolerance);

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
