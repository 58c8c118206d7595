/**
 * Comments of a JSONC document, attached to the property they belong to, so a migration that
 * rewrites the structure can put each comment back beside the field it described.
 */
import { visit } from 'jsonc-parser';
import { childPointer } from '../jsonc/pointer';
import { LineIndex } from '../lineIndex';

export interface AttachedComments {
  /** Comments on the lines before the property. */
  leading: string[];
  /** A comment on the same line, after the property's value. */
  trailing: string[];
}

/** Comments at the top of the document, kept at the top through every migration. */
export const HEADER = '#header';

/** Pointer of a property (or '' for comments that belong to no property) to its comments. */
export type CommentMap = Map<string, AttachedComments>;

export function collectComments(text: string): CommentMap {
  const comments: CommentMap = new Map();
  const attach = (pointer: string, where: keyof AttachedComments, comment: string): void => {
    let entry = comments.get(pointer);
    if (!entry) comments.set(pointer, (entry = { leading: [], trailing: [] }));
    entry[where].push(comment);
  };
  const lines = new LineIndex(text);
  const lineOf = (offset: number): number => lines.positionAt(offset).line;
  let pending: string[] = [];
  let lastProperty: { pointer: string; line: number } | undefined;
  let lastValueEndLine = -1;
  visit(
    text,
    {
      onObjectProperty: (property, _offset, _length, startLine, _startCharacter, pathSupplier) => {
        const path = pathSupplier();
        let parent = '';
        for (const segment of path) parent = childPointer(parent, segment);
        const pointer = childPointer(parent, property);
        // Comments before the root's first property describe the whole document.
        const owner = path.length === 0 && lastProperty === undefined ? HEADER : pointer;
        for (const comment of pending) attach(owner, 'leading', comment);
        pending = [];
        lastProperty = { pointer, line: startLine };
      },
      onLiteralValue: (_value, offset) => {
        lastValueEndLine = lineOf(offset);
      },
      onObjectEnd: (offset) => {
        lastValueEndLine = lineOf(offset);
      },
      onArrayEnd: (offset) => {
        lastValueEndLine = lineOf(offset);
      },
      onComment: (offset, length, startLine) => {
        const comment = text.slice(offset, offset + length);
        if (lastProperty && startLine === lastValueEndLine && pending.length === 0) attach(lastProperty.pointer, 'trailing', comment);
        else pending.push(comment);
      },
    },
    { disallowComments: false, allowTrailingComma: true },
  );
  for (const comment of pending) attach('', 'trailing', comment);
  return comments;
}


/** Moves comments to the pointers a migration step moved their properties to; the rest go to the top. */
export function moveComments(comments: CommentMap, moved: ReadonlyMap<string, string>): CommentMap {
  const result: CommentMap = new Map();
  for (const [pointer, entry] of comments) {
    const target = pointer === '' || pointer === HEADER ? pointer : (moved.get(pointer) ?? movedParent(pointer, moved) ?? '#top');
    const existing = result.get(target) ?? { leading: [], trailing: [] };
    existing.leading.push(...entry.leading);
    existing.trailing.push(...entry.trailing);
    result.set(target, existing);
  }
  return result;
}

/** A property inside a moved value moves with it. */
function movedParent(pointer: string, moved: ReadonlyMap<string, string>): string | undefined {
  for (let cut = pointer.lastIndexOf('/'); cut > 0; cut = pointer.lastIndexOf('/', cut - 1)) {
    const to = moved.get(pointer.slice(0, cut));
    if (to !== undefined) return to + pointer.slice(cut);
  }
  return undefined;
}
