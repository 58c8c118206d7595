import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz } from '../support/fuzz';
import { fuzzPatches } from '../support/patchFuzz';
import { fuzzTraces } from '../support/traceFuzz';

test('10,000 mutated manifests: no exception, none over 1 s, Object.prototype untouched', () => {
  const { failures, slowestMs } = fuzz(20261126, 10_000);
  assert.deepEqual(
    failures.slice(0, 3).map((f) => ({ index: f.index, reason: f.reason, text: f.text.slice(0, 300) })),
    [],
  );
  assert.ok(slowestMs < 1000, `slowest case took ${slowestMs} ms`);
});

test('2,000 random OTLP and Jaeger traces: only TraceFormatError, none over 1 s, Object.prototype untouched', { timeout: 120_000 }, () => {
  const { failures, slowestMs, outcomes } = fuzzTraces(20261126, 2_000);
  assert.deepEqual(
    failures.slice(0, 3).map((f) => ({ index: f.index, reason: f.reason, text: f.text.slice(0, 300) })),
    [],
  );
  assert.ok(slowestMs < 1000, `slowest case took ${slowestMs} ms`);
  // The cases must reach the converters, with the parent links that used to hang or drop spans.
  assert.ok(outcomes.read >= 600 && outcomes.withCycles >= 200 && outcomes.withDuplicates >= 100 && outcomes.refused >= 400, JSON.stringify(outcomes));
});

test('5,000 random JSON Patches: no exception, none over 1 s, never past the size or depth limits, inputs untouched', { timeout: 120_000 }, () => {
  const { failures, slowestMs } = fuzzPatches(20261126, 5_000);
  assert.deepEqual(
    failures.slice(0, 3).map((f) => ({ index: f.index, reason: f.reason, text: f.text.slice(0, 300) })),
    [],
  );
  assert.ok(slowestMs < 1000, `slowest case took ${slowestMs} ms`);
});
