import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, closeSync, openSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reloadctl } from '../support/cli';
import { EXAMPLES } from '../support/fixtures';

const temp = (): string => mkdtempSync(join(tmpdir(), 'reloadctl-'));
const noStack = (text: string): void => assert.doesNotMatch(text, /\n\s+at /, 'no stack trace');

test('validate: examples pass with exit 0 and a text summary', () => {
  const run = reloadctl(['validate', 'examples/sentiment.reload.json', 'examples/support-bot.mcp-context.json']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '2 files valid\n');
});

test('validate: errors exit 1; text lines are file:line:col (1-based)', () => {
  const run = reloadctl(['validate', 'test/fixtures/invalid/unknown-api-version.reload.json']);
  assert.equal(run.code, 1);
  assert.equal(
    run.stdout,
    'test/fixtures/invalid/unknown-api-version.reload.json:1:17: error unknown-api-version: Unknown apiVersion "reload/v3": use "reload/v2" (known: reload/v1, reload/v2).\n1 error, 0 warnings in 1 file\n',
  );
});

test('validate --format json prints one document with LSP ranges and pointers', () => {
  const run = reloadctl(['validate', '--format', 'json', 'test/fixtures/invalid/duplicate-key.reload.json', 'examples/sentiment-legacy.reload.json']);
  assert.equal(run.code, 1);
  assert.deepEqual(JSON.parse(run.stdout), [
    {
      file: 'test/fixtures/invalid/duplicate-key.reload.json',
      diagnostics: [
        {
          severity: 'error',
          code: 'duplicate-key',
          message: 'Duplicate key "kind": readers disagree on which value wins; keep one.',
          range: { start: { line: 3, character: 2 }, end: { line: 3, character: 8 } },
          pointer: '/kind',
        },
      ],
    },
    {
      file: 'examples/sentiment-legacy.reload.json',
      diagnostics: [
        {
          severity: 'warning',
          code: 'outdated-format',
          message: 'This is the legacy reload/v1 format: it can be validated but not applied. Migrate it to reload/v2 (quick fix, or `reloadctl migrate --write`).',
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
          pointer: '',
        },
      ],
    },
  ]);
});

test('validate --format github prints workflow commands', () => {
  const run = reloadctl(['validate', '--format', 'github', 'test/fixtures/invalid/wrong-language.reload.json', 'examples/sentiment-legacy.reload.json']);
  assert.equal(run.code, 1);
  assert.equal(
    run.stdout,
    '::error file=test/fixtures/invalid/wrong-language.reload.json,line=1,col=17,endLine=1,endColumn=33,title=wrong-language::"mcp-context/v2" is an MCP context manifest, but this file is a reload-manifest file: rename it to end in .mcp-context.json, or use "reload/v2".\n' +
      '::warning file=examples/sentiment-legacy.reload.json,line=1,col=1,endLine=1,endColumn=2,title=outdated-format::This is the legacy reload/v1 format: it can be validated but not applied. Migrate it to reload/v2 (quick fix, or `reloadctl migrate --write`).\n',
  );
});

test('validate: unreadable input exits 2 with a message and no stack trace', () => {
  const dir = temp();
  const binary = join(dir, 'binary.reload.json');
  writeFileSync(binary, Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]));
  const huge = join(dir, 'huge.reload.json');
  const fd = openSync(huge, 'w');
  ftruncateSync(fd, 50 * 1024 * 1024);
  closeSync(fd);
  const cases: [string, RegExp][] = [
    [join(dir, 'missing.reload.json'), /missing\.reload\.json:1:1: error unreadable-file: No such file/],
    [dir, /:1:1: error unreadable-file: This is a directory: pass the manifest files in it/],
    [binary, /:1:1: error unreadable-file: The file is not UTF-8 text/],
    [huge, /:1:1: error unreadable-file: The file is 50\.0 MiB; manifests over 16 MiB are not read/],
  ];
  for (const [path, message] of cases) {
    const run = reloadctl(['validate', path]);
    assert.equal(run.code, 2, path);
    assert.match(run.stdout, message);
    assert.equal(run.stderr, '');
    noStack(run.stdout);
  }
});

