/** Core diagnostics as LSP diagnostics. */
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver';
import type { ManifestDiagnostic } from '../core/diagnostics';

const SEVERITY = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
} as const;

const TAG = { deprecated: DiagnosticTag.Deprecated, unnecessary: DiagnosticTag.Unnecessary } as const;

export const DIAGNOSTIC_SOURCE = 'tracing-reload';

export function toLspDiagnostic(d: ManifestDiagnostic): Diagnostic {
  const diagnostic: Diagnostic = { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: DIAGNOSTIC_SOURCE, message: d.message, data: { pointer: d.pointer, ...d.data } };
  if (d.tags) diagnostic.tags = d.tags.map((t) => TAG[t]);
  return diagnostic;
}
