import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TraceSpan } from '../../core/tracing/model';
import { buildSpanTree, type SpanTree } from '../../core/tracing/tree';
import { spanTreeWarnings } from '../../core/tracing/treeWarnings';
import { spanIdOf, spanOf, TRACE_ID } from '../support/traceShapes';

/** A span numbered `n` under `parent`, starting at `start` ns for 10 ns. */
const at = (n: number, parent: number | undefined, start: number): TraceSpan => spanOf(n, parent, BigInt(start), BigInt(start + 10));

/** The tree as [span number, depth, parent node position, root reason] rows. */
const rows = (tree: SpanTree): [number, number, number, string][] => tree.nodes.map((n) => [parseInt(n.span.spanId, 16), n.depth, n.parent, n.rootReason ?? '']);

test('parents come before children, roots and siblings by start time; a missing parent makes a root', () => {
  const tree = buildSpanTree([at(1, undefined, 0), at(3, 1, 20), at(2, 1, 10), at(4, 2, 15), at(5, 99, 5)]);
  assert.deepEqual(rows(tree), [
    [1, 0, -1, ''],
    [2, 1, 0, ''],
    [4, 2, 1, ''],
    [3, 1, 0, ''],
    [5, 0, -1, 'missing-parent'],
  ]);
  assert.deepEqual(
    tree.nodes.map((n) => n.index),
    [0, 2, 3, 1, 4],
  );
  assert.deepEqual(tree.orphans, [{ traceId: TRACE_ID, spanId: spanIdOf(5), missingParentSpanId: spanIdOf(99) }]);
  assert.deepEqual([tree.cycles, tree.duplicates], [[], []]);
});

test('siblings that start together keep their input order', () => {
  const tree = buildSpanTree([at(1, undefined, 0), at(3, 1, 5), at(2, 1, 5)]);
  assert.deepEqual(rows(tree), [
    [1, 0, -1, ''],
    [3, 1, 0, ''],
    [2, 1, 0, ''],
  ]);
});

test('parent links are followed within a trace only', () => {
  const other = { ...at(2, 1, 5), traceId: 'f'.repeat(32) };
  const tree = buildSpanTree([at(1, undefined, 0), other]);
  assert.deepEqual(rows(tree), [
    [1, 0, -1, ''],
    [2, 0, -1, 'missing-parent'],
  ]);
});

test('a span that is its own parent is a root, reported as a cycle of one', () => {
  const tree = buildSpanTree([at(7, 7, 0)]);
  assert.deepEqual(rows(tree), [[7, 0, -1, 'cycle']]);
  assert.deepEqual(tree.cycles, [{ traceId: TRACE_ID, spanIds: [spanIdOf(7)], rootSpanId: spanIdOf(7), brokenParentSpanId: spanIdOf(7) }]);
  assert.deepEqual(spanTreeWarnings(tree), [`trace ${TRACE_ID}: span ${spanIdOf(7)} is its own parent; it is shown as a root`]);
});

test('a two-span loop is cut at its earliest-starting span', () => {
  const tree = buildSpanTree([at(10, 11, 5), at(11, 10, 3)]);
  assert.deepEqual(rows(tree), [
    [11, 0, -1, 'cycle'],
    [10, 1, 0, ''],
  ]);
  assert.deepEqual(tree.cycles, [{ traceId: TRACE_ID, spanIds: [spanIdOf(11), spanIdOf(10)], rootSpanId: spanIdOf(11), brokenParentSpanId: spanIdOf(10) }]);
  assert.deepEqual(spanTreeWarnings(tree), [
    `trace ${TRACE_ID}: spans 000000000000000b → 000000000000000a → 000000000000000b form a parent cycle (each followed by its parent); 000000000000000b, the earliest to start, is shown as a root (its parent link to 000000000000000a is kept but not followed)`,
  ]);
});

test('a longer loop keeps its order from the root, and every span', () => {
  // 1 → 2 → 3 → 4 → 1 (each span's parent follows it); 2 starts first.
  const tree = buildSpanTree([at(1, 2, 40), at(2, 3, 10), at(3, 4, 30), at(4, 1, 20)]);
  assert.deepEqual(rows(tree), [
    [2, 0, -1, 'cycle'],
    [1, 1, 0, ''],
    [4, 2, 1, ''],
    [3, 3, 2, ''],
  ]);
  assert.deepEqual(tree.cycles[0].spanIds, [2, 3, 4, 1].map(spanIdOf));
  assert.equal(tree.cycles[0].brokenParentSpanId, spanIdOf(3));
});

test('a loop beside a proper root, with a span hanging off the loop', () => {
  const tree = buildSpanTree([at(1, undefined, 0), at(2, 1, 5), at(10, 11, 20), at(11, 10, 25), at(12, 10, 30)]);
  assert.deepEqual(rows(tree), [
    [1, 0, -1, ''],
    [2, 1, 0, ''],
    [10, 0, -1, 'cycle'],
    [11, 1, 2, ''],
    [12, 1, 2, ''],
  ]);
  assert.deepEqual(
    tree.cycles.map((c) => [c.spanIds, c.rootSpanId]),
    [[[spanIdOf(10), spanIdOf(11)], spanIdOf(10)]],
  );
});

test('a duplicated span id: the first span owns it, the others are shown without children', () => {
  const tree = buildSpanTree([at(1, undefined, 0), at(5, 1, 10), at(6, 5, 12), at(5, 1, 20), at(5, 5, 30)]);
  assert.deepEqual(
    tree.nodes.map((n) => [n.index, n.depth, n.parent]),
    [
      [0, 0, -1],
      [1, 1, 0],
      [2, 2, 1],
      [4, 2, 1],
      [3, 1, 0],
    ],
  );
  assert.deepEqual(tree.duplicates, [{ traceId: TRACE_ID, spanId: spanIdOf(5), count: 3 }]);
  assert.deepEqual(spanTreeWarnings(tree), [
    `trace ${TRACE_ID}: span id ${spanIdOf(5)} is used by 3 spans; the first in the file is the parent of the spans naming it, the others are shown without children`,
  ]);
});

test('warnings list at most 20 cycles and 10 ids of a cycle, escaping what they quote', () => {
  const selfParents = Array.from({ length: 25 }, (_, i) => at(i + 1, i + 1, i));
  const warnings = spanTreeWarnings(buildSpanTree(selfParents));
  assert.equal(warnings.length, 21);
  assert.equal(warnings[20], '5 more parent cycles, each shown the same way');
  const twice = Array.from({ length: 50 }, (_, i) => at((i % 25) + 1, undefined, i));
  const duplicateWarnings = spanTreeWarnings(buildSpanTree(twice));
  assert.deepEqual([duplicateWarnings.length, duplicateWarnings[20]], [21, '5 more duplicated span ids, each handled the same way']);
  const ring = Array.from({ length: 12 }, (_, i) => at(i + 1, ((i + 1) % 12) + 1, i));
  assert.equal(
    spanTreeWarnings(buildSpanTree(ring))[0],
    `trace ${TRACE_ID}: spans ${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(spanIdOf).join(' → ')} → … (12 spans) form a parent cycle (each followed by its parent); ${spanIdOf(1)}, the earliest to start, is shown as a root (its parent link to ${spanIdOf(2)} is kept but not followed)`,
  );
  const hostile = { ...at(1, 1, 0), traceId: 'x\u001b[2J', spanId: 'y\n::error::' };
  hostile.parentSpanId = hostile.spanId;
  assert.deepEqual(spanTreeWarnings(buildSpanTree([hostile])), ['trace x\\u001b[2J: span y\\n::error:: is its own parent; it is shown as a root']);
});
