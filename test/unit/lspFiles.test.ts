/**
 * The language server and the files manifests name: digest drift, confinement, unreadable files,
 * document URIs that are not local paths, file watching, stale results, and the same diagnostics
 * as `reloadctl validate` on one workspace.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic, TextEdit } from 'vscode-languageserver-protocol';
import { nodeFileHost } from '../../node/fileHost';
import { reloadctl } from '../support/cli';
import { EXAMPLES } from '../support/fixtures';
import { startInProcess } from '../support/inProcessServer';
import { LspClient } from '../support/lspClient';

const UID = '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e';
const REAL_DIGEST = 'sha256:85a707c5b2cb2b67b163eb250a4f86546f8446d7e9296c576839da424faeeea4';
const reload = (changes: string): string => `{
  "apiVersion": "reload/v2",
  "kind": "ReloadManifest",
  "metadata": { "name": "m", "uid": "${UID}", "serial": 1 },
  "spec": { "changes": [${changes}] }
}
`;
const modelChange = (artifact: string): string => `{ "kind": "Model", "id": "m", "version": "1", "artifact": ${artifact} }`;

let root: string;
let client: LspClient;
let version = 0;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'lsp-files-'));
  cpSync(EXAMPLES, root, { recursive: true });
  client = await LspClient.start({ root, settings: { artifactRoots: ['/proc/self'], validation: { delayMs: 0 } } });
});

after(async () => {
  await client.stop();
  rmSync(root, { recursive: true, force: true });
});

async function open(name: string, text: string): Promise<{ uri: string; version: number }> {
  const uri = pathToFileURL(join(root, name)).href;
  writeFileSync(join(root, name), text);
  await client.open(uri, name.endsWith('.mcp-context.json') ? 'mcp-context' : 'reload-manifest', text, ++version);
  return { uri, version };
}

const brief = (diagnostics: Diagnostic[]) => diagnostics.map((d) => [d.code, (d.data as { pointer?: string }).pointer]);

test('a pinned digest that no longer matches the file is a diagnostic on the digest, with a quick fix pinning the new one', { timeout: 30_000 }, async () => {
  const text = reload(modelChange(`{ "uri": "models/sentiment-2.1.0.onnx", "digest": "sha256:${'0'.repeat(64)}", "size": 269 }`));
  const { uri, version: v } = await open('drift.reload.json', text);
  // Hashed in the background: the diagnostic follows the first publication once the digest is known.
  const diagnostics = await client.until(() => client.published.filter((p) => p.uri === uri && p.version === v).map((p) => p.diagnostics).find((d) => d.some((x) => x.code === 'digest-mismatch')), 'digest-mismatch');
  const drift = diagnostics.find((d) => d.code === 'digest-mismatch')!;
  assert.deepEqual([drift.message, (drift.data as { pointer: string }).pointer, drift.range.start.line], [
    `The file's bytes changed: it hashes to ${REAL_DIGEST}, not the pinned digest. If the change is intended, pin the new digest (quick fix); otherwise restore the file.`,
    '/spec/changes/0/artifact/digest',
    4,
  ]);
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: drift.range, context: { diagnostics: [drift] } });
  const fix = actions.find((a) => a.title === 'Pin the new digest (the file changed)');
  const edits = fix?.edit?.documentChanges?.[0] && 'edits' in fix.edit.documentChanges[0] ? (fix.edit.documentChanges[0].edits as TextEdit[]) : [];
  const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'json', 1, text), edits);
  assert.equal(fixed, text.replace(`sha256:${'0'.repeat(64)}`, REAL_DIGEST));
  // The CLI reports the same diagnostic, and none when hashing is turned off.
  const cli = reloadctl(['validate', '--format', 'json', join(root, 'drift.reload.json')]);
  assert.deepEqual(JSON.parse(cli.stdout)[0].diagnostics.map((d: { code: string; pointer: string; message: string }) => [d.code, d.pointer, d.message]), [['digest-mismatch', '/spec/changes/0/artifact/digest', drift.message]]);
  assert.equal(reloadctl(['validate', '--max-hash-bytes', '0', join(root, 'drift.reload.json')]).code, 0);
});

test('files outside the manifest folder and the roots are refused; an unreadable one (EIO) is a diagnostic, and the others still come', { timeout: 30_000 }, async () => {
  writeFileSync(join(root, 'outside.txt'), 'TOP-SECRET-CONTENT');
  mkdirSync(join(root, 'ctx'), { recursive: true });
  const text = `{
  "apiVersion": "mcp-context/v2", "kind": "ContextManifest",
  "metadata": { "name": "c", "uid": "${UID}", "serial": 1 },
  "spec": {
    "prompts": [{ "name": "p", "template": "Hello {{who}}" }],
    "resources": [{ "uri": "ctx://a", "name": "a", "file": "../outside.txt" }, { "uri": "ctx://b", "name": "b", "file": "missing.md" }],
    "knowledge": [{ "index": "kb", "shard": "s", "artifact": { "uri": "/proc/self/mem", "digest": "sha256:${'1'.repeat(64)}" }, "embeddingDim": 3 }]
  }
}
`;
  const { uri, version: v } = await open('ctx/files.mcp-context.json', text);
  const expected = [
    ['undeclared-placeholder', '/spec/prompts/0/template'],
    ['artifact-outside-roots', '/spec/resources/0/file'],
    ['artifact-not-found', '/spec/resources/1/file'],
    ['artifact-unreadable', '/spec/knowledge/0/artifact/uri'],
  ];
  const diagnostics = await client.until(() => {
    const latest = client.published.filter((p) => p.uri === uri && p.version === v).at(-1)?.diagnostics;
    return latest && latest.length === expected.length ? latest : undefined;
  }, 'all four diagnostics');
  assert.deepEqual(brief(diagnostics), expected);
  assert.equal(JSON.stringify(diagnostics).includes('TOP-SECRET'), false, "a refused file's content is never read");
  const unreadable = diagnostics.find((d) => d.code === 'artifact-unreadable')!;
  assert.equal(unreadable.message, 'Cannot read /proc/self/mem: an input/output error (EIO): the disk or file system failed. Check the file\'s permissions and the disk.');
});

test('documents whose URI names no local path (a UNC host, an encoded slash) still get syntax and schema diagnostics', async () => {
  for (const uri of ['file://fileserver/share/team/a.reload.json', 'file:///tmp/a%2Fb.reload.json']) {
    await client.open(uri, 'reload-manifest', reload('{ "kind": "FlagSet", "id": "f", "flags": {}, "colour": 1 },'), ++version);
    assert.deepEqual(brief(await client.diagnostics(uri, version)), [['unknown-property', '/spec/changes/0/colour'], ['trailing-comma', '/spec/changes/0']], uri);
  }
});

test('formatting options from the client are clamped: a huge tab size indents by 16', { timeout: 10_000 }, async () => {
  const { uri } = await open('format.reload.json', '{"apiVersion":"reload/v2","kind":"ReloadManifest","metadata":{"name":"f"}}');
  const edits = await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 1_000_000_000, insertSpaces: true } });
  const formatted = TextDocument.applyEdits(TextDocument.create(uri, 'json', 1, '{"apiVersion":"reload/v2","kind":"ReloadManifest","metadata":{"name":"f"}}'), edits);
  assert.equal(formatted.split('\n')[1], `${' '.repeat(16)}"apiVersion": "reload/v2",`);
});

test('the server watches manifests and the files open manifests name, nothing else', { timeout: 20_000 }, async () => {
  const watching = await LspClient.start({
    root,
    settings: { validation: { delayMs: 0 } },
    capabilities: { workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true } }, textDocument: { publishDiagnostics: { versionSupport: true } } },
  });
  try {
    const watchers = () => watching.registrations.filter((r) => r.method === 'workspace/didChangeWatchedFiles').map((r) => (r.registerOptions as { watchers: unknown[] }).watchers);
    assert.deepEqual((await watching.until(() => watchers().at(0), 'a watcher registration')), [{ globPattern: '**/*.reload.json' }, { globPattern: '**/*.mcp-context.json' }]);
    const uri = pathToFileURL(join(root, 'watched.reload.json')).href;
    await watching.open(uri, 'reload-manifest', reload(modelChange(`{ "uri": "models/sentiment-2.1.0.onnx", "digest": "${REAL_DIGEST}" }`)), 1);
    const latest = await watching.until(() => (watchers().length > 1 ? watchers().at(-1) : undefined), 'a second registration');
    assert.deepEqual(latest, [
      { globPattern: '**/*.reload.json' },
      { globPattern: '**/*.mcp-context.json' },
      { globPattern: { baseUri: pathToFileURL(join(root, 'models')).href, pattern: 'sentiment-2.1.0.onnx' } },
    ]);
  } finally {
    await watching.stop();
  }
});

