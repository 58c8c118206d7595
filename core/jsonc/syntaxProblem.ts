/** What the parser and the strict scan report about the JSON text itself. */

export type SyntaxCode =
  | 'invalid-json'
  | 'duplicate-key'
  | 'reserved-key'
  | 'trailing-comma'
  | 'nesting-too-deep';

/** A problem in the JSON text itself; offsets are UTF-16 code-unit offsets into the text. */
export interface SyntaxProblem {
  code: SyntaxCode;
  severity: 'error' | 'warning';
  message: string;
  offset: number;
  length: number;
}
