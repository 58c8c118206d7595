/**
 * A fast JSONC (JSON with comments) parser that produces plain values.
 *
 * Why our own: the validator's budget is a small multiple of `JSON.parse`, and general-purpose JSONC
 * parsers that build a node tree cost 4-6x that. Positions are not recorded here; diagnostics find
 * their ranges afterwards with `locatePointers`, which only walks the paths it is asked about.
 *
 * Accepts `//` and block comments and trailing commas (reported as warnings, the way VS Code treats
 * JSONC). Reports the first syntax error with its offset and stops: a document that does not parse
 * gets no schema diagnostics, because a partial value would produce misleading ones.
 */

import { skipTrivia as skipTriviaAt, unterminatedCommentAt } from './scan';
import { reservedKey, scanStrictJson } from './strictScan';
import type { SyntaxProblem } from './syntaxProblem';

export type { SyntaxCode, SyntaxProblem } from './syntaxProblem';

export interface ParsedJson {
  /** The parsed value; `undefined` when the text has a syntax error. */
  value: unknown;
  problems: SyntaxProblem[];
  /** True when the text parsed (warnings such as trailing commas allowed). */
  ok: boolean;
}

/** Deeper documents are refused rather than risking the stack; no manifest nests this deep. */
export const MAX_DEPTH = 256;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const CONTROL = /[\u0000-\u001f]/g;
const HEX4 = /^[0-9a-fA-F]{4}$/;

class SyntaxAbort {
  constructor(readonly problem: SyntaxProblem) {}
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Parses JSONC. `depth` is how deep the text sits in an enclosing document (incremental
 * validation parses one unit of a manifest at a time): nesting is limited for the whole document.
 */
export function parseJsonc(text: string, depth = 0): ParsedJson {
  // Strict JSON goes through the native parser (several times faster); the scan adds what it
  // does not check. Anything else (comments, trailing commas, errors) takes the JSONC parser.
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return parseJsoncText(text, depth);
  }
  const scan = scanStrictJson(text, MAX_DEPTH - depth);
  if (scan.tooDeepAt >= 0) return { value: undefined, problems: [tooDeep(scan.tooDeepAt)], ok: false };
  return { value, problems: scan.problems, ok: true };
}

function tooDeep(offset: number): SyntaxProblem {
  return { code: 'nesting-too-deep', severity: 'error', message: `The document nests deeper than ${MAX_DEPTH} levels; flatten it.`, offset, length: 1 };
}

