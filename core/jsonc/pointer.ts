/**
 * JSON Pointer (RFC 6901): the one module that builds, splits and follows pointers. Diagnostics,
 * quick fixes, the manifest model, incremental validation and the editor's JSON paths all go
 * through it.
 */

/** A JSON path as editors and jsonc-parser use it: property names and array indices. */
export type JsonPath = (string | number)[];

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

export function escapePointerToken(token: string): string {
  return token.includes('~') || token.includes('/') ? token.replace(/~/g, '~0').replace(/\//g, '~1') : token;
}

export function unescapePointerToken(token: string): string {
  return token.includes('~') ? token.replace(/~1/g, '/').replace(/~0/g, '~') : token;
}

/** Whether a pointer token can address an array element (RFC 6901: no leading zeros, no sign). */
export function isArrayIndexToken(token: string): boolean {
  return ARRAY_INDEX.test(token);
}

export function childPointer(parent: string, token: string | number): string {
  return `${parent}/${typeof token === 'number' ? token : escapePointerToken(token)}`;
}

/** Splits a pointer into its unescaped tokens; '' is the whole document. */
export function pointerTokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointerToken);
}

export function parentPointer(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

/** The last token of a pointer, unescaped ('' for the root). */
export function lastToken(pointer: string): string {
  return pointer === '' ? '' : unescapePointerToken(pointer.slice(pointer.lastIndexOf('/') + 1));
}

/** The pointer of a JSON path. */
export function pathToPointer(path: readonly (string | number)[]): string {
  let pointer = '';
  for (const segment of path) pointer = childPointer(pointer, segment);
  return pointer;
}

/** The JSON path of a pointer; tokens that look like array indices become numbers. */
export function pointerToPath(pointer: string): JsonPath {
  return pointerTokens(pointer).map((token) => (ARRAY_INDEX.test(token) ? Number(token) : token));
}

/** Reads the value at `pointer`, or undefined when the path does not exist. Own properties only. */
export function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(node)) {
      node = ARRAY_INDEX.test(token) ? node[Number(token)] : undefined;
    } else if (node !== null && typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, token)) {
      node = (node as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return node;
}

/**
 * A copy of `root` with the value at an existing `pointer` replaced. Only the containers on the
 * path are copied; everything else is shared, so unchanged subtrees keep their identity (caches
 * keyed by object stay valid). Keys are defined, never assigned, so "__proto__" stays a key.
 */
export function withValueAt<T>(root: T, pointer: string, replacement: unknown): T {
  const tokens = pointerTokens(pointer);
  const copy = (node: unknown, depth: number): unknown => {
    if (depth === tokens.length) return replacement;
    const key = tokens[depth];
    if (Array.isArray(node)) {
      const next = node.slice();
      next[Number(key)] = copy(node[Number(key)], depth + 1);
      return next;
    }
    const source = node as Record<string, unknown>;
    const next: Record<string, unknown> = {};
    for (const k of Object.keys(source)) {
      Object.defineProperty(next, k, { value: k === key ? copy(source[k], depth + 1) : source[k], enumerable: true, writable: true, configurable: true });
    }
    return next;
  };
  return copy(root, 0) as T;
}
