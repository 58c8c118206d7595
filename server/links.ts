/** Document links: the local files a manifest names (artifacts, shards, templates, resources) open from it. */
import { pathToFileURL } from 'node:url';
import type { DocumentLink } from 'vscode-languageserver';
import { locatePointers } from '../core/jsonc/locate';
import { namedFiles } from '../core/model/query';
import type { FileCache } from './cachedFileHost';
import type { DocumentState } from './documents';
import { localPathOf } from './uris';

export function documentLinks(state: DocumentState, files: FileCache): DocumentLink[] {
  const manifest = localPathOf(state.document.uri);
  const model = state.model();
  if (manifest === undefined || !model) return [];
  const host = files.hostFor(manifest);
  const named = namedFiles(model);
  const located = locatePointers(state.document.getText(), named.map((file) => file.pointer));
  const links: DocumentLink[] = [];
  for (const file of named) {
    const at = located.get(file.pointer);
    const location = host.locate(file.uri);
    if (!at || location.kind !== 'local') continue;
    links.push({
      range: { start: state.document.positionAt(at.valueStart + 1), end: state.document.positionAt(at.valueEnd - 1) },
      target: pathToFileURL(location.path).href,
      tooltip: `Open ${file.uri}`,
    });
  }
  return links.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
