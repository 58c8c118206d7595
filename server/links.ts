/** Document links: local artifact, template and resource files open from the manifest. */
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DocumentLink } from 'vscode-languageserver';
import { locatePointers } from '../core/jsonc/locate';
import { asArray, asObject, asString, own } from '../core/semantic/read';
import { resolveArtifactPath } from '../core/artifactPath';
import type { DocumentState } from './documents';

/** Pointers of every file reference in a manifest value. */
export function fileReferencePointers(value: unknown): string[] {
  const spec = asObject(own(asObject(value), 'spec'));
  const pointers: string[] = [];
  asArray(own(spec, 'changes')).forEach((c, i) => {
    if (asObject(own(asObject(c), 'artifact'))) pointers.push(`/spec/changes/${i}/artifact/uri`);
    if (asObject(own(asObject(c), 'source'))) pointers.push(`/spec/changes/${i}/source/uri`);
  });
  asArray(own(spec, 'prompts')).forEach((p, i) => own(asObject(p), 'templateFile') !== undefined && pointers.push(`/spec/prompts/${i}/templateFile`));
  asArray(own(spec, 'resources')).forEach((r, i) => own(asObject(r), 'file') !== undefined && pointers.push(`/spec/resources/${i}/file`));
  for (const key of ['adapters', 'knowledge']) {
    asArray(own(spec, key)).forEach((a, i) => asObject(own(asObject(a), 'artifact')) && pointers.push(`/spec/${key}/${i}/artifact/uri`));
  }
  return pointers;
}

export function documentLinks(state: DocumentState): DocumentLink[] {
  if (!state.document.uri.startsWith('file:')) return [];
  const base = dirname(fileURLToPath(state.document.uri));
  const text = state.document.getText();
  const located = locatePointers(text, fileReferencePointers(state.value()));
  const links: DocumentLink[] = [];
  for (const [, loc] of located) {
    if (text.charCodeAt(loc.valueStart) !== 34) continue;
    const uri = asString(JSON.parse(text.slice(loc.valueStart, loc.valueEnd)));
    const path = uri === undefined ? undefined : resolveArtifactPath(base, uri);
    if (path === undefined) continue;
    links.push({
      range: { start: state.document.positionAt(loc.valueStart + 1), end: state.document.positionAt(loc.valueEnd - 1) },
      target: pathToFileURL(path).href,
      tooltip: `Open ${uri}`,
    });
  }
  return links.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
