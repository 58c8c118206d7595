/**
 * Fields on their way out, and what replaces each. The schemas mark the same fields
 * `"deprecated": true`; a test keeps this table and the schemas equal.
 */
import { finding, type Finding } from './diagnostics';
import type { ApiVersion } from './formats';
import { childPointer } from './jsonc/pointer';
import { asArray, asObject, own, type JsonObject } from './semantic/read';

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

/** The objects at `path` under `root`, with their pointers. */
function objectsAt(root: unknown, path: readonly string[], pointer = ''): [string, JsonObject][] {
  if (path.length === 0) {
    const object = asObject(root);
    return object ? [[pointer, object]] : [];
  }
  const [head, ...rest] = path;
  if (head === '*') return asArray(root).flatMap((item, index) => objectsAt(item, rest, childPointer(pointer, index)));
  return objectsAt(own(asObject(root), head), rest, childPointer(pointer, head));
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
    for (const [parentPointer, object] of objectsAt(root, deprecation.parent)) {
      if (own(object, deprecation.property) !== undefined) {
        uses.push({ deprecation, parentPointer, pointer: childPointer(parentPointer, deprecation.property) });
      }
    }
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
      { tags: ['deprecated'] },
    ),
  );
}
