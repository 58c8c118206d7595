/**
 * Reading a Config change's `source` file: strict JSON under the manifest's own rules (no
 * duplicate keys, no "__proto__", at most MAX_DEPTH deep). Errors give the line and column and
 * never quote the file: the agent reads files named by manifests from the network.
 */
import { MAX_DEPTH, parseJsonc, type SyntaxCode } from '../jsonc/parse';
import { scanStrictJson } from '../jsonc/strictScan';
import { LineIndex } from '../lineIndex';
import { ReloadStepError } from '../errors';

const WHY: Record<SyntaxCode, string> = {
  'invalid-json': 'a JSON syntax error',
  'duplicate-key': 'a key that appears twice in one object',
  'reserved-key': 'the reserved key "__proto__"',
  'trailing-comma': 'a trailing comma, which JSON does not allow',
  'nesting-too-deep': `nesting deeper than ${MAX_DEPTH} levels`,
};

/** `pointer` is the change's `source`. */
export function parseConfigSource(text: string, uri: string, pointer: string): unknown {
  let value: unknown;
  let problem: { code: SyntaxCode; offset: number } | undefined;
  try {
    value = JSON.parse(text);
    const scan = scanStrictJson(text, MAX_DEPTH);
    problem = scan.tooDeepAt >= 0 ? { code: 'nesting-too-deep', offset: scan.tooDeepAt } : scan.problems.find((p) => p.severity === 'error');
  } catch {
    // JSON.parse's message quotes the text; the JSONC parser finds where it breaks.
    problem = parseJsonc(text).problems[0];
    if (!problem) throw new ReloadStepError('ConfigInvalid', `${uri} is not JSON: it holds comments, which JSON does not allow.`, `${pointer}/uri`);
  }
  if (problem) {
    const { line, character } = new LineIndex(text).positionAt(problem.offset);
    throw new ReloadStepError('ConfigInvalid', `${uri} is not a usable JSON config: line ${line + 1}, column ${character + 1} has ${WHY[problem.code]}.`, `${pointer}/uri`);
  }
  return value;
}
