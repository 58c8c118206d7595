/**
 * Hover: the schema's description (from vscode-json-languageservice), plus what a reference points
 * at, and for a local artifact its size and whether its bytes match the pinned digest.
 */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import { describeFileError } from '../core/errors';
import { pathToPointer } from '../core/jsonc/pointer';
import { fileAt, findChange, referenceAt } from '../core/model/query';
import { refKey } from '../core/model/refs';
import type { NamedFile, ReferenceSite } from '../core/model/types';
import type { FileCache } from './cachedFileHost';
import type { DocumentState } from './documents';
import type { JsonService } from './jsonService';
import { localPathOf } from './uris';
import { fromView, toView } from './window';
import type { WorkspaceModel } from './workspaceIndex';

export interface HoverContext {
  state: DocumentState;
  position: Position;
  jsonService: JsonService;
  files: FileCache;
  workspaceModels: () => readonly WorkspaceModel[];
  /** Files above this are not hashed on hover. */
  maxHashBytes: number;
}

function contentsOf(hover: Hover | null): string[] {
  if (!hover) return [];
  const contents = hover.contents;
  if (typeof contents === 'string') return [contents];
  if (Array.isArray(contents)) return contents.map((c) => (typeof c === 'string' ? c : c.value));
  return [contents.value];
}

export async function hover(context: HoverContext): Promise<Hover | null> {
  const { state, position } = context;
  const offset = state.document.offsetAt(position);
  const service = context.jsonService.service;
  const window = state.window(offset);
  let base: Hover | null;
  if (window) {
    base = await service.doHover(window.view, toView(window, state.document, position), service.parseJSONDocument(window.view));
    if (base?.range) base = { ...base, range: fromView(window, state.document, base.range) };
  } else {
    const json = state.json();
    base = await service.doHover(json.document, position, json.parsed);
  }
  const parts = contentsOf(base);
  const location = state.location(offset);
  const node = location.node;
  const model = state.model();
  if (!location.isAtPropertyKey && node?.type === 'string' && model) {
    const pointer = pathToPointer(location.path);
    const reference = referenceAt(model, pointer);
    const file = reference ? undefined : fileAt(model, pointer);
    if (reference) parts.push(describeReference(state, reference, context.workspaceModels()));
    else if (file) parts.push(await describeFile(context, file));
  }
  if (parts.length === 0) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') },
    range: base?.range ?? (node ? { start: state.document.positionAt(node.offset), end: state.document.positionAt(node.offset + node.length) } : undefined),
  };
}

function describeReference(state: DocumentState, site: ReferenceSite, models: readonly WorkspaceModel[]): string {
  const ref = site.ref;
  if (!ref) return `**→ ${site.text}**: not a change reference (write \`${site.expects}:<id>\`).`;
  const local = findChange(state.model()!, ref);
  if (local) {
    const where = local.artifact?.uri;
    const inline = local.kind === 'Config' && local.artifact === undefined ? ', inline data' : '';
    return `**→ ${site.text}**: ${local.kind} change \`${local.id}\`${local.version ? `, version ${local.version}` : ''}${where ? `, from \`${where}\`` : inline}.`;
  }
  const remote = models.find((m) => m.ref === refKey(ref));
  if (remote) return `**→ ${site.text}**: Model change declared in \`${decodeURIComponent(remote.uri.slice(remote.uri.lastIndexOf('/') + 1))}\`.`;
  return `**→ ${site.text}**: not declared ${ref.kind === 'model' ? 'in this manifest or the workspace' : 'in this manifest'}.`;
}

async function describeFile(context: HoverContext, file: NamedFile): Promise<string> {
  const manifest = localPathOf(context.state.document.uri);
  if (manifest === undefined) return `**File** \`${file.uri}\`: save the manifest to check the file.`;
  const host = context.files.hostFor(manifest);
  const location = host.locate(file.uri);
  if (location.kind === 'remote') return `**Remote artifact**: \`${file.uri}\` is fetched when staged; its digest is checked then.`;
  if (location.kind === 'refused') return `**Refused**: ${location.reason}`;
  const target = location.path;
  let stat;
  try {
    stat = await host.stat(target);
  } catch (error) {
    return `**Cannot read** \`${target}\`: ${describeFileError(error)}.`;
  }
  if (!stat?.isFile) return `**No file** at \`${target}\`.`;
  const artifact = file.artifact;
  const declaredSize = artifact?.size;
  const lines = [`**File**: \`${target}\`, ${stat.size.toLocaleString('en-US')} bytes${declaredSize !== undefined && declaredSize !== stat.size ? ` (manifest says ${declaredSize})` : ''}.`];
  if (!artifact) return lines[0];
  const pinned = artifact.digest;
  if (stat.size > context.maxHashBytes) {
    lines.push(pinned ? 'Digest pinned; the file is larger than tracingReload.validation.maxHashBytes, so it is not hashed while editing (the dry run checks it).' : 'No digest pinned.');
  } else {
    const actual = await context.files.digestNow(manifest, target);
    if (!pinned) lines.push(`No digest pinned; the file is \`${actual?.digest}\` (quick fix: Pin artifact digest).`);
    else if (actual?.digest === pinned) lines.push('Digest pinned and **matches** the file.');
    else lines.push(`Digest pinned but the file is \`${actual?.digest}\`: **mismatch** (staging will refuse it).`);
  }
  return lines.join('  \n');
}
