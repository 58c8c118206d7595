/** RFC 6902 JSON Patch, applied all or nothing to a copy of the document. */
import { pointerTokens } from './jsonc/pointer';

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

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

export function applyPatch(document: unknown, operations: readonly PatchOperation[]): PatchResult {
  let doc = structuredClone(document);
  for (let index = 0; index < operations.length; index++) {
    const operation = operations[index];
    try {
      switch (operation.op) {
        case 'add':
          doc = add(doc, operation.path, structuredClone(operation.value));
          break;
        case 'remove':
          remove(doc, operation.path, 'path');
          break;
        case 'replace':
          get(doc, operation.path, 'path');
          if (operation.path === '') doc = structuredClone(operation.value);
          else {
            remove(doc, operation.path, 'path');
            doc = add(doc, operation.path, structuredClone(operation.value));
          }
          break;
        case 'move': {
          const from = operation.from ?? '';
          if (operation.path.startsWith(`${from}/`)) throw new PatchError('path', `cannot move "${from}" into its own child "${operation.path}".`);
          const value = remove(doc, from, 'from');
          doc = add(doc, operation.path, value);
          break;
        }
        case 'copy':
          doc = add(doc, operation.path, structuredClone(get(doc, operation.from ?? '', 'from')));
          break;
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
