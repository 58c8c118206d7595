/** Go to definition: from a reference (`config:…`, `model:…`) to the change it names, here or in another manifest. */
import type { Location, Position } from 'vscode-languageserver';
import { locatePointers } from '../core/jsonc/locate';
import { pathToPointer } from '../core/jsonc/pointer';
import { LineIndex } from '../core/lineIndex';
import { findChange, referenceAt } from '../core/model/query';
import { refKey } from '../core/model/refs';
import type { DocumentState } from './documents';
import type { WorkspaceModel } from './workspaceIndex';

export function definition(state: DocumentState, position: Position, workspaceModels: () => readonly WorkspaceModel[]): Location[] {
  const location = state.location(state.document.offsetAt(position));
  const model = state.model();
  if (!model || location.isAtPropertyKey || location.node?.type !== 'string') return [];
  const site = referenceAt(model, pathToPointer(location.path));
  if (!site?.ref || site.ref.kind !== site.expects) return [];
  const local = findChange(model, site.ref);
  if (local) return [locationOf(state.document.uri, state.document.getText(), `${local.pointer}/id`)].filter((l): l is Location => l !== undefined);
  if (site.field !== 'baseModel') return [];
  const key = refKey(site.ref);
  return workspaceModels()
    .filter((m) => m.ref === key)
    .map((m) => locationOf(m.uri, m.text, `${m.pointer}/id`))
    .filter((l): l is Location => l !== undefined);
}

function locationOf(uri: string, text: string, pointer: string): Location | undefined {
  const at = locatePointers(text, [pointer]).get(pointer);
  if (!at) return undefined;
  const lines = new LineIndex(text);
  return { uri, range: { start: lines.positionAt(at.valueStart), end: lines.positionAt(at.valueEnd) } };
}
