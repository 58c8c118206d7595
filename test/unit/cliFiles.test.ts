import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { reloadctl } from '../support/cli';
import { EXAMPLES, ROOT } from '../support/fixtures';
import { tempFolders } from '../support/tempFolders';

const folder = tempFolders('reloadctl-files-');
const LEGACY = readFileSync(join(EXAMPLES, 'sentiment-legacy.reload.json'), 'utf8');
/** The migrated document, as `migrate` prints it for the example. */
const MIGRATED = reloadctl(['migrate', join(EXAMPLES, 'sentiment-legacy.reload.json')]).stdout;
const asRoot = process.getuid?.() === 0;
const CLI = join(ROOT, 'dist', 'cli.js');

/** The example legacy manifest copied to `dir/name`. */
function legacyIn(dir: string, name = 'legacy.reload.json'): string {
  const file = join(dir, name);
  writeFileSync(file, LEGACY);
  return file;
}

test('migrate --write through a symbolic link rewrites the target and keeps the link', () => {
  const dir = folder();
  mkdirSync(join(dir, 'real'));
  legacyIn(join(dir, 'real'));
  symlinkSync('real/legacy.reload.json', join(dir, 'link.reload.json'));
  const run = reloadctl(['migrate', '--write', 'link.reload.json'], dir);
  assert.deepEqual(run, { code: 0, stdout: '', stderr: 'link.reload.json: migrated reload/v1 → reload/v2\n' });
  assert.equal(readFileSync(join(dir, 'real', 'legacy.reload.json'), 'utf8'), MIGRATED);
  assert.ok(lstatSync(join(dir, 'link.reload.json')).isSymbolicLink());
  assert.equal(readlinkSync(join(dir, 'link.reload.json')), 'real/legacy.reload.json');
  assert.deepEqual(readdirSync(dir).sort(), ['link.reload.json', 'real']);
  assert.deepEqual(readdirSync(join(dir, 'real')), ['legacy.reload.json']);
});

test('migrate --write refuses a read-only file (exit 1, says --force); --force writes it and keeps mode 0444', () => {
  const dir = folder();
  const file = legacyIn(dir);
  chmodSync(file, 0o444);
  const refused = reloadctl(['migrate', '--write', file]);
  assert.deepEqual(refused, { code: 1, stdout: '', stderr: `reloadctl: cannot write ${file}: it is read-only (mode 0444); pass --force to replace it anyway\n` });
  assert.equal(readFileSync(file, 'utf8'), LEGACY);
  const forced = reloadctl(['migrate', '--write', '--force', file]);
  assert.deepEqual(forced, { code: 0, stdout: '', stderr: `${file}: migrated reload/v1 → reload/v2\n` });
  assert.equal(readFileSync(file, 'utf8'), MIGRATED);
  assert.equal(statSync(file).mode & 0o7777, 0o444);
});

test('migrate --write keeps mode 0640 and the owner and group', { skip: asRoot ? false : 'needs root to chown' }, () => {
  const dir = folder();
  const file = legacyIn(dir);
  chmodSync(file, 0o640);
  chownSync(file, 1234, 1234);
  assert.equal(reloadctl(['migrate', '--write', file]).code, 0);
  const stat = statSync(file);
  assert.deepEqual([stat.mode & 0o7777, stat.uid, stat.gid], [0o640, 1234, 1234]);
  assert.equal(readFileSync(file, 'utf8'), MIGRATED);
});

