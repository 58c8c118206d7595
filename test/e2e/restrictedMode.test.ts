/**
 * Restricted Mode (DESIGN.md §7): a workspace that is not trusted keeps every editing feature, and
 * refuses to run a manifest, saying why. One window with workspace trust on and the folder never
 * trusted (no prompt: `security.workspace.trust.startupPrompt` is "never").
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLES } from '../support/fixtures';
import { e2eSkipReason, startCodeServer, waitFor, type CodeServerSession } from './support/codeServer';
import { Workbench } from './support/workbench';

const DRY_RUN_REFUSED = 'Tracing Reload: Dry Run is disabled in Restricted Mode: running a manifest loads the models and files it names. Trust this workspace to run it.';
const APPLY_REFUSED = 'Tracing Reload: Apply is disabled in Restricted Mode: applying sends a manifest and its artifacts to a target. Trust this workspace to apply it.';
const skipReason = e2eSkipReason();

let session: CodeServerSession;
let workbench: Workbench;
let workspace: string;

before(async () => {
  if (skipReason) return;
  // examples/ with a target configured (never contacted: nothing may run here).
  workspace = mkdtempSync(join(tmpdir(), 'tracing-reload-e2e-restricted-'));
  cpSync(EXAMPLES, workspace, { recursive: true });
  mkdirSync(join(workspace, '.vscode'));
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'tracingReload.targets': [{ name: 'staging', url: 'http://127.0.0.1:9' }] }));
  session = await startCodeServer({ trusted: false, workspace });
  workbench = new Workbench(session.page);
});

after(async () => {
  await session?.close();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

/** A test that leaves a screenshot behind when it fails. */
const e2e = (name: string, body: () => Promise<void>): void => {
  test(name, { skip: skipReason }, () => session.guard(name, body));
};

e2e('the window opens the untrusted folder in Restricted Mode', async () => {
  await session.page.waitForSelector('.statusbar-item[id="status.workspaceTrust"]');
  assert.equal((await session.page.textContent('.statusbar-item[id="status.workspaceTrust"]'))?.trim(), 'Restricted Mode');
});

e2e('editing features work in Restricted Mode: a legacy manifest gets its outdated-format warning', async () => {
  await workbench.openFile('sentiment-legacy.reload.json');
  const problems = await workbench.waitForProblems('sentiment-legacy.reload.json', (p) => p.length > 0, 'a diagnostic in Restricted Mode');
  assert.deepEqual(problems.map((p) => [p.severity, p.code, p.line, p.column]), [['Warning', 'outdated-format', 1, 1]]);
});

e2e('Dry Run in Restricted Mode is refused with the reason, and nothing runs', async () => {
  await workbench.clearNotifications();
  await workbench.openFile('sentiment.reload.json');
  await workbench.runCommand('Tracing Reload: Dry Run');
  await workbench.waitForNotification((m) => m === DRY_RUN_REFUSED || /dry run of /.test(m), 'the refusal (or a dry run result)', 60_000).then((message) => assert.equal(message, DRY_RUN_REFUSED));
  assert.equal(session.extensionLog().includes('Dry run of '), false, 'the Tracing Reload output shows no dry run');
});

e2e('Apply in Restricted Mode is refused with the reason before anything is sent, and its lens says it is disabled', async () => {
  await workbench.clearNotifications();
  await workbench.openFile('sentiment.reload.json');
  await session.page.waitForSelector('.pane-header[aria-label^="Reload Targets"]', { state: 'visible', timeout: 30_000 });
  // The lenses' links ($(shield) is an icon, not text).
  const lenses = await waitFor('the code lenses', async () => {
    const links = await session.page.$$eval('.editor-group-container.active .codelens-decoration a', (as) => as.map((a) => (a.textContent ?? '').replace(/\u00a0/g, ' ').trim()));
    return links.length === 3 ? links : undefined;
  }, 30_000);
  assert.deepEqual(lenses, ['Dry Run (disabled in Restricted Mode)', 'Apply… (disabled in Restricted Mode)', 'Rollback… (disabled in Restricted Mode)']);
  await workbench.runCommand('Tracing Reload: Apply…');
  await workbench.waitForNotification((m) => m === APPLY_REFUSED || m.startsWith('Tracing Reload: '), 'the refusal').then((message) => assert.equal(message, APPLY_REFUSED));
  assert.equal(session.extensionLog().includes('Apply of '), false, 'the Tracing Reload output shows no apply');
});
