/**
 * Apply and Rollback in real VS Code (code-server 4.139.1 = VS Code 1.139, headless Chromium) with
 * the packaged extension, against a real reload agent (`reloadctl agent` on a loopback port, no
 * artifact roots: it gets the artifacts by upload). From the Command Palette: the plan in a modal,
 * the apply, the merged trace in the timeline (the extension's spans and the agent's in one tree),
 * each change's ACK inline; then a rollback from the Reload Targets view, which refreshes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import type { TargetStatus } from '../../core/target/api';
import { EXAMPLES, ROOT } from '../support/fixtures';
import { packageExtension } from '../support/vsix';
import { e2eSkipReason, startCodeServer, waitFor, type CodeServerSession } from './support/codeServer';
import { QUICK_INPUT, Workbench } from './support/workbench';

const MANIFEST = 'sentiment.reload.json';
const MODEL_DIGEST = 'sha256:85a707c5b2cb2b67b163eb250a4f86546f8446d7e9296c576839da424faeeea4';
const skipReason = e2eSkipReason();

let session: CodeServerSession;
let workbench: Workbench;
let root: string;
let agent: ChildProcess | undefined;
let agentUrl: string;
let agentOutput = '';

/** Starts `reloadctl agent --port 0` and reads the URL from its "listening" line. */
async function startAgentProcess(stateDir: string): Promise<string> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'agent', '--port', '0', '--state-dir', stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  agent = child;
  child.stdout!.on('data', (chunk) => (agentOutput += chunk));
  child.stderr!.on('data', (chunk) => (agentOutput += chunk));
  return waitFor('the agent\'s "listening" line', () => {
    if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode}:\n${agentOutput}`);
    for (const line of agentOutput.split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening' && entry.url) return entry.url;
    }
    return undefined;
  }, 30_000);
}

before(async () => {
  if (skipReason) return;
  // The package first: it builds dist/cli.js, which runs the agent.
  const vsix = process.env.TRACING_RELOAD_VSIX ?? (await packageExtension());
  root = mkdtempSync(join(tmpdir(), 'tracing-reload-e2e-apply-'));
  agentUrl = await startAgentProcess(join(root, 'agent-state'));
  const workspace = join(root, 'workspace');
  cpSync(EXAMPLES, workspace, { recursive: true });
  mkdirSync(join(workspace, '.vscode'));
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'tracingReload.targets': [{ name: 'staging', url: agentUrl }] }, null, 2));
  session = await startCodeServer({ trusted: true, workspace, vsix });
  workbench = new Workbench(session.page);
});

after(async () => {
  await session?.close();
  if (agent && agent.exitCode === null) {
    const exited = new Promise((resolve) => agent!.once('exit', resolve));
    agent.kill('SIGTERM');
    await exited;
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

const e2e = (name: string, body: () => Promise<void>): void => {
  test(name, { skip: skipReason }, () =>
    session.guard(name, body).catch((error: Error) => {
      error.message += `\nthe extension's log:\n${session.extensionLog()}\nthe agent's output:\n${agentOutput.slice(-4000)}`;
      throw error;
    }),
  );
};

async function agentStatus(): Promise<TargetStatus> {
  const response = await fetch(`${agentUrl}/reload/v1/status`);
  assert.equal(response.status, 200);
  return (await response.json()) as TargetStatus;
}

/** The modal dialog on screen: its message, detail and buttons (sorted). */
async function dialog(page: Page, what: string): Promise<{ message: string; detail: string; buttons: string[] }> {
  return waitFor(what, async () => {
    const box = await page.$('.monaco-dialog-box');
    if (!box) return undefined;
    return {
      message: (await box.$eval('.dialog-message-text', (el) => el.textContent ?? '')).trim(),
      detail: (await box.$eval('.dialog-message-detail', (el) => (el as HTMLElement).innerText ?? '').catch(() => '')).trim(),
      // Sorted: VS Code orders a dialog's buttons by platform (Cancel first on Linux).
      buttons: (await box.$$eval('.dialog-buttons .monaco-button', (buttons) => buttons.map((b) => (b.textContent ?? '').trim()))).sort(),
    };
  }, 60_000);
}

async function clickDialogButton(page: Page, label: string): Promise<void> {
  await page.locator('.monaco-dialog-box .dialog-buttons .monaco-button', { hasText: label }).first().click();
  await page.waitForSelector('.monaco-dialog-box', { state: 'hidden' });
}

/** The frame of the timeline webview's page showing a trace whose rows include `label`. */
async function timelineFrame(page: Page, label: string): Promise<Frame> {
  return waitFor(`the timeline with a row "${label}"`, async () => {
    for (const frame of page.frames()) if (await frame.$(`.row[role="treeitem"][aria-label^="${label},"]`).catch(() => null)) return frame;
    return undefined;
  }, 30_000);
}

/** Each visible row as "<depth> <label>" (depth from aria-level, 1 for a root). */
const rowsWithDepth = (frame: Frame): Promise<string[]> =>
  frame.$$eval('.row[role="treeitem"]', (rows) => rows.map((row) => `${row.getAttribute('aria-level')} ${(row.getAttribute('aria-label') ?? '').split(', ')[0]}`));

/** Editor lines that carry an apply's inline answer (the editor renders spaces as no-break spaces). */
const ackLines = (page: Page): Promise<string[]> =>
  page.$$eval('.editor-group-container .monaco-editor .view-line', (lines) => lines.map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ').trim()).filter((t) => /[✓✗◐↶] staging: /.test(t)));

/** The Reload Targets view's rows (aria labels), the view revealed in the Explorer. */
async function targetRows(page: Page): Promise<string[]> {
  return page.$$eval('.pane:has(.pane-header[aria-label^="Reload Targets"]) .monaco-list-row', (rows) => rows.map((row) => row.getAttribute('aria-label') ?? ''));
}

e2e('Apply from the Command Palette: the plan in a modal, then the apply, its merged trace in the timeline and each change\'s ACK inline', async () => {
  await workbench.openFile(MANIFEST);
  // The palette lists Apply once the extension has seen the targets (the view shows then too).
  await session.page.waitForSelector('.pane-header[aria-label^="Reload Targets"]', { state: 'visible', timeout: 30_000 });
  await workbench.runCommand('Tracing Reload: Apply…');
  const plan = await dialog(session.page, 'the plan confirmation');
  assert.deepEqual(plan, {
    message: 'Apply sentiment-2-1 (serial 42) to staging?',
    detail: [
      `staging (${agentUrl}): serial 0 → 42`,
      '  add model:sentiment 2.1.0 sha256:85a707c5b2cb · dry run activated',
      '  add config:sentiment-preprocess sha256:cd12f2c73df4 · dry run activated',
      '  add flagset:banners · dry run activated',
    ].join('\n'),
    buttons: ['Apply', 'Cancel'],
  });
  // The plan changed nothing.
  assert.equal((await agentStatus()).serial, 0);
  await clickDialogButton(session.page, 'Apply');
  await workbench.waitForNotification((m) => m === `Tracing Reload: applied ${MANIFEST} to staging: serial 42, generation 1, 3 changes activated.`, 'the apply\'s result', 90_000);

  // One tree: the extension's fleet → wave → target spans, the agent's apply under the target.
  const frame = await timelineFrame(session.page, 'reload.fleet sentiment-2-1');
  const rows = await waitFor('all the spans as rows', async () => {
    const shown = await rowsWithDepth(frame);
    return shown.length === 13 ? shown : undefined;
  });
  assert.deepEqual(rows.slice(0, 4), ['1 reload.fleet sentiment-2-1', '2 reload.wave', '3 reload.target', '4 reload.apply sentiment-2-1']);
  assert.deepEqual(rows.slice(4).sort(), [
    '5 reload.activate',
    '5 reload.load config:sentiment-preprocess',
    '5 reload.load flagset:banners',
    '5 reload.load model:sentiment',
    '5 reload.probe golden → model:sentiment',
    '5 reload.stage config:sentiment-preprocess',
    '5 reload.stage model:sentiment',
    '5 reload.validate',
    '5 reload.verify',
  ]);
  assert.deepEqual(await session.page.$$eval('.editor-group-container .tab.active', (tabs) => tabs.map((t) => (t.textContent ?? '').trim())), [MANIFEST, `Trace: ${MANIFEST}`]);

  // Each change's answer beside it (the first two changes are on screen).
  const inline = await waitFor('the inline ACKs', async () => {
    const lines = await ackLines(session.page);
    return lines.length >= 2 ? lines : undefined;
  });
  assert.deepEqual(inline.slice(0, 2), ['{✓ staging: ACK', '{✓ staging: ACK']);
  await session.page.locator('.editor-group-container .view-line span:not(:has(span))', { hasText: /^✓.staging:.ACK/ }).first().hover();
  const hover = await waitFor('the inline ACK\'s hover', async () => {
    const text = await session.page.$eval('.monaco-hover:not(.hidden)', (el) => el.textContent ?? '').catch(() => '');
    return text.includes('applied') ? text : undefined;
  });
  assert.match(hover, /^model:sentiment applied\s*target\s*answer\s*staging\s*✓ ACK: accepted and activated/);
  await session.page.keyboard.press('Escape');

  const status = await agentStatus();
  assert.equal(status.serial, 42);
  assert.equal(status.generation, 1);
  assert.deepEqual(status.active.models, { sentiment: { version: '2.1.0', digest: MODEL_DIGEST } });
});

e2e('the Reload Targets view shows the target\'s serial, what it serves and its history; Rollback from it restores the previous generation and the view refreshes', async () => {
  await workbench.runCommand('View: Show Explorer');
  const header = session.page.locator('.pane-header[aria-label^="Reload Targets"]');
  await header.waitFor({ state: 'visible' });
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  await waitFor('the target with serial 42', async () => ((await targetRows(session.page)).some((r) => r.startsWith('staging') && r.includes('serial 42 · generation 1')) ? true : undefined), 20_000).catch(async (error: Error) => {
    throw new Error(`${error.message}; the view's rows: ${JSON.stringify(await targetRows(session.page))}`);
  });
  const rows = await targetRows(session.page);
  assert.ok(rows.some((r) => r.startsWith('models') && r.includes('sentiment 2.1.0')), JSON.stringify(rows));
  assert.ok(rows.some((r) => r.startsWith('History')), JSON.stringify(rows));

  // The inline action on the target's row.
  const target = session.page.locator('.pane:has(.pane-header[aria-label^="Reload Targets"]) .monaco-list-row', { hasText: 'staging' }).first();
  await target.hover();
  await target.locator('.actions .action-label[aria-label^="Rollback"]').click();
  await waitFor('the rollback points', async () => ((await session.page.$$eval(`${QUICK_INPUT} .monaco-list-row`, (r) => r.map((row) => row.getAttribute('aria-label') ?? ''))).some((l) => l.includes('Previous stable')) ? true : undefined));
  const points = await session.page.$$eval(`${QUICK_INPUT} .monaco-list-row`, (r) => r.map((row) => row.getAttribute('aria-label') ?? ''));
  assert.match(points[0], /Previous stable, serial 0$/);
  await session.page.keyboard.press('Enter');
  const confirm = await dialog(session.page, 'the rollback confirmation');
  assert.deepEqual(confirm, {
    message: 'Roll back staging to its previous stable generation (serial 0)?',
    detail: `staging (${agentUrl}) serves serial 42, generation 1. The rollback makes the generation of serial 0 active again, as a new, higher serial.`,
    buttons: ['Cancel', 'Roll Back'],
  });
  await clickDialogButton(session.page, 'Roll Back');
  await workbench.waitForNotification((m) => m === 'Tracing Reload: rolled back staging to serial 0: it now serves serial 43, generation 2.', 'the rollback\'s result', 60_000);

  const status = await agentStatus();
  assert.equal(status.serial, 43);
  assert.equal(status.generation, 2);
  assert.deepEqual(status.active.models, {});
  await waitFor('the view to show serial 43', async () => ((await targetRows(session.page)).some((r) => r.startsWith('staging') && r.includes('serial 43 · generation 2')) ? true : undefined), 20_000).catch(async (error: Error) => {
    throw new Error(`${error.message}; the view's rows: ${JSON.stringify(await targetRows(session.page))}`);
  });
  // The rollback's trace: the extension's reload.target span with the agent's reload.rollback under it.
  const frame = await timelineFrame(session.page, 'reload.rollback');
  const rows2 = await rowsWithDepth(frame);
  assert.deepEqual(rows2.slice(0, 2), ['1 reload.target', '2 reload.rollback']);
});

