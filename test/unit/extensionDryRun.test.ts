/**
 * The extension's dry run off the extension host's thread (client/dryRun/runner.ts with the built
 * dist/dryRunWorker.js, a real worker thread), and the pure parts the extension shows from a run:
 * per-change results, where a change sits in the text, the timeline's trace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DryRunCancelled, DryRunCrashed, DryRunWorkers } from '../../client/dryRun/runner';
import type { DryRunJob } from '../../client/dryRun/protocol';
import { changePointer, locateNearest, locatePointer } from '../../core/model/locateChange';
import type { ProgressEvent } from '../../core/runtime/pipeline';
import { changeResults } from '../../core/tracing/changeResults';
import { toTimelineTrace } from '../../core/tracing/timelineData';
import { DRY_RUN_FIXTURES, newRuntime, runFile } from '../support/runtime';
import { EXAMPLES, ROOT } from '../support/fixtures';
import { tempFolders } from '../support/tempFolders';

const WORKER = join(ROOT, 'dist', 'dryRunWorker.js');
const temp = tempFolders('worker-');

function job(path: string): DryRunJob {
  return { text: readFileSync(path, 'utf8'), languageId: 'reload-manifest', manifestPath: path, roots: [EXAMPLES], wasmDir: join(ROOT, 'dist'), serviceName: 'test' };
}

test('the dry run runs on a worker thread: progress per step, the outcome, and the trace with its BigInt times', async () => {
  const workers = new DryRunWorkers({ workerFile: WORKER });
  try {
    const events: ProgressEvent[] = [];
    const { outcome, trace, workerRun } = await workers.run(job(join(EXAMPLES, 'sentiment.reload.json')), { onProgress: (e) => events.push(e) });
    assert.equal(outcome.outcome, 'Succeeded');
    assert.equal(workerRun, 1);
    assert.deepEqual(outcome.changes.map((c) => [c.ref, c.status]), [['model:sentiment', 'activated'], ['config:sentiment-preprocess', 'activated'], ['flagset:banners', 'activated']]);
    assert.deepEqual(events.filter((e) => e.kind === 'step' && e.state === 'start').map((e) => (e.kind === 'step' ? e.step : '')).slice(0, 2), ['reload.validate', 'reload.verify']);
    assert.equal(trace.resource['service.name'], 'test');
    assert.equal(typeof trace.spans[0].startNs, 'bigint');
    assert.deepEqual([...new Set(trace.spans.map((s) => s.name))].sort(), ['reload.activate', 'reload.dryRun', 'reload.load', 'reload.probe', 'reload.stage', 'reload.validate', 'reload.verify']);
  } finally {
    workers.dispose();
  }
});

test('one worker is kept between runs and ended when idle; a run while it is busy gets a worker of its own', async () => {
  const workers = new DryRunWorkers({ workerFile: WORKER, idleMs: 300 });
  try {
    const sentiment = job(join(EXAMPLES, 'sentiment.reload.json'));
    assert.equal((await workers.run(sentiment)).workerRun, 1);
    assert.equal(workers.size, 1);
    assert.equal((await workers.run(sentiment)).workerRun, 2, 'the second run reuses the worker');
    // Two at once: the kept worker runs one, a new worker the other; afterwards one is kept.
    const both = await Promise.all([workers.run(sentiment), workers.run(sentiment)]);
    assert.deepEqual(both.map((r) => [r.outcome.outcome, r.workerRun]), [['Succeeded', 3], ['Succeeded', 1]]);
    assert.equal(workers.size, 1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(workers.size, 0, 'the idle worker has ended');
    assert.equal((await workers.run(sentiment)).workerRun, 1, 'a fresh worker after the idle one ended');
  } finally {
    workers.dispose();
  }
  assert.equal(workers.size, 0);
});

test('a cancelled dry run stops at its next step and answers the spans so far; a worker that does not stop in time is ended', async () => {
  const workers = new DryRunWorkers({ workerFile: WORKER, cancelGraceMs: 60_000 });
  try {
    const cancel = new AbortController();
    cancel.abort();
    const { outcome } = await workers.run(job(join(EXAMPLES, 'sentiment.reload.json')), { signal: cancel.signal });
    assert.equal(outcome.outcome, 'Failed');
    assert.equal(outcome.error?.step, 'reload.stage');
    assert.equal(outcome.error?.message, 'Cancelled by the user.');
    assert.equal(workers.size, 1, 'a run that stopped by itself keeps its worker');
  } finally {
    workers.dispose();
  }
  const impatient = new DryRunWorkers({ workerFile: WORKER, cancelGraceMs: 0 });
  const cancel = new AbortController();
  cancel.abort();
  await assert.rejects(impatient.run(job(join(EXAMPLES, 'sentiment.reload.json')), { signal: cancel.signal }), DryRunCancelled);
  assert.equal(impatient.size, 0, 'the worker that did not stop in time is ended');
});

test('a worker that fails is a DryRunCrashed with the message for the user and the stack for the log; dispose fails runs in progress', async () => {
  const file = join(temp(), 'broken-worker.js');
  writeFileSync(file, 'throw new TypeError("the bundle is broken");\n');
  const broken = new DryRunWorkers({ workerFile: file });
  await assert.rejects(broken.run(job(join(EXAMPLES, 'sentiment.reload.json'))), (e: unknown) => {
    assert.ok(e instanceof DryRunCrashed);
    assert.equal(e.message, 'the bundle is broken');
    assert.match(e.detail ?? '', /TypeError: the bundle is broken\n\s+at /);
    return true;
  });
  assert.equal(broken.size, 0);
  const silent = join(temp(), 'exiting-worker.js');
  writeFileSync(silent, 'process.exit(3);\n');
  await assert.rejects(new DryRunWorkers({ workerFile: silent }).run(job(join(EXAMPLES, 'sentiment.reload.json'))), { message: "The dry run's worker stopped (exit code 3) before it answered." });
  const workers = new DryRunWorkers({ workerFile: WORKER });
  const running = workers.run(job(join(EXAMPLES, 'sentiment.reload.json')));
  workers.dispose();
  await assert.rejects(running, { name: 'Error', message: 'The dry run was stopped: the extension is shutting down.' });
  assert.equal(workers.size, 0);
});

test("each change's result: its status, error, spans in start order and the wall time from its first span's start to its last span's end", async () => {
  const { outcome, trace } = await runFile(newRuntime(), join(DRY_RUN_FIXTURES, 'digest-mismatch.reload.json'));
  const results = changeResults(outcome.changes, trace);
  assert.deepEqual(results.map((r) => [r.ref, r.pointer, r.status, r.error?.type, r.spans.map((s) => [s.name, s.status])]), [
    ['model:sentiment', '/spec/changes/0', 'failed', 'DigestMismatch', [['reload.stage', 2]]],
    ['config:sentiment-preprocess', '/spec/changes/1', 'skipped', undefined, []],
    ['flagset:banners', '/spec/changes/2', 'skipped', undefined, []],
  ]);
  assert.equal(results[0].error?.pointer, '/spec/changes/0/artifact/digest');
  assert.equal(results[1].durationMs, undefined, 'no span, no time');
  const model = trace.spans.filter((s) => s.attributes['reload.change.ref'] === 'model:sentiment');
  const first = model.reduce((a, s) => (s.startNs < a ? s.startNs : a), model[0].startNs);
  const last = model.reduce((a, s) => (s.endNs > a ? s.endNs : a), model[0].endNs);
  assert.equal(results[0].durationMs, Number(last - first) / 1e6);
  assert.equal(results[0].spans[0].statusMessage, results[0].error?.message);
  const ok = await runFile(newRuntime(), join(EXAMPLES, 'sentiment.reload.json'));
  const sentiment = changeResults(ok.outcome.changes, ok.trace)[0];
  assert.deepEqual(sentiment.spans.map((s) => s.name), ['reload.stage', 'reload.load', 'reload.probe']);
  assert.ok(sentiment.spans.every((s, i, all) => i === 0 || ok.trace.spans.find((t) => t.spanId === all[i - 1].spanId)!.startNs <= ok.trace.spans.find((t) => t.spanId === s.spanId)!.startNs));
});

test('a change is found in the text by its span ref, and a pointer missing from the text falls back to its nearest ancestor', () => {
  const text = readFileSync(join(EXAMPLES, 'sentiment.reload.json'), 'utf8');
  assert.equal(changePointer(text, 'reload-manifest', 'config:sentiment-preprocess'), '/spec/changes/1');
  assert.equal(changePointer(text, 'reload-manifest', 'config:nope'), undefined);
  const change = locatePointer(text, '/spec/changes/1')!;
  assert.equal(text.slice(change.start, change.start + 1), '{');
  assert.match(text.slice(change.start, change.end), /^\{[\s\S]*"id": "sentiment-preprocess"[\s\S]*\}$/);
  const digest = locatePointer(text, '/spec/changes/0/artifact/digest')!;
  assert.match(text.slice(digest.start, digest.end), /^"digest": "sha256:[0-9a-f]{64}"$/);
  // The model change has no "notes" field: its artifact's nearest located ancestor is the change itself.
  assert.deepEqual(locatePointer(text, '/spec/changes/0/notes/x'), locatePointer(text, '/spec/changes/0'));
  assert.equal(locatePointer('', '/a'), undefined);
});

test('every change of a large manifest is located in one pass (inline results), as one lookup each would find it', async () => {
  const { generateReloadManifest } = await import('../../bench/generate');
  const text = generateReloadManifest(5_000);
  const pointers = Array.from({ length: 5_000 }, (_, i) => `/spec/changes/${i}`);
  const missing = '/spec/changes/4999/nope/deeper';
  const started = performance.now();
  const spans = locateNearest(text, [...pointers, missing]);
  const ms = performance.now() - started;
  // One lookup per pointer scans the 2.6 MB text 5,000 times (over a minute); one pass takes milliseconds.
  assert.ok(ms < 2_000, `${ms.toFixed(0)} ms for 5,000 pointers`);
  assert.equal(spans.size, 5_001);
  for (const pointer of [pointers[0], pointers[2_500], pointers[4_999], missing]) assert.deepEqual(spans.get(pointer), locatePointer(text, pointer));
  assert.deepEqual(spans.get(missing), spans.get(pointers[4_999]));
});

test('the timeline trace is in tree order with ms from the earliest start; a cycle is broken and reported', () => {
  const span = (id: string, parent: string | undefined, start: number, end: number) => ({
    traceId: 't'.repeat(32), spanId: id, ...(parent ? { parentSpanId: parent } : {}), name: `s${id}`, kind: 1,
    startNs: 1_700_000_000_000_000_000n + BigInt(start) * 1000n, endNs: 1_700_000_000_000_000_000n + BigInt(end) * 1000n,
    attributes: {}, events: [{ name: 'e', timeNs: 1_700_000_000_000_000_000n + BigInt(start + 1) * 1000n, attributes: {} }], status: { code: 0 as const },
  });
  const trace = toTimelineTrace({ resource: { 'service.name': 'x' }, scope: { name: 's' }, spans: [span('b', 'a', 1500, 1000), span('a', undefined, 1000, 4000), span('c', 'd', 2000, 2500), span('d', 'c', 2100, 2200)] }, 'x.otlp.json');
  assert.deepEqual(trace.spans.map((s) => [s.spanId, s.parent, s.depth, s.start, s.duration, s.rootReason]), [
    ['a', -1, 0, 0, 3, undefined],
    ['b', 0, 1, 0.5, 0, undefined],
    ['c', -1, 0, 1, 0.5, 'cycle'],
    ['d', 2, 1, 1.1, 0.1, undefined],
  ]);
  assert.equal(trace.total, 3);
  assert.equal(trace.originNs, '1700000000001000000');
  assert.equal(trace.spans[0].events[0].time, 0.001);
  assert.equal(trace.warnings.length, 1);
  assert.match(trace.warnings[0], /cycle/);
});
