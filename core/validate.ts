/**
 * Validation of a manifest's text: syntax, format version, schema and meaning, as positioned
 * diagnostics. Synchronous and free of I/O, so the language server can run it on every keystroke;
 * checks that read local files are in `checkLocalFiles`.
 */
import type { Finding, ManifestDiagnostic } from './diagnostics';
import { checkDeprecations } from './deprecations';
import { detectFormat, type FormatVersion, type LanguageId } from './formats';
import { parseJsonc } from './jsonc/parse';
import { LineIndex } from './lineIndex';
import { checkLocalFiles, type FileHost } from './localFiles';
import { resolveFindings, syntaxDiagnostics } from './positions';
import { schemaFindings } from './schemaValidation';
import type { SemanticOptions } from './semantic/common';
import { checkContextManifest } from './semantic/contextManifest';
import { checkMetadata } from './semantic/metadata';
import type { JsonObject } from './semantic/read';
import { checkReloadManifest } from './semantic/reloadManifest';

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
  if (format) {
    // Without an apiVersion the document is checked as the version it was taken for; the missing
    // field is reported once, by detectFormat.
    const value = parsed.value as JsonObject;
    const checked = value.apiVersion === undefined && !format.legacy ? { ...value, apiVersion: format.apiVersion } : value;
    findings.push(...analyse(checked, format, options));
  }
  if (findings.length > 0) diagnostics.push(...resolveFindings(text, findings, lineIndex()));
  return { diagnostics: sortDiagnostics(diagnostics), format, value: parsed.value };
}

/** Schema and semantic findings for a document of a known format version. */
function analyse(value: JsonObject, format: FormatVersion, options: Partial<SemanticOptions> = {}): Finding[] {
  const findings = schemaFindings(value, format);
  if (format.legacy) return findings;
  const semantic: SemanticOptions = { now: options.now ?? new Date(), knownTargets: options.knownTargets, knownModels: options.knownModels };
  findings.push(...checkMetadata(value, semantic));
  findings.push(...checkDeprecations(value, format.apiVersion));
  findings.push(...(format.languageId === 'reload-manifest' ? checkReloadManifest(value, semantic) : checkContextManifest(value, semantic)));
  return findings;
}

const SEVERITY_ORDER = { error: 0, warning: 1, information: 2, hint: 3 } as const;

export function sortDiagnostics(diagnostics: ManifestDiagnostic[]): ManifestDiagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.code.localeCompare(b.code) ||
      a.pointer.localeCompare(b.pointer) ||
      a.message.localeCompare(b.message),
  );
}

export function hasErrors(diagnostics: readonly ManifestDiagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}


/** Diagnostics from the files the manifest points at (see `checkLocalFiles`), positioned in `text`. */
export async function localFileDiagnostics(text: string, result: ValidationResult, host: FileHost): Promise<ManifestDiagnostic[]> {
  if (!result.format || result.value === undefined) return [];
  const findings = await checkLocalFiles(result.value, result.format, host);
  return findings.length > 0 ? resolveFindings(text, findings, new LineIndex(text)) : [];
}
