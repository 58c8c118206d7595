/**
 * The manifest service: the one façade the language server, the CLI, the extension and the agent
 * validate through (like vscode-json-languageservice's `getLanguageService`). It owns the caches
 * (none live at module level in core), takes file access, the models around a manifest and the
 * clock as parameters, and offers full, incremental and local-file validation. Full and
 * incremental validation run the same analysis (analysis.ts).
 */
import { LANGUAGES, type LanguageId } from './formats';
import { updateSnapshot, validateWithSnapshot, type ValidationSnapshot } from './incremental';
import { parseJsonc } from './jsonc/parse';
import { LineIndex, type Position } from './lineIndex';
import { checkLocalFiles, type FileHost } from './localFiles';
import { detectFormat } from './formats';
import { readManifest } from './model/readManifest';
import type { ManifestDiagnostic } from './diagnostics';
import { resolveFindings } from './positions';
import { AnalysisCache } from './semantic/common';
import { validateManifest, type ValidateOptions, type ValidationResult } from './validate';

/** File access for local-file checks: a host per manifest (paths resolve against its folder). */
export interface FileAccess {
  /** `requester` names who asks (an editor's document URI), for hosts that track their callers. */
  hostFor(manifestPath: string, requester?: string): FileHost;
}

export interface ManifestServiceOptions {
  files?: FileAccess;
  /** Model references (`model:<id>`) an adapter's baseModel may name; undefined: not known, not checked. */
  knownModels?: () => ReadonlySet<string> | undefined;
  /** Configured target names; undefined: targets are not checked. */
  knownTargets?: () => readonly string[] | undefined;
  now?: () => Date;
}

export interface ManifestService {
  /** Full validation of a document's text. */
  validate(text: string, languageId?: LanguageId): ValidationResult;
  /** Full validation that also prepares incremental updates (see incremental.ts). */
  snapshot(text: string, languageId?: LanguageId, positionAt?: (offset: number) => Position): ValidationSnapshot;
  /** Validates the text of `previous` after an edit, reusing what the edit did not touch; `previous` is consumed. */
  update(previous: ValidationSnapshot, text: string, positionAt?: (offset: number) => Position): ValidationSnapshot;
  /** Diagnostics from the files the manifest at `manifestPath` names, positioned in `text`. */
  checkFiles(text: string, result: ValidationResult, manifestPath: string, options?: { signal?: AbortSignal; requester?: string }): Promise<ManifestDiagnostic[]>;
}

export function createManifestService(options: ManifestServiceOptions = {}): ManifestService {
  const cache = new AnalysisCache();
  const validateOptions = (languageId: LanguageId | undefined): ValidateOptions => ({
    languageId,
    now: options.now?.() ?? new Date(),
    knownTargets: options.knownTargets?.(),
    knownModels: languageId === 'reload-manifest' ? undefined : options.knownModels?.(),
    cache,
  });
  return {
    validate: (text, languageId) => validateManifest(text, validateOptions(languageId)),
    snapshot: (text, languageId, positionAt) => validateWithSnapshot(text, validateOptions(languageId), positionAt),
    update: (previous, text, positionAt) => updateSnapshot(previous, text, positionAt),
    async checkFiles(text, result, manifestPath, check = {}) {
      if (!options.files || !result.model) return [];
      const findings = await checkLocalFiles(result.model, options.files.hostFor(manifestPath, check.requester), { signal: check.signal });
      return findings.length > 0 ? resolveFindings(text, findings, new LineIndex(text)) : [];
    },
  };
}

/** The Model changes a reload manifest's text declares (`model:<id>` and where), for the adapters of context manifests. */
export function declaredModels(text: string): { ref: string; pointer: string }[] {
  const parsed = parseJsonc(text);
  const format = parsed.ok ? detectFormat(parsed.value, 'reload-manifest').format : undefined;
  if (!format || format.apiVersion !== LANGUAGES['reload-manifest'].current) return [];
  return readManifest(parsed.value, format)
    .changes.filter((change) => change.kind === 'Model' && change.id !== '')
    .map((change) => ({ ref: change.ref, pointer: change.pointer }));
}
