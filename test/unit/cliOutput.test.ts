import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { reloadctl } from '../support/cli';
import { EXAMPLES, ROOT } from '../support/fixtures';
import { tempFolders } from '../support/tempFolders';

const folder = tempFolders('reloadctl-output-');
const asRoot = process.getuid?.() === 0;
const example = (name: string): string => readFileSync(join(EXAMPLES, name), 'utf8');

/** A file whose name and one property name try to clear the screen, set the title and forge a CI annotation. */
const EVIL_NAME = 'evil\u001b[2J\n::error file=x::forged.reload.json';
const EVIL_TEXT =
  '{"apiVersion": "reload/v2", "kind": "ReloadManifest", "metadata": {"name": "x", "uid": "0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e", "serial": 1}, ' +
  '"spec": {"changes": [{"kind": "Config", "id": "c", "data": {}}]}, "\\u001b]0;owned\\u0007\\n::error::forged": 1}';
const EVIL_MESSAGE_RAW = 'Unknown property "\u001b]0;owned\u0007\n::error::forged". Allowed here: apiVersion, kind, metadata, spec. Remove it, or prefix it with "x-" to keep it as an extension.';

/** `reloadctl validate` (with `flags`) on the file with the hostile name and property, in a fresh folder; it exits 1. */
function validateHostile(...flags: string[]): string {
  const dir = folder();
  writeFileSync(join(dir, EVIL_NAME), EVIL_TEXT);
  const run = reloadctl(['validate', ...flags, EVIL_NAME], dir);
  assert.equal(run.code, 1);
  return run.stdout;
}

test('text output escapes control characters in file names and messages', () => {
  assert.equal(
    validateHostile(),
    'evil\\u001b[2J\\n::error file=x::forged.reload.json:1:208: error unknown-property: Unknown property "\\u001b]0;owned\\u0007\\n::error::forged". Allowed here: apiVersion, kind, metadata, spec. Remove it, or prefix it with "x-" to keep it as an extension.\n' +
      '1 error, 0 warnings in 1 file\n',
  );
});

test('github output: no input starts a workflow command line, and control characters are escaped', () => {
  const stdout = validateHostile('--format', 'github');
  assert.equal(
    stdout,
    '::error file=evil\\u001b[2J%0A%3A%3Aerror file=x%3A%3Aforged.reload.json,line=1,col=208,endLine=1,endColumn=247,title=unknown-property::' +
      'Unknown property "\\u001b]0;owned\\u0007%0A::error::forged". Allowed here: apiVersion, kind, metadata, spec. Remove it, or prefix it with "x-" to keep it as an extension.\n',
  );
  assert.deepEqual(stdout.split(/[\r\n\u2028\u2029\u0085]/).length, 2, 'one line, then the final newline');
});

test('json output keeps names and messages as they are (JSON escapes them)', () => {
  const stdout = validateHostile('--format', 'json');
  assert.doesNotMatch(stdout, /[\u0000-\u0009\u000b-\u001f]/);
  const [report] = JSON.parse(stdout);
  assert.equal(report.file, EVIL_NAME);
  assert.equal(report.diagnostics[0].message, EVIL_MESSAGE_RAW);
});

/** A folder with one valid manifest and every kind of unreadable input, named relative to it. */
function unreadableInputs(): { dir: string; files: string[] } {
  const dir = folder();
  writeFileSync(join(dir, 'ok.reload.json'), example('flags-and-config.reload.json'));
  mkdirSync(join(dir, 'folder.reload.json'));
  writeFileSync(join(dir, 'binary.reload.json'), Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]));
  const fd = openSync(join(dir, 'huge.reload.json'), 'w');
  ftruncateSync(fd, 50 * 1024 * 1024);
  closeSync(fd);
  return { dir, files: ['ok.reload.json', 'missing.reload.json', 'folder.reload.json', 'binary.reload.json', 'huge.reload.json'] };
}

