/**
 * Incremental validation, for an editor typing in a large manifest. A manifest is cut into units:
 * each item of a `spec` array (changes, health checks, prompts…), each other member of `spec`, and
 * each root member other than `spec`. After an edit inside one unit, only that unit is parsed and
 * schema-checked again; the checks that span units (references, duplicates, metadata) run on the
 * spliced value; ranges are found inside units. The result equals `validateManifest` on the new
 * text (a test compares them over thousands of random edits); whatever it cannot do
 * incrementally (an edit across units, a syntax error, a format change) it validates in full.
 */
import { analyseManifest } from './analysis';
import type { Finding, ManifestDiagnostic } from './diagnostics';
import { detectFormat, type FormatVersion } from './formats';
import { locatePointers, type TextLocation } from './jsonc/locate';
import { parseJsonc, type SyntaxProblem } from './jsonc/parse';
import { childPointer, pointerTokens, valueAt, withValueAt } from './jsonc/pointer';
import type { Position } from './lineIndex';
import { LineIndex } from './lineIndex';
import { pointersAtOffsets, resolveFindings } from './positions';
import { itemArrays } from './compiledSchemas';
import { itemFindings, shellFindings } from './schemaValidation';
import type { JsonObject } from './jsonc/read';
import { semanticOptions, sortDiagnostics, validateManifest, type ValidateOptions, type ValidationResult } from './validate';

interface Unit {
  pointer: string;
  /** Offsets of the unit's value in the text, and of its key (-1 for array items). */
  start: number;
  end: number;
  keyStart: number;
  keyEnd: number;
  /** For items of a spec array: the `$defs` entry they are checked against. */
  definition?: string;
  /** Schema findings of an item (absolute pointers). */
  findings: Finding[];
  /** Syntax warnings inside the unit, offsets relative to `start`. */
  syntax: SyntaxProblem[];
}

export interface ValidationSnapshot {
  text: string;
  options: ValidateOptions;
  result: ValidationResult;
  /** Empty when the document cannot be updated incrementally (it is validated in full each time). */
  units: Unit[];
  /** Syntax warnings outside every unit (absolute offsets). */
  outerSyntax: SyntaxProblem[];
}

type PositionAt = (offset: number) => Position;

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Full validation that also prepares for incremental updates. */
export function validateWithSnapshot(text: string, options: ValidateOptions = {}, positionAt?: PositionAt): ValidationSnapshot {
  const full = (): ValidationSnapshot => ({ text, options, result: validateManifest(text, options), units: [], outerSyntax: [] });
  const parsed = parseJsonc(text);
  if (!parsed.ok || !isObject(parsed.value)) return full();
  const detected = detectFormat(parsed.value, options.languageId);
  const format = detected.format;
  if (!format || format.legacy || detected.findings.length > 0) return full();
  const value = parsed.value;
  const arrays = itemArrays(format);
  const units = unitsOf(text, value, arrays);
  if (!units) return full();
  const outerSyntax: SyntaxProblem[] = [];
  // Problems come in text order and units are sorted: one sweep places each problem.
  let u = 0;
  for (const problem of [...parsed.problems].sort((a, b) => a.offset - b.offset)) {
    while (u < units.length && units[u].end <= problem.offset) u++;
    const unit = units[u];
    if (unit && unit.start <= problem.offset) unit.syntax.push({ ...problem, offset: problem.offset - unit.start });
    else outerSyntax.push(problem);
  }
  for (const unit of units) {
    if (unit.definition) unit.findings = itemFindings(valueAt(value, unit.pointer), format, unit.definition, unit.pointer);
  }
  return finish({ text, options, units, outerSyntax, result: { diagnostics: [], format, value } }, format, positionAt);
}

/**
 * Validates `text`, the text of `previous` after an edit, reusing what the edit did not touch.
 * `previous` is consumed: use only the snapshot this returns from then on.
 */