test('validate: an empty file and non-JSON text are invalid manifests (exit 1)', () => {
  const dir = temp();
  writeFileSync(join(dir, 'empty.reload.json'), '');
  writeFileSync(join(dir, 'prose.reload.json'), 'model: sentiment\n');
  const empty = reloadctl(['validate', join(dir, 'empty.reload.json')]);
  assert.equal(empty.code, 1);
  assert.match(empty.stdout, /error invalid-json: The document is empty/);
  const prose = reloadctl(['validate', join(dir, 'prose.reload.json')]);
  assert.equal(prose.code, 1);
  assert.match(prose.stdout, /:1:1: error invalid-json: Unexpected 'm': expected a value/);
});

test('usage errors exit 2 and point at --help', () => {
  for (const args of [['validate'], ['validate', '--format', 'xml', 'a'], ['validate', '--bogus', 'a'], ['frobnicate'], ['migrate', '--to', 'reload/v9', 'a'], ['migrate', 'a', 'b']]) {
    const run = reloadctl(args);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, /^reloadctl: .+\nRun "reloadctl --help" for usage\.\n$/);
  }
  const help = reloadctl(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: reloadctl <command>/);
});

test('migrate prints the migrated document; --check and --write work on files', () => {
  const dir = temp();
  const legacy = join(dir, 'legacy.reload.json');
  const current = join(dir, 'current.reload.json');
  copyFileSync(join(EXAMPLES, 'sentiment-legacy.reload.json'), legacy);
  copyFileSync(join(EXAMPLES, 'sentiment.reload.json'), current);
  const printed = reloadctl(['migrate', legacy]);
  assert.equal(printed.code, 0);
  assert.match(printed.stdout, /"apiVersion": "reload\/v2"/);

  const check = reloadctl(['migrate', '--check', legacy, current]);
  assert.equal(check.code, 1);
  assert.equal(check.stdout, `${legacy}: needs migration reload/v1 → reload/v2\n`);

  const write = reloadctl(['migrate', '--write', legacy, current]);
  assert.equal(write.code, 0, write.stderr);
  assert.equal(write.stderr, `${legacy}: migrated reload/v1 → reload/v2\n${current}: already reload/v2\n`);
  assert.equal(readFileSync(legacy, 'utf8'), printed.stdout);
  assert.equal(readFileSync(current, 'utf8'), readFileSync(join(EXAMPLES, 'sentiment.reload.json'), 'utf8'));
  assert.equal(reloadctl(['migrate', '--check', legacy, current]).code, 0);
});

test('migrate refuses an invalid legacy document with exit 1 and leaves it untouched', () => {
  const dir = temp();
  const file = join(dir, 'bad.reload.json');
  const text = '{"model_name": "m", "model_version": "1", "model_artifact_uri": "m.onnx", "typo": 1}';
  writeFileSync(file, text);
  const run = reloadctl(['migrate', '--write', file]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /was not migrated:\n.*:1:75: error unknown-property: Fix before migrating: Unknown property "typo"/);
  assert.equal(readFileSync(file, 'utf8'), text);
});

test('a reader that stops early does not make reloadctl crash', async () => {
  const { spawnSync } = await import('node:child_process');
  // ~1 MB of output, far more than a pipe holds, so the writes after `head` exits fail with EPIPE.
  const files = Array.from({ length: 300 }, () => 'test/fixtures/invalid/semantic-errors.reload.json').join(' ');
  const run = spawnSync('bash', ['-c', `set -o pipefail; node ${JSON.stringify(join(process.cwd(), 'dist', 'cli.js'))} validate --format json ${files} | head -c 10`], { encoding: 'utf8' });
  assert.equal(run.stdout.length, 10);
  assert.doesNotMatch(run.stderr, /EPIPE|Error/);
  assert.equal(run.status, 1, 'the exit code is the command\'s own (errors found), not a crash');
});
