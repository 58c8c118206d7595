/**
 * The end-to-end flows through the VS Code API, inside the Extension Development Host that
 * @vscode/test-electron starts (test/e2e/electron/run.ts bundles this file and passes its path as
 * --extensionTestsPath). The same flows as test/e2e/*.test.ts drive through the UI of code-server.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { migrateManifest } from '../../../core/migrate';

const EXTENSION_ID = 'tracing-reload.tracing-reload';
const OUTDATED_MESSAGE = 'This is the legacy reload/v1 format: it can be validated but not applied. Migrate it to reload/v2 (quick fix, or `reloadctl migrate --write`).';

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the runner opens a copy of examples/ as the workspace');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** The extension's "Tracing Reload" output channel, from its log file under the user data folder the runner chose. */
function extensionLog(): string {
  const logs = join(process.env.TRACING_RELOAD_E2E_USER_DATA ?? '', 'logs');
  const file = readdirSync(logs, { recursive: true, encoding: 'utf8' }).find((path) => path.endsWith(join(EXTENSION_ID, 'Tracing Reload.log')));
  return file ? readFileSync(join(logs, file), 'utf8') : '';
}

const outdated = (uri: vscode.Uri): vscode.Diagnostic | undefined => vscode.languages.getDiagnostics(uri).find((d) => d.code === 'outdated-format');

const flows: [string, () => Promise<void>][] = [
  [
    'a legacy manifest activates the extension and shows the outdated-format warning',
    async () => {
      const uri = workspaceFile('sentiment-legacy.reload.json');
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      assert.equal(document.languageId, 'reload-manifest');
      await waitFor('the extension to activate', () => (vscode.extensions.getExtension(EXTENSION_ID)?.isActive ? true : undefined));
      const diagnostic = await waitFor('the outdated-format diagnostic', () => outdated(uri));
      assert.deepEqual(
        { message: diagnostic.message, severity: diagnostic.severity, source: diagnostic.source, range: [diagnostic.range.start.line, diagnostic.range.start.character, diagnostic.range.end.line, diagnostic.range.end.character] },
        { message: OUTDATED_MESSAGE, severity: vscode.DiagnosticSeverity.Warning, source: 'tracing-reload', range: [0, 0, 0, 1] },
      );
    },
  ],
  [
    'the migration quick fix turns it into reload/v2, as core/migrate does, and the warning goes',
    async () => {
      const uri = workspaceFile('sentiment-legacy.reload.json');
      const document = await vscode.workspace.openTextDocument(uri);
      const expected = migrateManifest(document.getText(), { languageId: 'reload-manifest' });
      assert.equal(expected.status, 'migrated');
      const diagnostic = await waitFor('the outdated-format diagnostic', () => outdated(uri));
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
      const migrate = actions.find((action) => action.title === 'Migrate to reload/v2');
      assert.ok(migrate?.edit, `quick fixes offered: ${JSON.stringify(actions.map((a) => a.title))}`);
      assert.equal(migrate.isPreferred, true);
      assert.ok(await vscode.workspace.applyEdit(migrate.edit));
      assert.ok(await document.save());
      assert.equal(readFileSync(uri.fsPath, 'utf8'), expected.status === 'migrated' ? expected.text : '');
      assert.match(document.getText(), /"apiVersion": "reload\/v2"/);
      await waitFor('the outdated-format diagnostic to go', () => (outdated(uri) ? undefined : true));
    },
  ],
  [
    'tracingReload.dryRun runs a manifest and it succeeds',
    async () => {
      const uri = workspaceFile('sentiment.reload.json');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      // Not awaited: the command ends when its result notification is dismissed.
      void vscode.commands.executeCommand('tracingReload.dryRun', uri);
      const outcome = await waitFor('the dry run result in the Tracing Reload output', () => new RegExp(`Dry run of ${uri.fsPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (\\w+)`).exec(extensionLog())?.[1], 60_000);
      assert.equal(outcome, 'Succeeded');
    },
  ],
];

/** Called by the Extension Development Host; rejects when a flow fails. */
export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const [name, flow] of flows) {
    try {
      await flow();
      console.log(`ok - ${name}`);
    } catch (error) {
      failures.push(name);
      console.error(`not ok - ${name}\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} of ${flows.length} flows failed: ${failures.join('; ')}`);
}
