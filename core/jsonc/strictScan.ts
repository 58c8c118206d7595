/**
 * The checks `JSON.parse` does not make, for text it accepted: duplicate keys and nesting depth.
 * One pass over the text that builds nothing but the keys of the object it is in, so strict JSON
 * (the common case for generated manifests) is parsed natively and still checked like JSONC.
 */
import type { SyntaxProblem } from './parse';
import { stringEnd } from './scan';

/** Above this many keys an object's keys are tracked in a Set instead of scanned linearly. */
const LINEAR_KEYS = 32;

export interface StrictScan {
  problems: SyntaxProblem[];
  /** Offset where the nesting went deeper than allowed, or -1. */
  tooDeepAt: number;
}

export function scanStrictJson(text: string, maxDepth: number): StrictScan {
  const problems: SyntaxProblem[] = [];
  const keys: string[] = [];
  // Per open container: where its keys start in `keys` (-1 for arrays), and a Set for big objects.
  const starts: number[] = [];
  const sets: (Set<string> | undefined)[] = [];
  let inObject = false;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const end = stringEnd(text, i);
      let next = end;
      if (inObject) {
        while (next < length) {
          const w = text.charCodeAt(next);
          if (w !== 32 && w !== 10 && w !== 13 && w !== 9) break;
          next++;
        }
      }
      if (inObject && text.charCodeAt(next) === 58 /* : */) {
        const raw = text.slice(i + 1, end - 1);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
        const top = starts.length - 1;
        const start = starts[top];
        let set = sets[top];
        let duplicate: boolean;
        if (set) {
          duplicate = set.has(key);
          set.add(key);
        } else {
          duplicate = false;
          for (let k = start; k < keys.length; k++) {
            if (keys[k] === key) {
              duplicate = true;
              break;
            }
          }
          keys.push(key);
          if (keys.length - start > LINEAR_KEYS) sets[top] = set = new Set(keys.slice(start));
        }
        if (duplicate) {
          problems.push({
            code: 'duplicate-key',
            severity: 'error',
            message: `Duplicate key "${key}": readers disagree on which value wins; keep one.`,
            offset: i,
            length: end - i,
          });
        }
        i = next;
      } else {
        i = end - 1;
      }
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (starts.length >= maxDepth) return { problems, tooDeepAt: i };
      starts.push(c === 123 ? keys.length : -1);
      sets.push(undefined);
      inObject = c === 123;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      const start = starts.pop() ?? -1;
      sets.pop();
      if (start >= 0) keys.length = start;
      inObject = starts.length > 0 && starts[starts.length - 1] >= 0;
    }
  }
  return { problems, tooDeepAt: -1 };
}
