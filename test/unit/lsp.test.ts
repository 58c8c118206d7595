import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, CodeLens, CompletionList, DocumentLink, DocumentSymbol, FoldingRange, Hover, Location, SelectionRange, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { validateManifest } from '../../core/validate';
import { EXAMPLES } from '../support/fixtures';
import { LspClient } from '../support/lspClient';

let root: string;
let client: LspClient;
const uriOf = (name: string): string => pathToFileURL(join(root, name)).href;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'lsp-'));
  cpSync(EXAMPLES, root, { recursive: true });
  client = await LspClient.start({ root, settings: { targets: [{ name: 'staging', url: 'http://127.0.0.1:7070' }, { name: 'prod-eu', url: 'http://127.0.0.1:7071' }] } });
});

after(async () => {
  await client.stop();
});

let version = 0;
async function openDoc(name: string, text: string, languageId = name.endsWith('.mcp-context.json') ? 'mcp-context' : 'reload-manifest'): Promise<{ uri: string; version: number }> {
  const uri = uriOf(name);
  writeFileSync(join(root, name), text);
  version++;
  await client.open(uri, languageId, text, version);
  return { uri, version };
}

function apply(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('file:///x', 'json', 1, text), edits);
}

function editsFor(edit: WorkspaceEdit | undefined, uri: string): TextEdit[] {
  const change = edit?.documentChanges?.find((c) => 'textDocument' in c && c.textDocument.uri === uri);
  return change && 'edits' in change ? (change.edits as TextEdit[]) : [];
}

const LEGACY = `{
  // deploy bot
  "model_name": "sentiment",
  "model_version": "2.1.0",
  "model_artifact_uri": "models/sentiment-2.1.0.onnx"
}
`;

test('publishes diagnostics for the opened version, with ranges and tags', async () => {
  const text = `{
  "apiVersion": "reload/v2",
  "kind": "ReloadManifest",
  "metadata": { "name": "a", "uid": "0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e", "serial": 1 },
  "spec": {
    "changes": [{ "kind": "Model", "id": "m", "version": "1", "framework": "onnx",
      "artifact": { "uri": "models/sentiment-2.1.0.onnx", "digest": "sha256:85a707c5b2cb2b67b163eb250a4f86546f8446d7e9296c576839da424faeeea4" } }]
  }
}
`;
  const { uri, version: v } = await openDoc('diag.reload.json', text);
  const diagnostics = await client.diagnostics(uri, v);
  const column = text.split('\n')[5].indexOf('"framework"');
  assert.deepEqual(diagnostics, [
    {
      range: { start: { line: 5, character: column }, end: { line: 5, character: column + 11 } },
      severity: 2,
      code: 'deprecated-field',
      source: 'tracing-reload',
      message: '"framework" is deprecated: use "format" instead (quick fix available).',
      data: { pointer: '/spec/changes/0/framework', replacement: 'format' },
      tags: [2],
    },
  ]);
});

test('diagnostics are never stale: a quick second edit supersedes the first', async () => {
  const { uri, version: v } = await openDoc('stale.reload.json', LEGACY);
  await client.diagnostics(uri, v);
  await client.change(uri, v + 1, [{ range: { start: { line: 2, character: 16 }, end: { line: 2, character: 27 } }, text: '"x"' }]);
  await client.change(uri, v + 2, [{ range: { start: { line: 2, character: 16 }, end: { line: 2, character: 19 } }, text: '"sentiment"' }]);
  version = v + 2;
  const latest = await client.diagnostics(uri, v + 2);
  assert.deepEqual(latest.map((d) => d.code), ['outdated-format']);
  // Whatever was published for the intermediate version came before the latest one, never after.
  const forUri = client.published.filter((p) => p.uri === uri);
  const latestAt = forUri.findIndex((p) => p.version === v + 2);
  assert.ok(latestAt >= 0 && forUri.slice(latestAt).every((p) => p.version === v + 2));
});

