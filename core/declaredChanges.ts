/** The changes a reload manifest declares (kind, id, version, pointer), for references and workspace indexes. */
import { asObject, asString, objectsOf, own } from './semantic/read';

export interface DeclaredChange {
  kind: 'model' | 'config' | 'flagset';
  id: string;
  version?: string;
  /** JSON pointer of the change object. */
  pointer: string;
}

const KINDS: Record<string, DeclaredChange['kind']> = { Model: 'model', Config: 'config', FlagSet: 'flagset' };

export function declaredChanges(value: unknown): DeclaredChange[] {
  const spec = asObject(own(asObject(value), 'spec'));
  const out: DeclaredChange[] = [];
  for (const [index, change] of objectsOf(own(spec, 'changes'))) {
    const kind = KINDS[asString(own(change, 'kind')) ?? ''];
    const id = asString(own(change, 'id'));
    if (kind && id !== undefined) out.push({ kind, id, version: asString(own(change, 'version')), pointer: `/spec/changes/${index}` });
  }
  return out;
}
