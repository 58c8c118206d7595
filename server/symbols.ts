/** Document symbols: metadata, and each change, health check, prompt, resource, adapter, shard and session by kind and id. */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { locatePointers } from '../core/jsonc/locate';
import { asArray, asObject, asString, own } from '../core/jsonc/read';
import type { DocumentState } from './documents';

interface Section {
  key: string;
  kind: SymbolKind;
  /** Name and detail of one entry. */
  describe: (entry: Record<string, unknown>) => { name: string; detail?: string; kind?: SymbolKind; select?: string };
}

const CHANGE_KINDS: Record<string, SymbolKind> = { Model: SymbolKind.Class, Config: SymbolKind.Object, FlagSet: SymbolKind.Enum };

const SECTIONS: Section[] = [
  {
    key: 'changes',
    kind: SymbolKind.Array,
    describe: (c) => ({ name: `${String(c.kind ?? '?')} ${String(c.id ?? '')}`, detail: asString(c.version), kind: CHANGE_KINDS[String(c.kind)] ?? SymbolKind.Object, select: 'id' }),
  },
  { key: 'healthChecks', kind: SymbolKind.Array, describe: (c) => ({ name: `probe ${String(c.id ?? '')}`, detail: asString(c.change), kind: SymbolKind.Event, select: 'id' }) },
  { key: 'prompts', kind: SymbolKind.Array, describe: (p) => ({ name: `prompt ${String(p.name ?? '')}`, detail: asString(p.version), kind: SymbolKind.Function, select: 'name' }) },
  { key: 'resources', kind: SymbolKind.Array, describe: (r) => ({ name: `resource ${String(r.uri ?? '')}`, detail: asString(r.mimeType), kind: SymbolKind.File, select: 'uri' }) },
  { key: 'adapters', kind: SymbolKind.Array, describe: (a) => ({ name: `adapter ${String(a.name ?? '')}`, detail: asString(a.baseModel), kind: SymbolKind.Module, select: 'name' }) },
  { key: 'knowledge', kind: SymbolKind.Array, describe: (k) => ({ name: `shard ${String(k.index ?? '')}/${String(k.shard ?? '')}`, detail: asString(k.op) ?? 'upsert', kind: SymbolKind.Package, select: 'shard' }) },
  { key: 'sessions', kind: SymbolKind.Array, describe: (s) => ({ name: `session ${String(s.sessionId ?? '')}`, detail: asString(s.op), kind: SymbolKind.Variable, select: 'sessionId' }) },
];

export function documentSymbols(state: DocumentState): DocumentSymbol[] {
  const value = asObject(state.value());
  if (!value) return [];
  const spec = asObject(own(value, 'spec'));
  const pointers = ['/metadata', '/metadata/name', '/spec'];
  for (const section of SECTIONS) {
    pointers.push(`/spec/${section.key}`);
    asArray(own(spec, section.key)).forEach((_, i) => {
      pointers.push(`/spec/${section.key}/${i}`, ...['id', 'name', 'uri', 'shard', 'sessionId'].map((k) => `/spec/${section.key}/${i}/${k}`));
    });
  }
  const text = state.document.getText();
  const at = locatePointers(text, pointers);
  const range = (pointer: string, part: 'whole' | 'key' | 'value' = 'whole') => {
    const loc = at.get(pointer);
    if (!loc) return undefined;
    const [start, end] = part === 'value' ? [loc.valueStart, loc.valueEnd] : part === 'key' && loc.keyStart >= 0 ? [loc.keyStart, loc.keyEnd] : [loc.keyStart >= 0 ? loc.keyStart : loc.valueStart, loc.valueEnd];
    return { start: state.document.positionAt(start), end: state.document.positionAt(end) };
  };
  const symbols: DocumentSymbol[] = [];
  const metadata = range('/metadata');
  if (metadata) {
    const name = asString(own(asObject(own(value, 'metadata')), 'name'));
    symbols.push({ name: 'metadata', detail: name, kind: SymbolKind.Namespace, range: metadata, selectionRange: range('/metadata', 'key') ?? metadata });
  }
  for (const section of SECTIONS) {
    const whole = range(`/spec/${section.key}`);
    if (!whole) continue;
    const children: DocumentSymbol[] = [];
    asArray(own(spec, section.key)).forEach((entry, i) => {
      const object = asObject(entry);
      const entryRange = range(`/spec/${section.key}/${i}`);
      if (!object || !entryRange) return;
      const { name, detail, kind, select } = section.describe(object);
      const selection = (select && range(`/spec/${section.key}/${i}/${select}`, 'value')) || entryRange;
      children.push({ name: name.trim() || `#${i}`, detail, kind: kind ?? SymbolKind.Object, range: entryRange, selectionRange: selection });
    });
    symbols.push({ name: section.key, kind: section.kind, range: whole, selectionRange: range(`/spec/${section.key}`, 'key') ?? whole, children });
  }
  return symbols;
}
