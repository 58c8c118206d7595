import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromOtlpJson } from '../../core/tracing/otlp';
import { reloadctl } from '../support/cli';

const temp = (): string => mkdtempSync(join(tmpdir(), 'reloadctl-dry-'));

test('dry-run prints the span tree with ✓ and exits 0; --trace-out writes OTLP JSON', () => {
  const out = join(temp(), 'trace.json');
  const run = reloadctl(['dry-run', 'examples/sentiment.reload.json', '--trace-out', out]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^✓ reload\.dryRun sentiment-2-1 +│█+│ +[\d.]+ m?s$/);
  const labels = lines.slice(1, -1).map((l) => l.replace(/ +│.*$/, ''));
  assert.deepEqual(labels.sort(), [
    '✓   reload.activate',
    '✓   reload.load config:sentiment-preprocess',
    '✓   reload.load flagset:banners',
    '✓   reload.load model:sentiment',
    '✓   reload.probe golden → model:sentiment',
    '✓   reload.stage config:sentiment-preprocess',
    '✓   reload.stage model:sentiment',
    '✓   reload.validate',
    '✓   reload.verify',
  ]);
  assert.match(lines[lines.length - 1], /^Succeeded \(3 activated\) · trace [0-9a-f]{32}$/);
  const trace = fromOtlpJson(JSON.parse(readFileSync(out, 'utf8')));
  assert.equal(trace.spans.length, 10);
  assert.equal(trace.resource['service.name'], 'reloadctl');
});

test('a failing dry run exits 1 and shows the failing step with its error and pointer', () => {
  const run = reloadctl(['dry-run', 'test/fixtures/dry-run/digest-mismatch.reload.json', '--root', 'examples']);
  assert.equal(run.code, 1);
  assert.match(run.stdout, /✗   reload\.stage model:sentiment +│.*\n {4}DigestMismatch: .* hashes to sha256:85a7.*, not the pinned sha256:0{64}.* \(at \/spec\/changes\/0\/artifact\/digest\)/);
  assert.match(run.stdout, /Failed \(1 failed, 2 skipped\) · trace [0-9a-f]{32}\nreload\.stage failed: DigestMismatch: /);
});

test('an invalid manifest exits 2 with its diagnostics; a rolled-back run exits 1', () => {
  const invalid = reloadctl(['dry-run', 'test/fixtures/invalid/semantic-errors.reload.json']);
  assert.equal(invalid.code, 2);
  assert.match(invalid.stdout, /semantic-errors\.reload\.json:4:48: error manifest-expired/);
  assert.match(invalid.stdout, /✗   reload\.validate/);
  const rolledBack = reloadctl(['dry-run', 'test/fixtures/dry-run/post-activate-probe-fails.reload.json', '--root', 'examples']);
  assert.equal(rolledBack.code, 1);
  assert.match(rolledBack.stdout, /✓   reload\.rollback/);
  assert.match(rolledBack.stdout, /RolledBack \(1 failed, 2 rolledBack\)/);
});

test('dry-run --format json prints one document with the outcome and the OTLP trace', () => {
  const run = reloadctl(['dry-run', '--format', 'json', '--root', 'examples', 'test/fixtures/dry-run/probe-too-slow.reload.json']);
  assert.equal(run.code, 1);
  const doc = JSON.parse(run.stdout);
  assert.equal(doc.outcome, 'Failed');
  assert.deepEqual([doc.error.step, doc.error.type, doc.error.pointer], ['reload.probe', 'ProbeTooSlow', '/spec/healthChecks/0/maxLatencyMs']);
  assert.equal(fromOtlpJson(doc.trace).spans.find((s) => s.status.code === 2 && s.name === 'reload.probe')?.attributes['error.type'], 'ProbeTooSlow');
});

test('dry-run shows staging progress when asked (a terminal, or RELOADCTL_PROGRESS=1)', () => {
  const run = reloadctl(['dry-run', 'examples/sentiment.reload.json'], undefined, { RELOADCTL_PROGRESS: '1' });
  assert.equal(run.code, 0);
  assert.match(run.stderr, /\rstaging model:sentiment 100% \(0\.0 MB \/ 0\.0 MB\)\n/);
});

test('trace convert turns our OTLP file into Chrome and Jaeger JSON, and refuses Chrome input', () => {
  const dir = temp();
  const otlp = join(dir, 'trace.json');
  assert.equal(reloadctl(['dry-run', 'examples/flags-and-config.reload.json', '--trace-out', otlp]).code, 0);
  const chrome = reloadctl(['trace', 'convert', otlp, '--to', 'chrome']);
  assert.equal(chrome.code, 0);
  const events = JSON.parse(chrome.stdout).traceEvents.filter((e: { ph: string }) => e.ph === 'X');
  assert.ok(events.some((e: { name: string }) => e.name === 'reload.dryRun'));
  const jaeger = reloadctl(['trace', 'convert', otlp, '--to', 'jaeger']);
  assert.equal(jaeger.code, 0);
  const jaegerFile = join(dir, 'jaeger.json');
  writeFileSync(jaegerFile, jaeger.stdout);
  const back = reloadctl(['trace', 'convert', jaegerFile, '--to', 'otlp']);
  assert.equal(back.code, 0);
  assert.equal(fromOtlpJson(JSON.parse(back.stdout)).spans.length, fromOtlpJson(JSON.parse(readFileSync(otlp, 'utf8'))).spans.length);
  const chromeFile = join(dir, 'chrome.json');
  writeFileSync(chromeFile, chrome.stdout);
  const refused = reloadctl(['trace', 'convert', chromeFile, '--to', 'otlp']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Chrome trace files are an export format and cannot be read back/);
  assert.equal(reloadctl(['trace', 'convert', otlp, '--to', 'zipkin']).code, 2);
});
