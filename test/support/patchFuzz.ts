/**
 * JSON Patch fuzzing: random documents and random operations (copies of the root into itself,
 * moves into children, deep paths, "-", nasty keys and values), applied with the default budget.
 * Nothing may throw, take over 1 s, change its input, produce a document past the size or depth
 * limits, or touch Object.prototype. Deterministic for a seed.
 */
import { MAX_DEPTH } from '../../core/jsonc/parse';
import { applyPatch, MAX_PATCHED_WEIGHT, measure, type PatchOperation } from '../../core/jsonPatch';
import { FuzzRun, pick, random, type FuzzFailure } from './fuzz';

type Rnd = () => number;

const KEYS = ['a', 'b', 'history', '__proto__', 'constructor', '', '~', '/', '0', '-'];
const OPS: PatchOperation['op'][] = ['add', 'remove', 'replace', 'move', 'copy', 'test', 'copy', 'copy'];

function randomValue(rnd: Rnd, depth = 0): unknown {
  const roll = rnd();
  if (depth > 4 || roll < 0.4) return pick(rnd, [0, -1, 1.5, true, null, '', 'text', 'x'.repeat(300)]);
  if (roll < 0.7) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(rnd() * 4); i > 0; i--) Object.defineProperty(object, pick(rnd, KEYS), { value: randomValue(rnd, depth + 1), enumerable: true, writable: true, configurable: true });
  return object;
}

/** A pointer into `doc` (often an existing one, sometimes deep or nonsense). */
function randomPointer(rnd: Rnd, doc: unknown): string {
  let pointer = '';
  let node = doc;
  for (let depth = 0; depth < 12 && rnd() < 0.75; depth++) {
    if (Array.isArray(node) && node.length > 0 && rnd() < 0.8) {
      const index = Math.floor(rnd() * (node.length + 1));
      pointer += `/${rnd() < 0.1 ? '-' : index}`;
      node = node[index];
    } else if (node !== null && typeof node === 'object' && rnd() < 0.8) {
      const keys = Object.keys(node);
      const key = keys.length > 0 && rnd() < 0.8 ? pick(rnd, keys) : pick(rnd, KEYS);
      pointer += `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      node = (node as Record<string, unknown>)[key];
    } else {
      pointer += `/${pick(rnd, KEYS)}`;
    }
  }
  return rnd() < 0.05 ? pick(rnd, ['no-slash', '/a/~2', '/'.repeat(50)]) : pointer;
}

function randomOperations(rnd: Rnd, doc: unknown): PatchOperation[] {
  return Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => {
    const op = pick(rnd, OPS);
    return { op, path: randomPointer(rnd, doc), from: rnd() < 0.3 ? '' : randomPointer(rnd, doc), value: randomValue(rnd) };
  });
}

function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    if (node !== null && typeof node === 'object') for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

export function fuzzPatches(seed: number, count: number): { failures: FuzzFailure[]; slowestMs: number } {
  const rnd = random(seed);
  const run = new FuzzRun();
  for (let index = 0; index < count; index++) {
    const doc = randomValue(rnd);
    const before = JSON.stringify(doc);
    const operations = randomOperations(rnd, doc);
    const going = run.case(index, JSON.stringify({ doc, operations }), () => {
      const result = applyPatch(doc, operations);
      if (result.ok && (measure(result.value) > MAX_PATCHED_WEIGHT || depthOf(result.value) > MAX_DEPTH)) return 'the result is past the limits';
      return JSON.stringify(doc) !== before ? 'the input was changed' : undefined;
    });
    if (!going) break;
  }
  return { failures: run.failures, slowestMs: run.slowestMs };
}
