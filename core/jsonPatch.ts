/**
 * RFC 6902 JSON Patch, applied all or nothing to a copy of the document, within a budget.
 *
 * A patch can amplify: `copy` of the root into itself doubles the document, so a few hundred bytes
 * of operations could ask for gigabytes. Every value copied, compared or removed is charged to a
 * `PatchBudget` by weight (one per value, plus one per 64 characters of a string), and a document
 * may not grow past `MAX_PATCHED_WEIGHT` nor nest deeper than a manifest may (`MAX_DEPTH`); a
 * replay that would go past any of them stops with an error instead. Work is iterative (explicit
 * stacks), so deep documents cannot overflow the call stack here or in JSON.stringify later.
 */
import { MAX_DEPTH } from './jsonc/parse';
import { isArrayIndexToken, pointerTokens } from './jsonc/pointer';

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

export type PatchField = 'path' | 'from' | 'value' | 'op';

export type PatchResult = { ok: true; value: unknown; weight: number } | { ok: false; index: number; field: PatchField; message: string };

/** The largest document (by weight) a patch may produce: about a million values. */
export const MAX_PATCHED_WEIGHT = 1_000_000;

/** Work left for one replay (a manifest's sessions, or one run); shared by the patches it applies. */
export interface PatchBudget {
  remaining: number;
}

/** A budget proportional to the input that asks for the work: `perInputWeight` per unit of it, plus a floor. */
export function patchBudget(inputWeight: number, perInputWeight = 64, floor = 1_000_000): PatchBudget {
  return { remaining: floor + perInputWeight * inputWeight };
}

class PatchError extends Error {
  constructor(
    readonly field: PatchField,
    message: string,
  ) {
    super(message);
  }
}

class OverBudget extends Error {}

type Container = Record<string, unknown> | unknown[];

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

function isContainer(value: unknown): value is Container {
  return value !== null && typeof value === 'object';
}

const weightOf = (value: unknown): number => (typeof value === 'string' ? 1 + (value.length >> 6) : 1);

function charge(budget: PatchBudget, weight: number): void {
  budget.remaining -= weight;
  if (budget.remaining < 0) throw new OverBudget();
}

/** The weight of a value (charged to the budget as it is walked). */
export function measure(value: unknown, budget?: PatchBudget): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    const weight = weightOf(node);
    total += weight;
    if (budget) charge(budget, weight);
    if (Array.isArray(node)) for (let i = 0; i < node.length; i++) stack.push(node[i]);
    else if (isContainer(node)) for (const key of Object.keys(node)) stack.push((node as Record<string, unknown>)[key]);
  }
  return total;
}

/** A deep copy of JSON data, its weight and its depth (a scalar is 1), charged to the budget. Keys are defined, so "__proto__" stays data. */
function copyOf(value: unknown, budget: PatchBudget): [unknown, number, number] {
  let total = 0;
  let deepest = 1;
  const copyNode = (node: unknown): unknown => {
    const weight = weightOf(node);
    total += weight;
    charge(budget, weight);
    return Array.isArray(node) ? new Array(node.length) : isContainer(node) ? {} : node;
  };
  const root = copyNode(value);
  const stack: [unknown, unknown, number][] = [[value, root, 1]];
  while (stack.length > 0) {
    const [source, target, depth] = stack.pop()!;
    if (Array.isArray(source)) {
      if (source.length > 0 && depth + 1 > deepest) deepest = depth + 1;
      for (let i = 0; i < source.length; i++) {
        const child = copyNode(source[i]);
        (target as unknown[])[i] = child;
        if (isContainer(child)) stack.push([source[i], child, depth + 1]);
      }
    } else if (isContainer(source)) {
      const object = source as Record<string, unknown>;
      const keys = Object.keys(object);
      if (keys.length > 0 && depth + 1 > deepest) deepest = depth + 1;
      for (const key of keys) {
        const child = copyNode(object[key]);
        Object.defineProperty(target, key, { value: child, enumerable: true, writable: true, configurable: true });
        if (isContainer(child)) stack.push([object[key], child, depth + 1]);
      }
    }
  }
  return [root, total, deepest];
}

/** The depth of JSON data (a scalar is 1), charged to the budget. */
function depthOf(value: unknown, budget: PatchBudget): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    charge(budget, 1);
    if (depth > deepest) deepest = depth;
    if (Array.isArray(node)) for (const child of node) stack.push([child, depth + 1]);
    else if (isContainer(node)) for (const key of Object.keys(node)) stack.push([(node as Record<string, unknown>)[key], depth + 1]);
  }
  return deepest;
}

/** Refuses a value of `depth` landing at `path` when the document would nest deeper than a manifest may. */
function checkDepth(path: string, depth: number): void {
  if (pointerTokens(path).length + depth > MAX_DEPTH) throw new PatchError('path', `the document would nest deeper than ${MAX_DEPTH} levels.`);
}

/** Structural equality of JSON data, charged to the budget. */
export function deepEqual(a: unknown, b: unknown, budget: PatchBudget = { remaining: Infinity }): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    charge(budget, 1);
    if (x === y) continue;
    if (!isContainer(x) || !isContainer(y) || Array.isArray(x) !== Array.isArray(y)) return false;
    const kx = Object.keys(x);
    if (kx.length !== Object.keys(y).length) return false;
    for (const k of kx) {
      if (!hasOwn(y, k)) return false;
      stack.push([(x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]]);
    }
  }
  return true;
}

