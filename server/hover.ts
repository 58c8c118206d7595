/**
 * Hover: the schema's description (from vscode-json-languageservice), plus what a reference points
 * at, and for a local artifact its size and whether its bytes match the pinned digest.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import { valueAt } from '../core/jsonc/pointer';
import { asNumber, asObject, asString } from '../core/semantic/read';
import { MAX_INLINE_HASH_BYTES, type FileCache } from './cachedFileHost';
import { resolveArtifactPath } from '../core/artifactPath';
import type { DocumentState } from './documents';
import type { JsonService } from './jsonService';
import { declaredChanges } from '../core/declaredChanges';
import { isFileReferenceAt, referenceKindAt } from './references';
import { fromView, toView } from './window';
import type { WorkspaceModel } from './workspaceIndex';

export interface HoverContext {
  state: DocumentState;
  position: Position;
  jsonService: JsonService;
  files: FileCache;
  workspaceModels: () => readonly WorkspaceModel[];
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
  if (!location.isAtPropertyKey && node?.type === 'string') {
    const value = String(node.value);
    const reference = referenceKindAt(location.path);
    if (reference) parts.push(describeReference(state, value, reference.kind, context.workspaceModels()));
    else if (isFileReferenceAt(location.path) && state.document.uri.startsWith('file:')) parts.push(await describeFile(context, location.path, value));
  }
  if (parts.length === 0) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') },
    range: base?.range ?? (node ? { start: state.document.positionAt(node.offset), end: state.document.positionAt(node.offset + node.length) } : undefined),
  };
}

function describeReference(state: DocumentState, ref: string, kind: string, models: readonly WorkspaceModel[]): string {
  const id = ref.replace(/^[a-z]+:/, '').replace(/@.*$/, '');
  const local = declaredChanges(state.value()).find((c) => c.kind === kind && c.id === id);
  if (local) {
    const change = asObject(valueAt(state.value(), local.pointer));
    const version = asString(change?.version);
    const artifact = asObject(change?.artifact) ?? asObject(change?.source);
    const where = asString(artifact?.uri);
    return `**→ ${ref}**: ${String(change?.kind)} change \`${id}\`${version ? `, version ${version}` : ''}${where ? `, from \`${where}\`` : change && 'data' in change ? ', inline data' : ''}.`;
  }
  const remote = models.find((m) => m.ref === `model:${id}`);
  if (remote) return `**→ ${ref}**: Model change declared in \`${decodeURIComponent(remote.uri.slice(remote.uri.lastIndexOf('/') + 1))}\`.`;
  return `**→ ${ref}**: not declared ${kind === 'model' ? 'in this manifest or the workspace' : 'in this manifest'}.`;
}

async function describeFile(context: HoverContext, path: (string | number)[], uri: string): Promise<string> {
  const target = resolveArtifactPath(dirname(fileURLToPath(context.state.document.uri)), uri);
  if (target === undefined) return `**Remote artifact**: \`${uri}\` is fetched when staged; its digest is checked then.`;
  const artifactPointer = pointerOfPath(path.slice(0, -1));
  const artifact = asObject(valueAt(context.state.value(), artifactPointer));
  const pinned = path[path.length - 1] === 'uri' ? asString(artifact?.digest) : undefined;
  const declaredSize = path[path.length - 1] === 'uri' ? asNumber(artifact?.size) : undefined;
  const stat = await context.files.hostFor(fileURLToPath(context.state.document.uri)).stat(target);
  if (!stat?.isFile) return `**No file** at \`${target}\`.`;
  const lines = [`**File**: \`${target}\`, ${stat.size.toLocaleString('en-US')} bytes${declaredSize !== undefined && declaredSize !== stat.size ? ` (manifest says ${declaredSize})` : ''}.`];
  if (path[path.length - 1] !== 'uri') return lines[0];
  if (stat.size > MAX_INLINE_HASH_BYTES) {
    lines.push(pinned ? 'Digest pinned; the file is too large to hash on hover (the dry run checks it).' : 'No digest pinned.');
  } else {
    const actual = await context.files.digest(target);
    if (!pinned) lines.push(`No digest pinned; the file is \`${actual?.digest}\` (quick fix: Pin artifact digest).`);
    else if (actual?.digest === pinned) lines.push('Digest pinned and **matches** the file.');
    else lines.push(`Digest pinned but the file is \`${actual?.digest}\`: **mismatch** (staging will refuse it).`);
  }
  return lines.join('  \n');
}

export function pointerOfPath(path: readonly (string | number)[]): string {
  return path.length === 0 ? '' : `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