test('migrate --write as a user who cannot give files away says the owner changed', { skip: asRoot ? false : 'needs root to run as another user' }, () => {
  const dir = folder();
  chmodSync(dirname(dir), 0o711);
  chmodSync(dir, 0o777);
  const file = legacyIn(dir);
  chmodSync(file, 0o666);
  const run = spawnSync(process.execPath, [CLI, 'migrate', '--write', file], { uid: 1234, gid: 1234, encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, `reloadctl: ${file}: its owner (uid 0; now 1234) and group (gid 0; now 1234) could not be kept: only root can give a file away\n${file}: migrated reload/v1 → reload/v2\n`);
  assert.equal(readFileSync(file, 'utf8'), MIGRATED);
});

test('migrate --write as a user in the file\'s group keeps the group, and says only the owner changed', { skip: asRoot ? false : 'needs root to run as another user' }, (t) => {
  const dir = folder();
  chmodSync(dirname(dir), 0o711);
  chmodSync(dir, 0o777);
  const file = legacyIn(dir);
  chmodSync(file, 0o666);
  chownSync(file, 0, 2000);
  // setpriv sets supplementary groups, which spawn's uid/gid options clear.
  const run = spawnSync('setpriv', ['--reuid=1234', '--regid=1234', '--groups=1234,2000', process.execPath, CLI, 'migrate', '--write', file], { encoding: 'utf8', timeout: 30_000 });
  if (run.error) return t.skip(`setpriv is not available here: ${run.error.message}`);
  assert.equal(run.stderr, `reloadctl: ${file}: its owner (uid 0; now 1234) could not be kept: only root can give a file away\n${file}: migrated reload/v1 → reload/v2\n`);
  assert.equal(run.status, 0);
  const stat = statSync(file);
  assert.deepEqual([stat.uid, stat.gid, stat.mode & 0o7777], [1234, 2000, 0o666]);
});

test('migrate --write keeps a UTF-8 byte order mark and CRLF line endings', () => {
  const dir = folder();
  const file = join(dir, 'bom.reload.json');
  const crlf = LEGACY.replace(/\n/g, '\r\n');
  writeFileSync(file, `\uFEFF${crlf}`);
  const printed = reloadctl(['migrate', file]);
  assert.equal(printed.stdout, MIGRATED.replace(/\n/g, '\r\n'), 'printing leaves the mark out');
  assert.equal(reloadctl(['migrate', '--write', file]).code, 0);
  const bytes = readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.equal(bytes.subarray(3).toString('utf8'), printed.stdout);
  assert.equal(reloadctl(['migrate', '--check', file]).code, 0, 'the rewritten file reads back as current');
});

test('a write that fails midway (file size limit) leaves the original and no temp file', { timeout: 30_000 }, () => {
  const dir = folder();
  const file = join(dir, 'big.reload.json');
  // Over 1 KiB once migrated, so the write stops partway at `ulimit -f 1`.
  const text = JSON.stringify({ model_name: 'm', model_version: '1', model_artifact_uri: 'm.onnx', 'x-notes': 'n'.repeat(4000) }, null, 2);
  writeFileSync(file, text);
  const run = spawnSync('bash', ['-c', 'ulimit -f 1 && exec "$0" "$@"', process.execPath, CLI, 'migrate', '--write', file], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.stderr, `reloadctl: cannot write ${file}: file too large (a file size limit is set for this process); the file is unchanged\n`);
  assert.equal(run.status, 1);
  assert.equal(readFileSync(file, 'utf8'), text);
  assert.deepEqual(readdirSync(dir), ['big.reload.json']);
});

test('a migration whose output would not validate is refused (exit 1) and nothing is written', () => {
  const dir = folder();
  const file = join(dir, 'bad-template.mcp-context.json');
  const text = '{\n  "context_name": "support",\n  "prompt_templates": { "greet": "Hello {{ bad-name }}" }\n}\n';
  writeFileSync(file, text);
  for (const args of [['migrate', '--write', file], ['migrate', file]]) {
    const run = reloadctl(args);
    assert.deepEqual(run, {
      code: 1,
      stdout: '',
      stderr:
        `reloadctl: ${file} was not migrated:\n` +
        `${file}:3:34: error invalid-template: The migrated manifest would not validate at /spec/prompts/0/template: "{{ bad-name }}" is not a placeholder: write {{argument_name}} with letters, digits and '_'. Change this field so that it migrates to valid mcp-context/v2.\n` +
        '1 error, 0 warnings in 1 file\n',
    });
  }
  assert.equal(readFileSync(file, 'utf8'), text);
  assert.deepEqual(readdirSync(dir), ['bad-template.mcp-context.json']);
});

test('migrate usage: --write with standard input, --force without --write', () => {
  for (const [args, message] of [
    [['migrate', '--write', '-'], '--write cannot rewrite standard input: drop --write to print the migrated document'],
    [['migrate', '--force', 'a.reload.json'], '--force only applies to --write (it replaces read-only files)'],
    [['migrate', '--check', '-', '-'], '"-" (standard input) can be given once'],
  ] as const) {
    assert.deepEqual(reloadctl([...args]), { code: 2, stdout: '', stderr: `reloadctl: ${message}\nRun "reloadctl --help" for usage.\n` });
  }
});

test('dry-run --trace-out writes through the atomic writer; a trace that cannot be written exits 1', { timeout: 60_000 }, () => {
  const dir = folder();
  const manifest = join(EXAMPLES, 'sentiment.reload.json');
  symlinkSync('nowhere.json', join(dir, 'dangling.json'));
  mkdirSync(join(dir, 'folder.json'));
  for (const [out, why] of [
    [join(dir, 'missing', 'trace.json'), `its folder ${join(dir, 'missing')} does not exist`],
    [join(dir, 'dangling.json'), 'it is a symbolic link to "nowhere.json", which does not exist: fix the link or write to a file'],
    [join(dir, 'folder.json'), 'it is a directory'],
  ]) {
    const run = reloadctl(['dry-run', manifest, '--trace-out', out]);
    assert.equal(run.stderr, `reloadctl: cannot write the trace to ${out}: ${why}\n`);
    assert.equal(run.code, 1, 'the dry run succeeded, but the trace asked for is lost');
    assert.match(run.stdout, /\nSucceeded \(3 activated\) · trace [0-9a-f]{32}\n$/);
  }
  const written = join(dir, 'trace.json');
  writeFileSync(written, 'old trace');
  chmodSync(written, 0o600);
  const run = reloadctl(['dry-run', manifest, '--trace-out', written]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(readFileSync(written, 'utf8')).resourceSpans.length, 1);
  assert.equal(statSync(written).mode & 0o7777, 0o600);
  assert.deepEqual(readdirSync(dir).sort(), ['dangling.json', 'folder.json', 'trace.json']);
});
