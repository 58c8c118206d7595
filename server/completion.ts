/**
 * Completion: what only we know (declared ids for references, files for artifact paths, configured
 * targets, a prompt's arguments inside `{{ }}`, the versions of a document's kind), and otherwise
 * vscode-json-languageservice's schema-driven property and value completion.
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { CompletionItemKind, CompletionItemTag, type CompletionItem, type CompletionList, type Position, type Range } from 'vscode-languageserver';
import { FORMATS, LANGUAGES } from '../core/formats';
import { asArray, asObject, asString, own } from '../core/jsonc/read';
import type { DocumentState, JsonLocation } from './documents';
import type { JsonService } from './jsonService';
import { isFileReferenceAt, referenceKindAt } from './references';
import { localPathOf } from './uris';
import { fromView, toView } from './window';
import type { WorkspaceModel } from './workspaceIndex';

type LocatedNode = JsonLocation['node'];

export interface CompletionContext {
  state: DocumentState;
  position: Position;
  jsonService: JsonService;
  targets: readonly string[];
  workspaceModels: () => readonly WorkspaceModel[];
}

export async function complete(context: CompletionContext): Promise<CompletionList> {
  const { state, position } = context;
  const text = state.document.getText();
  const offset = state.document.offsetAt(position);
  const location = state.location(offset);
  const node = location.node;
  const inString = node?.type === 'string' && offset > node.offset && offset < node.offset + node.length;
  const atValue = !location.isAtPropertyKey && (inString || node === undefined || node.type !== 'property');
  if (atValue) {
    const items = await semanticItems(context, location.path, node, inString, offset, text);
    if (items) return { isIncomplete: false, items };
  }
  const window = state.window(offset);
  if (window) {
    const service = context.jsonService.service;
    const list = await service.doComplete(window.view, toView(window, state.document, position), service.parseJSONDocument(window.view));
    return list ? mapItems(list, (range) => fromView(window, state.document, range)) : { isIncomplete: false, items: [] };
  }
  const json = state.json();
  return (await context.jsonService.service.doComplete(json.document, position, json.parsed)) ?? { isIncomplete: false, items: [] };
}

/** Completion items with their edit ranges mapped from a window's view to the document. */
function mapItems(list: CompletionList, map: (range: Range) => Range): CompletionList {
  return {
    ...list,
    items: list.items.map((item) => {
      const mapped: CompletionItem = { ...item };
      const edit = item.textEdit;
      if (edit && 'range' in edit) mapped.textEdit = { ...edit, range: map(edit.range) };
      else if (edit) mapped.textEdit = { ...edit, insert: map(edit.insert), replace: map(edit.replace) };
      if (item.additionalTextEdits) mapped.additionalTextEdits = item.additionalTextEdits.map((e) => ({ ...e, range: map(e.range) }));
      return mapped;
    }),
  };
}

/** A completion replacing the whole string the cursor is in (or inserting a new one). */
function stringItem(context: CompletionContext, node: LocatedNode, inString: boolean, value: string, kind: CompletionItemKind, detail?: string): CompletionItem {
  const { document } = context.state;
  const range = inString && node
    ? { start: document.positionAt(node.offset), end: document.positionAt(node.offset + node.length) }
    : { start: context.position, end: context.position };
  return { label: value, kind, detail, filterText: JSON.stringify(value), textEdit: { range, newText: JSON.stringify(value) } };
}

async function semanticItems(
  context: CompletionContext,
  path: (string | number)[],
  node: LocatedNode,
  inString: boolean,
  offset: number,
  text: string,
): Promise<CompletionItem[] | undefined> {
  const { state } = context;
  const value = (): unknown => state.value();
  const keys = path.map(String);
  if (keys.length === 1 && keys[0] === 'apiVersion' && state.languageId) {
    return FORMATS.filter((f) => f.languageId === state.languageId).map((f) => {
      const item = stringItem(context, node, inString, f.apiVersion, CompletionItemKind.EnumMember, f.legacy ? 'legacy: validate and migrate only' : 'current');
      if (f.legacy) item.tags = [CompletionItemTag.Deprecated];
      item.sortText = f.apiVersion === LANGUAGES[state.languageId!].current ? '0' : '1';
      return item;
    });
  }
  const reference = referenceKindAt(path);
  if (reference) {
    if (reference.field === 'baseModel') {
      return context.workspaceModels().map((m) => stringItem(context, node, inString, m.ref, CompletionItemKind.Reference, `model in ${decodeURIComponent(m.uri.slice(m.uri.lastIndexOf('/') + 1))}`));
    }
    return (state.model()?.changes ?? [])
      .filter((c) => c.refKind === reference.kind && c.id !== '')
      .map((c) => stringItem(context, node, inString, c.ref, CompletionItemKind.Reference, c.version ? `version ${c.version}` : undefined));
  }
  if (keys.length === 3 && keys[0] === 'spec' && keys[1] === 'targets') {
    return context.targets.map((name) => stringItem(context, node, inString, name, CompletionItemKind.Value, 'configured target'));
  }
  if (isFileReferenceAt(path) && localPathOf(state.document.uri) !== undefined) {
    return fileItems(context, node, inString, offset, text);
  }
  if (keys.length === 4 && keys[1] === 'prompts' && keys[3] === 'template' && inString && node) {
    const before = text.slice(node.offset + 1, offset);
    const open = /\{\{\s*([A-Za-z0-9_]*)$/.exec(before);
    if (!open) return undefined;
    const prompt = asObject(asArray(own(asObject(own(asObject(value()), 'spec')), 'prompts'))[Number(keys[2])]);
    const closed = text.startsWith('}}', offset);
    const start = state.document.positionAt(offset - open[1].length);
    return asArray(own(prompt, 'arguments'))
      .map((a) => asString(own(asObject(a), 'name')))
      .filter((name): name is string => name !== undefined)
      .map((name) => ({ label: name, kind: CompletionItemKind.Variable, detail: 'prompt argument', textEdit: { range: { start, end: context.position }, newText: closed ? name : `${name}}}` } }));
  }
  return undefined;
}

/** Paths relative to the manifest: the entries of the folder typed so far. */
async function fileItems(context: CompletionContext, node: LocatedNode, inString: boolean, offset: number, text: string): Promise<CompletionItem[]> {
  const typed = inString && node ? text.slice(node.offset + 1, offset) : '';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(typed)) return [];
  const folderPart = typed.slice(0, typed.lastIndexOf('/') + 1);
  const base = dirname(localPathOf(context.state.document.uri)!);
  const entries = await fs.readdir(join(base, folderPart), { withFileTypes: true }).catch(() => []);
  const start = context.state.document.positionAt(offset - (typed.length - folderPart.length));
  return entries
    .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isFile()))
    .map((e) => {
      const directory = e.isDirectory();
      const item: CompletionItem = {
        label: directory ? `${e.name}/` : e.name,
        kind: directory ? CompletionItemKind.Folder : CompletionItemKind.File,
        textEdit: { range: { start, end: context.position }, newText: directory ? `${e.name}/` : e.name },
        sortText: `${directory ? '1' : '0'}${e.name}`,
      };
      if (directory) item.command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
      return item;
    });
}

