/**
 * What references in a manifest can point at: the changes a reload manifest declares, and the
 * models declared by the reload manifests of the workspace (for adapters' `baseModel`).
 */
import type { DeclaredChange } from '../core/declaredChanges';

/** Which kind of change a JSON path's value refers to, for the reference fields of both languages. */
export function referenceKindAt(path: readonly (string | number)[]): { kind: DeclaredChange['kind']; field: string } | undefined {
  const p = path.map(String);
  if (p.length === 5 && p[0] === 'spec' && p[1] === 'changes' && p[3] === 'preprocessing' && p[4] === 'configRef') return { kind: 'config', field: 'configRef' };
  if (p.length === 4 && p[0] === 'spec' && p[1] === 'healthChecks' && p[3] === 'change') return { kind: 'model', field: 'change' };
  if (p.length === 4 && p[0] === 'spec' && p[1] === 'adapters' && p[3] === 'baseModel') return { kind: 'model', field: 'baseModel' };
  return undefined;
}

/** Whether a JSON path's value is a local file reference (artifact uri, template or resource file). */
export function isFileReferenceAt(path: readonly (string | number)[]): boolean {
  const p = path.map(String);
  const last = p[p.length - 1];
  if (last === 'uri' && (p[p.length - 2] === 'artifact' || p[p.length - 2] === 'source')) return true;
  if (p.length === 4 && p[1] === 'prompts' && last === 'templateFile') return true;
  return p.length === 4 && p[1] === 'resources' && last === 'file';
}
