import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseShard, searchShards, type KnowledgeShard, type SearchHit } from '../../core/runtime/knowledge';
import { loadModel } from '../../core/runtime/loadModel';
import { runProbe } from '../../core/runtime/probes';
import { parseTemplate } from '../../core/templates';
import { EXAMPLES } from '../support/fixtures';
import { newRuntime } from '../support/runtime';

const DIM = 300_000;

test('a 300,000-dimension row and query: norms and search by loops, not argument spreads', () => {
  const row = JSON.stringify({ id: 'wide', vector: Array.from({ length: DIM }, () => 0.5), text: 'wide row' });
  const other = JSON.stringify({ id: 'sparse', vector: Array.from({ length: DIM }, (_, i) => (i === 0 ? 1 : 0)) });
  const shard = parseShard(`${row}\n${other}\n`, { index: 'kb', shard: 'wide', embeddingDim: DIM, digest: 'sha256:test' });
  assert.equal(shard.rows[0].norm, 0.5 * Math.sqrt(DIM));
  assert.equal(shard.rows[1].norm, 1);
  const hits = searchShards([shard], Array.from({ length: DIM }, () => 2), 1);
  assert.deepEqual(
    hits.map((h) => [h.id, Math.round(h.score * 1e6) / 1e6]),
    [['wide', 1]],
  );
});

test('a 300,000-value model output is checked with loops (argmax and values)', { timeout: 60_000 }, async () => {
  const runtime = newRuntime();
  const bytes = readFileSync(join(EXAMPLES, 'models', 'typed-inputs.onnx'));
  const model = await loadModel(runtime.engine, { id: 'typed', version: '1' }, '/spec/changes/0', { uri: 'typed-inputs.onnx', location: 'typed-inputs.onnx', digest: 'sha256:test', size: bytes.byteLength, bytes });
  try {
    const scores = Array.from({ length: DIM }, (_, i) => (i === 123_456 ? 10 : (i % 7) / 7));
    const input = {
      ids: { dims: [1, 3], data: [1, 2, 3] },
      mask: { dims: [1, 3], data: [true, true, true] },
      scores: { dims: [DIM], data: scores },
      label: { dims: [1], data: ['wide'] },
    };
    const result = await runProbe(runtime, model, { input, expect: { output: 'scores_doubled', argmax: 123_456, values: scores.map((s) => s * 2) } }, '/spec/healthChecks/0');
    assert.equal(result.output.length, DIM);
    assert.equal(result.maxAbsError, 0);
  } finally {
    await model.session.release();
    await runtime.dispose();
  }
});

test('top-k search keeps the k best with a heap: same hits, same order as sorting every hit', () => {
  const shards: KnowledgeShard[] = ['a', 'b'].map((name, s) => {
    const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ id: `${name}-${String(i).padStart(3, '0')}`, vector: [((i * 7 + s) % 5) - 2, (i % 3) - 1, 1] }));
    return parseShard(lines.join('\n'), { index: 'kb', shard: name, digest: `sha256:${name}` });
  });
  const query = [1, -1, 0.5];
  const all = searchShards(shards, query, Number.MAX_SAFE_INTEGER);
  const sorted = (hits: SearchHit[]): SearchHit[] => [...hits].sort((x, y) => y.score - x.score || x.id.localeCompare(y.id));
  assert.equal(all.length, 1_000);
  assert.deepEqual(all, sorted(all));
  for (const k of [0, 1, 10, 999]) assert.deepEqual(searchShards(shards, query, k), all.slice(0, k), `k = ${k}`);
});

test('a template with 100,000 placeholders is parsed in one pass', { timeout: 120_000 }, () => {
  const template = `${'{{a}} '.repeat(100_000)}{{`;
  const started = performance.now();
  const { placeholders, problems } = parseTemplate(template);
  const ms = performance.now() - started;
  assert.deepEqual([placeholders.length, problems.map((p) => p.offset)], [100_000, [600_000]]);
  // Checking each "{{" against every placeholder before it took 5·10^9 steps here.
  assert.ok(ms < 2_000, `took ${ms} ms`);
});