const UNREADABLE: [string, string][] = [
  ['missing.reload.json', 'No such file: check the path.'],
  ['folder.reload.json', 'This is a directory: pass the manifest files in it, e.g. folder.reload.json/*.reload.json.'],
  ['binary.reload.json', 'The file is not UTF-8 text (is it a binary file?): save it as UTF-8 JSON.'],
  ['huge.reload.json', 'The file is 50.0 MiB; manifests over 16 MiB are not read (put large data in artifact files the manifest points at).'],
];

test('unreadable files are error entries in text output and counted in the summary; exit 2', () => {
  const { dir, files } = unreadableInputs();
  const run = reloadctl(['validate', ...files], dir);
  assert.deepEqual(run, {
    code: 2,
    stdout: `${UNREADABLE.map(([file, message]) => `${file}:1:1: error unreadable-file: ${message}\n`).join('')}4 errors, 0 warnings in 5 files\n`,
    stderr: '',
  });
});

test('unreadable files are entries in json output (range 0:0, pointer "") and github output', () => {
  const { dir, files } = unreadableInputs();
  const json = reloadctl(['validate', '--format', 'json', ...files], dir);
  assert.equal(json.code, 2);
  const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  assert.deepEqual(JSON.parse(json.stdout), [
    { file: 'ok.reload.json', diagnostics: [] },
    ...UNREADABLE.map(([file, message]) => ({ file, diagnostics: [{ severity: 'error', code: 'unreadable-file', message, range: zero, pointer: '' }] })),
  ]);
  const github = reloadctl(['validate', '--format', 'github', ...files], dir);
  assert.equal(github.code, 2);
  assert.equal(github.stdout, UNREADABLE.map(([file, message]) => `::error file=${file},line=1,col=1,endLine=1,endColumn=1,title=unreadable-file::${message}\n`).join(''));
});

test('a file the user may not read is an unreadable-file entry (EACCES)', { skip: asRoot ? false : 'needs root to run as another user' }, () => {
  const dir = folder();
  chmodSync(dirname(dir), 0o711);
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'secret.reload.json'), example('flags-and-config.reload.json'));
  chmodSync(join(dir, 'secret.reload.json'), 0o600);
  const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'validate', 'secret.reload.json'], { cwd: dir, uid: 1234, gid: 1234, encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.stdout, 'secret.reload.json:1:1: error unreadable-file: Cannot read the file: permission denied.\n1 error, 0 warnings in 1 file\n');
  assert.equal(run.status, 2);
});

test('"-" reads standard input for validate, named <stdin>', () => {
  const valid = reloadctl(['validate', '-'], EXAMPLES, {}, example('sentiment.reload.json'));
  assert.deepEqual(valid, { code: 0, stdout: '1 file valid\n', stderr: '' });
  const invalid = reloadctl(['validate', '--format', 'json', '-'], EXAMPLES, {}, '{"apiVersion": "reload/v3"}');
  assert.equal(invalid.code, 1);
  assert.deepEqual(JSON.parse(invalid.stdout).map((r: { file: string; diagnostics: { code: string }[] }) => [r.file, r.diagnostics.map((d) => d.code)]), [['<stdin>', ['unknown-api-version']]]);
  const huge = reloadctl(['validate', '-'], EXAMPLES, {}, Buffer.alloc(17 * 1024 * 1024, 0x20));
  assert.deepEqual(huge, {
    code: 2,
    stdout: '<stdin>:1:1: error unreadable-file: The input is over 16 MiB; manifests over 16 MiB are not read (put large data in artifact files the manifest points at).\n1 error, 0 warnings in 1 file\n',
    stderr: '',
  });
  assert.deepEqual(reloadctl(['validate', '-', '-']), { code: 2, stdout: '', stderr: 'reloadctl: "-" (standard input) can be given once\nRun "reloadctl --help" for usage.\n' });
});