test('a diagnostic computed for an old version is never published after a newer one (a slow file host)', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsp-race-'));
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let slowRead: Promise<unknown> | undefined;
  let readStarted: () => void = () => undefined;
  const slowReadStarted = new Promise<void>((resolve) => (readStarted = resolve));
  let slowAsked = false;
  const server = await startInProcess(
    { root: dir, settings: { validation: { delayMs: 0, maxHashBytes: 0 } } },
    {
      fileHost: (manifest, options) => {
        const host = nodeFileHost(manifest, options);
        return {
          ...host,
          stat: async (path) => {
            if (!path.endsWith('slow.jsonl')) return host.stat(path);
            slowAsked = true;
            return gate.then(() => host.stat(path));
          },
          readText: (path) => {
            if (!path.endsWith('slow.jsonl')) return host.readText(path);
            const read = host.readText(path);
            slowRead = read;
            readStarted();
            return read;
          },
        };
      },
    },
  );
  try {
    writeFileSync(join(dir, 'slow.jsonl'), 'not json\n');
    writeFileSync(join(dir, 'fast.jsonl'), '{"id": "a", "vector": [1, 2, 3]}\n');
    const manifest = (shard: string): string =>
      `{"apiVersion": "mcp-context/v2", "kind": "ContextManifest", "metadata": {"name": "r", "uid": "${UID}", "serial": 1}, "spec": {"knowledge": [{"index": "kb", "shard": "s", "artifact": {"uri": "${shard}", "digest": "sha256:${'2'.repeat(64)}"}, "embeddingDim": 3}]}}`;
    const uri = pathToFileURL(join(dir, 'race.mcp-context.json')).href;
    await server.client.open(uri, 'mcp-context', manifest('slow.jsonl'), 1);
    await server.client.change(uri, 2, [{ text: manifest('fast.jsonl') }]);
    assert.deepEqual(await server.client.diagnostics(uri, 2), []);
    assert.equal(slowAsked, true, "version 1's check is waiting on the slow file");
    open();
    // Version 1's check goes on: it stats the slow file, then reads it (real I/O).
    await slowReadStarted;
    await slowRead;
    // Version 1's check ends in the microtasks after its read: a macrotask later, it has decided.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // Version 2 may be published again (the workspace scan ends), but version 1 never is.
    const versions = server.sent.filter((p) => p.uri === uri).map((p) => [p.version, p.diagnostics.length]);
    assert.deepEqual(versions, versions.map(() => [2, 0]));
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the editor and reloadctl validate report exactly the same diagnostics on one workspace', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agree-'));
  try {
    for (const folder of ['models', 'ctx', 'node_modules/pkg', 'adapters']) mkdirSync(join(dir, folder), { recursive: true });
    cpSync(join(EXAMPLES, 'adapters', 'support-lora-7.safetensors'), join(dir, 'adapters', 'lora.safetensors'));
    writeFileSync(join(dir, 'models', 'a.reload.json'), reload('{ "kind": "Model", "id": "sentiment", "version": "1", "artifact": { "uri": "m.onnx" } }'));
    // Skipped by both: dependencies are not the workspace's manifests.
    writeFileSync(join(dir, 'node_modules', 'pkg', 'b.reload.json'), reload('{ "kind": "Model", "id": "elsewhere", "version": "1", "artifact": { "uri": "m.onnx" } }'));
    const context = `{
  "apiVersion": "mcp-context/v2", "kind": "ContextManifest",
  "metadata": { "name": "c" },
  "spec": {
    "adapters": [
      { "name": "one", "baseModel": "model:sentiment", "rank": 8, "artifact": { "uri": "../adapters/lora.safetensors" } },
      { "name": "two", "baseModel": "model:elsewhere", "rank": 8, "artifact": { "uri": "missing.safetensors" } }
    ]
  }
}
`;
    writeFileSync(join(dir, 'ctx', 'c.mcp-context.json'), context);
    const editor = await LspClient.start({ root: dir, settings: { artifactRoots: ['adapters'], validation: { delayMs: 0 } } });
    try {
      const uri = pathToFileURL(join(dir, 'ctx', 'c.mcp-context.json')).href;
      await editor.open(uri, 'mcp-context', context, 1);
      // The workspace's models are indexed once the scan is done: wait for the adapter check to use them.
      const fromEditor = await editor.until(() => editor.published.filter((p) => p.uri === uri).at(-1)?.diagnostics.filter(() => true).find((d) => d.code === 'unresolved-reference') && editor.published.filter((p) => p.uri === uri).at(-1)!.diagnostics, 'the adapter check');
      const cli = reloadctl(['validate', '--format', 'json', '--root', 'adapters', 'ctx/c.mcp-context.json'], dir);
      const fromCli = JSON.parse(cli.stdout)[0].diagnostics as { code: string; message: string; range: unknown; pointer: string; severity: string }[];
      const severity = ['', 'error', 'warning', 'information', 'hint'];
      assert.deepEqual(
        fromEditor.map((d) => ({ severity: severity[d.severity!], code: d.code, message: d.message, range: d.range, pointer: (d.data as { pointer: string }).pointer })),
        fromCli,
      );
      assert.deepEqual(fromCli.map((d) => [d.code, d.pointer]), [
        ['missing-apply-field', '/metadata'],
        ['missing-digest', '/spec/adapters/0/artifact/uri'],
        ['unresolved-reference', '/spec/adapters/1/baseModel'],
        ['artifact-not-found', '/spec/adapters/1/artifact/uri'],
        ['missing-digest', '/spec/adapters/1/artifact/uri'],
      ]);
    } finally {
      await editor.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a saved reload manifest updates the models context manifests check against, and re-checks only those', { timeout: 30_000 }, async () => {
  const contextText = `{"apiVersion": "mcp-context/v2", "kind": "ContextManifest", "metadata": {"name": "a", "uid": "${UID}", "serial": 1},
  "spec": {"adapters": [{"name": "l", "baseModel": "model:fresh-model", "rank": 8, "artifact": {"uri": "adapters/support-lora-7.safetensors", "digest": "sha256:${'3'.repeat(64)}"}}]}}`;
  const context = await open('adapter-user.mcp-context.json', contextText);
  const other = await open('bystander.reload.json', reload('{ "kind": "FlagSet", "id": "f", "flags": {} }'));
  const unresolved = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => d.code === 'unresolved-reference').map((d) => (d.data as { pointer: string }).pointer);
  await client.until(() => {
    const latest = client.published.filter((p) => p.uri === context.uri).at(-1)?.diagnostics;
    return latest && unresolved(latest).length === 1 ? latest : undefined;
  }, 'the unresolved base model');
  await client.diagnostics(other.uri, other.version);
  const before = client.published.length;
  const declaring = join(root, 'models', 'fresh.reload.json');
  writeFileSync(declaring, reload('{ "kind": "Model", "id": "fresh-model", "version": "1", "artifact": { "uri": "sentiment-2.1.0.onnx" } }'));
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(declaring).href, type: 1 }] });
  // (It may be published again for other reasons first, e.g. when a background hash ends.)
  await client.until(() => client.published.slice(before).find((p) => p.uri === context.uri && unresolved(p.diagnostics).length === 0), 'the context manifest checked against the new model');
  assert.equal(client.published.slice(before).some((p) => p.uri === other.uri), false, 'an unrelated manifest is not checked again');
});

