/**
 * Fields on their way out, and what replaces each. The schemas mark the same fields
 * `"deprecated": true`; a test keeps this table and the schemas equal.
 */
import { finding, type Finding } from './diagnostics';
import type { ApiVersion } from './formats';
import { childPointer } from './jsonc/pointer';
import { asArray, asObject, own, type JsonObject } from './jsonc/read';

export interface Deprecation {
  apiVersion: ApiVersion;
  /** Path of the object holding the field; '*' matches every element of an array. */
  parent: readonly string[];
  property: string;
  replacement: string;
  /** The replacement's value for the deprecated field's value. */
  convert: (value: unknown) => unknown;
}

const same = (value: unknown): unknown => value;

export const DEPRECATIONS: readonly Deprecation[] = [
  { apiVersion: 'reload/v2', parent: ['spec', 'changes', '*'], property: 'framework', replacement: 'format', convert: same },
  {
    apiVersion: 'reload/v2',
    parent: ['spec', 'activation'],
    property: 'timeoutSeconds',
    replacement: 'deadline',
    convert: (value) => (typeof value === 'number' ? `PT${value}S` : value),
  },
  { apiVersion: 'reload/v2', parent: ['spec', 'healthChecks', '*'], property: 'timeoutMs', replacement: 'maxLatencyMs', convert: same },
  { apiVersion: 'mcp-context/v2', parent: ['spec', 'prompts', '*'], property: 'text', replacement: 'template', convert: same },
  { apiVersion: 'mcp-context/v2', parent: ['spec', 'knowledge', '*'], property: 'dimension', replacement: 'embeddingDim', convert: same },
];

const ALIASES = new Map(DEPRECATIONS.map((d) => [`${d.apiVersion} ${d.parent.join('/')} ${d.replacement}`, d]));

/**
 * The value of `property` on an object found at `parent` (the paths of DEPRECATIONS, '*' for array
 * items), or, when it is absent, the value of the deprecated field it replaces, converted: each
 * alias is resolved here, from the same table that drives the deprecation diagnostics.
 */
export function readAliased(object: JsonObject, apiVersion: ApiVersion, parent: readonly string[], property: string): { value: unknown; key: string } | undefined {
  const value = own(object, property);
  if (value !== undefined) return { value, key: property };
  const deprecation = ALIASES.get(`${apiVersion} ${parent.join('/')} ${property}`);
  if (!deprecation) return undefined;
  const old = own(object, deprecation.property);
  return old === undefined ? undefined : { value: deprecation.convert(old), key: deprecation.property };
}

/**
 * Calls `visit` with each object at `path` under `root` and the path tokens leading to it (valid
 * only during the call; most objects hold no deprecated field, so pointers are built on a hit).
 */
function forObjectsAt(root: unknown, path: readonly string[], visit: (object: JsonObject, tokens: readonly (string | number)[]) => void): void {
  const tokens: (string | number)[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth === path.length) {
      const object = asObject(node);
      if (object) visit(object, tokens);
      return;
    }
    const head = path[depth];
    if (head === '*') {
      const items = asArray(node);
      for (let i = 0; i < items.length; i++) {
        tokens.push(i);
        walk(items[i], depth + 1);
        tokens.pop();
      }
    } else {
      tokens.push(head);
      walk(own(asObject(node), head), depth + 1);
      tokens.pop();
    }
  };
  walk(root, 0);
}

export interface DeprecatedUse {
  deprecation: Deprecation;
  /** Pointer of the deprecated property. */
  pointer: string;
  /** Pointer of the object holding it. */
  parentPointer: string;
}

export function findDeprecatedUses(root: unknown, apiVersion: ApiVersion): DeprecatedUse[] {
  const uses: DeprecatedUse[] = [];
  for (const deprecation of DEPRECATIONS) {
    if (deprecation.apiVersion !== apiVersion) continue;
    forObjectsAt(root, deprecation.parent, (object, tokens) => {
      if (own(object, deprecation.property) === undefined) return;
      const parentPointer = tokens.reduce<string>((pointer, token) => childPointer(pointer, token), '');
      uses.push({ deprecation, parentPointer, pointer: childPointer(parentPointer, deprecation.property) });
    });
  }
  return uses;
}

export function checkDeprecations(root: unknown, apiVersion: ApiVersion): Finding[] {
  return findDeprecatedUses(root, apiVersion).map(({ deprecation, pointer }) =>
    finding(
      'deprecated-field',
      pointer,
      'key',
      `"${deprecation.property}" is deprecated: use "${deprecation.replacement}" instead (quick fix available).`,
      { tags: ['deprecated'], data: { replacement: deprecation.replacement } },
    ),
  );
}
