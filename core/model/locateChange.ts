/** Where a change (by its span ref, e.g. `model:sentiment`) or a pointer sits in a manifest's text: for "Reveal in manifest" and inline results. */
import { detectFormat, type LanguageId } from '../formats';
import { parseJsonc } from '../jsonc/parse';
import { locatePointers } from '../jsonc/locate';
import { parentPointer } from '../jsonc/pointer';
import { readManifest } from './readManifest';

/** Offsets of the text to show for a pointer: from its key (when it has one) to the end of its value. */
export interface TextSpan {
  start: number;
  end: number;
}

/**
 * The span of the value at `pointer`; when the pointer is not in the text (a field the manifest
 * lacks), the nearest ancestor that is. Undefined only when nothing on the path is.
 */
export function locatePointer(text: string, pointer: string): TextSpan | undefined {
  const candidates: string[] = [];
  for (let p = pointer; ; p = parentPointer(p)) {
    candidates.push(p);
    if (p === '') break;
  }
  const found = locatePointers(text, candidates);
  for (const candidate of candidates) {
    const at = found.get(candidate);
    if (at) return { start: at.keyStart >= 0 ? at.keyStart : at.valueStart, end: at.valueEnd };
  }
  return undefined;
}

/**
 * The pointer of the change a span ref names (`reload.change.ref`), read from the manifest's
 * current text (parsed and read, not validated: the text may have errors by now).
 */
export function changePointer(text: string, languageId: LanguageId | undefined, ref: string): string | undefined {
  const { value } = parseJsonc(text);
  const { format } = detectFormat(value, languageId);
  if (!format) return undefined;
  return readManifest(value, format).changes.find((change) => change.ref === ref)?.pointer;
}
