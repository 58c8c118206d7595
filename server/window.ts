/**
 * For large documents, features that only need the neighbourhood of the cursor (completion,
 * hover) work on a window: the unit around the cursor (an item of a spec array, a member of
 * metadata…), found from the last validation's unit boundaries carried through the edits since
 * (the text may not parse while typing). vscode-json-languageservice sees the window wrapped in
 * the path that leads to it, so its schema lookups are the same as in the whole document.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver';
import { changedRegion, type ValidationSnapshot } from '../core/incremental';
import type { FormatVersion } from '../core/formats';
import { pointerToPath } from '../core/jsonc/pointer';

/** Below this size the whole document is used; above it, a window. */
export const WINDOW_THRESHOLD = 256 * 1024;

export interface DocumentWindow {
  /** The unit's text in the current document. */
  text: string;
  /** Offset of the window in the current document. */
  start: number;
  /** JSON path from the document root to the unit. */
  path: (string | number)[];
  /** The window wrapped in its path, as a small document, and where the window starts in it. */
  view: TextDocument;
  viewStart: number;
}

/** The window holding `offset` in `document`, or undefined (small document, or the edits since the last validation span units). */
export function windowAt(document: TextDocument, snapshot: ValidationSnapshot | undefined, offset: number, viewUri: (format: FormatVersion) => string): DocumentWindow | undefined {
  const text = document.getText();
  const format = snapshot?.result.format;
  if (text.length < WINDOW_THRESHOLD || !snapshot || !format || snapshot.units.length === 0) return undefined;
  const { start: changeStart, oldEnd } = changedRegion(snapshot.text, text);
  const delta = text.length - snapshot.text.length;
  const changed = snapshot.text !== text;
  // Units in current coordinates: before the change unchanged, the one holding it grown, after it shifted.
  let found: { pointer: string; start: number; end: number } | undefined;
  for (const unit of snapshot.units) {
    let start = unit.start;
    let end = unit.end;
    if (changed) {
      if (unit.end <= changeStart) {
        // before the change
      } else if (unit.start >= oldEnd) {
        start += delta;
        end += delta;
      } else if (unit.start < changeStart && oldEnd < unit.end) {
        end += delta;
      } else {
        continue; // the change reaches this unit's edge: its bounds are unknown
      }
    }
    if (start <= offset && offset <= end) {
      found = { pointer: unit.pointer, start, end };
      break;
    }
  }
  if (!found) return undefined;
  const path = pointerToPath(found.pointer);
  let prefix = '';
  let suffix = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      prefix += '[';
      suffix = `]${suffix}`;
    } else {
      prefix += `{${JSON.stringify(segment)}:`;
      suffix = `}${suffix}`;
    }
  }
  const windowText = text.slice(found.start, found.end);
  const view = TextDocument.create(viewUri(format), 'jsonc', document.version, `${prefix}${windowText}${suffix}`);
  return { text: windowText, start: found.start, path, view, viewStart: prefix.length };
}

/** A position in the window's view, for a position in the document. */
export function toView(window: DocumentWindow, document: TextDocument, position: Position): Position {
  return window.view.positionAt(window.viewStart + document.offsetAt(position) - window.start);
}

/** A range in the document, for a range in the window's view. */
export function fromView(window: DocumentWindow, document: TextDocument, range: Range): Range {
  const map = (p: Position): Position => document.positionAt(window.start + window.view.offsetAt(p) - window.viewStart);
  return { start: map(range.start), end: map(range.end) };
}