test('completion offers declared ids, versions, targets, files and template arguments', async () => {
  const text = `{
  "apiVersion": "reload/v2",
  "kind": "ReloadManifest",
  "metadata": { "name": "c", "uid": "0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e", "serial": 1 },
  "spec": {
    "targets": [""],
    "changes": [
      { "kind": "Model", "id": "m", "version": "1", "artifact": { "uri": "models/" }, "preprocessing": { "configRef": "" } },
      { "kind": "Config", "id": "pre", "data": {} },
      { "kind": "Config", "id": "post", "version": "2", "data": {} }
    ]
  }
}
`;
  const { uri } = await openDoc('complete.reload.json', text);
  const at = (line: number, character: number): Promise<CompletionList> => client.request('textDocument/completion', { textDocument: { uri }, position: { line, character } });
  const lines = text.split('\n');
  const refs = await at(7, lines[7].indexOf('"configRef": ""') + 14);
  assert.deepEqual(refs.items.map((i) => [i.label, i.textEdit && 'newText' in i.textEdit ? i.textEdit.newText : undefined]), [
    ['config:pre', '"config:pre"'],
    ['config:post', '"config:post"'],
  ]);
  const targets = await at(5, 17);
  assert.deepEqual(targets.items.map((i) => i.label), ['staging', 'prod-eu']);
  const versions = await at(1, 17);
  assert.deepEqual(versions.items.map((i) => [i.label, i.tags]), [
    ['reload/v1', [1]],
    ['reload/v2', undefined],
  ]);
  const files = await at(7, lines[7].indexOf('models/') + 7);
  assert.deepEqual(files.items.map((i) => i.label).sort(), ['sentiment-2.0.0.onnx', 'sentiment-2.1.0.onnx', 'sentiment-bad-input.onnx', 'typed-inputs.onnx']);
  const properties = await at(3, 15);
  const labels = properties.items.map((i) => i.label);
  for (const expected of ['expires', 'initiator', 'labels', 'annotations']) assert.ok(labels.includes(expected), `schema completion offers ${expected}: ${labels.join(', ')}`);
});

test('completion inside {{ offers the prompt arguments', async () => {
  const text = '{"apiVersion": "mcp-context/v2", "kind": "ContextManifest", "metadata": {"name": "p"}, "spec": {"prompts": [{"name": "t", "arguments": [{"name": "ticket_id"}, {"name": "team"}], "template": "Hi {{t"}]}}';
  const { uri } = await openDoc('template.mcp-context.json', text);
  const offset = text.indexOf('{{t') + 3;
  const result: CompletionList = await client.request('textDocument/completion', { textDocument: { uri }, position: { line: 0, character: offset } });
  assert.deepEqual(
    result.items.map((i) => [i.label, i.textEdit && 'range' in i.textEdit ? [i.textEdit.range.start.character, i.textEdit.newText] : undefined]),
    [
      ['ticket_id', [offset - 1, 'ticket_id}}']],
      ['team', [offset - 1, 'team}}']],
    ],
  );
});

test('the migrate quick fix is preferred and turns a legacy manifest into a valid current one', async () => {
  const { uri, version: v } = await openDoc('legacy.reload.json', LEGACY);
  const diagnostics = await client.diagnostics(uri, v);
  const actions: CodeAction[] = await client.request('textDocument/codeAction', { textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics } });
  const migrate = actions.find((a) => a.title === 'Migrate to reload/v2');
  assert.ok(migrate?.isPreferred);
  assert.deepEqual(migrate.edit?.documentChanges?.map((c) => ('textDocument' in c ? c.textDocument : undefined)), [{ uri, version: v }]);
  const migrated = apply(LEGACY, editsFor(migrate.edit, uri));
  assert.ok(migrated.includes('// deploy bot'));
  const result = validateManifest(migrated, { languageId: 'reload-manifest' });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal((result.value as { apiVersion: string }).apiVersion, 'reload/v2');
});

