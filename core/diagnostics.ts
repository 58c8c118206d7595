/**
 * Diagnostics: every problem found in a manifest, with a stable code. The table below is the one
 * place codes are declared; docs/diagnostics.md lists them for users and a test keeps the two equal.
 */
import type { Range } from './lineIndex';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export const DIAGNOSTIC_CODES = {
  // The text itself
  'invalid-json': 'error',
  'duplicate-key': 'error',
  'reserved-key': 'error',
  'trailing-comma': 'warning',
  'nesting-too-deep': 'error',
  // Which format the document is
  'not-an-object': 'error',
  'missing-api-version': 'error',
  'unknown-api-version': 'error',
  'wrong-language': 'error',
  'outdated-format': 'warning',
  // Schema
  'unknown-property': 'error',
  'missing-property': 'error',
  'invalid-type': 'error',
  'invalid-value': 'error',
  'unknown-kind': 'error',
  'conflicting-properties': 'error',
  'missing-alternative': 'error',
  'invalid-length': 'error',
  'duplicate-item': 'error',
  'deprecated-field': 'warning',
  // Meaning
  'duplicate-id': 'error',
  'unresolved-reference': 'error',
  'unknown-variant': 'error',
  'tensor-size-mismatch': 'error',
  'tensor-shape-mismatch': 'error',
  'unknown-tensor': 'error',
  'tensor-type-mismatch': 'error',
  'undeclared-placeholder': 'error',
  'unused-argument': 'error',
  'invalid-template': 'error',
  'invalid-patch': 'error',
  'revision-conflict': 'error',
  'missing-digest': 'warning',
  'missing-apply-field': 'information',
  'manifest-expired': 'error',
  'unknown-target': 'warning',
  'rollout-order': 'warning',
  'ignored-field': 'warning',
  // Local files (checked asynchronously)
  'artifact-not-found': 'error',
  'artifact-size-mismatch': 'error',
  'digest-mismatch': 'error',
  'artifact-outside-roots': 'error',
  'artifact-unreadable': 'error',
  'invalid-knowledge-row': 'error',
  // The file itself, before any text (reloadctl)
  'unreadable-file': 'error',
} as const satisfies Record<string, Severity>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export type DiagnosticTag = 'deprecated' | 'unnecessary';

/** A problem in a manifest, positioned for the editor and addressed by JSON pointer. */
export interface ManifestDiagnostic {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  /** LSP range: 0-based lines and UTF-16 characters. */
  range: Range;
  /** JSON pointer (RFC 6901) of the value concerned; '' is the whole document. */
  pointer: string;
  tags?: DiagnosticTag[];
  /** What a quick fix needs to know (e.g. the missing property and a value to insert). */
  data?: Record<string, unknown>;
}

/**
 * Which part of the text a finding marks. `key`: the property name (the value for array elements
 * and the root); `value`: the whole value; `start`: the key of the object, or its opening brace when
 * it has none; `substring`: characters `start..start+length` of a string value's decoded content.
 */
export type FindingTarget = 'key' | 'value' | 'start' | { substring: [start: number, length: number] };

/** A diagnostic before its range is known; checks produce these and `resolveFindings` positions them. */
export interface Finding {
  code: DiagnosticCode;
  message: string;
  pointer: string;
  target: FindingTarget;
  /** Overrides the code's default severity (rarely needed). */
  severity?: Severity;
  tags?: DiagnosticTag[];
  data?: Record<string, unknown>;
}

export function finding(
  code: DiagnosticCode,
  pointer: string,
  target: FindingTarget,
  message: string,
  extra?: Pick<Finding, 'severity' | 'tags' | 'data'>,
): Finding {
  return { code, pointer, target, message, ...extra };
}

export function severityOf(f: Pick<Finding, 'code' | 'severity'>): Severity {
  return f.severity ?? DIAGNOSTIC_CODES[f.code];
}