test('an opened document is checked and published once per version (opening fires both open and change events)', { timeout: 30_000 }, async () => {
  const text = reload('{ "kind": "FlagSet", "id": "once", "flags": {} }');
  const { uri, version: v } = await open('once.reload.json', text);
  await client.diagnostics(uri, v);
  await client.change(uri, v + 1, [{ text: text.replace('"once"', '"twice"') }]);
  await client.diagnostics(uri, v + 1);
  version = v + 1;
  // Both publications would come within milliseconds (the delay is 0 here): give a second one ample time.
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(client.published.filter((p) => p.uri === uri).map((p) => p.version), [v, v + 1]);
});

test('a session patch that amplifies is refused by the server quickly, as by validation', { timeout: 30_000 }, async () => {
  const copies = Array.from({ length: 60 }, (_, i) => `{"op": "copy", "from": "", "path": "/c${i}"}`).join(', ');
  const started = performance.now();
  const { uri, version: v } = await open(
    'amplify.mcp-context.json',
    `{"apiVersion": "mcp-context/v2", "kind": "ContextManifest", "metadata": {"name": "s", "uid": "${UID}", "serial": 1}, "spec": {"sessions": [{"op": "load", "sessionId": "s", "context": {"h": [1, 2, 3]}}, {"op": "update", "sessionId": "s", "patch": [${copies}]}]}}`,
  );
  assert.deepEqual(brief(await client.diagnostics(uri, v)), [['invalid-patch', '/spec/sessions/1/patch/17/op']]);
  assert.ok(performance.now() - started < 5_000);
});