test('"-" reads standard input for migrate (print mode), keeping what a file gives', () => {
  const fromFile = reloadctl(['migrate', 'sentiment-legacy.reload.json'], EXAMPLES);
  const fromStdin = reloadctl(['migrate', '-'], EXAMPLES, {}, `\uFEFF${example('sentiment-legacy.reload.json')}`);
  assert.deepEqual(fromStdin, { code: 0, stdout: fromFile.stdout, stderr: '' });
  assert.deepEqual(reloadctl(['migrate', '--check', '-'], EXAMPLES, {}, example('sentiment-legacy.reload.json')), {
    code: 1,
    stdout: '<stdin>: needs migration reload/v1 → reload/v2\n',
    stderr: '',
  });
});

test('"-" reads standard input for dry-run: artifacts resolve in the current folder; --language overrides', { timeout: 60_000 }, () => {
  const json = reloadctl(['dry-run', '--format', 'json', '-'], EXAMPLES, {}, example('support-bot.mcp-context.json'));
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.deepEqual([report.file, report.outcome], ['<stdin>', 'Succeeded']);
  const wrong = reloadctl(['dry-run', '--language', 'reload-manifest', '-'], EXAMPLES, {}, example('support-bot.mcp-context.json'));
  assert.equal(wrong.code, 2);
  assert.match(wrong.stdout, /^<stdin>:3:17: error wrong-language: "mcp-context\/v2" is an MCP context manifest, but this file is a reload-manifest file: /);
  assert.deepEqual(reloadctl(['dry-run', '--language', 'yaml', '-']), {
    code: 2,
    stdout: '',
    stderr: 'reloadctl: unknown --language "yaml": use reload-manifest or mcp-context\nRun "reloadctl --help" for usage.\n',
  });
});

test('stderr escapes names and arguments: usage errors, unreadable migrate input, the dry-run summary', { timeout: 60_000 }, () => {
  assert.deepEqual(reloadctl(['frob\u001b[2Jnicate']), { code: 2, stdout: '', stderr: 'reloadctl: unknown command "frob\\u001b[2Jnicate"\nRun "reloadctl --help" for usage.\n' });
  assert.deepEqual(reloadctl(['migrate', 'a\n::error::b.reload.json']), { code: 2, stdout: '', stderr: 'reloadctl: a\\n::error::b.reload.json: No such file: check the path.\n' });
  const dir = folder();
  const manifest = '{"apiVersion": "reload/v2", "kind": "ReloadManifest", "metadata": {"name": "x"}, "spec": {"changes": [{"kind": "Config", "id": "c", "source": {"uri": "conf\\u001b[2J.json"}}]}}';
  writeFileSync(join(dir, 'esc.reload.json'), manifest);
  const run = reloadctl(['dry-run', 'esc.reload.json'], dir);
  assert.equal(run.code, 1);
  const last = run.stdout.trimEnd().split('\n').at(-1);
  assert.equal(last, `reload.stage failed: ArtifactNotFound: No file at ${join(dir, 'conf\\u001b[2J.json')} (from "conf\\u001b[2J.json"). at /spec/changes/0/source/uri`);
  const invalid = '{"apiVersion": "reload/v2", "kind": "ReloadManifest", "metadata": {"name": "x"}, "spec": {"changes": [{"kind": "Config", "id": "c", "data": {}}]}, "\\u001b[2J": 1}';
  writeFileSync(join(dir, 'key.reload.json'), invalid);
  const refused = reloadctl(['dry-run', 'key.reload.json'], dir);
  assert.equal(refused.code, 2);
  const lines = refused.stdout.trimEnd().split('\n');
  const message = 'Unknown property "\\u001b[2J". Allowed here: apiVersion, kind, metadata, spec. Remove it, or prefix it with "x-" to keep it as an extension.';
  assert.equal(lines[0], `key.reload.json:1:148: error unknown-property: ${message}`);
  assert.equal(lines.at(-1), `reload.validate failed: InvalidManifest: ${message} at /\\u001b[2J`);
});
