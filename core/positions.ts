/** Turns findings (pointer + target) and syntax problems (offsets) into positioned diagnostics. */
import { getLocation } from 'jsonc-parser';
import { severityOf, type Finding, type ManifestDiagnostic } from './diagnostics';
import { LineIndex } from './lineIndex';
import { locatePointers, type TextLocation } from './jsonc/locate';
import type { SyntaxProblem } from './jsonc/parse';
import { childPointer, parentPointer } from './jsonc/pointer';

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
    const [start, end] = location ? span(text, location, target) : [0, 0];
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

function span(text: string, at: TextLocation, target: Finding['target']): [number, number] {
  const isContainer = text.charCodeAt(at.valueStart) === 123 || text.charCodeAt(at.valueStart) === 91;
  if (target === 'value') return [at.valueStart, at.valueEnd];
  if (target === 'key' || target === 'start') {
    if (at.keyStart >= 0) return [at.keyStart, at.keyEnd];
    return isContainer ? [at.valueStart, at.valueStart + 1] : [at.valueStart, at.valueEnd];
  }
  if (text.charCodeAt(at.valueStart) !== 34) return [at.valueStart, at.valueEnd];
  const raw = text.slice(at.valueStart + 1, at.valueEnd - 1);
  const [from, length] = target.substring;
  const rawStart = rawOffset(raw, from);
  return [at.valueStart + 1 + rawStart, at.valueStart + 1 + rawOffset(raw, from + length)];
}

/** Offset in a string literal's raw text of the `decoded`-th character of its value. */
export function rawOffset(raw: string, decoded: number): number {
  let i = 0;
  for (let n = 0; n < decoded && i < raw.length; n++) {
    if (raw.charCodeAt(i) !== 92) i += 1;
    else i += raw[i + 1] === 'u' ? 6 : 2;
  }
  return Math.min(i, raw.length);
}

export function syntaxDiagnostics(text: string, problems: readonly SyntaxProblem[], lines: Pick<LineIndex, 'positionAt'>): ManifestDiagnostic[] {
  return problems.map((p) => ({
    severity: p.severity,
    code: p.code,
    message: p.message,
    range: { start: lines.positionAt(p.offset), end: lines.positionAt(p.offset + p.length) },
    pointer: pointerAt(text, p.offset),
  }));
}

function pointerAt(text: string, offset: number): string {
  let pointer = '';
  for (const segment of getLocation(text, offset).path) pointer = childPointer(pointer, segment);
  return pointer;
}
