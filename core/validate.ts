/**
 * Validation of a manifest's text: syntax, format version, schema and meaning, as positioned
 * diagnostics. Synchronous and free of I/O, so the language server can run it on every keystroke;
 * the checks that read local files are in localFiles.ts. Editors and the CLI reach both through
 * the manifest service (service.ts).
 */
import { analyseManifest } from './analysis';
import type { Finding, ManifestDiagnostic } from './diagnostics';
import { detectFormat, type FormatVersion, type LanguageId } from './formats';
import { parseJsonc } from './jsonc/parse';
import { LineIndex } from './lineIndex';
import type { ManifestModel } from './model/types';
import { resolveFindings, syntaxDiagnostics } from './positions';
import { schemaFindings } from './schemaValidation';
import type { SemanticOptions } from './semantic/common';
import type { JsonObject } from './jsonc/read';

export interface ValidateOptions extends Partial<SemanticOptions> {
  /** From the file name (`*.reload.json`, `*.mcp-context.json`); without it the content decides. */
  languageId?: LanguageId;
}

export interface ValidationResult {
  diagnostics: ManifestDiagnostic[];
  /** The format version the document was validated against. */
  format?: FormatVersion;
  /** The parsed document; undefined when the text does not parse. */
  value?: unknown;
  /** What the document says, read while validating (absent when the format is unknown). */
  model?: ManifestModel;
}

/** The semantic options with their defaults (now). */
export function semanticOptions(options: Partial<SemanticOptions>): SemanticOptions {
  return { now: options.now ?? new Date(), knownTargets: options.knownTargets, knownModels: options.knownModels, cache: options.cache };
}

/** Without an apiVersion a document is checked as the version it was taken for; the missing field is reported once, by detectFormat. */
export function withAssumedVersion(value: JsonObject, format: FormatVersion): JsonObject {
  return value.apiVersion === undefined && !format.legacy ? { ...value, apiVersion: format.apiVersion } : value;
}

export function validateManifest(text: string, options: ValidateOptions = {}): ValidationResult {
  const parsed = parseJsonc(text);
  let lines: LineIndex | undefined;
  const lineIndex = (): LineIndex => (lines ??= new LineIndex(text));
  const diagnostics = parsed.problems.length > 0 ? syntaxDiagnostics(text, parsed.problems, lineIndex()) : [];
  if (!parsed.ok) return { diagnostics };

  const detected = detectFormat(parsed.value, options.languageId);
  const findings: Finding[] = [...detected.findings];
  const format = detected.format;
  let model: ManifestModel | undefined;
  if (format) {
    const checked = withAssumedVersion(parsed.value as JsonObject, format);
    findings.push(...schemaFindings(checked, format));
    const analysis = analyseManifest(checked, format, semanticOptions(options));
    model = analysis.model;
    findings.push(...analysis.findings);
  }
  if (findings.length > 0) diagnostics.push(...resolveFindings(text, findings, lineIndex()));
  return { diagnostics: sortDiagnostics(diagnostics), format, value: parsed.value, model };
}

const SEVERITY_ORDER = { error: 0, warning: 1, information: 2, hint: 3 } as const;

export function sortDiagnostics(diagnostics: ManifestDiagnostic[]): ManifestDiagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      compareText(a.code, b.code) ||
      compareText(a.pointer, b.pointer) ||
      compareText(a.message, b.message),
  );
}

/** Code-unit order: stable across locales, and much cheaper than localeCompare on 20,000 diagnostics. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function hasErrors(diagnostics: readonly ManifestDiagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
