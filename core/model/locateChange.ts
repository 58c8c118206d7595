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
 * The span of the value at each pointer; when a pointer is not in the text (a field the manifest
 * lacks), the nearest ancestor that is. Absent only when nothing on the path is. One pass over the
 * text for all of them: inline results locate every change of a manifest at once.
 */
export function locateNearest(text: string, pointers: Iterable<string>): Map<string, TextSpan> {
  const chains = new Map<string, string[]>();
  const candidates = new Set<string>();
  for (const pointer of pointers) {
    if (chains.has(pointer)) continue;
    const chain: string[] = [];
    for (let p = pointer; ; p = parentPointer(p)) {
      chain.push(p);
      candidates.add(p);
      if (p === '') break;
    }
    chains.set(pointer, chain);
  }
  const found = locatePointers(text, candidates);
  const spans = new Map<string, TextSpan>();
  for (const [pointer, chain] of chains) {
    const at = chain.map((candidate) => found.get(candidate)).find((location) => location !== undefined);
    if (at) spans.set(pointer, { start: at.keyStart >= 0 ? at.keyStart : at.valueStart, end: at.valueEnd });
  }
  return spans;
}

/** `locateNearest` for one pointer. */
export function locatePointer(text: string, pointer: string): TextSpan | undefined {
  return locateNearest(text, [pointer]).get(pointer);
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
