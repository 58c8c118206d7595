/**
 * Scanning primitives shared by the parser and the pointer locator. They never allocate and never
 * throw: a negative result means the text is malformed at that point and the caller reports it.
 */

/** Returned by `skipTrivia` when a block comment is not closed; the comment starts at `-result - 2`. */
export function unterminatedCommentAt(result: number): number {
  return -result - 2;
}

/**
 * Skips white space, `//` line comments and block comments from `pos`; returns the offset of the
 * next significant character (or `text.length`). An unclosed block comment yields a negative value
 * (see `unterminatedCommentAt`).
 */
export function skipTrivia(text: string, pos: number): number {
  const length = text.length;
  while (pos < length) {
    const c = text.charCodeAt(pos);
    if (c === 32 || c === 10 || c === 13 || c === 9) {
      pos++;
    } else if (c === 47 /* / */) {
      const n = text.charCodeAt(pos + 1);
      if (n === 47) {
        // A line comment ends at any line break: "\n", "\r\n" or a lone "\r".
        let end = pos + 2;
        while (end < length) {
          const d = text.charCodeAt(end);
          if (d === 10 || d === 13) break;
          end++;
        }
        pos = end < length ? end + 1 : length;
      } else if (n === 42 /* * */) {
        const end = text.indexOf('*/', pos + 2);
        if (end < 0) return -pos - 2;
        pos = end + 2;
      } else {
        return pos;
      }
    } else if (c === 0xfeff && pos === 0) {
      pos++;
    } else {
      return pos;
    }
  }
  return pos;
}

/**
 * Given the offset of an opening quote, returns the offset just past the closing quote, honouring
 * backslash escapes; -1 when the string is not closed.
 */
export function stringEnd(text: string, quote: number): number {
  let i = quote + 1;
  for (;;) {
    const end = text.indexOf('"', i);
    if (end < 0) return -1;
    let backslashes = 0;
    for (let j = end - 1; j > quote && text.charCodeAt(j) === 92; j--) backslashes++;
    if (backslashes % 2 === 0) return end + 1;
    i = end + 1;
  }
}