test('quick fixes: deprecated field, pin digest (resolved), uid, missing properties, declared argument, fix all', async () => {
  const text = `{
  "apiVersion": "reload/v2",
  "kind": "ReloadManifest",
  "metadata": { "name": "fix" },
  "spec": {
    "changes": [{ "kind": "Model", "id": "m", "version": "1", "framework": "onnx", "artifact": { "uri": "models/sentiment-2.1.0.onnx" } }],
    "healthChecks": [{ "id": "p", "change": "model:m", "input": { "x": { "dims": [1], "data": [1] } }, "expect": { "output": "y", "values": [1] }, "timeoutMs": 5 }]
  }
}
`;
  const { uri, version: v } = await openDoc('fix.reload.json', text);
  const diagnostics = await client.diagnostics(uri, v);
  const actions: CodeAction[] = await client.request('textDocument/codeAction', {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } },
    context: { diagnostics },
  });
  const byTitle = new Map(actions.map((a) => [a.title, a]));
  assert.deepEqual([...byTitle.keys()].sort(), [
    'Add missing property "kind"',
    'Add serial 1',
    'Fix all: replace 2 deprecated fields',
    'Generate uid',
    'Pin artifact digest',
    'Replace "framework" with "format"',
    'Replace "timeoutMs" with "maxLatencyMs"',
  ]);
  const replaced = apply(text, editsFor(byTitle.get('Replace "framework" with "format"')!.edit, uri));
  assert.ok(replaced.includes('"version": "1", "format": "onnx", "artifact"'));
  const fixAll = apply(text, editsFor(byTitle.get('Fix all: replace 2 deprecated fields')!.edit, uri));
  assert.ok(fixAll.includes('"format": "onnx"') && fixAll.includes('"maxLatencyMs": 5') && !fixAll.includes('timeoutMs'));
  const added = apply(text, editsFor(byTitle.get('Add missing property "kind"')!.edit, uri));
  assert.match(added, /"kind": "probe"/);
  const uid = apply(text, editsFor(byTitle.get('Generate uid')!.edit, uri));
  assert.match(uid, /"metadata": \{ "name": "fix",\s*"uid": "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}" \}/);
  const pin = byTitle.get('Pin artifact digest')!;
  assert.equal(pin.edit, undefined, 'hashing waits for codeAction/resolve');
  const resolved: CodeAction = await client.request('codeAction/resolve', pin);
  const pinned = apply(text, editsFor(resolved.edit, uri));
  assert.match(pinned, /"uri": "models\/sentiment-2\.1\.0\.onnx",\s*"digest": "sha256:85a707c5b2cb2b67b163eb250a4f86546f8446d7e9296c576839da424faeeea4",\s*"size": 269/);
});

test('declare-argument quick fix adds the placeholder to the prompt arguments', async () => {
  const text = '{"apiVersion": "mcp-context/v2", "kind": "ContextManifest", "metadata": {"name": "p", "uid": "0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e", "serial": 1}, "spec": {"prompts": [{"name": "t", "arguments": [{"name": "a", "required": true}], "template": "{{a}} {{who}}"}]}}';
  const { uri, version: v } = await openDoc('declare.mcp-context.json', text);
  const diagnostics = await client.diagnostics(uri, v);
  assert.deepEqual(diagnostics.map((d) => d.code), ['undeclared-placeholder']);
  const actions: CodeAction[] = await client.request('textDocument/codeAction', { textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics } });
  const fixed = apply(text, editsFor(actions.find((a) => a.title === 'Declare argument "who"')!.edit, uri));
  assert.deepEqual(validateManifest(fixed, { languageId: 'mcp-context' }).diagnostics, []);
});

test('hover shows the schema description, the reference target and the artifact digest status', async () => {
  const text = readFileSync(join(EXAMPLES, 'sentiment.reload.json'), 'utf8');
  const { uri } = await openDoc('hover.reload.json', text);
  const lines = text.split('\n');
  const find = (needle: string): { line: number; character: number } => {
    const line = lines.findIndex((l) => l.includes(needle));
    return { line, character: lines[line].indexOf(needle) + 2 };
  };
  const hoverAt = async (needle: string): Promise<string> => {
    const result: Hover = await client.request('textDocument/hover', { textDocument: { uri }, position: find(needle) });
    return typeof result.contents === 'object' && 'value' in result.contents ? result.contents.value : '';
  };
  assert.match(await hoverAt('"serial"'), /Ordering number, 1 to 9007199254740991/);
  assert.match(await hoverAt('"config:sentiment-preprocess"'), /\*\*→ config:sentiment-preprocess\*\*: Config change `sentiment-preprocess`, from `config\/sentiment-preprocess\.json`/);
  assert.match(await hoverAt('"models/sentiment-2.1.0.onnx"'), /269 bytes[\s\S]*Digest pinned and \*\*matches\*\* the file/);
});

