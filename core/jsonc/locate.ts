/**
 * Finds where JSON pointers sit in a document's text, in one pass that descends only into the
 * containers on the requested paths and skips everything else without building values. Used to turn
 * the pointers of diagnostics into ranges after validation.
 */
import { skipTrivia, stringEnd } from './scan';
import { childPointer } from './pointer';

/** Offsets of a located value, and of its property key when it is an object member. */
export interface TextLocation {
  valueStart: number;
  valueEnd: number;
  /** -1 for the root and for array elements. */
  keyStart: number;
  keyEnd: number;
}

export function locatePointers(text: string, pointers: Iterable<string>): Map<string, TextLocation> {
  const targets = new Set<string>();
  const onPath = new Set<string>();
  for (const p of pointers) {
    targets.add(p);
    for (let cut = p.length; cut > 0; cut = p.lastIndexOf('/', cut - 1)) onPath.add(p.slice(0, cut));
    onPath.add('');
  }
  const found = new Map<string, TextLocation>();

  function walk(from: number, pointer: string, keyStart: number, keyEnd: number): number {
    const start = skipTrivia(text, from);
    if (start < 0 || start >= text.length) return -1;
    let end: number;
    const c = text.charCodeAt(start);
    if ((c === 123 || c === 91) && onPath.has(pointer)) {
      end = c === 123 ? walkObject(start, pointer) : walkArray(start, pointer);
    } else {
      end = skipValue(text, start);
    }
    if (end < 0) return -1;
    if (targets.has(pointer)) found.set(pointer, { valueStart: start, valueEnd: end, keyStart, keyEnd });
    return end;
  }

  function walkObject(open: number, pointer: string): number {
    let pos = skipTrivia(text, open + 1);
    if (text.charCodeAt(pos) === 125) return pos + 1;
    while (pos >= 0 && text.charCodeAt(pos) === 34) {
      const keyEnd = stringEnd(text, pos);
      if (keyEnd < 0) return -1;
      const raw = text.slice(pos + 1, keyEnd - 1);
      const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
      const colon = skipTrivia(text, keyEnd);
      if (text.charCodeAt(colon) !== 58) return -1;
      const valueEnd = walk(colon + 1, childPointer(pointer, key), pos, keyEnd);
      if (valueEnd < 0) return -1;
      pos = skipTrivia(text, valueEnd);
      const c = text.charCodeAt(pos);
      if (c === 125) return pos + 1;
      if (c !== 44) return -1;
      pos = skipTrivia(text, pos + 1);
      if (text.charCodeAt(pos) === 125) return pos + 1;
    }
    return -1;
  }

  function walkArray(open: number, pointer: string): number {
    let pos = skipTrivia(text, open + 1);
    if (text.charCodeAt(pos) === 93) return pos + 1;
    for (let index = 0; pos >= 0; index++) {
      const valueEnd = walk(pos, childPointer(pointer, index), -1, -1);
      if (valueEnd < 0) return -1;
      pos = skipTrivia(text, valueEnd);
      const c = text.charCodeAt(pos);
      if (c === 93) return pos + 1;
      if (c !== 44) return -1;
      pos = skipTrivia(text, pos + 1);
      if (text.charCodeAt(pos) === 93) return pos + 1;
    }
    return -1;
  }

  walk(0, '', -1, -1);
  return found;
}

/** Skips one well-formed value starting at `start`; returns the offset after it, or -1. */
export function skipValue(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === 34) return stringEnd(text, start);
  if (c !== 123 && c !== 91) {
    let pos = start;
    while (pos < text.length) {
      const d = text.charCodeAt(pos);
      if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9 || d === 47) break;
      pos++;
    }
    return pos;
  }
  let depth = 0;
  let pos = start;
  while (pos < text.length) {
    const d = text.charCodeAt(pos);
    if (d === 34) {
      pos = stringEnd(text, pos);
      if (pos < 0) return -1;
      continue;
    }
    if (d === 47) {
      const next = skipTrivia(text, pos);
      if (next < 0) return -1;
      if (next > pos) {
        pos = next;
        continue;
      }
    } else if (d === 123 || d === 91) {
      depth++;
    } else if (d === 125 || d === 93) {
      depth--;
      if (depth === 0) return pos + 1;
    }
    pos++;
  }
  return -1;
}
