/**
 * Quick-fix edits on a manifest's text. Each returns text edits relative to the original text that
 * touch only what the fix changes, so comments, key order and formatting survive.
 */
import { randomBytes } from 'node:crypto';
import { applyEdits, modify, parse as parseTolerant, type Edit, type JSONPath } from 'jsonc-parser';
import { DEPRECATIONS } from './deprecations';
import type { ApiVersion } from './formats';
import { locatePointers } from './jsonc/locate';
import { childPointer, lastToken, parentPointer, pointerToPath, valueAt } from './jsonc/pointer';
import { LineIndex, type Range } from './lineIndex';
import { detectStyle } from './migrations/print';

export interface TextEdit {
  range: Range;
  newText: string;
}

function formatting(text: string): { insertSpaces: boolean; tabSize: number; eol: string } {
  const style = detectStyle(text);
  return { insertSpaces: !style.indent.includes('\t'), tabSize: style.indent.includes('\t') ? 1 : style.indent.length, eol: style.eol };
}

function toTextEdits(text: string, edits: Edit[]): TextEdit[] {
  const lines = new LineIndex(text);
  return edits.map((e) => ({ range: lines.rangeOf(e.offset, e.length), newText: e.content }));
}

/**
 * The text after setting (or, with undefined, removing) the value at `pointer`. A new property goes
 * after `after` when that is present; in an object written on one line it is added on that line.
 */
function withValue(text: string, pointer: string, value: unknown, after?: string): string {
  const path: JSONPath = pointerToPath(pointer);
  const parent = parentPointer(pointer);
  const key = path[path.length - 1];
  const parentValue = valueAt(parseTolerant(text), parent);
  const isNewProperty = typeof key === 'string' && value !== undefined && parentValue !== null && typeof parentValue === 'object' && !Array.isArray(parentValue) && !Object.prototype.hasOwnProperty.call(parentValue, key);
  if (isNewProperty) {
    const anchorPointer = after !== undefined ? childPointer(parent, after) : undefined;
    const located = locatePointers(text, [parent, ...(anchorPointer !== undefined ? [anchorPointer] : [])]);
    const container = located.get(parent);
    if (container && !text.slice(container.valueStart, container.valueEnd).includes('\n')) {
      const property = `${JSON.stringify(key)}: ${JSON.stringify(value)}`;
      const anchor = anchorPointer !== undefined ? located.get(anchorPointer) : undefined;
      if (anchor) return `${text.slice(0, anchor.valueEnd)}, ${property}${text.slice(anchor.valueEnd)}`;
      const inner = text.slice(container.valueStart + 1, container.valueEnd - 1);
      if (inner.trim() === '') return `${text.slice(0, container.valueStart)}{ ${property} }${text.slice(container.valueEnd)}`;
      const end = container.valueStart + 1 + inner.trimEnd().length;
      return `${text.slice(0, end)}, ${property}${text.slice(end)}`;
    }
  }
  const edits = modify(text, path, value, {
    formattingOptions: formatting(text),
    getInsertionIndex:
      after === undefined
        ? undefined
        : (properties) => {
            const index = properties.indexOf(after);
            return index < 0 ? properties.length : index + 1;
          },
  });
  return applyEdits(text, edits);
}

/** Sets (or, with undefined, removes) the value at `pointer`; see `withValue` for where new properties go. */
export function setValueEdits(text: string, pointer: string, value: unknown, after?: string): TextEdit[] {
  return diffEdits(text, withValue(text, pointer, value, after));
}

/** Several settings at once, each applied on the result of the previous; one edit spanning the change. */
export function setValuesEdits(text: string, changes: { pointer: string; value: unknown; after?: string }[]): TextEdit[] {
  let next = text;
  for (const change of changes) next = withValue(next, change.pointer, change.value, change.after);
  return diffEdits(text, next);
}

/** The smallest single edit turning `before` into `after`. */
export function diffEdits(before: string, after: string): TextEdit[] {
  if (before === after) return [];
  let start = 0;
  while (start < before.length && start < after.length && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  const lines = new LineIndex(before);
  return [{ range: lines.rangeOf(start, endBefore - start), newText: after.slice(start, endAfter) }];
}

/** Replaces a deprecated property by its replacement, in place (same position), or removes it when the replacement is already set. */
export function deprecationEdits(text: string, value: unknown, apiVersion: ApiVersion, pointer: string): TextEdit[] {
  const property = lastToken(pointer);
  const deprecation = DEPRECATIONS.find((d) => d.apiVersion === apiVersion && d.property === property);
  if (!deprecation) return [];
  const replacementPointer = childPointer(parentPointer(pointer), deprecation.replacement);
  if (valueAt(value, replacementPointer) !== undefined) return setValueEdits(text, pointer, undefined);
  const location = locatePointers(text, [pointer]).get(pointer);
  if (!location || location.keyStart < 0) return [];
  const lines = new LineIndex(text);
  return [
    { range: lines.rangeOf(location.keyStart, location.keyEnd - location.keyStart), newText: JSON.stringify(deprecation.replacement) },
    { range: lines.rangeOf(location.valueStart, location.valueEnd - location.valueStart), newText: JSON.stringify(deprecation.convert(valueAt(value, pointer))) },
  ];
}

/** A UUIDv7: time-ordered, so uids sort by when manifests were written. */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytes(16);
  const ms = BigInt(now);
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Appends `{ "name": argument, "required": true }` to a prompt's arguments (creating the array). */
export function declareArgumentEdits(text: string, value: unknown, promptPointer: string, argument: string): TextEdit[] {
  const args = valueAt(value, childPointer(promptPointer, 'arguments'));
  const entry = { name: argument, required: true };
  if (!Array.isArray(args)) return setValueEdits(text, childPointer(promptPointer, 'arguments'), [entry], 'name');
  const edits = modify(text, [...pointerToPath(promptPointer), 'arguments', args.length], entry, { formattingOptions: formatting(text), isArrayInsertion: true });
  return toTextEdits(text, edits);
}

export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = new LineIndex(text);
  const offsets = edits
    .map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of offsets) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
