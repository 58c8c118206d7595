/**
 * The dry run in real VS Code (code-server 4.139.1 = VS Code 1.139, headless Chromium) with the
 * packaged extension: from the Command Palette on a worker thread, its results inline and in the
 * Problems panel on the exact field, the timeline webview with the run's spans, the timeline
 * restored after a window reload, and a trace file opened in the timeline editor.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { locatePointer } from '../../core/model/locateChange';
import { readTrace } from '../../core/tracing/readTrace';
import { reloadctl } from '../support/cli';
import { EXAMPLES } from '../support/fixtures';
import { e2eSkipReason, startCodeServer, waitFor, type CodeServerSession } from './support/codeServer';
import { QUICK_INPUT, QUICK_INPUT_BOX, Workbench } from './support/workbench';

const CURRENT = 'sentiment.reload.json';
const BROKEN = 'sentiment-wrong-probe.reload.json';
const skipReason = e2eSkipReason();

let session: CodeServerSession;
let workbench: Workbench;
let workspace: string;
let screenshots: string;

before(async () => {
  if (skipReason) return;
  // examples/ plus a manifest whose probe expects other outputs: its dry run fails at the probe.
  workspace = mkdtempSync(join(tmpdir(), 'tracing-reload-e2e-ws-'));
  cpSync(EXAMPLES, workspace, { recursive: true });
  const broken = readFileSync(join(EXAMPLES, CURRENT), 'utf8').replace('"values": [0.480011, 0.519989]', '"values": [0.480011, 0.1]');
  assert.notEqual(broken, readFileSync(join(EXAMPLES, CURRENT), 'utf8'));
  writeFileSync(join(workspace, BROKEN), broken);
  writeFileSync(join(workspace, 'saved-run.otlp.json'), traceOf(join(EXAMPLES, CURRENT)));
  const jaeger = reloadctl(['trace', 'convert', join(workspace, 'saved-run.otlp.json'), '--to', 'jaeger'], workspace);
  assert.equal(jaeger.code, 0, jaeger.stderr);
  writeFileSync(join(workspace, 'saved-run-jaeger.trace.json'), jaeger.stdout);
  session = await startCodeServer({ trusted: true, workspace });
  workbench = new Workbench(session.page);
  screenshots = process.env.SCREENSHOTS_DIR ? resolve(process.env.SCREENSHOTS_DIR) : join(session.folder, '..', 'screenshots');
});

after(async () => {
  await session?.close();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

const e2e = (name: string, body: () => Promise<void>): void => {
  test(name, { skip: skipReason }, () => session.guard(name, body));
};

/** The OTLP JSON trace `reloadctl dry-run --trace-out` writes for a manifest. */
function traceOf(manifest: string): string {
  const out = join(mkdtempSync(join(tmpdir(), 'trace-')), 'run.otlp.json');
  const run = reloadctl(['dry-run', manifest, '--trace-out', out], EXAMPLES);
  assert.equal(run.code, 0, run.stderr);
  const text = readFileSync(out, 'utf8');
  rmSync(join(out, '..'), { recursive: true, force: true });
  return text;
}

/** The span names of a manifest's dry run, sorted. */
const traceNames = (manifest: string): string[] => readTrace(JSON.parse(traceOf(manifest))).spans.map((s) => s.name).sort();

/** The span labels of a printed timeline ("reload.stage model:sentiment", …), sorted. */
const cliLabels = (stdout: string): string[] => [...stdout.matchAll(/^[✓✗]\s+(reload\.[^│]*?)\s*│/gm)].map((m) => m[1]).sort();

/** The frame of the timeline webview's page (inside VS Code's webview iframes). */
async function timelineFrame(page: Page): Promise<Frame> {
  return waitFor('the timeline webview page', async () => {
    for (const frame of page.frames()) if (await frame.$('.scroller[role="tree"] .row').catch(() => null)) return frame;
    return undefined;
  }, 30_000);
}

/** Each visible row's label (the first part of its accessible name: "reload.load model:sentiment"). */
const rowLabels = (frame: Frame): Promise<string[]> => frame.$$eval('.row[role="treeitem"]', (rows) => rows.map((row) => (row.getAttribute('aria-label') ?? '').split(', ')[0]));