export function updateSnapshot(previous: ValidationSnapshot, text: string, positionAt?: PositionAt): ValidationSnapshot {
  const format = previous.result.format;
  const value = previous.result.value;
  if (previous.units.length === 0 || !format || !isObject(value)) return validateWithSnapshot(text, previous.options, positionAt);
  const old = previous.text;
  const { start, oldEnd } = changedRegion(old, text);
  if (start === old.length && start === text.length) return { ...previous, text };
  const delta = text.length - old.length;
  const index = previous.units.findIndex((u) => u.start < start && oldEnd < u.end);
  const unit = previous.units[index];
  if (!unit || unit.pointer === '/apiVersion' || unit.pointer === '/kind') return validateWithSnapshot(text, previous.options, positionAt);
  const unitText = text.slice(unit.start, unit.end + delta);
  // Parsed at the depth it sits at, so nesting is limited exactly as in the whole document.
  const parsed = parseJsonc(unitText, pointerTokens(unit.pointer).length);
  // A unit that no longer parses, or whose first character changed kind, is left to full validation.
  if (!parsed.ok || unitText.charCodeAt(0) !== old.charCodeAt(unit.start)) return validateWithSnapshot(text, previous.options, positionAt);
  const nextValue = withValueAt(value, unit.pointer, parsed.value);
  // The previous snapshot is handed over: its units are shifted in place (10,000 new objects per
  // keystroke would cost more than the whole incremental check).
  const units = previous.units;
  for (let i = index + 1; i < units.length; i++) {
    const u = units[i];
    u.start += delta;
    u.end += delta;
    if (u.keyStart >= 0) {
      u.keyStart += delta;
      u.keyEnd += delta;
    }
  }
  units[index] = { ...unit, end: unit.end + delta, syntax: parsed.problems, findings: unit.definition ? itemFindings(parsed.value, format, unit.definition, unit.pointer) : [] };
  previous.units = [];
  const outerSyntax = previous.outerSyntax.map((p) => (p.offset >= oldEnd ? { ...p, offset: p.offset + delta } : p));
  return finish({ text, options: previous.options, units, outerSyntax, result: { diagnostics: [], format, value: nextValue } }, format, positionAt);
}

const CHUNK = 4096;

/**
 * Where two texts differ: the length of their common prefix, and where the common suffix starts
 * in the old text. Compares 4 KiB slices natively first, then characters, so a keystroke in a
 * 2.6 MB document costs well under a millisecond here.
 */
export function changedRegion(old: string, text: string): { start: number; oldEnd: number } {
  if (old === text) return { start: old.length, oldEnd: old.length };
  const shortest = Math.min(old.length, text.length);
  let start = 0;
  while (start + CHUNK <= shortest && old.slice(start, start + CHUNK) === text.slice(start, start + CHUNK)) start += CHUNK;
  while (start < shortest && old.charCodeAt(start) === text.charCodeAt(start)) start++;
  let oldEnd = old.length;
  let newEnd = text.length;
  while (oldEnd - CHUNK >= start && newEnd - CHUNK >= start && old.slice(oldEnd - CHUNK, oldEnd) === text.slice(newEnd - CHUNK, newEnd)) {
    oldEnd -= CHUNK;
    newEnd -= CHUNK;
  }
  while (oldEnd > start && newEnd > start && old.charCodeAt(oldEnd - 1) === text.charCodeAt(newEnd - 1)) {
    oldEnd--;
    newEnd--;
  }
  return { start, oldEnd };
}

function finish(snapshot: ValidationSnapshot, format: FormatVersion, positionAt?: PositionAt): ValidationSnapshot {
  const { text, units, options } = snapshot;
  const value = snapshot.result.value as JsonObject;
  const findings: Finding[] = [...shellFindings(value, format)];
  for (const unit of units) findings.push(...unit.findings);
  const analysis = analyseManifest(value, format, semanticOptions(options));
  findings.push(...analysis.findings);
  let lines: LineIndex | undefined;
  const position: PositionAt = positionAt ?? ((offset) => (lines ??= new LineIndex(text)).positionAt(offset));
  const diagnostics: ManifestDiagnostic[] = [];
  for (const unit of units) {
    if (unit.syntax.length > 0) diagnostics.push(...syntaxDiagnostics(unit.syntax, unit.start, unit.pointer, text.slice(unit.start, unit.end), position));
  }
  if (snapshot.outerSyntax.length > 0) diagnostics.push(...syntaxDiagnostics(snapshot.outerSyntax, 0, '', text, position));
  if (findings.length > 0) diagnostics.push(...resolveFindings(text, findings, { positionAt: position }, (pointers) => locateInUnits(text, units, pointers)));
  return { ...snapshot, result: { ...snapshot.result, diagnostics: sortDiagnostics(diagnostics), model: analysis.model } };
}

