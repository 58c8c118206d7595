import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz } from '../support/fuzz';

test('10,000 mutated manifests: no exception, none over 1 s, Object.prototype untouched', () => {
  const { failures, slowestMs } = fuzz(20261126, 10_000);
  assert.deepEqual(
    failures.slice(0, 3).map((f) => ({ index: f.index, reason: f.reason, text: f.text.slice(0, 300) })),
    [],
  );
  assert.ok(slowestMs < 1000, `slowest case took ${slowestMs} ms`);
});
