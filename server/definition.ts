/** Go to definition: from a reference (`config:…`, `model:…`) to the change it names, here or in another manifest. */
import { LineIndex } from '../core/lineIndex';
import { locatePointers } from '../core/jsonc/locate';
import type { Location, Position } from 'vscode-languageserver';
import type { DocumentState } from './documents';
import { declaredChanges } from '../core/declaredChanges';
import { referenceKindAt } from './references';
import type { WorkspaceModel } from './workspaceIndex';

export function definition(state: DocumentState, position: Position, workspaceModels: () => readonly WorkspaceModel[]): Location[] {
  const text = state.document.getText();
  const location = state.location(state.document.offsetAt(position));
  const node = location.node;
  const reference = referenceKindAt(location.path);
  if (!reference || location.isAtPropertyKey || node?.type !== 'string') return [];
  const id = String(node.value).replace(/^[a-z]+:/, '').replace(/@.*$/, '');
  const local = declaredChanges(state.value()).find((c) => c.kind === reference.kind && c.id === id);
  if (local) return [locationOf(state.document.uri, text, `${local.pointer}/id`)].filter((l): l is Location => l !== undefined);
  if (reference.field !== 'baseModel') return [];
  return workspaceModels()
    .filter((m) => m.ref === `model:${id}`)
    .map((m) => locationOf(m.uri, m.text, `${m.pointer}/id`))
    .filter((l): l is Location => l !== undefined);
}

function locationOf(uri: string, text: string, pointer: string): Location | undefined {
  const at = locatePointers(text, [pointer]).get(pointer);
  if (!at) return undefined;
  const lines = new LineIndex(text);
  return { uri, range: { start: lines.positionAt(at.valueStart), end: lines.positionAt(at.valueEnd) } };
}