test('symbols, links, code lenses, definition, folding, selection ranges and formatting', async () => {
  const text = readFileSync(join(EXAMPLES, 'sentiment.reload.json'), 'utf8');
  const { uri } = await openDoc('features.reload.json', text);
  const symbols: DocumentSymbol[] = await client.request('textDocument/documentSymbol', { textDocument: { uri } });
  assert.deepEqual(
    symbols.map((s) => [s.name, s.detail, (s.children ?? []).map((c) => `${c.name} (${c.detail ?? ''})`)]),
    [
      ['metadata', 'sentiment-2-1', []],
      ['changes', undefined, ['Model sentiment (2.1.0)', 'Config sentiment-preprocess ()', 'FlagSet banners ()']],
      ['healthChecks', undefined, ['probe golden (model:sentiment)']],
    ],
  );
  const links: DocumentLink[] = await client.request('textDocument/documentLink', { textDocument: { uri } });
  assert.deepEqual(links.map((l) => l.target), [pathToFileURL(join(root, 'models/sentiment-2.1.0.onnx')).href, pathToFileURL(join(root, 'config/sentiment-preprocess.json')).href]);
  const lenses: CodeLens[] = await client.request('textDocument/codeLens', { textDocument: { uri } });
  assert.deepEqual(lenses.map((l) => [l.command?.title, l.command?.command, l.command?.arguments]), [
    ['▶ Dry Run', 'tracingReload.dryRun', [uri]],
    ['Apply…', 'tracingReload.apply', [uri]],
    ['Rollback…', 'tracingReload.rollback', [uri]],
  ]);
  const lines = text.split('\n');
  const refLine = lines.findIndex((l) => l.includes('"config:sentiment-preprocess"'));
  const definitions: Location[] = await client.request('textDocument/definition', { textDocument: { uri }, position: { line: refLine, character: lines[refLine].indexOf('config:') + 3 } });
  const idLine = lines.findIndex((l) => l.includes('"id": "sentiment-preprocess"'));
  assert.deepEqual(definitions, [{ uri, range: { start: { line: idLine, character: lines[idLine].indexOf('"sentiment-preprocess"') }, end: { line: idLine, character: lines[idLine].indexOf('"sentiment-preprocess"') + 22 } } }]);
  const folding: FoldingRange[] = await client.request('textDocument/foldingRange', { textDocument: { uri } });
  const closing = lines.lastIndexOf('}');
  assert.deepEqual(folding.find((f) => f.startLine === 0), { startLine: 0, endLine: closing - 1, kind: 'object' });
  const selection: SelectionRange[] = await client.request('textDocument/selectionRange', { textDocument: { uri }, positions: [{ line: refLine, character: lines[refLine].indexOf('config:') + 3 }] });
  assert.ok(selection[0].parent, 'selection ranges expand outwards');
  const messy = '{"apiVersion":"reload/v2",\n"kind":"ReloadManifest"}';
  const { uri: messyUri } = await openDoc('messy.reload.json', messy);
  const formatting: TextEdit[] = await client.request('textDocument/formatting', { textDocument: { uri: messyUri }, options: { tabSize: 2, insertSpaces: true } });
  assert.equal(apply(messy, formatting), '{\n  "apiVersion": "reload/v2",\n  "kind": "ReloadManifest"\n}');
});

