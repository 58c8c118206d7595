/**
 * Which fields of a manifest refer to changes or name files, by JSON path: completion asks this of
 * values still being typed, before the manifest model has them (hover and definition ask the model).
 */
import type { RefKind } from '../core/model/refs';

/** Which kind of change a JSON path's value refers to, for the reference fields of both languages. */
export function referenceKindAt(path: readonly (string | number)[]): { kind: RefKind; field: string } | undefined {
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
