/** Prints a migrated document as JSONC in the source's indentation, with its comments in place. */
import { childPointer } from '../jsonc/pointer';
import { HEADER, type CommentMap } from './comments';

export interface PrintStyle {
  indent: string;
  eol: string;
}

/** The indentation and line ending the source uses (two spaces and \n when it shows none). */
export function detectStyle(text: string): PrintStyle {
  const eol = text.includes('\r\n') ? '\r\n' : !text.includes('\n') && text.includes('\r') ? '\r' : '\n';
  const indented = /[\r\n]([ \t]+)\S/.exec(text);
  return { indent: indented ? indented[1] : '  ', eol };
}

export function printJsonc(value: unknown, style: PrintStyle, comments: CommentMap): string {
  const { indent, eol } = style;
  const out: string[] = [];
  const placed = new Set<string>(['', '#top', HEADER]);
  const leadingOf = (pointer: string): string[] => {
    placed.add(pointer);
    return comments.get(pointer)?.leading ?? [];
  };

  function print(node: unknown, pointer: string, depth: number): void {
    const pad = indent.repeat(depth + 1);
    const close = indent.repeat(depth);
    if (Array.isArray(node)) {
      if (node.length === 0) return void out.push('[]');
      if (node.every((item) => item === null || typeof item !== 'object')) return void out.push(`[${node.map((item) => JSON.stringify(item)).join(', ')}]`);
      out.push('[', eol);
      node.forEach((item, index) => {
        const child = childPointer(pointer, index);
        for (const comment of leadingOf(child)) out.push(pad, comment, eol);
        for (const comment of comments.get(child)?.trailing ?? []) out.push(pad, comment, eol);
        out.push(pad);
        print(item, child, depth + 1);
        out.push(index < node.length - 1 ? ',' : '', eol);
      });
      out.push(close, ']');
    } else if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node);
      if (keys.length === 0) return void out.push('{}');
      out.push('{', eol);
      if (pointer === '') for (const comment of comments.get(HEADER)?.leading ?? []) out.push(pad, comment, eol);
      keys.forEach((key, index) => {
        const child = childPointer(pointer, key);
        const attached = comments.get(child);
        for (const comment of leadingOf(child)) out.push(pad, comment, eol);
        out.push(pad, JSON.stringify(key), ': ');
        print((node as Record<string, unknown>)[key], child, depth + 1);
        out.push(index < keys.length - 1 ? ',' : '');
        for (const comment of attached?.trailing ?? []) out.push(' ', comment);
        out.push(eol);
      });
      out.push(close, '}');
    } else {
      out.push(JSON.stringify(node));
    }
  }

  print(value, '', 0);
  for (const comment of comments.get('')?.leading ?? []) out.push(eol, comment);
  for (const comment of comments.get('')?.trailing ?? []) out.push(eol, comment);
  out.push(eol);
  // Comments whose field has no place in the new document go to the top: never dropped.
  const unplaced: string[] = [];
  for (const [pointer, entry] of comments) {
    if (!placed.has(pointer) || pointer === '#top') for (const comment of [...entry.leading, ...entry.trailing]) unplaced.push(comment, eol);
  }
  return unplaced.join('') + out.join('');
}