test('the server migrates every legacy manifest of the workspace as one WorkspaceEdit', async () => {
  const edit: WorkspaceEdit = await client.request('workspace/executeCommand', { command: 'tracingReload.server.migrateWorkspace', arguments: [] });
  const uris = (edit.documentChanges ?? []).map((c) => ('textDocument' in c ? c.textDocument.uri.slice(c.textDocument.uri.lastIndexOf('/') + 1) : '')).sort();
  assert.ok(uris.includes('sentiment-legacy.reload.json') && uris.includes('support-bot-legacy.mcp-context.json') && uris.includes('legacy.reload.json'), uris.join(', '));
  assert.equal(uris.includes('sentiment.reload.json'), false);
  const open = edit.documentChanges?.find((c) => 'textDocument' in c && c.textDocument.uri === uriOf('legacy.reload.json'));
  assert.ok(open && 'textDocument' in open && typeof open.textDocument.version === 'number', 'open documents carry their version');
});

test('malformed documents and cancelled requests do not take the server down', async () => {
  const garbage = '{"apiVersion": "reload/v2", "spec": {"changes": [{"kind": "Model", "id": ';
  const { uri, version: v } = await openDoc('broken.reload.json', garbage);
  const diagnostics = await client.diagnostics(uri, v);
  assert.deepEqual(diagnostics.map((d) => d.code), ['invalid-json']);
  for (const method of ['textDocument/hover', 'textDocument/completion', 'textDocument/documentSymbol', 'textDocument/codeLens', 'textDocument/documentLink', 'textDocument/definition', 'textDocument/foldingRange']) {
    await client.request(method, { textDocument: { uri }, position: { line: 0, character: garbage.length - 2 }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }, context: { diagnostics } });
  }
  const tokenSource = new (await import('vscode-jsonrpc')).CancellationTokenSource();
  const cancelled = client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 3 } }, tokenSource.token);
  tokenSource.cancel();
  await cancelled.then(
    () => undefined,
    (error: { code?: number }) => assert.equal(error.code, -32800),
  );
  const symbols: DocumentSymbol[] = await client.request('textDocument/documentSymbol', { textDocument: { uri: uriOf('features.reload.json') } });
  assert.ok(symbols.length > 0, 'still answering');
});

test('clients that pull diagnostics get them from textDocument/diagnostic, with Unnecessary tags', async () => {
  const puller = await LspClient.start({ root, diagnostics: 'pull' });
  try {
    const text = '{"apiVersion": "mcp-context/v2", "kind": "ContextManifest", "metadata": {"name": "k", "uid": "0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e", "serial": 1}, "spec": {"knowledge": [{"index": "kb", "shard": "old", "op": "delete", "artifact": {"uri": "kb/2026-11.jsonl"}}]}}';
    const uri = uriOf('pull.mcp-context.json');
    writeFileSync(join(root, 'pull.mcp-context.json'), text);
    await puller.open(uri, 'mcp-context', text);
    const report: { kind: string; items: { code: string; tags?: number[]; range: { start: { character: number } } }[] } = await puller.request('textDocument/diagnostic', { textDocument: { uri } });
    assert.equal(report.kind, 'full');
    assert.deepEqual(report.items.map((d) => [d.code, d.tags, d.range.start.character]), [['ignored-field', [1], text.indexOf('"artifact"')]]);
    assert.equal(puller.published.length, 0, 'nothing is pushed to a pulling client');
  } finally {
    await puller.stop();
  }
});

test('configured targets come from settings; unknown target names are flagged', async () => {
  const text = '{"apiVersion": "reload/v2", "kind": "ReloadManifest", "metadata": {"name": "t", "uid": "0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e", "serial": 1}, "spec": {"targets": ["staging", "qa"], "changes": [{"kind": "Config", "id": "c", "data": 1}]}}';
  const { uri, version: v } = await openDoc('targets.reload.json', text);
  const diagnostics = await client.diagnostics(uri, v);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.message]), [['unknown-target', 'No target named "qa" (configured: staging, prod-eu): add it to tracingReload.targets or fix the name.']]);
});

