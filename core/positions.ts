/** Turns findings (pointer + target) and syntax problems (offsets) into positioned diagnostics. */
import { visit } from 'jsonc-parser';
import { severityOf, type Finding, type ManifestDiagnostic } from './diagnostics';
import { LineIndex } from './lineIndex';
import { locatePointers, type TextLocation } from './jsonc/locate';
import type { SyntaxProblem } from './jsonc/parse';
import { parentPointer, pathToPointer } from './jsonc/pointer';

/** Finds where pointers sit; the default scans the whole text, incremental validation brings a cheaper one. */
export type Locator = (pointers: Set<string>) => Map<string, TextLocation>;

export function resolveFindings(text: string, findings: readonly Finding[], lines: Pick<LineIndex, 'positionAt'>, locate?: Locator): ManifestDiagnostic[] {
  if (findings.length === 0) return [];
  const wanted = new Set<string>();
  for (const f of findings) {
    for (let p = f.pointer; ; p = parentPointer(p)) {
      wanted.add(p);
      if (p === '') break;
    }
  }
  const located = locate ? locate(wanted) : locatePointers(text, wanted);
  const strings = new StringOffsets(text);
  return findings.map((f) => {
    let pointer = f.pointer;
    let location = located.get(pointer);
    let target = f.target;
    while (!location && pointer !== '') {
      // The pointer names something absent (a missing property): mark the nearest existing parent.
      pointer = parentPointer(pointer);
      location = located.get(pointer);
      target = 'start';
    }
    const [start, end] = location ? span(text, location, target, strings) : [0, 0];
    const diagnostic: ManifestDiagnostic = {
      severity: severityOf(f),
      code: f.code,
      message: f.message,
      range: { start: lines.positionAt(start), end: lines.positionAt(end) },
      pointer: f.pointer,
    };
    if (f.tags) diagnostic.tags = f.tags;
    if (f.data) diagnostic.data = f.data;
    return diagnostic;
  });
}

function span(text: string, at: TextLocation, target: Finding['target'], strings: StringOffsets): [number, number] {
  const isContainer = text.charCodeAt(at.valueStart) === 123 || text.charCodeAt(at.valueStart) === 91;
  if (target === 'value') return [at.valueStart, at.valueEnd];
  if (target === 'key' || target === 'start') {
    if (at.keyStart >= 0) return [at.keyStart, at.keyEnd];
    return isContainer ? [at.valueStart, at.valueStart + 1] : [at.valueStart, at.valueEnd];
  }
  if (text.charCodeAt(at.valueStart) !== 34) return [at.valueStart, at.valueEnd];
  const [from, length] = target.substring;
  return [strings.offset(at, from), strings.offset(at, from + length)];
}

/**
 * Offsets in the text of characters of a string literal's decoded value. Each literal is read once
 * (many findings can point into one template), so positioning stays linear in the text.
 */
class StringOffsets {
  /** Per literal: decoded index → text offset, or null when it has no escapes (offsets are direct). */
  private readonly tables = new Map<TextLocation, Int32Array | null>();

  constructor(private readonly text: string) {}

  offset(at: TextLocation, decoded: number): number {
    const first = at.valueStart + 1;
    const last = at.valueEnd - 1;
    let table = this.tables.get(at);
    if (table === undefined) {
      table = this.build(first, last);
      this.tables.set(at, table);
    }
    if (table === null) return Math.min(first + decoded, last);
    return table[Math.min(Math.max(decoded, 0), table.length - 1)];
  }

  private build(first: number, last: number): Int32Array | null {
    const text = this.text;
    let escaped = false;
    for (let i = first; i < last && !escaped; i++) escaped = text.charCodeAt(i) === 92;
    if (!escaped) return null;
    const offsets: number[] = [];
    for (let i = first; i < last; ) {
      offsets.push(i);
      i += text.charCodeAt(i) !== 92 ? 1 : text[i + 1] === 'u' ? 6 : 2;
    }
    offsets.push(last);
    return Int32Array.from(offsets, (o) => Math.min(o, last));
  }
}

export function syntaxDiagnostics(text: string, problems: readonly SyntaxProblem[], lines: Pick<LineIndex, 'positionAt'>): ManifestDiagnostic[] {
  const pointers = pointersAtOffsets(text, problems.map((p) => p.offset));
  return problems.map((p, i) => ({
    severity: p.severity,
    code: p.code,
    message: p.message,
    range: { start: lines.positionAt(p.offset), end: lines.positionAt(p.offset + p.length) },
    pointer: pointers[i],
  }));
}

/**
 * The JSON pointer of the location at each offset, as jsonc-parser's `getLocation` finds it, in
 * one pass over the text for all offsets (getLocation per offset would rescan the text each time:
 * quadratic for a document with thousands of syntax warnings).
 */
export function pointersAtOffsets(text: string, offsets: readonly number[]): string[] {
  try {
    return pointersIn(text, offsets);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // jsonc-parser's visit recurses once per nesting level: a document nested thousands of levels
    // deep (whose parse stopped at MAX_DEPTH) overflows the stack. Every offset lies before the
    // point where the parse stopped, so the text up to the last one is visited instead.
    return pointersIn(text.slice(0, offsets.reduce((a, b) => Math.max(a, b), 0) + 1), offsets);
  }
}

function pointersIn(text: string, offsets: readonly number[]): string[] {
  const order = offsets.map((_, i) => i).sort((a, b) => offsets[a] - offsets[b]);
  const result = new Array<string>(offsets.length);
  const segments: (string | number)[] = [];
  let next = 0;
  const recordWhile = (reached: (offset: number) => boolean): void => {
    if (next >= order.length || !reached(offsets[order[next]])) return;
    const pointer = pathToPointer(segments);
    while (next < order.length && reached(offsets[order[next]])) result[order[next++]] = pointer;
  };
  visit(text, {
    onObjectBegin: (offset) => {
      recordWhile((p) => p <= offset);
      segments.push('');
    },
    onObjectProperty: (name, offset, length) => {
      recordWhile((p) => p < offset);
      segments[segments.length - 1] = name;
      recordWhile((p) => p <= offset + length);
    },
    onObjectEnd: (offset) => {
      recordWhile((p) => p <= offset);
      segments.pop();
    },
    onArrayBegin: (offset) => {
      recordWhile((p) => p <= offset);
      segments.push(0);
    },
    onArrayEnd: (offset) => {
      recordWhile((p) => p <= offset);
      segments.pop();
    },
    onLiteralValue: (_value, offset, length) => {
      recordWhile((p) => p < offset);
      recordWhile((p) => p <= offset + length);
    },
    onSeparator: (separator, offset) => {
      recordWhile((p) => p <= offset);
      if (separator !== ',') return;
      const last = segments[segments.length - 1];
      segments[segments.length - 1] = typeof last === 'number' ? last + 1 : '';
    },
  });
  recordWhile(() => true);
  return result;
}
