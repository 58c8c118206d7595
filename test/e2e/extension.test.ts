/**
 * The packaged extension in real VS Code (code-server 4.139.1 = VS Code 1.139, in headless
 * Chromium), used as a user uses it: keyboard, Command Palette, Problems panel, quick fix menu.
 * One trusted window on a copy of examples/.
 *
 * Set SCREENSHOTS_DIR=docs/images (npm run screenshots) to write the README's screenshots there;
 * otherwise they go to the session's temporary folder and are only checked.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { reloadctl } from '../support/cli';
import { e2eSkipReason, startCodeServer, waitFor, type CodeServerSession } from './support/codeServer';
import { Workbench, type Problem } from './support/workbench';

const LEGACY = 'sentiment-legacy.reload.json';
const OUTDATED_MESSAGE = 'This is the legacy reload/v1 format: it can be validated but not applied. Migrate it to reload/v2 (quick fix, or `reloadctl migrate --write`).';
const skipReason = e2eSkipReason();

let session: CodeServerSession;
let workbench: Workbench;
let screenshots: string;

before(async () => {
  if (skipReason) return;
  session = await startCodeServer({ trusted: true });
  workbench = new Workbench(session.page);
  screenshots = process.env.SCREENSHOTS_DIR ? resolve(process.env.SCREENSHOTS_DIR) : join(session.folder, '..', 'screenshots');
});

after(async () => {
  await session?.close();
});

/** What `reloadctl validate` reports for a file, as the Problems panel shows it (hints are not shown there). */
function problemsFromCli(folder: string, file: string): Omit<Problem, 'file'>[] {
  const run = reloadctl(['validate', '--format', 'json', file], folder);
  const [{ diagnostics }] = JSON.parse(run.stdout) as [{ diagnostics: { severity: string; code: string; message: string; range: { start: { line: number; character: number } } }[] }];
  const severity: Record<string, Problem['severity'] | undefined> = { error: 'Error', warning: 'Warning', information: 'Info' };
  return diagnostics
    .filter((d) => severity[d.severity])
    .map((d) => ({ severity: severity[d.severity]!, message: d.message, source: 'tracing-reload', code: d.code, line: d.range.start.line + 1, column: d.range.start.character + 1 }));
}

/** A test that leaves a screenshot behind when it fails; skipped where code-server is not installed. */
const e2e = (name: string, body: (t: TestContext) => Promise<void>): void => {
  test(name, { skip: skipReason }, (t) => session.guard(name, () => body(t)));
};

const withoutFile = (problems: Problem[]): Omit<Problem, 'file'>[] => problems.map(({ severity, message, source, code, line, column }) => ({ severity, message, source, code, line, column }));
const sortProblems = <T extends { line: number; column: number; message: string }>(problems: T[]): T[] => [...problems].sort((a, b) => a.line - b.line || a.column - b.column || a.message.localeCompare(b.message));

e2e('the extension activates on a reload manifest and its output says the language server is ready', async (t) => {
  await workbench.openFile(LEGACY);
  assert.equal(await session.page.textContent('.statusbar-item[id="status.editor.mode"]'), 'Reload Manifest');
  const activation = await workbench.activationTime('Tracing Reload');
  // The extension's "Tracing Reload" output channel says when its language server is ready.
  const ready = await waitFor('"Language server ready" in the Tracing Reload output', () => /Language server ready, (\d+) ms after activation began/.exec(session.extensionLog())?.[1]);
  t.diagnostic(`VS Code's Running Extensions view: ${activation.text} (code loading + activate() up to its first await); language server ready ${ready} ms after activation began`);
});

e2e('a legacy reload/v1 manifest shows the outdated-format warning, in the Problems panel and on hover', async () => {
  await workbench.openFile(LEGACY);
  const problems = await workbench.waitForProblems(LEGACY, (p) => p.length > 0, `a diagnostic on ${LEGACY}`);
  assert.deepEqual(problems, [{ file: LEGACY, severity: 'Warning', message: OUTDATED_MESSAGE, source: 'tracing-reload', code: 'outdated-format', line: 1, column: 1 }]);
  const hover = await workbench.hoverSquiggle('warning');
  assert.ok(hover.includes(OUTDATED_MESSAGE), `the hover shows the message: ${hover}`);
  await workbench.screenshot(join(screenshots, 'outdated-format.png'));
  await session.page.keyboard.press('Escape');
});

e2e('the migration quick fix turns the document into reload/v2, exactly as `reloadctl migrate` does, and the warning goes', async () => {
  const file = join(session.folder, LEGACY);
  const expected = reloadctl(['migrate', file], session.folder);
  assert.equal(expected.code, 0, expected.stderr);
  await workbench.openFile(LEGACY);
  await workbench.goTo(1, 1);
  assert.deepEqual(await workbench.quickFixes(), ['Migrate to reload/v2']);
  await workbench.screenshot(join(screenshots, 'quick-fix.png'));
  await workbench.applyQuickFix('Migrate to reload/v2');
  await workbench.save();
  const saved = readFileSync(file, 'utf8');
  assert.match(saved, /^ {2}"apiVersion": "reload\/v2",$/m);
  assert.equal(saved, expected.stdout);
  // The Problems panel now lists exactly what the CLI reports for the saved file: no outdated-format.
  const cli = sortProblems(problemsFromCli(session.folder, file));
  assert.equal(cli.some((p) => p.code === 'outdated-format'), false);
  const problems = await workbench.waitForProblems(LEGACY, (p) => !p.some((problem) => problem.code === 'outdated-format') && p.length === cli.length, 'the outdated-format warning to go');
  assert.deepEqual(sortProblems(withoutFile(problems)), cli);
  await workbench.screenshot(join(screenshots, 'migrated.png'));
});
