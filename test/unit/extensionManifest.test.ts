import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_COMMANDS, DEFAULT_SETTINGS } from '../../common/protocol';
import { ROOT } from '../support/fixtures';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

test('package.json contributes exactly the commands of DESIGN.md §7 and the Reload Targets rows\' actions, in the Tracing Reload category', () => {
  const contributed = manifest.contributes.commands.map((c: { command: string; category: string }) => [c.command, c.category]);
  assert.deepEqual(contributed.map(([id]: string[]) => id).sort(), Object.values(CLIENT_COMMANDS).sort());
  assert.ok(contributed.every(([, category]: string[]) => category === 'Tracing Reload'));
  // The client's command table (client/commands.ts) is keyed by the same ids; tsc checks it covers them all.
  const table = readFileSync(join(ROOT, 'client', 'commands.ts'), 'utf8');
  for (const id of Object.keys(CLIENT_COMMANDS)) assert.match(table, new RegExp(`\\[CLIENT_COMMANDS\\.${id}\\]: \\{ title: '${manifest.contributes.commands.find((c: { command: string }) => c.command === (CLIENT_COMMANDS as Record<string, string>)[id]).title}'`));
});

test('contributed settings match the settings shape and defaults shared with the server', () => {
  const properties = manifest.contributes.configuration.properties;
  assert.deepEqual(Object.keys(properties).sort(), ['tracingReload.artifactRoots', 'tracingReload.mcp.registerServers', 'tracingReload.targets', 'tracingReload.validation.checkLocalFiles', 'tracingReload.validation.delayMs', 'tracingReload.validation.maxHashBytes']);
  assert.deepEqual(properties['tracingReload.targets'].default, DEFAULT_SETTINGS.targets);
  assert.equal(properties['tracingReload.validation.delayMs'].default, DEFAULT_SETTINGS.validation.delayMs);
  assert.equal(properties['tracingReload.validation.checkLocalFiles'].default, DEFAULT_SETTINGS.validation.checkLocalFiles);
  assert.equal(properties['tracingReload.validation.maxHashBytes'].default, DEFAULT_SETTINGS.validation.maxHashBytes);
  assert.deepEqual(properties['tracingReload.artifactRoots'].default, DEFAULT_SETTINGS.artifactRoots);
  assert.equal(JSON.stringify(properties).toLowerCase().includes('token"'), false, 'no token setting');
});

test('the languages and grammars of both manifest kinds are contributed', () => {
  assert.deepEqual(manifest.contributes.languages.map((l: { id: string; extensions: string[] }) => [l.id, l.extensions]), [
    ['reload-manifest', ['.reload.json']],
    ['mcp-context', ['.mcp-context.json']],
  ]);
  for (const grammar of manifest.contributes.grammars) JSON.parse(readFileSync(join(ROOT, grammar.path), 'utf8'));
});

test('Apply, Rollback and the target commands show in the palette only while targets are configured; Restricted Mode is limited support', () => {
  const palette = new Map<string, string>(manifest.contributes.menus.commandPalette.map((m: { command: string; when: string }) => [m.command, m.when]));
  // The context key the client sets (client/targets.ts) is the one the when clauses test.
  const key = /HAS_TARGETS_CONTEXT = '([^']+)'/.exec(readFileSync(join(ROOT, 'client', 'targets.ts'), 'utf8'))?.[1];
  assert.equal(key, 'tracingReload.hasTargets');
  for (const id of [CLIENT_COMMANDS.apply, CLIENT_COMMANDS.rollback, CLIENT_COMMANDS.setTargetToken, CLIENT_COMMANDS.refreshTargets]) {
    assert.match(palette.get(id) ?? '', /^tracingReload\.hasTargets( &&|$)/, `${id} is gated on configured targets`);
  }
  assert.equal(palette.get(CLIENT_COMMANDS.dryRun), 'editorLangId == reload-manifest || editorLangId == mcp-context');
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.deepEqual(manifest.activationEvents, ['onWebviewPanel:tracingReload.timeline'], 'a timeline restored after a window reload activates the extension');
  assert.deepEqual(manifest.contributes.customEditors.map((e: { viewType: string; selector: { filenamePattern: string }[] }) => [e.viewType, e.selector.map((s) => s.filenamePattern)]), [['tracingReload.traceFile', ['*.otlp.json', '*.trace.json']]]);
});

test('the Reload Targets view is in the Explorer while targets are configured; its rows offer Rollback, Open Trace and Roll Back to This Serial, which the palette does not list', () => {
  assert.deepEqual(manifest.contributes.views, { explorer: [{ id: 'tracingReload.targets', name: 'Reload Targets', when: 'tracingReload.hasTargets', icon: '$(server)' }] });
  // The view's id is the one the client creates its tree view with.
  assert.match(readFileSync(join(ROOT, 'client', 'targetsView.ts'), 'utf8'), /TARGETS_VIEW_ID = 'tracingReload\.targets'/);
  const rows = manifest.contributes.menus['view/item/context'].map((m: { command: string; when: string; group: string }) => [m.command, m.when, m.group]);
  assert.deepEqual(rows, [
    [CLIENT_COMMANDS.rollback, 'view == tracingReload.targets && viewItem == target', 'inline'],
    [CLIENT_COMMANDS.rollback, 'view == tracingReload.targets && viewItem == target', '1_target@1'],
    [CLIENT_COMMANDS.setTargetToken, 'view == tracingReload.targets && viewItem =~ /^target/', '1_target@2'],
    [CLIENT_COMMANDS.openApplyTrace, 'view == tracingReload.targets && viewItem =~ /^history/', 'inline'],
    [CLIENT_COMMANDS.openApplyTrace, 'view == tracingReload.targets && viewItem =~ /^history/', '1_history@1'],
    [CLIENT_COMMANDS.rollbackToSerial, 'view == tracingReload.targets && viewItem == history.succeeded', '1_history@2'],
  ]);
  const palette = new Map<string, string>(manifest.contributes.menus.commandPalette.map((m: { command: string; when: string }) => [m.command, m.when]));
  assert.equal(palette.get(CLIENT_COMMANDS.rollbackToSerial), 'false');
  assert.equal(palette.get(CLIENT_COMMANDS.openApplyTrace), 'false');
  // The context values the menus test are the ones the view gives its rows.
  const view = readFileSync(join(ROOT, 'client', 'targetsView.ts'), 'utf8');
  for (const value of ["'target'", "'target.error'", "'history.succeeded'", "'history'"]) assert.ok(view.includes(value), value);
});

test('the targets\' MCP server definition provider is contributed under the id the client registers, and the setting that turns it off defaults to on', () => {
  // VS Code refuses registerMcpServerDefinitionProvider for an id not in contributes.mcpServerDefinitionProviders.
  assert.deepEqual(manifest.contributes.mcpServerDefinitionProviders, [{ id: 'tracingReload.targets', label: 'Tracing Reload' }]);
  assert.match(readFileSync(join(ROOT, 'client', 'mcpDefinitions.ts'), 'utf8'), /MCP_PROVIDER_ID = 'tracingReload\.targets'/);
  assert.match(readFileSync(join(ROOT, 'client', 'mcpServers.ts'), 'utf8'), /REGISTER_SERVERS_SETTING = 'tracingReload\.mcp\.registerServers'/);
  const setting = manifest.contributes.configuration.properties['tracingReload.mcp.registerServers'];
  assert.deepEqual([setting.type, setting.default], ['boolean', true]);
  // The API came in VS Code 1.101: the extension still supports 1.95 and looks it up at run time.
  assert.equal(manifest.engines.vscode, '^1.95.0');
});