function parseJsoncText(text: string, baseDepth: number): ParsedJson {
  const problems: SyntaxProblem[] = [];
  const length = text.length;
  let pos = 0;
  let nextBackslash = -1;
  let nextControl = -1;

  function fail(message: string, offset: number, len = 1): never {
    throw new SyntaxAbort({
      code: 'invalid-json',
      severity: 'error',
      message,
      offset: Math.min(offset, length),
      length: offset >= length ? 0 : len,
    });
  }

  function describe(offset: number): string {
    if (offset >= length) return 'the end of the file';
    const c = text[offset];
    return c === '\n' || c === '\r' ? 'a line break' : `'${c}'`;
  }

  function skipTrivia(): void {
    const next = skipTriviaAt(text, pos);
    if (next < 0) fail('Unterminated block comment: add "*/" to close it.', unterminatedCommentAt(next), 2);
    pos = next;
    if (text.charCodeAt(pos) === 47 /* / */) fail(`Unexpected '/': comments start with "//" or "/*".`, pos);
  }

  function readString(): string {
    const quote = pos;
    const start = pos + 1;
    const end = text.indexOf('"', start);
    if (end < 0) fail('Unterminated string: add the closing \'"\'.', quote, length - quote);
    if (nextBackslash < start && nextBackslash !== Infinity) {
      const b = text.indexOf('\\', start);
      nextBackslash = b < 0 ? Infinity : b;
    }
    if (nextControl < start && nextControl !== Infinity) {
      CONTROL.lastIndex = start;
      const m = CONTROL.exec(text);
      nextControl = m ? m.index : Infinity;
    }
    if (nextBackslash > end) {
      if (nextControl < end) {
        fail('Control characters (such as a line break or tab) must be escaped inside strings, e.g. "\\n" or "\\t".', nextControl);
      }
      pos = end + 1;
      return text.slice(start, end);
    }
    return readEscapedString(start);
  }

  function readEscapedString(start: number): string {
    let out = '';
    let chunk = start;
    let i = start;
    for (;;) {
      if (i >= length) fail('Unterminated string: add the closing \'"\'.', start - 1, length - start + 1);
      const c = text.charCodeAt(i);
      if (c === 34 /* " */) {
        out += text.slice(chunk, i);
        pos = i + 1;
        return out;
      }
      if (c < 32) {
        fail('Control characters (such as a line break or tab) must be escaped inside strings, e.g. "\\n" or "\\t".', i);
      }
      if (c !== 92 /* \ */) {
        i++;
        continue;
      }
      out += text.slice(chunk, i);
      const e = text[i + 1];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(i + 2, i + 6);
          if (!HEX4.test(hex)) fail('Invalid unicode escape: "\\u" must be followed by four hex digits.', i, 2 + hex.length);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          fail(`Invalid escape "\\${e ?? ''}" in string: valid escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX.`, i, 2);
      }
      i += 2;
      chunk = i;
    }
  }

  function parseValue(depth: number): unknown {
    skipTrivia();
    if (pos >= length) fail('Unexpected end of file: a value is missing.', pos);
    const c = text.charCodeAt(pos);
    switch (c) {
      case 123 /* { */: return parseObject(depth + 1);
      case 91 /* [ */: return parseArray(depth + 1);
      case 34 /* " */: return readString();
      case 116 /* t */: return literal('true', true);
      case 102 /* f */: return literal('false', false);
      case 110 /* n */: return literal('null', null);
      default: {
        if (c === 45 || (c >= 48 && c <= 57)) {
          NUMBER.lastIndex = pos;
          if (NUMBER.test(text)) {
            const start = pos;
            pos = NUMBER.lastIndex;
            return Number(text.slice(start, pos));
          }
        }
        if (c === 39 /* ' */) fail('Strings must use double quotes (").', pos);
        return fail(`Unexpected ${describe(pos)}: expected a value (object, array, string, number, true, false or null).`, pos);
      }
    }
  }

  function literal<T>(word: string, value: T): T {
    if (!text.startsWith(word, pos)) {
      fail(`Unexpected ${describe(pos)}: expected a value (object, array, string, number, true, false or null).`, pos);
    }
    pos += word.length;
    return value;
  }

  function checkDepth(depth: number): void {
    if (depth > MAX_DEPTH) throw new SyntaxAbort(tooDeep(pos));
  }

  function trailingComma(commaAt: number): void {
    problems.push({
      code: 'trailing-comma',
      severity: 'warning',
      message: 'Trailing comma: remove it (strict JSON readers reject it).',
      offset: commaAt,
      length: 1,
    });
  }

  function parseObject(depth: number): Record<string, unknown> {
    checkDepth(depth);
    const obj: Record<string, unknown> = {};
    pos++;
    skipTrivia();
    if (text.charCodeAt(pos) === 125 /* } */) {
      pos++;
      return obj;
    }
    for (;;) {
      if (text.charCodeAt(pos) !== 34) {
        fail(
          pos >= length
            ? "Unexpected end of file: add the missing '}'."
            : `Unexpected ${describe(pos)}: expected a property name in double quotes.`,
          pos,
        );
      }
      const keyAt = pos;
      const key = readString();
      const keyEnd = pos;
      skipTrivia();
      if (text.charCodeAt(pos) !== 58 /* : */) fail(`Expected ':' after the property name, found ${describe(pos)}.`, pos);
      pos++;
      const value = parseValue(depth);
      if (hasOwn.call(obj, key)) {
        problems.push({
          code: 'duplicate-key',
          severity: 'error',
          message: `Duplicate key "${key}": readers disagree on which value wins; keep one.`,
          offset: keyAt,
          length: keyEnd - keyAt,
        });
      }
      if (key === '__proto__') {
        problems.push(reservedKey(keyAt, keyEnd - keyAt));
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        obj[key] = value;
      }
      skipTrivia();
      const c = text.charCodeAt(pos);
      if (c === 44 /* , */) {
        const commaAt = pos;
        pos++;
        skipTrivia();
        if (text.charCodeAt(pos) === 125) {
          trailingComma(commaAt);
          pos++;
          return obj;
        }
      } else if (c === 125) {
        pos++;
        return obj;
      } else {
        fail(
          pos >= length
            ? "Unexpected end of file: add the missing '}'."
            : `Expected ',' or '}' after the value of "${key}", found ${describe(pos)}.`,
          pos,
        );
      }
    }
  }

  function parseArray(depth: number): unknown[] {
    checkDepth(depth);
    const arr: unknown[] = [];
    pos++;
    skipTrivia();
    if (text.charCodeAt(pos) === 93 /* ] */) {
      pos++;
      return arr;
    }
    for (;;) {
      arr.push(parseValue(depth));
      skipTrivia();
      const c = text.charCodeAt(pos);
      if (c === 44) {
        const commaAt = pos;
        pos++;
        skipTrivia();
        if (text.charCodeAt(pos) === 93) {
          trailingComma(commaAt);
          pos++;
          return arr;
        }
      } else if (c === 93) {
        pos++;
        return arr;
      } else {
        fail(
          pos >= length
            ? "Unexpected end of file: add the missing ']'."
            : `Expected ',' or ']' after an array element, found ${describe(pos)}.`,
          pos,
        );
      }
    }
  }

  try {
    skipTrivia();
    if (pos >= length) fail('The document is empty: a manifest is a JSON object.', 0, 0);
    const value = parseValue(baseDepth);
    skipTrivia();
    if (pos < length) fail(`Unexpected ${describe(pos)} after the end of the document.`, pos);
    return { value, problems, ok: true };
  } catch (e) {
    if (!(e instanceof SyntaxAbort)) throw e;
    problems.push(e.problem);
    return { value: undefined, problems, ok: false };
  }
}
