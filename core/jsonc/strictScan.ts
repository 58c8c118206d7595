/**
 * The checks `JSON.parse` does not make, for text it accepted: duplicate keys and nesting depth.
 * One pass over the text that allocates nothing for ordinary keys: keys are compared where they
 * stand in the text (by length, then character by character), so strict JSON (the common case
 * for generated manifests) is parsed natively and still checked like JSONC.
 */
import type { SyntaxProblem } from './syntaxProblem';
import { stringEnd } from './scan';

/**
 * `__proto__` is kept as an ordinary key, but JavaScript tools (validators among them) treat it
 * specially, so a manifest may not use it.
 */
export function reservedKey(offset: number, length: number): SyntaxProblem {
  return { code: 'reserved-key', severity: 'error', message: 'The key "__proto__" is reserved (JavaScript tools treat it specially): rename it.', offset, length };
}

/** Above this many keys an object's keys are tracked in a Set instead of compared pairwise. */
const LINEAR_KEYS = 32;

export interface StrictScan {
  problems: SyntaxProblem[];
  /** Offset where the nesting went deeper than allowed, or -1. */
  tooDeepAt: number;
}

/** Raw key text equality (both keys are free of escapes). */
function sameKey(text: string, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (text.charCodeAt(a + i) !== text.charCodeAt(b + i)) return false;
  return true;
}

/** A key's value: its raw text, or decoded when it has escapes (negative length). */
function decodeKey(text: string, starts: Int32Array, lengths: Int32Array, k: number): string {
  const start = starts[k];
  const raw = text.slice(start, start + Math.abs(lengths[k]));
  return lengths[k] < 0 ? (JSON.parse(`"${raw}"`) as string) : raw;
}

export function scanStrictJson(text: string, maxDepth: number): StrictScan {
  const problems: SyntaxProblem[] = [];
  // The keys of the open objects, as [start, length] of their raw text (between the quotes);
  // a negative length marks a key with escapes, compared decoded.
  let keyStarts = new Int32Array(1024);
  let keyLengths = new Int32Array(1024);
  let keyCount = 0;
  // Per open container: where its keys start (-1 for arrays), and a Set for big objects.
  const starts: number[] = [];
  const sets: (Set<string> | undefined)[] = [];
  let inObject = false;
  const length = text.length;
  // The next backslash at or after the current key, found once and reused until passed.
  let nextBackslash = -1;


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
        const rawStart = i + 1;
        const rawLength = end - 1 - rawStart;
        if (nextBackslash !== Infinity && nextBackslash < rawStart) {
          const found = text.indexOf('\\', rawStart);
          nextBackslash = found < 0 ? Infinity : found;
        }
        const escaped = nextBackslash < end - 1;
        const top = starts.length - 1;
        const first = starts[top];
        if (keyCount === keyStarts.length) {
          const grownStarts = new Int32Array(keyCount * 2);
          const grownLengths = new Int32Array(keyCount * 2);
          grownStarts.set(keyStarts);
          grownLengths.set(keyLengths);
          keyStarts = grownStarts;
          keyLengths = grownLengths;
        }
        keyStarts[keyCount] = rawStart;
        keyLengths[keyCount] = escaped ? -rawLength : rawLength;
        let duplicate = false;
        let set = sets[top];
        if (set) {
          const key = decodeKey(text, keyStarts, keyLengths, keyCount);
          duplicate = set.has(key);
          set.add(key);
        } else {
          for (let k = first; k < keyCount; k++) {
            const other = keyLengths[k];
            if (!escaped && other === rawLength ? sameKey(text, keyStarts[k], rawStart, rawLength) : (escaped || other < 0) && decodeKey(text, keyStarts, keyLengths, k) === decodeKey(text, keyStarts, keyLengths, keyCount)) {
              duplicate = true;
              break;
            }
          }
          if (keyCount + 1 - first > LINEAR_KEYS) {
            set = new Set<string>();
            for (let k = first; k <= keyCount; k++) set.add(decodeKey(text, keyStarts, keyLengths, k));
            sets[top] = set;
          }
        }
        keyCount++;
        if ((escaped || rawLength === 9) && decodeKey(text, keyStarts, keyLengths, keyCount - 1) === '__proto__') problems.push(reservedKey(i, end - i));
        if (duplicate) {
          problems.push({
            code: 'duplicate-key',
            severity: 'error',
            message: `Duplicate key "${decodeKey(text, keyStarts, keyLengths, keyCount - 1)}": readers disagree on which value wins; keep one.`,
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
      starts.push(c === 123 ? keyCount : -1);
      sets.push(undefined);
      inObject = c === 123;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      const start = starts.pop() ?? -1;
      sets.pop();
      if (start >= 0) keyCount = start;
      inObject = starts.length > 0 && starts[starts.length - 1] >= 0;
    }
  }
  return { problems, tooDeepAt: -1 };
}
