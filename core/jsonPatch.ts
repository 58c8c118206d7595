/** RFC 6902 JSON Patch, applied all or nothing to a copy of the document. */
import { MAX_DEPTH } from './jsonc/parse';
import { pointerTokens } from './jsonc/pointer';

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

/**
 * What one patch may build. `copy` duplicates a part of the document, so n copies of the whole
 * could build 2^n values from a few lines of manifest; values are counted as they are added.
 */
export interface PatchLimits {
  /** JSON values (objects, arrays and scalars) the patched document may hold. */
  maxValues: number;
  /** Nesting the patched document may reach (as deep as a manifest may nest). */
  maxDepth: number;
}

export const DEFAULT_PATCH_LIMITS: PatchLimits = { maxValues: 1_000_000, maxDepth: MAX_DEPTH };

export type PatchResult = { ok: true; value: unknown } | { ok: false; index: number; field: 'path' | 'from' | 'value' | 'op'; message: string };

class PatchError extends Error {
  constructor(
    readonly field: 'path' | 'from' | 'value' | 'op',
    message: string,
  ) {
    super(message);
  }
}

type Container = Record<string, unknown> | unknown[];

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

function isContainer(value: unknown): value is Container {
  return value !== null && typeof value === 'object';
}

function arrayIndex(tokens: string, length: number, allowEnd: boolean, field: 'path' | 'from'): number {
  if (allowEnd && tokens === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(tokens)) throw new PatchError(field, `"${tokens}" is not an array index.`);
  const index = Number(tokens);
  if (index > length || (!allowEnd && index === length)) throw new PatchError(field, `index ${index} is out of bounds (the array has ${length} items).`);
  return index;
}

/** The container holding the last token, and that token. */
function parentOf(doc: unknown, pointer: string, field: 'path' | 'from'): [Container, string] {
  if (pointer !== '' && !pointer.startsWith('/')) throw new PatchError(field, `"${pointer}" is not a JSON Pointer (it must start with "/").`);
  const tokens = pointerTokens(pointer);
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
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

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export function applyPatch(document: unknown, operations: readonly PatchOperation[], limits: PatchLimits = DEFAULT_PATCH_LIMITS): PatchResult {
  let doc = structuredClone(document);
  let budget = limits.maxValues - measure(doc, limits.maxValues).values;
  /** Counts `value` against what the patch may still add, and checks the depth it lands at. */
  const grow = (value: unknown, path: string, field: 'value' | 'from'): void => {
    const size = measure(value, Math.max(budget, 0));
    budget -= size.values;
    if (budget < 0) throw new PatchError(field, `the document would hold more than ${limits.maxValues} JSON values; a patch may not grow it past that.`);
    if (pointerTokens(path).length + size.depth > limits.maxDepth) throw new PatchError('path', `the document would nest deeper than ${limits.maxDepth} levels.`);
  };
  for (let index = 0; index < operations.length; index++) {
    const operation = operations[index];
    try {
      switch (operation.op) {
        case 'add':
          grow(operation.value, operation.path, 'value');
          doc = add(doc, operation.path, structuredClone(operation.value));
          break;
        case 'remove':
          remove(doc, operation.path, 'path');
          break;
        case 'replace':
          get(doc, operation.path, 'path');
          grow(operation.value, operation.path, 'value');
          if (operation.path === '') doc = structuredClone(operation.value);
          else {
            remove(doc, operation.path, 'path');
            doc = add(doc, operation.path, structuredClone(operation.value));
          }
          break;
        case 'move': {
          const from = operation.from ?? '';
          if (operation.path.startsWith(`${from}/`)) throw new PatchError('path', `cannot move "${from}" into its own child "${operation.path}".`);
          if (pointerTokens(operation.path).length > limits.maxDepth) throw new PatchError('path', `the document would nest deeper than ${limits.maxDepth} levels.`);
          const value = remove(doc, from, 'from');
          doc = add(doc, operation.path, value);
          break;
        }
        case 'copy': {
          const value = get(doc, operation.from ?? '', 'from');
          grow(value, operation.path, 'from');
          doc = add(doc, operation.path, structuredClone(value));
          break;
        }
        case 'test':
          if (!deepEqual(get(doc, operation.path, 'path'), operation.value)) {
            throw new PatchError('value', `the value at "${operation.path}" is not ${JSON.stringify(operation.value)?.slice(0, 80)}.`);
          }
          break;
        default:
          throw new PatchError('op', `unknown operation "${String((operation as { op: unknown }).op)}".`);
      }
    } catch (e) {
      if (!(e instanceof PatchError)) throw e;
      return { ok: false, index, field: e.field, message: e.message };
    }
  }
  return { ok: true, value: doc };
}

/** How many JSON values `value` holds and how deep it nests; stops counting past `budget`. Iterative. */
function measure(value: unknown, budget: number): { values: number; depth: number } {
  let values = 0;
  let depth = 0;
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0 && values <= budget) {
    const [node, level] = pending.pop()!;
    values++;
    depth = Math.max(depth, level);
    if (isContainer(node)) for (const child of Object.values(node)) pending.push([child, level + 1]);
  }
  return { values, depth };
}