e2e('the target\'s History lists the rollback and the apply, newest first; Open Trace on the apply shows the agent\'s spans of it', async () => {
  const pane = '.pane:has(.pane-header[aria-label^="Reload Targets"])';
  await session.page.locator(`${pane} .monaco-list-row`, { hasText: 'History' }).first().click();
  const history = await waitFor('the history rows', async () => {
    const rows = (await targetRows(session.page)).filter((r) => r.startsWith('serial '));
    return rows.length === 2 ? rows : undefined;
  }, 20_000);
  assert.deepEqual(history.map((r) => r.replace(/, has actions$/, '')), ['serial 43, Succeeded · rollback to serial 0', 'serial 42, Succeeded · sentiment-2-1']);
  const apply = session.page.locator(`${pane} .monaco-list-row`, { hasText: 'serial 42' }).first();
  await apply.hover();
  await apply.locator('.actions .action-label[aria-label^="Open Trace"]').click();
  const frame = await timelineFrame(session.page, 'reload.apply sentiment-2-1');
  await waitFor('the apply\'s spans in the timeline', async () => ((await rowsWithDepth(frame)).length === 10 ? true : undefined));
  // Only the agent's spans: its apply is the root here (its parent, the extension's reload.target, is not in it).
  const rows = await rowsWithDepth(frame);
  assert.equal(rows[0], '1 reload.apply sentiment-2-1');
  assert.deepEqual(rows.slice(1).map((r) => r.split(' ')[0]), ['2', '2', '2', '2', '2', '2', '2', '2', '2']);
  assert.equal(await session.page.$eval('.editor-group-container .tab.active[aria-label^="Trace: "]', (t) => (t.textContent ?? '').trim()).catch(() => ''), 'Trace: apply serial 42 on staging');
});