test('Apply and Rollback lenses show only while targets are configured, and a settings change refreshes the lenses', async () => {
  const { uri } = await openDoc('lenses.reload.json', readFileSync(join(EXAMPLES, 'sentiment.reload.json'), 'utf8'));
  const titles = async () => ((await client.request('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[]).map((l) => l.command?.title);
  assert.deepEqual(await titles(), ['▶ Dry Run', 'Apply…', 'Rollback…']);
  const configured = { targets: [{ name: 'staging', url: 'http://127.0.0.1:7070' }, { name: 'prod-eu', url: 'http://127.0.0.1:7071' }] };
  const refreshes = client.codeLensRefreshes;
  try {
    await client.setSettings({ targets: [] });
    await client.until(() => (client.codeLensRefreshes > refreshes ? true : undefined), 'a workspace/codeLens/refresh request');
    assert.deepEqual(await titles(), ['▶ Dry Run']);
  } finally {
    await client.setSettings(configured);
    await client.until(() => (client.codeLensRefreshes > refreshes + 1 ? true : undefined), 'a second workspace/codeLens/refresh request');
  }
  assert.deepEqual(await titles(), ['▶ Dry Run', 'Apply…', 'Rollback…']);
});

test('in a large manifest, completion and hover work on the unit around the cursor, with document ranges', async () => {
  const { generateReloadManifest } = await import('../../bench/generate');
  const text = generateReloadManifest(2_000);
  assert.ok(text.length > 256 * 1024);
  const { uri, version: v } = await openDoc('large.reload.json', text);
  await client.diagnostics(uri, v);
  const lines = text.split('\n');
  const line = lines.findIndex((l, i) => i > lines.length * 0.8 && l.includes('"kind": "Model"'));
  // Completion of a new property in that Model change: type `"` at the start of the next line.
  const edited = [...lines];
  edited.splice(line + 1, 0, '        "",');
  const editedText = edited.join('\n');
  await client.change(uri, v + 1, [{ range: { start: { line: line + 1, character: 0 }, end: { line: line + 1, character: 0 } }, text: '        "",\n' }]);
  version = v + 1;
  const list: CompletionList = await client.request('textDocument/completion', { textDocument: { uri }, position: { line: line + 1, character: 9 } });
  const labels = list.items.map((i) => i.label);
  assert.equal(labels.includes('preprocessing'), false, 'properties already present are not offered');
  for (const expected of ['format', 'io']) assert.ok(labels.includes(expected), `${expected} in ${labels.join(', ')}`);
  const format = list.items.find((i) => i.label === 'format')!;
  const range = format.textEdit && 'range' in format.textEdit ? format.textEdit.range : undefined;
  assert.deepEqual(range?.start.line, line + 1, 'the edit range is in document coordinates');
  assert.equal(editedText.split('\n')[line + 1], '        "",');
  const hover: Hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line, character: lines[line].indexOf('"kind"') + 2 } });
  assert.match(typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '', /Change kind/);
  assert.deepEqual(hover.range?.start, { line, character: lines[line].indexOf('"kind"') });
});

test('a changed artifact on disk (didChangeWatchedFiles) revalidates open manifests', async () => {
  writeFileSync(join(root, 'kb', 'watched.jsonl'), '{"id":"a","vector":[1,2,3]}\n');
  const text = `{"apiVersion": "mcp-context/v2", "kind": "ContextManifest", "metadata": {"name": "w", "uid": "0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e", "serial": 1},
  "spec": {"knowledge": [{"index": "kb", "shard": "w", "artifact": {"uri": "kb/watched.jsonl"}, "embeddingDim": 3}]}}`;
  const { uri, version: v } = await openDoc('watched.mcp-context.json', text);
  assert.deepEqual((await client.diagnostics(uri, v)).map((d) => d.code), ['missing-digest']);
  const before = client.published.length;
  writeFileSync(join(root, 'kb', 'watched.jsonl'), '{"id":"a","vector":[1,2]}\n');
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(join(root, 'kb', 'watched.jsonl')).href, type: 2 }] });
  const codes = (await client.publishedAfter(uri, before)).map((d) => d.code);
  assert.deepEqual(codes, ['invalid-knowledge-row', 'missing-digest']);
});