/** Editor lines that carry an inline result, as shown ("{✓ activated · 421.4 ms"; the editor renders spaces as no-break spaces). */
const resultLines = (page: Page): Promise<string[]> =>
  page.$$eval('.editor-group-container.active .monaco-editor .view-line', (lines) => lines.map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ').trim()).filter((t) => /[✓✗○↶] (activated|failed|skipped|rolled back)/.test(t)));

e2e('Dry Run from the Command Palette succeeds, shows each change\'s outcome and time inline, and its trace in the timeline webview', async () => {
  await workbench.openFile(CURRENT);
  await workbench.runCommand('Tracing Reload: Dry Run');
  const message = `Tracing Reload: dry run of ${CURRENT} succeeded: 3 changes activated.`;
  await workbench.waitForNotification((m) => m === message, 'the dry run result', 90_000);
  const inline = await waitFor('the inline results', async () => {
    const lines = await resultLines(session.page);
    return lines.length >= 2 ? lines : undefined;
  }).catch((error: Error) => {
    throw new Error(`${error.message}\nthe extension's log:\n${session.extensionLog()}`);
  });
  // The first two changes are on screen; each line is the change's opening brace and its result.
  assert.match(inline[0], /^\{✓ activated · \d+(\.\d+)? (ms|s)$/);
  assert.match(inline[1], /^\{✓ activated · \d+(\.\d+)? (ms|s)$/);
  // Hovering the model change's result lists its spans, with their times.
  await session.page.locator('.editor-group-container.active .view-line span:not(:has(span))', { hasText: /^✓.activated/ }).first().hover();
  const hover = await waitFor('the inline result\'s hover', async () => {
    const text = await session.page.$eval('.monaco-hover:not(.hidden)', (el) => el.textContent ?? '').catch(() => '');
    return text.includes('reload.probe') ? text : undefined;
  });
  assert.match(hover, /model:sentiment: ✓ activated in [\d.]+ (ms|s)/);
  assert.match(hover, /reload\.stage\s*[\d.]+ ms\s*✓\s*reload\.load\s*[\d.]+ (ms|s)\s*✓\s*reload\.probe\s*[\d.]+ ms\s*✓/);
  await session.page.keyboard.press('Escape');
  // The log says the run left the extension host's event loop free.
  const stall = await waitFor('the run in the log', () => /Dry run of .*sentiment\.reload\.json: Succeeded in \d+ ms; longest extension-host event-loop stall during the run: ([\d.]+) ms/.exec(session.extensionLog())?.[1]);
  assert.ok(Number(stall) < 1000, `stall ${stall} ms`);
  // (The hover's Escape may have closed the notification: Show Trace from the palette does what its button does.)
  await workbench.runCommand('Tracing Reload: Show Trace');
  const frame = await timelineFrame(session.page);
  const expected = cliLabels(reloadctl(['dry-run', join(session.folder, CURRENT)], session.folder).stdout);
  assert.equal(expected.length, 10);
  assert.deepEqual((await waitFor('all the spans as rows', async () => {
    const labels = await rowLabels(frame);
    return labels.length === expected.length ? labels : undefined;
  })).sort(), expected);
  // The panel opened beside the manifest, as the active tab of its group.
  assert.deepEqual(await session.page.$$eval('.editor-group-container .tab.active', (tabs) => tabs.map((t) => (t.textContent ?? '').trim())), [CURRENT, `Trace: ${CURRENT}`]);
  await workbench.screenshot(join(screenshots, 'timeline-in-vscode.png'));
});

e2e('"Reveal in manifest" on a change\'s span opens the manifest with the change selected', async () => {
  const frame = await timelineFrame(session.page);
  await frame.click('.row[role="treeitem"][aria-label^="reload.load model:sentiment,"]');
  await frame.click('button.reveal');
  const text = readFileSync(join(session.folder, CURRENT), 'utf8');
  const line = text.slice(0, locatePointer(text, '/spec/changes/0')!.start).split('\n').length;
  const status = await waitFor('the change selected in the manifest', async () => {
    const shown = await session.page.$eval('.statusbar-item[id="status.editor.selection"]', (el) => el.textContent ?? '').catch(() => '');
    return (await workbench.activeEditorTitle()) === CURRENT && /selected\)$/.test(shown) ? shown : undefined;
  });
  // The selection runs from the change's opening brace to the end of its line (the cursor at its end).
  assert.match(status, new RegExp(`^Ln ${line}, Col \\d+ \\(\\d+ selected\\)$`));
});

e2e('Export Trace… writes the last trace as OTLP JSON under a proposed name beside the manifest, and confirms', async () => {
  await workbench.clearNotifications();
  await workbench.runCommand('Tracing Reload: Export Trace…', { asks: true });
  // The format (OTLP JSON is first), then VS Code's save dialog, which proposes <manifest>.otlp.json beside it.
  await waitFor('the export format pick', async () => ((await session.page.$$eval(`${QUICK_INPUT} .monaco-list-row`, (rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''))).some((l) => l.startsWith('OTLP JSON')) ? true : undefined));
  await session.page.keyboard.press('Enter');
  const proposed = join(session.folder, 'sentiment.otlp.json');
  await waitFor('the save dialog with the proposed name', async () => ((await session.page.inputValue(QUICK_INPUT_BOX).catch(() => '')) === proposed ? true : undefined));
  await session.page.keyboard.press('Enter');
  await workbench.waitForNotification((m) => m === 'Tracing Reload: exported 10 spans to sentiment.otlp.json (OTLP JSON).', 'the export confirmation');
  const exported = readTrace(JSON.parse(readFileSync(proposed, 'utf8')));
  assert.deepEqual(exported.spans.map((s) => s.name).sort(), traceNames(join(EXAMPLES, CURRENT)));
  assert.equal(exported.resource['service.name'], 'vscode-tracing-reload');
});

e2e('a failed dry run is a diagnostic on the exact field (source "tracing-reload dry run"), gone with the next edit', async () => {
  await workbench.clearNotifications();
  await workbench.openFile(BROKEN);
  await workbench.runCommand('Tracing Reload: Dry Run');
  const cli = JSON.parse(reloadctl(['dry-run', join(session.folder, BROKEN), '--format', 'json'], session.folder).stdout) as { error: { type: string; message: string; pointer: string } };
  assert.equal(cli.error.pointer, '/spec/healthChecks/0/expect/values/1');
  const text = readFileSync(join(session.folder, BROKEN), 'utf8');
  const at = locatePointer(text, cli.error.pointer)!;
  const before = text.slice(0, at.start).split('\n');
  const problems = await workbench.waitForProblems(BROKEN, (p) => p.some((problem) => problem.source === 'tracing-reload dry run'), 'the dry run failure in the Problems panel', 90_000);
  assert.deepEqual(problems.filter((p) => p.source === 'tracing-reload dry run'), [
    { file: BROKEN, severity: 'Error', message: `ProbeFailed: ${cli.error.message}`, source: 'tracing-reload dry run', code: 'ProbeFailed', line: before.length, column: before.at(-1)!.length + 1 },
  ]);
  assert.equal(text.split('\n')[before.length - 1].slice(before.at(-1)!.length, before.at(-1)!.length + 3), '0.1');
  const failure = `Tracing Reload: dry run of ${BROKEN} failed: ProbeFailed: ${cli.error.message}`;
  await workbench.waitForNotification((m) => m === failure, 'the failure notification');
  // The model change failed (with its time); the others never ran (no time). The Problems panel may hide the later ones.
  const [failed, ...others] = await resultLines(session.page);
  assert.match(failed, /^\{✗ failed · \d+(\.\d+)? (ms|s)$/);
  assert.ok(others.every((line) => line === '{○ skipped'), JSON.stringify(others));
  // Show Trace puts the failed run in the timeline (the same panel), its failing probe among the rows.
  await workbench.clickNotificationButton(failure, 'Show Trace');
  const frame = await timelineFrame(session.page);
  const expected = cliLabels(reloadctl(['dry-run', join(session.folder, BROKEN)], session.folder).stdout);
  await waitFor('the failed run in the timeline', async () => ((await rowLabels(frame)).sort().join('\n') === expected.join('\n') ? true : undefined));
  await workbench.screenshot(join(screenshots, 'dry-run-failure.png'));
  // Any edit clears the run's results: they describe the text that ran.
  await workbench.goTo(1, 1);
  await session.page.keyboard.press('End');
  await session.page.keyboard.type(' ');
  await workbench.waitForProblems(BROKEN, (p) => !p.some((problem) => problem.source === 'tracing-reload dry run'), 'the dry run diagnostic to go after an edit');
  assert.deepEqual(await resultLines(session.page), []);
  await session.page.keyboard.press('Control+Z');
});

e2e('after a window reload the timeline comes back with the same spans (the panel serializer reads the stored trace)', async () => {
  await workbench.runCommand('Developer: Reload Window');
  await session.page.waitForSelector('.monaco-workbench', { timeout: 30_000 });
  const frame = await timelineFrame(session.page);
  const labels = await waitFor('the restored rows', async () => {
    const rows = await rowLabels(frame);
    return rows.length > 0 ? rows : undefined;
  });
  // The panel showed the broken manifest's run last: that is what comes back.
  assert.deepEqual(labels.sort(), cliLabels(reloadctl(['dry-run', join(session.folder, BROKEN)], session.folder).stdout));
});

for (const file of ['saved-run.otlp.json', 'saved-run-jaeger.trace.json']) {
  e2e(`a trace file (${file}: ${file.endsWith('.otlp.json') ? 'OTLP' : 'Jaeger'} JSON) opens in the timeline editor`, async () => {
    await workbench.openFile(file, 'custom');
    const frame = await waitFor('the trace file timeline', async () => {
      for (const f of session.page.frames()) {
        const rows = await f.$$eval('.row[role="treeitem"]', (r) => r.length).catch(() => 0);
        if (rows === 10 && (await f.textContent('.title').catch(() => ''))?.includes(file)) return f;
      }
      return undefined;
    }, 30_000);
    assert.deepEqual((await rowLabels(frame)).sort(), cliLabels(reloadctl(['dry-run', join(session.folder, CURRENT)], session.folder).stdout));
  });
}

e2e('Dry Run on a legacy manifest offers the migration quick fix, which makes the document current', async () => {
  const legacy = 'sentiment-legacy.reload.json';
  const expected = reloadctl(['migrate', join(session.folder, legacy)], session.folder);
  assert.equal(expected.code, 0, expected.stderr);
  await workbench.clearNotifications();
  await workbench.openFile(legacy);
  await workbench.runCommand('Tracing Reload: Dry Run');
  const message = `Tracing Reload: ${legacy} is in a legacy format, which is never run. Migrate it to the current format, then run it.`;
  await workbench.waitForNotification((m) => m === message, 'the offer to migrate', 60_000);
  await workbench.clickNotificationButton(message, 'Migrate to the current format');
  await workbench.save();
  assert.equal(readFileSync(join(session.folder, legacy), 'utf8'), expected.stdout);
});