function arrayIndex(token: string, length: number, allowEnd: boolean, field: 'path' | 'from'): number {
  if (allowEnd && token === '-') return length;
  if (!isArrayIndexToken(token)) throw new PatchError(field, `"${token}" is not an array index.`);
  const index = Number(token);
  if (index > length || (!allowEnd && index === length)) throw new PatchError(field, `index ${index} is out of bounds (the array has ${length} items).`);
  return index;
}

/** The container holding the last token, and that token. */
function parentOf(doc: unknown, pointer: string, field: 'path' | 'from'): [Container, string] {
  if (pointer !== '' && !pointer.startsWith('/')) throw new PatchError(field, `"${pointer}" is not a JSON Pointer (it must start with "/").`);
  const tokens = pointerTokens(pointer);
  let node = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const token = tokens[i];
    if (Array.isArray(node)) node = node[arrayIndex(token, node.length, false, field)];
    else if (isContainer(node) && hasOwn(node, token)) node = (node as Record<string, unknown>)[token];
    else throw new PatchError(field, `"${pointer}" does not exist: there is no "${token}".`);
  }
  if (!isContainer(node)) throw new PatchError(field, `"${pointer}" does not exist: its parent is not an object or array.`);
  return [node, tokens[tokens.length - 1]];
}

function get(doc: unknown, pointer: string, field: 'path' | 'from'): unknown {
  if (pointer === '') return doc;
  const [parent, token] = parentOf(doc, pointer, field);
  if (Array.isArray(parent)) return parent[arrayIndex(token, parent.length, false, field)];
  if (!hasOwn(parent, token)) throw new PatchError(field, `"${pointer}" does not exist.`);
  return parent[token];
}

function remove(doc: unknown, pointer: string, field: 'path' | 'from'): unknown {
  if (pointer === '') throw new PatchError(field, 'the whole document cannot be removed.');
  const [parent, token] = parentOf(doc, pointer, field);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(token, parent.length, false, field), 1)[0];
  if (!hasOwn(parent, token)) throw new PatchError(field, `"${pointer}" does not exist.`);
  const value = parent[token];
  delete parent[token];
  return value;
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  if (pointer === '') return value;
  const [parent, token] = parentOf(doc, pointer, 'path');
  if (Array.isArray(parent)) parent.splice(arrayIndex(token, parent.length, true, 'path'), 0, value);
  else Object.defineProperty(parent, token, { value, enumerable: true, writable: true, configurable: true });
  return doc;
}

/** Applies one operation; returns the document and its new weight. */
function applyOne(doc: unknown, weight: number, operation: PatchOperation, budget: PatchBudget): [unknown, number] {
  switch (operation.op) {
    case 'add': {
      const [value, added, depth] = copyOf(operation.value, budget);
      checkDepth(operation.path, depth);
      const replaced = operation.path === '' ? weight : 0;
      return [add(doc, operation.path, value), weight - replaced + added];
    }
    case 'remove':
      return [doc, weight - measure(remove(doc, operation.path, 'path'), budget)];
    case 'replace': {
      const old = measure(get(doc, operation.path, 'path'), budget);
      const [value, added, depth] = copyOf(operation.value, budget);
      checkDepth(operation.path, depth);
      if (operation.path === '') return [value, added];
      remove(doc, operation.path, 'path');
      return [add(doc, operation.path, value), weight - old + added];
    }
    case 'move': {
      const from = operation.from ?? '';
      if (operation.path.startsWith(`${from}/`)) throw new PatchError('path', `cannot move "${from}" into its own child "${operation.path}".`);
      checkDepth(operation.path, depthOf(get(doc, from, 'from'), budget));
      return [add(doc, operation.path, remove(doc, from, 'from')), weight];
    }
    case 'copy': {
      const [value, added, depth] = copyOf(get(doc, operation.from ?? '', 'from'), budget);
      checkDepth(operation.path, depth);
      return [add(doc, operation.path, value), weight + added];
    }
    case 'test':
      if (!deepEqual(get(doc, operation.path, 'path'), operation.value, budget)) {
        throw new PatchError('value', `the value at "${operation.path}" is not ${JSON.stringify(operation.value)?.slice(0, 80)}.`);
      }
      return [doc, weight];
    default:
      throw new PatchError('op', `unknown operation "${String((operation as { op: unknown }).op)}".`);
  }
}

/** Applies `operations` to a copy of `document`; the input is never changed. */
export function applyPatch(document: unknown, operations: readonly PatchOperation[], budget: PatchBudget = patchBudget(measure(operations))): PatchResult {
  let doc: unknown;
  let weight: number;
  try {
    [doc, weight] = copyOf(document, budget);
  } catch (e) {
    if (e instanceof OverBudget) return { ok: false, index: 0, field: 'op', message: overBudget() };
    throw e;
  }
  for (let index = 0; index < operations.length; index++) {
    try {
      [doc, weight] = applyOne(doc, weight, operations[index], budget);
      if (weight > MAX_PATCHED_WEIGHT) {
        return { ok: false, index, field: 'op', message: `the document would grow past ${MAX_PATCHED_WEIGHT.toLocaleString('en-US')} values: patches may not amplify it (copy fewer or smaller values).` };
      }
    } catch (e) {
      if (e instanceof OverBudget) return { ok: false, index, field: 'op', message: overBudget() };
      if (!(e instanceof PatchError)) throw e;
      return { ok: false, index, field: e.field, message: e.message };
    }
  }
  return { ok: true, value: doc, weight };
}

function overBudget(): string {
  return 'replaying the patches copies more data than this manifest may ask for (a copy or add of large values, repeated): copy fewer or smaller values.';
}
