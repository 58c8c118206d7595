/**
 * Patterns from manifests (a config schema's `pattern` and `patternProperties`) run on RE2
 * (re2js, pure JavaScript): matching time is linear in the input, so no pattern can backtrack
 * catastrophically. RE2 has no backreferences or lookaround; such patterns are refused with a
 * message that says so, instead of silently matching something else.
 */
import { RE2JS, RE2JSException } from 're2js';
import type { RegExpEngine } from 'ajv/dist/types';

export type PatternCheck = { ok: true; regExp: RE2JS } | { ok: false; why: string };

/** Where an ECMAScript pattern uses what RE2 cannot run: the first backreference or lookaround. */
function unsupportedConstruct(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (!inClass && ((next >= '1' && next <= '9') || next === 'k')) return `a backreference (character ${i + 1})`;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(' && pattern[i + 1] === '?') {
      const [a, b] = [pattern[i + 2], pattern[i + 3]];
      if (a === '=' || a === '!') return `a lookahead (character ${i + 1})`;
      if (a === '<' && (b === '=' || b === '!')) return `a lookbehind (character ${i + 1})`;
    }
  }
  return undefined;
}

/**
 * Compiles a JSON Schema pattern (ECMA-262 syntax, as ajv reads it with the `u` flag) for RE2.
 * The syntax check builds a RegExp but never runs it: parsing is linear, only matching backtracks.
 */
export function compileLinearPattern(pattern: string): PatternCheck {
  try {
    new RegExp(pattern, 'u');
  } catch (e) {
    return { ok: false, why: `it is not a valid regular expression (${e instanceof Error ? e.message : String(e)})` };
  }
  const construct = unsupportedConstruct(pattern);
  if (construct !== undefined) return { ok: false, why: `it uses ${construct}, which the linear-time engine (RE2) cannot run: rewrite it without backreferences or lookaround` };
  try {
    return { ok: true, regExp: RE2JS.compile(RE2JS.translateRegExp(pattern)) };
  } catch (e) {
    if (!(e instanceof RE2JSException)) throw e;
    return { ok: false, why: `the linear-time engine (RE2) refuses it: ${e.message}` };
  }
}

/**
 * ajv's `code.regExp` engine on RE2. `compiled` holds the patterns already checked (each is
 * compiled once); any other pattern is compiled here and a failure is a compile error of the schema.
 * The RE2JS object is returned itself: ajv keys its pattern cache by `toString()`, which is the pattern.
 */
export function linearRegExpEngine(compiled: ReadonlyMap<string, RE2JS>): RegExpEngine {
  const engine = (pattern: string): RE2JS => {
    const known = compiled.get(pattern);
    if (known) return known;
    const check = compileLinearPattern(pattern);
    if (!check.ok) throw new Error(`pattern "${pattern}": ${check.why}`);
    return check.regExp;
  };
  // Only read by ajv's standalone code generation, which the runtime does not use.
  engine.code = 'require("re2js").RE2JS.compile';
  return engine;
}