/** Syntax problems of one scope (a unit, or the whole text), with pointers found in one pass. */
function syntaxDiagnostics(problems: readonly SyntaxProblem[], base: number, pointer: string, scope: string, positionAt: PositionAt): ManifestDiagnostic[] {
  const pointers = pointersAtOffsets(scope, problems.map((p) => p.offset));
  return problems.map((problem, i) => {
    const offset = base + problem.offset;
    return { severity: problem.severity, code: problem.code, message: problem.message, range: { start: positionAt(offset), end: positionAt(offset + problem.length) }, pointer: `${pointer}${pointers[i]}` };
  });
}

/** Locates pointers inside the units holding them; only pointers above every unit need a scan of the whole text. */
function locateInUnits(text: string, units: readonly Unit[], pointers: Set<string>): Map<string, TextLocation> {
  const found = new Map<string, TextLocation>();
  const byUnit = new Map<Unit, string[]>();
  const outside = new Set<string>();
  const unitByPointer = new Map(units.map((u) => [u.pointer, u]));
  for (const pointer of pointers) {
    let unit: Unit | undefined;
    for (let p = pointer; p !== ''; p = p.slice(0, p.lastIndexOf('/'))) {
      unit = unitByPointer.get(p);
      if (unit) break;
    }
    if (!unit) outside.add(pointer);
    else if (pointer === unit.pointer) found.set(pointer, { valueStart: unit.start, valueEnd: unit.end, keyStart: unit.keyStart, keyEnd: unit.keyEnd });
    else {
      const list = byUnit.get(unit);
      if (list) list.push(pointer);
      else byUnit.set(unit, [pointer]);
    }
  }
  for (const [unit, list] of byUnit) {
    const scope = text.slice(unit.start, unit.end);
    const located = locatePointers(scope, list.map((p) => p.slice(unit.pointer.length)));
    for (const pointer of list) {
      const at = located.get(pointer.slice(unit.pointer.length));
      if (!at) continue;
      const shift = (n: number): number => (n < 0 ? n : n + unit.start);
      found.set(pointer, { valueStart: shift(at.valueStart), valueEnd: shift(at.valueEnd), keyStart: shift(at.keyStart), keyEnd: shift(at.keyEnd) });
    }
  }
  if (outside.size > 0) for (const [pointer, at] of locatePointers(text, outside)) found.set(pointer, at);
  return found;
}

function unitsOf(text: string, value: JsonObject, arrays: Map<string, string>): Unit[] | undefined {
  const pointers: { pointer: string; definition?: string }[] = [];
  for (const key of Object.keys(value)) {
    if (key !== 'spec') pointers.push({ pointer: childPointer('', key) });
  }
  const spec = value.spec;
  if (isObject(spec)) {
    for (const key of Object.keys(spec)) {
      const items = spec[key];
      const definition = arrays.get(key);
      if (definition && Array.isArray(items)) items.forEach((_, i) => pointers.push({ pointer: `${childPointer('/spec', key)}/${i}`, definition }));
      else pointers.push({ pointer: childPointer('/spec', key) });
    }
  } else if (spec !== undefined) {
    pointers.push({ pointer: '/spec' });
  }
  const located = locatePointers(text, pointers.map((p) => p.pointer));
  const units: Unit[] = [];
  for (const { pointer, definition } of pointers) {
    const at = located.get(pointer);
    if (!at) return undefined;
    units.push({ pointer, start: at.valueStart, end: at.valueEnd, keyStart: at.keyStart, keyEnd: at.keyEnd, definition, findings: [], syntax: [] });
  }
  return units.sort((a, b) => a.start - b.start);
}
